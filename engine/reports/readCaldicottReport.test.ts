import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AlertUpdate } from '../alerts/alert.js';
import { DEFAULT_BREACH_THRESHOLDS } from '../incidents/breachAssessment.js';
import { openIncident } from '../incidents/incidentChanges.js';
import { DuckdbStore } from '../store/duckdb/duckdbStore.js';
import { readCaldicottReport } from './readCaldicottReport.js';

const NOVEMBER = { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' };
const NOW = Date.parse('2026-12-02T12:00:00Z');

/** An alert update about `userId` and a patient, seen on `day` of `month` (2026), opening an alert of its own. */
function seen(userId: string, month: number, day: number, raises: 'alert' | 'signal' = 'alert'): AlertUpdate {
  const nhsNumber = month === 10 ? '9434765870' : '9434765919';
  const at = `2026-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T10:00:00Z`;
  return {
    ruleId: raises === 'alert' ? 'AW-LR-001' : 'AW-IA-011', title: 'Unexplained', severity: 'medium', raises,
    subject: { organisation: 'A81001', userId, nhsNumber }, firstSeenAt: at, lastSeenAt: at,
    explanation: { text: 'nothing explains it' }, evidence: [{ docId: `d-${userId}-${month}-${day}`, system: 'emis', id: `${userId}-${month}-${day}`, occurredAt: at }],
  };
}

describe('reading the Caldicott report from the store', () => {
  let dir: string;
  let store: DuckdbStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'accesswatch-caldicott-'));
    store = new DuckdbStore({ path: join(dir, 'store.duckdb') });
    await store.init();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = (maxAlerts?: number) => readCaldicottReport(store, { organisations: ['A81001'], ...NOVEMBER, now: NOW, thresholds: DEFAULT_BREACH_THRESHOLDS, maxAlerts });

  it('counts the period\'s alerts, open or closed, and ranks users by every open alert and recent signal', async () => {
    // U1: open in October (risk only) and open in November; U2: closed in November; U3: closed in October (neither).
    await store.recordAlerts([seen('U1', 10, 5), seen('U1', 11, 20), seen('U2', 11, 3), seen('U3', 10, 9), seen('U4', 11, 25, 'signal')], '2026-11-30T00:00:00Z');
    const { alerts } = await store.queryAlerts({ organisations: ['A81001'], limit: 10 });
    const byUser = (userId: string, month: string) => alerts.find((alert) => alert.userId === userId && alert.firstSeenAt.startsWith(`2026-${month}`))!;
    const close = (userId: string, month: string, to: 'dismissed' | 'confirmed') => {
      const alert = byUser(userId, month);
      return { id: alert.id, expectedVersion: alert.version, entry: { at: '2026-11-30T01:00:00.000Z', by: 'p', byName: 'p', from: alert.status, to, ...(to === 'dismissed' ? { reason: 'duplicate' as const } : {}) } };
    };
    await store.updateAlerts([close('U2', '11', 'dismissed'), close('U3', '10', 'confirmed')]);

    const { report, truncated } = await read();
    expect(truncated).toEqual([]);
    expect(report.alerts.total).toBe(2);
    expect(report.alerts.byStatus).toEqual({ open: 1, investigating: 0, dismissed: 1, confirmed: 0 });
    expect(report.outcomes.dismissedByReason.duplicate).toBe(1);
    expect(report.topUsersByRisk.map((user) => [user.userId, user.openAlerts])).toEqual([['U1', 2], ['U4', 0]]);
  });

  it('says what it cut short when there are more alerts than it reads', async () => {
    await store.recordAlerts([seen('U1', 11, 1), seen('U2', 11, 2), seen('U3', 11, 3)], '2026-11-30T00:00:00Z');
    const { report, truncated } = await read(2);
    expect(report.alerts.total).toBe(2);
    expect(truncated).toEqual(['alerts', 'riskAlerts']);
    expect((await read(3)).truncated).toEqual([]);
  });

  it('lists incidents the organisation became aware of in the period and older ones still open, with their clock', async () => {
    const incident = (id: string, awareAt: string, status: 'open' | 'closed' = 'open') => ({
      ...openIncident({ id, organisation: 'A81001', title: id, description: 'x', alertIds: ['a'], awareAt, createdBy: 'p' }, awareAt), status,
    });
    for (const each of [
      incident('in-period', '2026-11-30T12:00:00Z'), incident('older-open', '2026-10-01T00:00:00Z'),
      incident('older-closed', '2026-10-01T00:00:00Z', 'closed'), incident('after', '2026-12-01T00:00:00Z'),
    ]) await store.createIncident(each);
    const { report } = await read();
    expect(report.incidents.map((line) => [line.id, line.overdue])).toEqual([['older-open', true], ['in-period', false]]);
    expect(report.incidents[1]).toEqual({
      id: 'in-period', title: 'in-period', organisation: 'A81001', status: 'open', awareAt: '2026-11-30T12:00:00.000Z',
      icoDeadline: '2026-12-03T12:00:00.000Z', overdue: false,
    });
  });
});
