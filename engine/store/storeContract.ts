import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccessEvent, StoredEvent } from '../events/accessEvent.js';
import { canonicalJson, eventDocId, eventFingerprint } from '../events/canonical.js';
import type { Patient, Relationship, Staff, Stored } from '../reference/referenceData.js';
import type { Store } from './port.js';

export interface StoreContractOptions {
  /** The backend makes writes visible to searches only after a refresh (Elasticsearch). */
  refresh?: (store: Store) => Promise<void>;
  /** A new store on the same data as a closed one (the same file or index prefix), for restart tests. */
  reopen?: (closed: Store) => Promise<Store>;
}

function storedEvent(overrides: Partial<AccessEvent> & { id: string }, original?: unknown): StoredEvent {
  const event: AccessEvent = {
    occurredAt: '2026-11-20T09:00:00Z',
    system: 'emis-a81001',
    organisation: 'A81001',
    user: { id: 'u-1', role: 'R8000' },
    patient: { nhsNumber: '9434765919' },
    action: 'view',
    ...overrides,
  };
  return {
    docId: eventDocId(event.system, event.id),
    event,
    sha256: eventFingerprint(event),
    receivedAt: '2026-11-20T09:00:01.000Z',
    batchId: 'batch-1',
    ...(original === undefined ? {} : { original }),
  };
}

const received = (n: number) => `2026-11-2${n}T09:00:00.000Z`;

function staff(overrides: Partial<Staff> = {}, at = received(0)): Stored<Staff> {
  return {
    record: {
      userId: 'G1234567', organisation: 'A81001', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical',
      start: '2020-01-06', ...overrides,
    },
    receivedAt: at,
  };
}

function patient(overrides: Partial<Patient> = {}, at = received(0)): Stored<Patient> {
  return {
    record: {
      nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1970-05-01', address: { line1: '1 High Street', postcode: 'LS1 4AP' },
      flags: [], optOuts: [], ...overrides,
    },
    receivedAt: at,
  };
}

function relationship(overrides: Partial<Relationship> = {}, at = received(0)): Stored<Relationship> {
  return {
    record: { nhsNumber: '9434765919', organisation: 'A81001', type: 'registration', start: '2020-01-01', ...overrides },
    receivedAt: at,
  };
}

/** Lookups come back in no particular order: compare them sorted. */
const sorted = <T>(records: Stored<T>[]) => [...records].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

/**
 * The behaviour every store adapter promises (see port.ts). Each adapter's test file calls this
 * with a factory that returns a fresh, isolated store (its own file, index prefix or namespace).
 */
export function storeContract(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`store contract: ${name}`, () => {
    let store: Store;
    const visible = async () => { if (options.refresh) await options.refresh(store); };

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it('stores a batch once and counts a replay as duplicates', async () => {
      const batch = [storedEvent({ id: 'a' }), storedEvent({ id: 'b' }), storedEvent({ id: 'c' })];
      const first = await store.insertEvents(batch);
      expect(first).toEqual({ inserted: 3, duplicates: 0, quarantined: [], insertedDocIds: expect.any(Array) });
      expect(first.insertedDocIds.sort()).toEqual(batch.map((e) => e.docId).sort());
      expect(await store.insertEvents(batch)).toEqual({ inserted: 0, duplicates: 3, quarantined: [], insertedDocIds: [] });
      const d = storedEvent({ id: 'd' });
      const replay = await store.insertEvents([batch[1], d, batch[0]]);
      expect(replay).toEqual({ inserted: 1, duplicates: 2, quarantined: [], insertedDocIds: [d.docId] });
      await visible();
      expect(await store.countEvents()).toBe(4);
    });

    it('stores a batch given as JSON text like any other (stores that take one)', async (context) => {
      if (!store.insertEventsJson) context.skip();
      const [a, b, c] = ['a', 'b', 'c'].map((id) => storedEvent({ id }));
      // As a queue job carries it: each event in canonical key order.
      const json = (batch: StoredEvent[]) => JSON.stringify(batch.map((e) => ({ ...e, event: JSON.parse(canonicalJson(e.event)) })));
      expect(await store.insertEventsJson!(json([a, b]))).toEqual({ inserted: 2, duplicates: 0, quarantined: [], insertedDocIds: [a.docId, b.docId] });
      expect(await store.insertEventsJson!(json([b, c]))).toEqual({ inserted: 1, duplicates: 1, quarantined: [], insertedDocIds: [c.docId] });
      await visible();
      expect(await store.countEvents()).toBe(3);
    });

    it('treats the same (system, id) twice in one batch as one event and one duplicate', async () => {
      const result = await store.insertEvents([storedEvent({ id: 'x' }), storedEvent({ id: 'x' })]);
      expect(result).toMatchObject({ inserted: 1, duplicates: 1, insertedDocIds: [storedEvent({ id: 'x' }).docId] });
      await visible();
      expect(await store.countEvents()).toBe(1);
    });

    it('stores overlapping batches written at the same time exactly once', async () => {
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((id) => storedEvent({ id }));
      await store.insertEvents([a]);
      const results = await Promise.all([
        store.insertEvents([a, b]),
        store.insertEvents([b, c]),
        store.insertEvents([c, d, d]),
      ]);
      expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(3);
      expect(results.reduce((sum, r) => sum + r.duplicates, 0)).toBe(4);
      expect(results[0]).toMatchObject({ inserted: 1, duplicates: 1 });
      // Each new event is reported as inserted by exactly one of the writers.
      expect(results.flatMap((r) => r.insertedDocIds).sort()).toEqual([b, c, d].map((e) => e.docId).sort());
      await visible();
      expect(await store.countEvents()).toBe(4);
    });

    it('keeps events with the same id from different systems apart', async () => {
      const result = await store.insertEvents([storedEvent({ id: 'x' }), storedEvent({ id: 'x', system: 'pas-rrk' })]);
      expect(result).toMatchObject({ inserted: 2, duplicates: 0 });
    });

    it('reports which docIds are already stored', async () => {
      const a = storedEvent({ id: 'a' });
      await store.insertEvents([a]);
      await visible();
      const b = storedEvent({ id: 'b' });
      expect(await store.existingEventIds([a.docId, b.docId])).toEqual(new Set([a.docId]));
      expect(await store.existingEventIds([])).toEqual(new Set());
    });

    it('returns events as stored: the event, its fingerprint, receipt time and original document', async () => {
      const fhir = { resourceType: 'AuditEvent', id: 'ae-1' };
      const event = storedEvent({ id: 'ae-1', ip: '10.1.2.3', purpose: 'direct-care', recordPart: 'medication' }, fhir);
      event.explanation = {
        explained: true, checked: ['registration of the patient with A81001'],
        by: { type: 'registration', level: 'organisation', organisation: 'A81001', withinMargin: false },
      };
      await store.insertEvents([event]);
      await visible();
      const page = await store.queryEvents({ organisations: ['A81001'], limit: 10 });
      expect(page.events).toEqual([event]);
      expect(page.nextCursor).toBeUndefined();
    });

    it('filters by organisation scope, patient, user, system and time', async () => {
      await store.insertEvents([
        storedEvent({ id: '1', occurredAt: '2026-11-20T08:00:00Z' }),
        storedEvent({ id: '2', occurredAt: '2026-11-20T10:00:00Z', user: { id: 'u-2', role: 'R8000' } }),
        storedEvent({ id: '3', occurredAt: '2026-11-20T10:30:00+01:00', patient: { nhsNumber: '9434765870' } }),
        storedEvent({ id: '4', organisation: 'RRK', system: 'pas-rrk' }),
      ]);
      await visible();
      const ids = async (query: Partial<Parameters<Store['queryEvents']>[0]>) =>
        (await store.queryEvents({ organisations: ['A81001'], limit: 50, ...query })).events.map((e) => e.event.id);
      expect(await ids({})).toEqual(['2', '3', '1']);
      expect(await ids({ organisations: [] })).toEqual([]);
      expect(await ids({ organisations: ['RRK'] })).toEqual(['4']);
      expect(await ids({ organisations: ['A81001', 'RRK'], system: 'pas-rrk' })).toEqual(['4']);
      expect(await ids({ nhsNumber: '9434765870' })).toEqual(['3']);
      expect(await ids({ userId: 'u-2' })).toEqual(['2']);
      expect(await ids({ from: '2026-11-20T09:00:00Z', to: '2026-11-20T11:00:00Z' })).toEqual(['2', '3']);
      expect(await ids({ organisation: 'RRK' })).toEqual([]);
    });

    it('pages newest first with a cursor, without gaps or repeats', async () => {
      const batch = Array.from({ length: 25 }, (_, i) =>
        storedEvent({ id: `e${i}`, occurredAt: `2026-11-20T09:${String(i % 10).padStart(2, '0')}:00Z` }));
      await store.insertEvents(batch);
      await visible();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.queryEvents({ organisations: ['A81001'], limit: 10, cursor });
        seen.push(...page.events.map((e) => e.event.id));
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen).size).toBe(25);
      const times = seen.map((id) => Date.parse(batch.find((e) => e.event.id === id)!.event.occurredAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
    });

    it('counts events and explained events per organisation, within the scope and a half-open period', async () => {
      const explained = (by = true): StoredEvent['explanation'] => (by
        ? { explained: true, checked: ['registration'], by: { type: 'registration', level: 'organisation', organisation: 'A81001', withinMargin: false } }
        : { explained: false, checked: ['registration'], why: 'no relationship' });
      const judged = (event: StoredEvent, explanation: StoredEvent['explanation']): StoredEvent => ({ ...event, explanation });
      await store.insertEvents([
        judged(storedEvent({ id: '1', occurredAt: '2026-11-01T00:00:00Z' }), explained()),
        judged(storedEvent({ id: '2', occurredAt: '2026-11-15T10:00:00+01:00' }), explained()),
        judged(storedEvent({ id: '3', occurredAt: '2026-11-20T09:00:00Z' }), explained(false)),
        storedEvent({ id: '4', occurredAt: '2026-11-20T10:00:00Z' }), // never judged: not explained
        judged(storedEvent({ id: '5', occurredAt: '2026-12-01T00:00:00Z' }), explained()), // the period's end is exclusive
        judged(storedEvent({ id: '6', occurredAt: '2026-10-31T23:59:59Z' }), explained()),
        judged(storedEvent({ id: '7', organisation: 'RRK', system: 'pas-rrk', occurredAt: '2026-11-20T09:00:00Z' }), explained()),
        judged(storedEvent({ id: '8', organisation: 'RRK', system: 'pas-rrk', occurredAt: '2026-11-21T09:00:00Z' }), explained(false)),
        judged(storedEvent({ id: '9', organisation: 'ZZZ99', system: 'other', occurredAt: '2026-11-21T09:00:00Z' }), explained()),
      ]);
      await visible();
      const november = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
      expect(await store.eventFigures({ organisations: ['RRK', 'A81001'], ...november })).toEqual({
        total: 6,
        explained: 3,
        byOrganisation: [{ organisation: 'A81001', total: 4, explained: 2 }, { organisation: 'RRK', total: 2, explained: 1 }],
      });
      expect(await store.eventFigures({ organisations: ['A81001'] })).toEqual({
        total: 6, explained: 4, byOrganisation: [{ organisation: 'A81001', total: 6, explained: 4 }],
      });
      expect(await store.eventFigures({ organisations: ['A81001'], from: '2026-11-15T09:00:00Z', to: '2026-11-20T09:00:00Z' })).toEqual({
        total: 1, explained: 1, byOrganisation: [{ organisation: 'A81001', total: 1, explained: 1 }],
      });
      expect(await store.eventFigures({ organisations: ['RRK', 'A81001'], ...november, excludeSystems: ['pas-rrk'] })).toEqual({
        total: 4, explained: 2, byOrganisation: [{ organisation: 'A81001', total: 4, explained: 2 }],
      });
      expect(await store.eventFigures({ organisations: ['B99999'], ...november })).toEqual({ total: 0, explained: 0, byOrganisation: [] });
      expect(await store.eventFigures({ organisations: [] })).toEqual({ total: 0, explained: 0, byOrganisation: [] });
    });

    it('finds sources by key hash, replaces them and revokes them', async () => {
      await store.putSource({ system: 'emis-a81001', organisations: ['A81001'], scopes: ['events'], keyHash: 'h1', createdAt: '2026-11-20T00:00:00Z' });
      expect(await store.findSourceByKeyHash('h1')).toMatchObject({ system: 'emis-a81001', organisations: ['A81001'], scopes: ['events'] });
      await store.putSource({ system: 'emis-a81001', organisations: ['A81001', 'A81002'], scopes: ['events', 'reference'], keyHash: 'h2', createdAt: '2026-11-21T00:00:00Z' });
      expect(await store.findSourceByKeyHash('h1')).toBeUndefined();
      expect((await store.findSourceByKeyHash('h2'))?.organisations).toEqual(['A81001', 'A81002']);
      expect(await store.findSource('emis-a81001')).toMatchObject({ keyHash: 'h2' });
      expect(await store.findSource('tpp-a81002')).toBeUndefined();
      expect(await store.revokeSource('emis-a81001', '2026-11-22T00:00:00Z')).toBe(true);
      expect((await store.findSourceByKeyHash('h2'))?.revokedAt).toBe('2026-11-22T00:00:00Z');
      expect(await store.revokeSource('no-such-system', '2026-11-22T00:00:00Z')).toBe(false);
    });

    it('finds people by token hash', async () => {
      await store.putPerson({ id: 'person-1', name: 'alice', role: 'ig-officer', organisations: ['A81001'], tokenHash: 't1', createdAt: '2026-11-20T00:00:00Z' });
      expect(await store.findPersonByTokenHash('t1')).toMatchObject({ id: 'person-1', name: 'alice', role: 'ig-officer', organisations: ['A81001'] });
      expect(await store.findPersonByName('alice')).toMatchObject({ id: 'person-1', tokenHash: 't1' });
      expect(await store.findPersonByName('bob')).toBeUndefined();
      expect(await store.findPersonByTokenHash('t2')).toBeUndefined();
      expect(await store.countPeopleWithRole('ig-officer')).toBe(1);
      expect(await store.countPeopleWithRole('admin')).toBe(0);
    });

    describe('reference data', () => {
      it('looks up staff exactly as stored, by userId and organisation, leaving out unknown keys', async () => {
        const ann = staff({ team: 'blue', address: { line1: '2 Low Road', postcode: 'LS2 9JT' }, nhsNumber: '9434765870', end: '2026-12-31' });
        const annElsewhere = staff({ organisation: 'RRK', roleClass: 'admin' });
        const bob = staff({ userId: 'G7654321', name: 'Bob' });
        await store.upsertStaff([ann, annElsewhere, bob]);
        await visible();
        expect(sorted(await store.findStaff([{ userId: 'G1234567', organisation: 'A81001' }, { userId: 'G7654321', organisation: 'A81001' },
          { userId: 'G1234567', organisation: 'ZZZ99' }, { userId: 'nobody', organisation: 'A81001' }]))).toEqual(sorted([ann, bob]));
        expect(await store.findStaff([{ userId: 'G1234567', organisation: 'RRK' }])).toEqual([annElsewhere]);
      });

      it('replaces a record posted again, and keeps the last of a key repeated in one batch', async () => {
        await store.upsertStaff([staff({ role: 'R8000' })]);
        await store.upsertStaff([staff({ role: 'R8001' }, received(1)), staff({ role: 'R8003', end: '2026-11-30' }, received(1))]);
        await store.upsertPatients([patient(), patient({ surname: 'Jones', flags: ['vip'] }, received(1))]);
        await store.upsertPatients([patient({ surname: 'Brown', optOuts: ['national'] }, received(2))]);
        await visible();
        expect(await store.findStaff([{ userId: 'G1234567', organisation: 'A81001' }])).toEqual([staff({ role: 'R8003', end: '2026-11-30' }, received(1))]);
        expect(await store.findPatients(['9434765919'])).toEqual([patient({ surname: 'Brown', optOuts: ['national'] }, received(2))]);
      });

      it('finds staff by their own NHS number at every organisation, and stops when a record no longer has it', async () => {
        const ann = staff({ nhsNumber: '9434765870' });
        const annElsewhere = staff({ organisation: 'RRK', nhsNumber: '9434765870', roleClass: 'admin' });
        const bob = staff({ userId: 'G7654321', name: 'Bob', nhsNumber: '9434765919' });
        const carol = staff({ userId: 'G1111111', name: 'Carol' });
        await store.upsertStaff([ann, annElsewhere, bob, carol]);
        await visible();
        expect(sorted(await store.findStaffByNhsNumbers(['9434765870', '9449306060', '9434765870']))).toEqual(sorted([ann, annElsewhere]));
        expect(sorted(await store.findStaffByNhsNumbers(['9434765919', '9434765870']))).toEqual(sorted([ann, annElsewhere, bob]));
        const bobCorrected = staff({ userId: 'G7654321', name: 'Bob' }, received(1));
        await store.upsertStaff([bobCorrected]);
        await visible();
        expect(await store.findStaffByNhsNumbers(['9434765919'])).toEqual([]);
        expect(await store.findStaffByNhsNumbers([])).toEqual([]);
      });

      it('looks up patients by NHS number exactly as stored', async () => {
        const smith = patient({ dateOfDeath: '2026-01-02T10:00:00Z', flags: ['restricted', 'safeguarding'], registeredPractice: 'B82005' });
        const jones = patient({ nhsNumber: '9434765870', surname: 'Jones' });
        await store.upsertPatients([smith, jones]);
        await visible();
        expect(sorted(await store.findPatients(['9434765919', '9434765870', '9449306060', '9434765919']))).toEqual(sorted([smith, jones]));
      });

      it('keys relationships by id within their organisation, else by the whole tuple', async () => {
        const withId = relationship({ id: 'enc-1', type: 'admission', team: 'ward-7' });
        const sameIdElsewhere = relationship({ id: 'enc-1', organisation: 'RRK', type: 'admission' });
        const care = relationship({ type: 'care-team', userId: 'G1234567', start: '2026-01-01T08:00:00Z', end: '2026-02-01' });
        const otherPatient = relationship({ nhsNumber: '9434765870' });
        await store.upsertRelationships([withId, sameIdElsewhere, care, otherPatient, relationship()]);
        const movedAdmission = relationship({ id: 'enc-1', type: 'admission', team: 'ward-9', end: '2026-03-01' }, received(1));
        const endedCare = relationship({ type: 'care-team', userId: 'G1234567', start: '2026-01-01T08:00:00Z', end: '2026-01-15' }, received(1));
        const laterCare = relationship({ type: 'care-team', userId: 'G1234567', start: '2026-06-01' }, received(1));
        await store.upsertRelationships([movedAdmission, endedCare, laterCare]);
        await visible();
        expect(sorted(await store.findRelationships(['9434765919']))).toEqual(
          sorted([movedAdmission, sameIdElsewhere, endedCare, laterCare, relationship()]),
        );
        expect(await store.findRelationships(['9434765870'])).toEqual([otherPatient]);
        expect(await store.findRelationships(['9449306060'])).toEqual([]);
      });

      it('answers patients with their relationships in one lookup, where it offers that, as the two lookups do', async (context) => {
        if (!store.findPatientsAndRelationships) return context.skip('this store has no combined lookup');
        const smith = patient({ flags: ['vip'] });
        const jones = patient({ nhsNumber: '9434765870', surname: 'Jones' });
        await store.upsertPatients([smith, jones]);
        await store.upsertRelationships([relationship(), relationship({ id: 'enc-1', type: 'admission' }), relationship({ nhsNumber: '9449306060' })]);
        await store.upsertRelationships([relationship({ id: 'enc-1', type: 'admission', end: '2026-03-01' }, received(1))]);
        await store.upsertPatients([patient({ surname: 'Smyth' }, received(2))]);
        await visible();
        const wanted = ['9434765919', '9434765870', '9449306060', '9876543210', '9434765919'];
        const both = await store.findPatientsAndRelationships(wanted);
        expect(sorted(both.patients)).toEqual(sorted(await store.findPatients(wanted)));
        expect(sorted(both.relationships)).toEqual(sorted(await store.findRelationships(wanted)));
        expect(sorted(both.patients)).toEqual(sorted([patient({ surname: 'Smyth' }, received(2)), jones]));
        expect(sorted(both.relationships)).toEqual(sorted([
          relationship(), relationship({ id: 'enc-1', type: 'admission', end: '2026-03-01' }, received(1)), relationship({ nhsNumber: '9449306060' }),
        ]));
        // A relationship keyed by its id, corrected to another patient, leaves the first.
        const moved = relationship({ id: 'enc-1', type: 'admission', nhsNumber: '9434765870' }, received(3));
        await store.upsertRelationships([moved]);
        await visible();
        const afterMove = await store.findPatientsAndRelationships(['9434765919', '9434765870']);
        expect(sorted(afterMove.relationships)).toEqual(sorted(await store.findRelationships(['9434765919', '9434765870'])));
        expect(afterMove.relationships.filter(({ record }) => record.id === 'enc-1')).toEqual([moved]);
        expect(await store.findPatientsAndRelationships([])).toEqual({ patients: [], relationships: [] });
        expect(await store.findPatientsAndRelationships(['9876543210'])).toEqual({ patients: [], relationships: [] });
      });

      it('does nothing for empty batches and finds nothing for empty lookups', async () => {
        await store.upsertStaff([]);
        await store.upsertPatients([]);
        await store.upsertRelationships([]);
        expect(await store.findStaff([])).toEqual([]);
        expect(await store.findPatients([])).toEqual([]);
        expect(await store.findRelationships([])).toEqual([]);
        expect(await store.findPatients(['9434765919'])).toEqual([]);
      });
    });

    it('answers ping while open', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });
  });
}
