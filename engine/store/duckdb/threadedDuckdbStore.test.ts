import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeContract } from '../storeContract.js';
import { ThreadedDuckdbStore } from './threadedDuckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-thread-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('duckdb in its own thread', async () => new ThreadedDuckdbStore({ path: join(dir, `store-${n++}.duckdb`) }));

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
