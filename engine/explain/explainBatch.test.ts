import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AccessEvent, StoredEvent } from '../events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../events/canonical.js';
import { lookUpBatchReference } from '../reference/batchReference.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { ThreadedDuckdbStore } from '../store/duckdb/threadedDuckdbStore.js';
import type { ReferenceStore } from '../store/port.js';
import { explainBatch, lookUpAndExplain } from './explainBatch.js';

/**
 * The embedded store explains a batch on its own thread, beside the reference data
 * (ReferenceStore.explainAccesses); a store without that is explained in the caller. Both must
 * give every access the same explanation and the rules the same reference data.
 */

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-explain-'));
const store = new ThreadedDuckdbStore({ path: join(dir, 'accesswatch.duckdb') });
const received = '2026-11-20T08:00:00.000Z';

const ann: Staff = { userId: 'U1', organisation: 'RRK', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical', team: 'ward-7', nhsNumber: '9434765870', start: '2020-01-06' };
const bob: Staff = { userId: 'U2', organisation: 'A81001', name: 'Bob', surname: 'Ray', role: 'R8000', roleClass: 'clinical', start: '2021-03-01' };
const smith: Patient = {
  nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1950-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' },
  flags: [], optOuts: [], registeredPractice: 'A81001',
};
const annAsPatient: Patient = { ...smith, nhsNumber: '9434765870', surname: 'Lee', registeredPractice: 'B82002' };
const relationships: Relationship[] = [
  { id: 'adm-1', nhsNumber: '9434765919', organisation: 'RRK', type: 'admission', start: '2026-11-18' },
  { id: 'ct-1', nhsNumber: '9434765919', organisation: 'RRK', type: 'care-team', team: 'ward-7', start: '2026-11-18', end: '2026-11-25' },
  { id: 'old-1', nhsNumber: '9434765870', organisation: 'RRK', type: 'appointment', start: '2024-03-01', end: '2024-03-01' },
];

function batch(): StoredEvent[] {
  const accesses: Partial<AccessEvent>[] = [
    { user: { id: 'U1', role: 'R8000', team: 'ward-7' }, organisation: 'RRK', patient: { nhsNumber: '9434765919' } },
    { user: { id: 'U1', role: 'R8000' }, organisation: 'RRK', patient: { nhsNumber: '9434765870' } },
    { user: { id: 'U2', role: 'R8000' }, organisation: 'A81001', patient: { nhsNumber: '9434765919' }, occurredAt: '2026-07-01T12:00:00+01:00' },
    { user: { id: 'U9', role: 'R8000' }, organisation: 'A81001', patient: { nhsNumber: '9449306060' } },
  ];
  return accesses.map((overrides, i) => {
    const event: AccessEvent = {
      id: `e${i}`, occurredAt: '2026-11-20T10:00:00Z', system: 'pas-rrk', organisation: 'RRK',
      user: { id: 'U1', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view', ...overrides,
    };
    return { docId: eventDocId(event.system, event.id), event, sha256: eventFingerprint(event), receivedAt: received, batchId: 'b1' };
  });
}

beforeAll(async () => {
  await store.init();
  await store.upsertStaff([ann, bob].map((record) => ({ record, receivedAt: received })));
  await store.upsertPatients([smith, annAsPatient].map((record) => ({ record, receivedAt: received })));
  await store.upsertRelationships(relationships.map((record) => ({ record, receivedAt: received })));
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('explaining a batch beside the reference data', () => {
  it('gives every access the explanation it gets in the caller, and the rules the same records', async () => {
    // The same store without explainAccesses: the caller looks up and explains.
    const lookupsOnly: ReferenceStore = {
      upsertStaff: (s) => store.upsertStaff(s), upsertPatients: (p) => store.upsertPatients(p), upsertRelationships: (r) => store.upsertRelationships(r),
      findStaff: (k) => store.findStaff(k), findPatients: (n) => store.findPatients(n), findStaffByNhsNumbers: (n) => store.findStaffByNhsNumbers(n),
      findRelationships: (n) => store.findRelationships(n),
    };
    const here = batch();
    const hereReference = await lookUpAndExplain(here, lookupsOnly, { marginDays: 30, patientsAsStaff: true });
    const beside = batch();
    const besideReference = await lookUpAndExplain(beside, store, { marginDays: 30, patientsAsStaff: true });

    expect(beside.map((stored) => stored.explanation)).toEqual(here.map((stored) => stored.explanation));
    expect(beside.map((stored) => stored.explanation?.explained)).toEqual([true, false, true, false]);
    expect(beside[0].explanation?.by).toMatchObject({ type: 'care-team', level: 'team', relationshipId: 'ct-1' });
    expect(beside[1].explanation?.why).toContain('not active on 2026-11-20');
    for (const { event } of beside) {
      expect(besideReference.staffOf(event)).toEqual(hereReference.staffOf(event));
      expect(besideReference.patientOf(event.patient.nhsNumber)).toEqual(hereReference.patientOf(event.patient.nhsNumber));
      expect(besideReference.staffWithNhsNumber(event.patient.nhsNumber)).toEqual(hereReference.staffWithNhsNumber(event.patient.nhsNumber));
    }
    expect(besideReference.staffWithNhsNumber('9434765870')).toEqual([ann]);

    // And both agree with explaining from the full reference data directly.
    const direct = batch();
    explainBatch(direct, await lookUpBatchReference(direct, store, { relationships: true, patientsAsStaff: false }), { marginDays: 30 });
    expect(direct.map((stored) => stored.explanation)).toEqual(beside.map((stored) => stored.explanation));
  });

  it('explains a batch as it stores it, with the same explanations, read back whole', async () => {
    const expected = batch().map((stored) => ({ ...stored, event: { ...stored.event, id: `w-${stored.event.id}`, system: 'pas-w' } }))
      .map((stored) => ({ ...stored, docId: eventDocId(stored.event.system, stored.event.id), sha256: eventFingerprint(stored.event) }));
    await lookUpAndExplain(expected, store, { marginDays: 30, patientsAsStaff: true });

    const quiet: StoredEvent[] = structuredClone(expected).map(({ explanation: _none, ...stored }) => stored);
    const unanswered = await store.insertEventsExplaining(quiet.slice(0, 2), { marginDays: 30, patientsAsStaff: true }, false);
    expect(unanswered).toEqual({ result: expect.objectContaining({ inserted: 2, duplicates: 0 }) });
    expect(quiet[0]).not.toHaveProperty('explanation');
    const answered = await store.insertEventsExplaining(quiet.slice(2), { marginDays: 30, patientsAsStaff: true }, true);
    expect(answered.result.inserted).toBe(2);
    expect(answered.explained?.explanations).toEqual(expected.slice(2).map((stored) => stored.explanation));
    expect(answered.explained?.patientsAsStaff.map(({ record }) => record)).toEqual([]);

    const page = await store.queryEvents({ organisations: ['RRK', 'A81001'], system: 'pas-w', limit: 10 });
    const byId = new Map(page.events.map((stored) => [stored.event.id, stored.explanation]));
    expect(expected.map((stored) => byId.get(stored.event.id))).toEqual(expected.map((stored) => stored.explanation));
    expect(byId.get('w-e0')?.checked).toEqual([
      'registration of the patient with RRK', 'care relationships of U1, team ward-7 or RRK with the patient active on 2026-11-20 (±30 days)',
    ]);
  });
});
