import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeAlert, subjectKey, type AlertUpdate } from '../../alerts/alert.js';
import type { AccessEvent } from '../../events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../../events/canonical.js';
import { ThreadedDuckdbStore } from './threadedDuckdbStore.js';
import { alertStoreContract } from '../alertStoreContract.js';
import { incidentStoreContract } from '../incidentStoreContract.js';
import type { Store } from '../port.js';
import { storeContract } from '../storeContract.js';
import { DuckdbStore } from './duckdbStore.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-duckdb-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const paths = new WeakMap<Store, string>();
function openStore(path: string): DuckdbStore {
  const store = new DuckdbStore({ path });
  paths.set(store, path);
  return store;
}
const contractOptions = { reopen: async (closed: Store) => openStore(paths.get(closed)!) };

storeContract('duckdb', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);
alertStoreContract('duckdb', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);
incidentStoreContract('duckdb', async () => openStore(join(dir, `store-${n++}.duckdb`)), contractOptions);

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

/** Runs SQL on a database file while no store has it open (as an older version, or a tool, would). */
async function onFile(path: string, sql: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(sql);
  connection.closeSync();
  instance.closeSync();
}

describe('checkpoints of the embedded store', () => {
  const batchOf = (from: number, count: number) => Array.from({ length: count }, (_, i) => {
    const event: AccessEvent = {
      id: `c-${from + i}`, occurredAt: '2026-11-20T09:00:00Z', system: 'emis-a81001', organisation: 'A81001',
      user: { id: 'G1', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view',
    };
    return { docId: eventDocId(event.system, event.id), event, sha256: eventFingerprint(event), receivedAt: '2026-11-20T09:00:01.000Z', batchId: 'b' };
  });
  const walBytes = (path: string) => (existsSync(`${path}.wal`) ? statSync(`${path}.wal`).size : 0);

  it('fold the log into the file once the configured number of rows is written, and not before', async () => {
    const path = join(dir, 'checkpoints.duckdb');
    const store = new DuckdbStore({ path, checkpointRows: 2000 });
    await store.init();
    await store.insertEvents(batchOf(0, 1500));
    const before = walBytes(path);
    expect(before).toBeGreaterThan(100_000); // 1,500 events in the log, not yet in the file
    await store.insertEvents(batchOf(1500, 1000));
    // The checkpoint runs between writes, after the write that crossed the threshold.
    for (let waited = 0; walBytes(path) >= before / 10 && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(walBytes(path)).toBeLessThan(before / 10);
    expect(await store.countEvents()).toBe(2500);
    await store.close();
  });
});

describe('patients with their relationships in the embedded store', () => {
  it('keeps every patient of an upsert naming more NHS numbers than one refresh takes (2,000)', async () => {
    const store = openStore(join(dir, `many-${n++}.duckdb`));
    await store.init();
    const at = '2026-11-20T09:00:00.000Z';
    const nhs = (k: number) => `9${String(k).padStart(9, '0')}`;
    const relationships = Array.from({ length: 4500 }, (_, k) => ({
      record: { nhsNumber: nhs(k), organisation: 'A81001', type: 'registration', start: '2020-01-01' }, receivedAt: at,
    }));
    await store.upsertRelationships(relationships as never);
    const wanted = [0, 1999, 2000, 3999, 4000, 4499].map(nhs);
    const found = await store.findPatientsAndRelationships(wanted);
    expect(found.relationships.map(({ record }) => record.nhsNumber).sort()).toEqual(wanted);
    expect(found.patients).toEqual([]);
    await store.close();
  });
});

describe('the embedded store opening a file written before', () => {
  it('finds staff by NHS number in a staff table that had no nhs_number column', async () => {
    const path = join(dir, 'old-staff.duckdb');
    const ann = { userId: 'G1234567', organisation: 'A81001', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical', nhsNumber: '9434765870', start: '2020-01-06' };
    await onFile(path, `CREATE TABLE staff (user_id VARCHAR NOT NULL, organisation VARCHAR NOT NULL, record VARCHAR NOT NULL, received_at VARCHAR NOT NULL,
        PRIMARY KEY (user_id, organisation));
      INSERT INTO staff VALUES ('G1234567', 'A81001', '${JSON.stringify(ann)}', '2026-11-20T09:00:00.000Z'),
        ('G7654321', 'A81001', '${JSON.stringify({ ...ann, userId: 'G7654321', nhsNumber: undefined })}', '2026-11-20T09:00:00.000Z')`);
    const store = new DuckdbStore({ path });
    await store.init();
    expect(await store.findStaffByNhsNumbers(['9434765870'])).toEqual([{ record: ann, receivedAt: '2026-11-20T09:00:00.000Z' }]);
    await store.upsertStaff([{ record: { ...ann, userId: 'G7654321', roleClass: 'clinical' }, receivedAt: '2026-11-21T09:00:00.000Z' }]);
    expect((await store.findStaffByNhsNumbers(['9434765870'])).map((staff) => staff.record.userId).sort()).toEqual(['G1234567', 'G7654321']);
    await store.close();
  });

  it('fills the table of patients with their relationships from the patients and relationships it holds', async () => {
    const path = join(dir, 'old-reference.duckdb');
    const at = '2026-11-20T09:00:00.000Z';
    const smith = { nhsNumber: '9434765919', surname: 'Smith' };
    const onlyRelated = { nhsNumber: '9434765870', organisation: 'RRK', type: 'referral', start: '2026-01-01' };
    const registration = { nhsNumber: '9434765919', organisation: 'A81001', type: 'registration', start: '2020-01-01' };
    const admission = { ...registration, id: 'enc-1', organisation: 'RRK', type: 'admission' };
    const store = new DuckdbStore({ path });
    await store.init();
    await store.upsertPatients([{ record: smith, receivedAt: at }] as never);
    await store.upsertRelationships([registration, admission, onlyRelated].map((record) => ({ record, receivedAt: at })) as never);
    await store.close();
    await onFile(path, 'DROP TABLE patient_reference; DROP TABLE store_meta');
    const reopened = new DuckdbStore({ path });
    await reopened.init();
    const found = await reopened.findPatientsAndRelationships(['9434765919', '9434765870']);
    expect(found.patients).toEqual([{ record: smith, receivedAt: at }]);
    expect(found.relationships.map(({ record }) => record).sort((a, b) => a.type.localeCompare(b.type))).toEqual([admission, onlyRelated, registration]);
    // Kept up by upserts after the fill, a row per patient still.
    const later = '2026-11-21T09:00:00.000Z';
    await reopened.upsertPatients([{ record: { ...smith, surname: 'Smyth' }, receivedAt: later }] as never);
    await reopened.upsertRelationships([{ record: { ...admission, end: '2026-03-01' }, receivedAt: later }] as never);
    const after = await reopened.findPatientsAndRelationships(['9434765919']);
    expect(after.patients).toEqual([{ record: { ...smith, surname: 'Smyth' }, receivedAt: later }]);
    expect(after.relationships.map(({ record }) => record.type).sort()).toEqual(['admission', 'registration']);
    expect(after.relationships.find(({ record }) => record.type === 'admission')).toEqual({ record: { ...admission, end: '2026-03-01' }, receivedAt: later });
    await reopened.close();
  });

  it('builds again a table of patients with their relationships that an earlier version of it built', async () => {
    const path = join(dir, 'old-patient-reference.duckdb');
    const at = '2026-11-20T09:00:00.000Z';
    const admission = { nhsNumber: '9434765919', organisation: 'RRK', type: 'admission', id: 'enc-1', start: '2026-01-01' };
    const store = new DuckdbStore({ path });
    await store.init();
    await store.upsertRelationships([{ record: admission, receivedAt: at }] as never);
    await store.close();
    // As an earlier version could leave it: the relationship under a patient it has moved away from.
    await onFile(path, `UPDATE store_meta SET value = '1';
      INSERT INTO patient_reference VALUES ('9434765870', NULL, '{"record":${JSON.stringify({ ...admission, nhsNumber: '9434765919' })},"receivedAt":"${at}"}')`);
    const reopened = new DuckdbStore({ path });
    await reopened.init();
    expect(await reopened.findPatientsAndRelationships(['9434765870'])).toEqual({ patients: [], relationships: [] });
    expect((await reopened.findPatientsAndRelationships(['9434765919'])).relationships).toEqual([{ record: admission, receivedAt: at }]);
    await reopened.close();
  });

  it('reads alerts that kept their evidence inside the alert, and merges new evidence into them', async () => {
    const path = join(dir, 'old-alerts.duckdb');
    const ref = (id: string, minute: number) => ({ docId: eventDocId('emis-a81001', id), system: 'emis-a81001', id, occurredAt: `2026-11-20T09:0${minute}:00Z` });
    const update = (refs: ReturnType<typeof ref>[]): AlertUpdate => ({
      ruleId: 'co-worker-record', title: "Access to a co-worker's record", severity: 'medium', raises: 'alert',
      subject: { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' },
      firstSeenAt: refs[0].occurredAt, lastSeenAt: refs[refs.length - 1].occurredAt, explanation: { text: 'co-worker' }, evidence: refs,
    });
    const old = mergeAlert(undefined, update([ref('e1', 1), ref('e2', 2)]), { id: 'alert-1', now: '2026-11-21T09:00:00.000Z' });
    const quoted = JSON.stringify(old).replaceAll("'", "''");
    await onFile(path, `CREATE TABLE alerts (
        id VARCHAR PRIMARY KEY, rule_id VARCHAR NOT NULL, subject_key VARCHAR NOT NULL, organisation VARCHAR NOT NULL,
        severity VARCHAR NOT NULL, status VARCHAR NOT NULL, raises VARCHAR NOT NULL, user_id VARCHAR, nhs_number VARCHAR,
        first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, alert VARCHAR NOT NULL);
      INSERT INTO alerts VALUES ('alert-1', 'co-worker-record', '${subjectKey(old).replaceAll("'", "''")}', 'A81001', 'medium', 'open', 'alert',
        'G1234567', '9434765919', '${old.firstSeenAt}', '${old.lastSeenAt}', '${quoted}')`);
    const store = new DuckdbStore({ path });
    await store.init();
    expect(await store.getAlert('alert-1')).toEqual(old);
    expect((await store.queryAlerts({ organisations: ['A81001'], limit: 10 })).alerts).toEqual([old]);
    expect(await store.recordAlerts([update([ref('e2', 2), ref('e3', 3)])], '2026-11-22T09:00:00.000Z')).toEqual({ opened: 0, updated: 1 });
    const merged = await store.getAlert('alert-1');
    expect(merged).toMatchObject({ eventCount: 3, lastSeenAt: '2026-11-20T09:03:00Z' });
    expect(merged!.evidence.map((kept) => kept.id)).toEqual(['e1', 'e2', 'e3']);
    await store.close();
  });

  it('opens a new alert once the open one has been closed (triaged)', async () => {
    const path = join(dir, 'triaged.duckdb');
    const update = (id: string): AlertUpdate => ({
      ruleId: 'co-worker-record', title: "Access to a co-worker's record", severity: 'medium', raises: 'alert',
      subject: { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' },
      firstSeenAt: '2026-11-20T09:00:00Z', lastSeenAt: '2026-11-20T09:00:00Z', explanation: { text: 'co-worker' },
      evidence: [{ docId: eventDocId('emis-a81001', id), system: 'emis-a81001', id, occurredAt: '2026-11-20T09:00:00Z' }],
    });
    let store = new DuckdbStore({ path });
    await store.init();
    await store.recordAlerts([update('e1')], '2026-11-21T09:00:00Z');
    await store.close();
    await onFile(path, `UPDATE alerts SET status = 'dismissed', alert = json_merge_patch(alert, '{"status":"dismissed"}')`);
    store = new DuckdbStore({ path });
    await store.init();
    expect(await store.recordAlerts([update('e2')], '2026-11-22T09:00:00Z')).toEqual({ opened: 1, updated: 0 });
    const open = (await store.queryAlerts({ organisations: ['A81001'], status: 'open', limit: 10 })).alerts;
    expect(open.map((alert) => alert.evidence.map((ref) => ref.id))).toEqual([['e2']]);
    expect((await store.queryAlerts({ organisations: ['A81001'], status: 'dismissed', limit: 10 })).alerts[0].evidence.map((ref) => ref.id)).toEqual(['e1']);
    await store.close();
  });
});
