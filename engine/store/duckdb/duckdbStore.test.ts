import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccessEvent } from '../../events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../../events/canonical.js';
import { ThreadedDuckdbStore } from './threadedDuckdbStore.js';
import { storeContract } from '../storeContract.js';
import { DuckdbStore } from './duckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

storeContract('duckdb', async () => new DuckdbStore({ path: join(dir, `store-${n++}.duckdb`) }));

describe('the embedded store after a restart', () => {
  it('still knows every stored event, so a replay counts as duplicates', async () => {
    const path = join(dir, 'restart.duckdb');
    const batch = Array.from({ length: 3000 }, (_, i) => {
      const event: AccessEvent = {
        id: `r-${i}`, occurredAt: '2026-11-20T09:00:00Z', system: 'emis-a81001', organisation: 'A81001',
        user: { id: 'G1', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view',
      };
      return { docId: eventDocId(event.system, event.id), event, sha256: eventFingerprint(event), receivedAt: '2026-11-20T09:00:01.000Z', batchId: 'b' };
    });
    let store = new ThreadedDuckdbStore({ path });
    await store.init();
    expect(await store.insertEvents(batch.slice(0, 2000))).toMatchObject({ inserted: 2000, duplicates: 0 });
    await store.close();
    store = new ThreadedDuckdbStore({ path });
    await store.init();
    expect((await store.existingEventIds([batch[0].docId, batch[2500].docId])).size).toBe(1);
    expect(await store.insertEvents(batch)).toMatchObject({ inserted: 1000, duplicates: 2000 });
    expect(await store.countEvents()).toBe(3000);
    await store.close();
  });
});
