import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { alertStoreContract } from '../alertStoreContract.js';
import { incidentStoreContract } from '../incidentStoreContract.js';
import type { Store } from '../port.js';
import { storeContract } from '../storeContract.js';
import { ThreadedDuckdbStore } from './threadedDuckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-thread-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = new WeakMap<Store, string>();
function openStore(path: string): ThreadedDuckdbStore {
  const store = new ThreadedDuckdbStore({ path });
  paths.set(store, path);
  return store;
}
const contractOptions = { reopen: async (closed: Store) => openStore(paths.get(closed)!) };

storeContract('duckdb in its own thread', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);
alertStoreContract('duckdb in its own thread', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);
incidentStoreContract('duckdb in its own thread', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);

describe('when the store thread dies', () => {
  it('reports it once, and refuses further work instead of hanging', async () => {
    const store = new ThreadedDuckdbStore({ path: join(dir, 'dies.duckdb') });
    await store.init();
    const lost: string[] = [];
    store.onThreadLost = (err) => lost.push(err.message);
    await (store as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
    await expect(store.ping()).rejects.toThrow(/store thread stopped/);
    expect(lost).toHaveLength(1);
    await store.close();
    expect(lost).toHaveLength(1);
  });

  it('says nothing when it is closed on purpose', async () => {
    const store = new ThreadedDuckdbStore({ path: join(dir, 'closed.duckdb') });
    await store.init();
    const lost: string[] = [];
    store.onThreadLost = (err) => lost.push(err.message);
    await store.close();
    expect(lost).toEqual([]);
  });
});

describe('a request the store thread cannot read', () => {
  it('is answered with its error, and the thread goes on', async () => {
    const store = new ThreadedDuckdbStore({ path: join(dir, 'unreadable.duckdb') });
    let lost: Error | undefined;
    store.onThreadLost = (err) => { lost = err; };
    await store.init();
    const call = (store as unknown as { call: (method: string, args: unknown[], json?: string) => Promise<unknown> }).call.bind(store);
    await expect(call('explainAccessesText', [], '{not json')).rejects.toThrow(/JSON/);
    await store.ping();
    expect(await store.countEvents()).toBe(0);
    expect(lost).toBeUndefined();
    await store.close();
  });
});
