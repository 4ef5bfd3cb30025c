import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { alertScore, MAX_EVIDENCE, mergeAlert, type Alert, type AlertUpdate, type EvidenceRef } from '../alerts/alert.js';
import { eventDocId } from '../events/canonical.js';
import { at, evidence, suppression, update } from './alertContractFixtures.js';
import { alertTriageContract } from './alertTriageContract.js';
import { InvalidCursorError } from './cursor.js';
import type { AlertQuery, Store } from './port.js';
import type { StoreContractOptions } from './storeContract.js';

/**
 * The behaviour every alert store promises (AlertStore in port.ts), run by storeContract for each
 * adapter. `options.reopen` (a second store on the same file or prefix) enables the restart test.
 */
export function alertStoreContract(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`alert store contract: ${name}`, () => {
    let store: Store;
    const visible = async () => { if (options.refresh) await options.refresh(store); };
    const query = async (filters: Partial<AlertQuery> = {}) => {
      await visible();
      return (await store.queryAlerts({ organisations: ['A81001', 'RRK'], limit: 100, ...filters })).alerts;
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it('opens an alert, then merges later evidence into it: events counted once, severity raised, first and last seen widened', async () => {
      expect(await store.recordAlerts([update([5, 6])], at(1))).toEqual({ opened: 1, updated: 0 });
      const [opened] = await query();
      expect(opened).toEqual(mergeAlert(undefined, update([5, 6]), { id: opened.id, now: at(1) }));

      const later = update([6, 2, 9], { severity: 'high', explanation: { text: 'Ann looked again.' } });
      expect(await store.recordAlerts([later], at(2))).toEqual({ opened: 0, updated: 1 });
      const alerts = await query();
      expect(alerts).toHaveLength(1);
      const [merged] = alerts;
      expect(merged).toMatchObject({
        id: opened.id, status: 'open', severity: 'high', eventCount: 4, firstSeenAt: evidence(2).occurredAt, lastSeenAt: evidence(9).occurredAt,
        explanation: { text: 'Ann looked again.' }, createdAt: at(1), updatedAt: at(2),
      });
      expect(merged.evidence.map((ref) => ref.id)).toEqual(['e2', 'e5', 'e6', 'e9']);
      expect(merged.score).toBe(alertScore({ severity: 'high', eventCount: 4, raises: 'alert' }));

      await store.recordAlerts([update([10], { severity: 'low' })], at(3));
      expect(await store.getAlert(opened.id)).toMatchObject({ severity: 'high', eventCount: 5, updatedAt: at(3) });
    });

    it('keeps counting events beyond the evidence it keeps, and keeps the earliest 500 whatever order they come in', async () => {
      const ref = (n: number) => ({ ...evidence(1), docId: eventDocId('emis-a81001', `f${n}`), id: `f${n}`, occurredAt: new Date(Date.parse('2026-11-20T08:00:00Z') + n * 1000).toISOString() });
      const refs = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => ref(from + i));
      const withRefs = (list: EvidenceRef[], overrides: Partial<AlertUpdate> = {}) =>
        update([], { evidence: list, firstSeenAt: list[0].occurredAt, lastSeenAt: list[list.length - 1].occurredAt, ...overrides });
      const ids = (alert: Alert) => alert.evidence.map((kept) => kept.id);
      await store.recordAlerts([withRefs(refs(0, MAX_EVIDENCE))], at(1));
      const [full] = await query();
      expect(full).toMatchObject({ eventCount: MAX_EVIDENCE });

      expect(await store.recordAlerts([withRefs(refs(500, 503), { explanation: { text: 'Ann looked again, after hours.' } })], at(2))).toEqual({ opened: 0, updated: 1 });
      const [beyond] = await query();
      expect(beyond).toMatchObject({ id: full.id, eventCount: 503, lastSeenAt: ref(502).occurredAt, firstSeenAt: ref(0).occurredAt, updatedAt: at(2), explanation: { text: 'Ann looked again, after hours.' } });
      expect(beyond.evidence).toEqual(full.evidence);
      expect(beyond.score).toBe(alertScore({ severity: 'medium', eventCount: 503, raises: 'alert' }));

      await store.recordAlerts([withRefs([ref(-1), ref(600)])], at(3));
      const [earlier] = await query();
      expect(earlier).toMatchObject({ eventCount: 505, firstSeenAt: ref(-1).occurredAt, lastSeenAt: ref(600).occurredAt });
      expect(ids(earlier)).toEqual(['f-1', ...ids(full).slice(0, MAX_EVIDENCE - 1)]);

      await store.recordAlerts([withRefs([ref(10)], { severity: 'high' })], at(4));
      const [kept] = await query();
      expect(kept).toMatchObject({ eventCount: 505, severity: 'high' });
      expect(kept.evidence).toEqual(earlier.evidence);
      expect(await store.getAlert(full.id)).toEqual(kept);
    });

    it('keeps evidence earliest first whether it arrives in time order or not, through triage too', async () => {
      const ids = async () => (await store.getAlert((await query())[0].id))!.evidence.map((ref) => ref.id);
      await store.recordAlerts([update([10, 11])], at(1));
      await store.recordAlerts([update([12])], at(2));
      await store.recordAlerts([update([14, 13])], at(3));
      expect(await ids()).toEqual(['e10', 'e11', 'e12', 'e13', 'e14']);
      await store.recordAlerts([update([9, 12, 15])], at(4));
      expect(await ids()).toEqual(['e9', 'e10', 'e11', 'e12', 'e13', 'e14', 'e15']);
      await store.recordAlerts([update([16])], at(5));
      const [alert] = await query();
      expect(alert.evidence.map((ref) => ref.id)).toEqual(['e9', 'e10', 'e11', 'e12', 'e13', 'e14', 'e15', 'e16']);
      expect(alert).toMatchObject({ eventCount: 8, firstSeenAt: evidence(9).occurredAt, lastSeenAt: evidence(16).occurredAt });
      const [changed] = await store.updateAlerts([{ id: alert.id, expectedVersion: 1, entry: { at: at(6), by: 'person-1', byName: 'Ima Officer', from: 'open', to: 'investigating' } }]);
      expect(changed).toMatchObject({ outcome: 'changed', alert: { status: 'investigating', evidence: alert.evidence } });
      await store.recordAlerts([update([17])], at(7));
      expect(await ids()).toEqual(['e9', 'e10', 'e11', 'e12', 'e13', 'e14', 'e15', 'e16', 'e17']);
    });

    it('changes nothing when the same update is recorded twice', async () => {
      await store.recordAlerts([update([1, 2])], at(1));
      const [first] = await query();
      expect(await store.recordAlerts([update([1, 2]), update([2])], at(2))).toEqual({ opened: 0, updated: 0 });
      expect(await query()).toEqual([first]);
      expect(first.updatedAt).toBe(at(1));
    });

    it('merges several updates for one alert in one call in the order given', async () => {
      const result = await store.recordAlerts([update([1]), update([3], { severity: 'critical' }), update([2], { explanation: { text: 'last' } })], at(1));
      expect(result).toEqual({ opened: 1, updated: 0 });
      const [alert] = await query();
      expect(alert).toMatchObject({ eventCount: 3, severity: 'critical', explanation: { text: 'last' }, createdAt: at(1) });
      expect(alert.evidence.map((ref) => ref.id)).toEqual(['e1', 'e2', 'e3']);
    });

    it('keeps a separate alert for each rule and each subject', async () => {
      const subject = update([1]).subject;
      const updates = [
        update([1]),
        update([1], { ruleId: 'family-record' }),
        update([1], { subject: { ...subject, userId: 'G7654321' } }),
        update([1], { subject: { ...subject, nhsNumber: '9434765870' } }),
        update([1], { subject: { organisation: 'RRK', userId: 'G1234567', nhsNumber: '9434765919' } }),
        update([1], { subject: { organisation: 'A81001', system: 'emis-a81001' } }),
      ];
      expect(await store.recordAlerts(updates, at(1))).toEqual({ opened: 6, updated: 0 });
      const alerts = await query();
      expect(new Set(alerts.map((alert) => alert.id)).size).toBe(6);
      expect(await store.recordAlerts(updates.map((u) => ({ ...u, evidence: [evidence(2)] })), at(2))).toEqual({ opened: 0, updated: 6 });
      expect((await query()).every((alert) => alert.eventCount === 2)).toBe(true);
    });

    it('keeps one open alert per rule and subject when several callers record at once', async () => {
      const results = await Promise.all([1, 2, 3, 4, 5].map((n) => store.recordAlerts([update([n])], at(n))));
      expect(results.reduce((sum, r) => sum + r.opened, 0)).toBe(1);
      expect(results.reduce((sum, r) => sum + r.updated, 0)).toBe(4);
      const alerts = await query();
      expect(alerts).toHaveLength(1);
      expect(alerts[0].evidence.map((ref) => ref.id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    });

    it('shows each caller only the alerts of their organisations', async () => {
      const rrk = { organisation: 'RRK', userId: 'G1234567', nhsNumber: '9434765919' };
      await store.recordAlerts([update([1]), update([2], { subject: rrk })], at(1));
      const organisations = async (scope: string[], organisation?: string) =>
        (await query({ organisations: scope, organisation })).map((alert) => alert.organisation).sort();
      expect(await organisations(['A81001'])).toEqual(['A81001']);
      expect(await organisations(['RRK', 'A81001'])).toEqual(['A81001', 'RRK']);
      expect(await organisations([])).toEqual([]);
      expect(await organisations(['A81001'], 'RRK')).toEqual([]);
      expect(await organisations(['A81001', 'RRK'], 'RRK')).toEqual(['RRK']);
    });

    it('filters by status, rule, severity, user, patient, what it raises and when it was seen', async () => {
      const subject = update([1]).subject;
      await store.recordAlerts([
        update([1]),
        update([30], { ruleId: 'family-record', severity: 'high', subject: { ...subject, userId: 'G7654321' } }),
        update([40, 50], { ruleId: 'after-hours', severity: 'low', raises: 'signal', subject: { ...subject, nhsNumber: '9434765870' } }),
      ], at(1));
      const rules = async (filters: Partial<AlertQuery>) => (await query(filters)).map((alert) => alert.ruleId);
      expect(await rules({})).toEqual(['after-hours', 'family-record', 'co-worker-record']);
      expect(await rules({ status: 'open' })).toEqual(['after-hours', 'family-record', 'co-worker-record']);
      expect(await rules({ status: 'dismissed' })).toEqual([]);
      expect(await rules({ ruleId: 'family-record' })).toEqual(['family-record']);
      expect(await rules({ severity: 'low' })).toEqual(['after-hours']);
      expect(await rules({ userId: 'G7654321' })).toEqual(['family-record']);
      expect(await rules({ nhsNumber: '9434765870' })).toEqual(['after-hours']);
      expect(await rules({ raises: 'alert' })).toEqual(['family-record', 'co-worker-record']);
      expect(await rules({ raises: 'signal' })).toEqual(['after-hours']);
      // from: last seen at or after; to: first seen before (instants, whatever their offset).
      expect(await rules({ from: '2026-11-20T09:30:00Z' })).toEqual(['after-hours', 'family-record']);
      expect(await rules({ from: '2026-11-20T10:30:01+01:00' })).toEqual(['after-hours']);
      expect(await rules({ to: '2026-11-20T10:30:00+01:00' })).toEqual(['co-worker-record']);
      expect(await rules({ from: '2026-11-20T09:45:00Z', to: '2026-11-20T09:41:00Z' })).toEqual(['after-hours']);
    });

    it('keeps a team\'s alert about one patient with the users behind it, and lists it among each of those users\' alerts', async () => {
      const team = { organisation: 'A81001', team: 'RECEPTION', nhsNumber: '9434765919' };
      await store.recordAlerts([
        update([1], { ruleId: 'unexplained', subject: team, users: ['G1234567'] }),
        update([2], { ruleId: 'unexplained', subject: team, users: ['G7654321'] }),
        update([3], { ruleId: 'unexplained', subject: { ...team, team: 'GP' }, users: ['G7654321'] }),
        update([4], { ruleId: 'family-record', subject: { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' } }),
      ], at(1));
      await store.recordAlerts([update([5], { ruleId: 'unexplained', subject: team, users: ['G1234567'] })], at(2));
      const reception = (await query({ ruleId: 'unexplained' })).find((alert) => alert.team === 'RECEPTION')!;
      expect(reception).toMatchObject({ team: 'RECEPTION', nhsNumber: '9434765919', users: ['G1234567', 'G7654321'], eventCount: 3 });
      expect(reception.userId).toBeUndefined();
      expect(await store.getAlert(reception.id)).toEqual(reception);
      const of = async (userId: string) => (await query({ userId })).map((alert) => `${alert.ruleId} ${alert.team ?? alert.userId}`).sort();
      expect(await of('G1234567')).toEqual(['family-record G1234567', 'unexplained RECEPTION']);
      expect(await of('G7654321')).toEqual(['unexplained GP', 'unexplained RECEPTION']);
      expect(await store.countAlerts({ organisations: ['A81001'], userId: 'G7654321' })).toMatchObject({ open: 2 });
    });

    it('counts alerts by status with the same filters, in the caller\'s organisations only', async () => {
      const subject = update([1]).subject;
      await store.recordAlerts([
        update([1]),
        update([30], { ruleId: 'family-record', severity: 'high', subject: { ...subject, userId: 'G7654321' } }),
        update([40], { ruleId: 'after-hours', severity: 'low', raises: 'signal', subject: { ...subject, nhsNumber: '9434765870' } }),
        update([50], { subject: { ...subject, organisation: 'RRK' } }),
      ], at(1));
      const family = (await query({ ruleId: 'family-record' }))[0];
      const [outcome] = await store.updateAlerts([{ id: family.id, expectedVersion: family.version, entry: { at: at(2), by: 'person-ola', byName: 'ola', from: 'open', to: 'dismissed', reason: 'duplicate' } }]);
      expect(outcome.outcome).toBe('changed');
      await visible();
      const none = { open: 0, investigating: 0, dismissed: 0, confirmed: 0 };
      expect(await store.countAlerts({ organisations: ['A81001'], raises: 'alert' })).toEqual({ ...none, open: 1, dismissed: 1 });
      expect(await store.countAlerts({ organisations: ['A81001', 'RRK'] })).toEqual({ ...none, open: 3, dismissed: 1 });
      expect(await store.countAlerts({ organisations: ['A81001', 'RRK'], ruleId: 'co-worker-record', userId: 'G1234567' })).toEqual({ ...none, open: 2 });
      expect(await store.countAlerts({ organisations: ['A81001'], raises: 'signal', nhsNumber: '9434765870', severity: 'low' })).toEqual({ ...none, open: 1 });
      expect(await store.countAlerts({ organisations: ['A81001', 'RRK'], from: '2026-11-20T09:45:00Z' })).toEqual({ ...none, open: 1 });
      expect(await store.countAlerts({ organisations: [] })).toEqual(none);
    });

    it('pages newest last seen first with a cursor, without gaps or repeats', async () => {
      const updates = Array.from({ length: 25 }, (_, n) =>
        update([n % 10], { subject: { organisation: 'A81001', userId: `G${String(n).padStart(7, '0')}` } }));
      await store.recordAlerts(updates, at(1));
      await visible();
      const seen: Alert[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await store.queryAlerts({ organisations: ['A81001'], limit: 10, cursor });
        seen.push(...page.alerts);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(new Set(seen.map((alert) => alert.id)).size).toBe(25);
      const times = seen.map((alert) => Date.parse(alert.lastSeenAt));
      expect(times).toEqual([...times].sort((a, b) => b - a));
      await expect(store.queryAlerts({ organisations: ['A81001'], limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    });

    it('leaves the evidence out when asked, and nothing else', async () => {
      await store.recordAlerts([update([1, 2, 3]), update([4], { ruleId: 'family-record' })], at(1));
      await visible();
      const full = await query();
      const counted = await query({ omitEvidence: true });
      expect(counted).toEqual(full.map((alert) => ({ ...alert, evidence: [] })));
      expect(counted.map((alert) => alert.eventCount).sort()).toEqual([1, 3]);
    });

    it('gets an alert by id, and nothing for an unknown id', async () => {
      await store.recordAlerts([update([1]), update([2], { ruleId: 'family-record' })], at(1));
      const alerts = await query();
      for (const alert of alerts) expect(await store.getAlert(alert.id)).toEqual(alert);
      expect(await store.getAlert('no-such-alert')).toBeUndefined();
    });

    it('lists the suppressions that have not expired, for the organisations asked about', async () => {
      const active = suppression({ id: 's-1' });
      const expired = suppression({ id: 's-2', expiresAt: '2026-11-21T00:00:00Z' });
      const elsewhere = suppression({ id: 's-3', organisation: 'RRK', ruleId: undefined, userId: undefined, nhsNumber: '9434765919' });
      const endsNow = suppression({ id: 's-4', expiresAt: '2026-11-21T01:00:00+01:00' });
      for (const s of [active, expired, elsewhere, endsNow]) await store.putSuppression(s);
      await visible();
      const ids = async (organisations: string[] | 'all', now = '2026-11-21T00:00:00Z') =>
        (await store.activeSuppressions(organisations, now)).map((s) => s.id).sort();
      expect(await store.activeSuppressions(['A81001'], '2026-11-21T00:00:00Z')).toEqual([active]);
      expect(await ids('all')).toEqual(['s-1', 's-3']);
      expect(await ids(['RRK'])).toEqual(['s-3']);
      expect(await ids([])).toEqual([]);
      expect(await ids(['A81001'], '2026-11-20T23:59:59Z')).toEqual(['s-1', 's-2', 's-4']);

      await store.putSuppression({ ...active, expiresAt: '2026-11-20T18:00:00Z' });
      await visible();
      expect(await ids(['A81001'])).toEqual([]);
    });

    it('keeps alerts, their evidence and suppressions across a restart', async (context) => {
      if (!options.reopen) context.skip();
      await store.recordAlerts([update([1, 2]), update([3], { ruleId: 'family-record' })], at(1));
      await store.putSuppression(suppression({ id: 's-1' }));
      const before = await query();
      await store.close();
      store = await options.reopen!(store);
      await store.init();
      expect(await query()).toEqual(before);
      expect(await store.activeSuppressions('all', '2026-11-21T00:00:00Z')).toEqual([suppression({ id: 's-1' })]);
      expect(await store.recordAlerts([update([2, 4])], at(2))).toEqual({ opened: 0, updated: 1 });
      const coWorker = (await query({ ruleId: 'co-worker-record' }))[0];
      expect(coWorker.evidence.map((ref) => ref.id)).toEqual(['e1', 'e2', 'e4']);
    });
  });
  alertTriageContract(name, makeStore, options);
}
