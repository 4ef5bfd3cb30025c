import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Alert, AlertStatus, TriageEntry } from '../alerts/alert.js';
import type { AlertChange } from '../alerts/triage.js';
import { at, update } from './alertContractFixtures.js';
import type { AlertQuery, Store } from './port.js';
import type { StoreContractOptions } from './storeContract.js';

/** An entry by Ola, the IG officer, at `hour` o'clock. */
function entry(from: AlertStatus, to: AlertStatus, hour: number, extra: Partial<TriageEntry> = {}): TriageEntry {
  return { at: at(hour), by: 'person-ola', byName: 'ola', from, to, ...extra };
}

const change = (alert: Pick<Alert, 'id'>, expectedVersion: number, triage: TriageEntry): AlertChange => ({ id: alert.id, expectedVersion, entry: triage });

/**
 * Triage as every alert store promises it (AlertStore.updateAlerts in port.ts): compare-and-set on
 * the version, an append-only history, `investigating` still open to evidence, closed alerts never
 * merged into, and no reopening behind a later alert's back. Run by alertStoreContract.
 */
export function alertTriageContract(name: string, makeStore: () => Promise<Store>, options: StoreContractOptions = {}): void {
  describe(`alert triage contract: ${name}`, () => {
    let store: Store;
    const visible = async () => { if (options.refresh) await options.refresh(store); };
    const query = async (filters: Partial<AlertQuery> = {}) => {
      await visible();
      return (await store.queryAlerts({ organisations: ['A81001'], limit: 100, ...filters })).alerts;
    };
    const ids = async (filters: Partial<AlertQuery>) => (await query(filters)).map((alert) => alert.id);
    /** Records an alert of the rule (default co-worker-record) with evidence e<n>, and returns it. */
    const open = async (n = 1, ruleId = 'co-worker-record') => {
      await store.recordAlerts([update([n], { ruleId })], at(1));
      return (await query({ ruleId, status: 'open' }))[0];
    };
    /** Applies one change that must succeed, and returns the alert as changed. */
    const changed = async (alert: Pick<Alert, 'id'>, expectedVersion: number, triage: TriageEntry) => {
      const [outcome] = await store.updateAlerts([change(alert, expectedVersion, triage)]);
      if (outcome.outcome !== 'changed') throw new Error(`expected the change to apply, got ${JSON.stringify(outcome)}`);
      return outcome.alert;
    };

    beforeEach(async () => {
      store = await makeStore();
      await store.init();
    });
    afterEach(async () => {
      await store.close();
    });

    it('opens an alert at version 1 with no history, and changes it only at the version the change names', async () => {
      const alert = await open();
      expect(alert).toMatchObject({ status: 'open', version: 1, history: [] });
      expect(alert).not.toHaveProperty('assignee');

      const investigate = entry('open', 'investigating', 2, { assignee: 'ola' });
      const [outcome] = await store.updateAlerts([change(alert, 1, investigate)]);
      const expected: Alert = { ...alert, status: 'investigating', assignee: 'ola', version: 2, history: [investigate], updatedAt: at(2) };
      expect(outcome).toEqual({ id: alert.id, outcome: 'changed', alert: expected });
      expect(await store.getAlert(alert.id)).toEqual(expected);

      expect(await store.updateAlerts([change(alert, 1, entry('open', 'dismissed', 3, { reason: 'duplicate' }))]))
        .toEqual([{ id: alert.id, outcome: 'stale', currentVersion: 2 }]);
      expect(await store.getAlert(alert.id)).toEqual(expected);
      expect(await store.updateAlerts([change({ id: 'no-such-alert' }, 1, investigate)])).toEqual([{ id: 'no-such-alert', outcome: 'not-found' }]);
      expect(await ids({ status: 'investigating' })).toEqual([alert.id]);
      expect(await ids({ status: 'open' })).toEqual([]);
    });

    it('keeps the history append-only: each change adds one entry and leaves the earlier ones as they were', async () => {
      const alert = await open();
      const steps = [
        entry('open', 'investigating', 2, { assignee: 'ola' }),
        entry('investigating', 'open', 3, { note: 'Waiting for the ward manager' }),
        entry('open', 'open', 4, { assignee: null }),
        entry('open', 'confirmed', 5, { note: 'Ann admitted looking at her colleague\'s results' }),
      ];
      let current = alert;
      for (const [position, step] of steps.entries()) {
        const before = current.history;
        current = await changed(alert, position + 1, step);
        expect(current.history).toEqual([...before, step]);
        expect(current.version).toBe(position + 2);
      }
      expect(current).toMatchObject({
        status: 'confirmed', version: 5,
        resolution: { note: 'Ann admitted looking at her colleague\'s results', at: at(5), by: 'person-ola', byName: 'ola' },
      });
      expect(current).not.toHaveProperty('assignee');
      expect(await store.getAlert(alert.id)).toEqual(current);
    });

    it('merges new evidence into an investigating alert without changing its version', async () => {
      const alert = await open();
      await changed(alert, 1, entry('open', 'investigating', 2, { assignee: 'ola' }));
      expect(await store.recordAlerts([update([2])], at(3))).toEqual({ opened: 0, updated: 1 });
      const merged = await store.getAlert(alert.id);
      expect(merged).toMatchObject({ status: 'investigating', assignee: 'ola', version: 2, eventCount: 2, updatedAt: at(3) });
      expect(merged!.evidence.map((ref) => ref.id)).toEqual(['e1', 'e2']);
      expect(merged!.history).toHaveLength(1);
      // New evidence did not make the officer's version stale.
      expect(await changed(alert, 2, entry('investigating', 'dismissed', 4, { reason: 'explained-by-care' }))).toMatchObject({ eventCount: 2, version: 3 });
    });

    it('opens a new alert for matches after the alert was dismissed or confirmed, leaving the closed one as it was', async () => {
      const dismissed = await changed(await open(1), 1, entry('open', 'dismissed', 2, { reason: 'data-quality' }));
      const confirmed = await changed(await open(1, 'family-record'), 1, entry('open', 'confirmed', 2, { note: 'confirmed' }));

      expect(await store.recordAlerts([update([2]), update([2], { ruleId: 'family-record' })], at(3))).toEqual({ opened: 2, updated: 0 });
      expect(await store.getAlert(dismissed.id)).toEqual(dismissed);
      expect(await store.getAlert(confirmed.id)).toEqual(confirmed);
      const reopened = await query({ status: 'open' });
      expect(reopened).toHaveLength(2);
      for (const alert of reopened) {
        expect([dismissed.id, confirmed.id]).not.toContain(alert.id);
        expect(alert).toMatchObject({ version: 1, history: [], eventCount: 1, createdAt: at(3) });
        expect(alert.evidence.map((ref) => ref.id)).toEqual(['e2']);
      }
      expect(await store.recordAlerts([update([3])], at(4))).toEqual({ opened: 0, updated: 1 });
      expect((await query({ ruleId: 'co-worker-record' })).map((alert) => [alert.status, alert.eventCount])).toEqual([['open', 2], ['dismissed', 1]]);
    });

    it('reopens a dismissed alert, which then takes evidence again, but not once a later alert has been opened', async () => {
      const alert = await open();
      await changed(alert, 1, entry('open', 'dismissed', 2, { reason: 'other', note: 'locum cover' }));
      const reopened = await changed(alert, 2, entry('dismissed', 'open', 3, { note: 'The locum was not on shift that day' }));
      expect(reopened).toMatchObject({ status: 'open', version: 3 });
      expect(reopened).not.toHaveProperty('resolution');
      expect(await store.recordAlerts([update([2])], at(4))).toEqual({ opened: 0, updated: 1 });
      expect(await store.getAlert(alert.id)).toMatchObject({ eventCount: 2, version: 3 });

      const dismissedAgain = await changed(alert, 3, entry('open', 'dismissed', 5, { reason: 'duplicate' }));
      expect(await store.recordAlerts([update([3])], at(6))).toEqual({ opened: 1, updated: 0 });
      expect(await store.updateAlerts([change(alert, 4, entry('dismissed', 'open', 7, { note: 'again' }))]))
        .toEqual([{ id: alert.id, outcome: 'superseded' }]);
      expect(await store.getAlert(alert.id)).toEqual(dismissedAgain);
      expect((await query({ status: 'open' })).map((open) => open.evidence.map((ref) => ref.id))).toEqual([['e3']]);
    });

    it('answers each change of a batch on its own, and lets one of two concurrent changes at the same version through', async () => {
      const first = await open(1);
      const second = await open(1, 'family-record');
      const outcomes = await store.updateAlerts([
        change(first, 1, entry('open', 'investigating', 2, { assignee: 'ola' })),
        change(second, 7, entry('open', 'investigating', 2, { assignee: 'ola' })),
      ]);
      expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['changed', 'stale']);

      const racing = await Promise.all(['sam', 'kit'].map((assignee, n) =>
        store.updateAlerts([change(first, 2, entry('investigating', 'investigating', 3 + n, { assignee }))])));
      const results = racing.map(([outcome]) => outcome);
      expect(results.filter((outcome) => outcome.outcome === 'changed')).toHaveLength(1);
      expect(results.filter((outcome) => outcome.outcome === 'stale')).toEqual([{ id: first.id, outcome: 'stale', currentVersion: 3 }]);
      expect((await store.getAlert(first.id))!.history).toHaveLength(2);
    });

    it('keeps the history, assignee and resolution across a restart', async (context) => {
      if (!options.reopen) context.skip();
      const alert = await open();
      await changed(alert, 1, entry('open', 'investigating', 2, { assignee: 'ola' }));
      const closed = await changed(alert, 2, entry('investigating', 'dismissed', 3, { reason: 'authorised-by-policy', note: 'audit clerk' }));
      await store.close();
      store = await options.reopen!(store);
      await store.init();
      expect(await store.getAlert(alert.id)).toEqual(closed);
      expect(closed).toMatchObject({ assignee: 'ola', resolution: { reason: 'authorised-by-policy', note: 'audit clerk' } });
    });
  });
}
