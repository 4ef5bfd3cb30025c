import { describe, expect, it } from 'vitest';
import { mergeAlert, type Alert, type AlertUpdate } from '../alerts/alert.js';
import { caldicottReport, type CaldicottReportInput } from './caldicottReport.js';

const NOW = Date.parse('2026-11-22T12:00:00Z');

function alert(id: string, ruleId: string, change: Partial<Alert> = {}): Alert {
  const update: AlertUpdate = {
    ruleId, title: `Rule ${ruleId}`, severity: 'medium', raises: 'alert', subject: { organisation: 'RX1', userId: 'U1' },
    firstSeenAt: '2026-11-20T09:00:00Z', lastSeenAt: '2026-11-20T09:00:00Z', explanation: { text: 'x' },
    evidence: [{ docId: `d-${id}`, system: 'EPR', id, occurredAt: '2026-11-20T09:00:00Z' }],
  };
  return { ...mergeAlert(undefined, update, { id, now: '2026-11-20T09:01:00Z' }), ...change };
}

const triaged = (hoursAfter: number, to: Alert['status'], reason?: Alert['history'][number]['reason']) => ({
  status: to,
  history: [{ at: new Date(Date.parse('2026-11-20T09:01:00Z') + hoursAfter * 3_600_000).toISOString(), by: 'p1', byName: 'ola', from: 'open' as const, to, ...(reason ? { reason } : {}) }],
  ...(to === 'dismissed' || to === 'confirmed' ? { resolution: { at: '2026-11-20T10:00:00Z', by: 'p1', byName: 'ola', ...(reason ? { reason } : {}) } } : {}),
});

function input(alerts: Alert[]): CaldicottReportInput {
  return {
    from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z', organisations: ['RX1'],
    accesses: { total: 1000, explained: 950, byOrganisation: [{ organisation: 'RX1', total: 1000, explained: 950 }] },
    alerts, riskAlerts: alerts.filter((a) => a.status === 'open'), incidents: [],
    roleClassOf: (a) => (a.userId === 'U1' ? 'clinical' : undefined), now: NOW,
  };
}

describe('the Caldicott report', () => {
  it('gives the explained rate, alerts by rule with false-positive rates, outcomes by reason and the median time to triage', () => {
    const report = caldicottReport(input([
      alert('a1', 'AW-LR-001', triaged(2, 'dismissed', 'explained-by-care')),
      alert('a2', 'AW-LR-001', triaged(4, 'dismissed', 'data-quality')),
      alert('a3', 'AW-LR-001', triaged(6, 'confirmed')),
      alert('a4', 'AW-IA-001'),
    ]));
    expect(report.accesses.explainedRate).toBe(0.95);
    expect(report.alerts.byRule).toEqual([
      { ruleId: 'AW-LR-001', title: 'Rule AW-LR-001', alerts: 3, confirmed: 1, dismissed: 2, falsePositiveRate: 0.667 },
      { ruleId: 'AW-IA-001', title: 'Rule AW-IA-001', alerts: 1, confirmed: 0, dismissed: 0 },
    ]);
    expect(report.outcomes).toEqual({
      confirmed: 1, dismissed: 2,
      dismissedByReason: { 'explained-by-care': 1, 'authorised-by-policy': 0, 'data-quality': 1, duplicate: 0, other: 0 },
    });
    expect(report.medianHoursToTriage).toBe(4);
    expect(report.alerts.bySeverity).toEqual({ low: 0, medium: 4, high: 0, critical: 0 });
    expect(report.alerts.byRoleClass).toEqual({ clinical: 4 });
    expect(Object.entries(report.alerts.byStatus)).toEqual([['open', 1], ['investigating', 0], ['dismissed', 2], ['confirmed', 1]]);
    expect(report.topUsersByRisk).toEqual([{ userId: 'U1', organisation: 'RX1', score: 30, level: 'medium', openAlerts: 1 }]);
  });

  it('counts a team\'s alert about one patient in the risk of each user it names', () => {
    const team = alert('t1', 'AW-LR-001', { userId: undefined, team: 'RECEPTION', users: ['U2', 'U3'], nhsNumber: '9434765919' });
    const report = caldicottReport(input([team, alert('a1', 'AW-IA-001')]));
    expect(report.topUsersByRisk.map((user) => [user.userId, user.openAlerts])).toEqual([['U1', 1], ['U2', 1], ['U3', 1]]);
  });

  it('has no rates to give when nothing happened', () => {
    const report = caldicottReport({ ...input([]), accesses: { total: 0, explained: 0, byOrganisation: [] } });
    expect(report.accesses.explainedRate).toBeUndefined();
    expect(report.medianHoursToTriage).toBeUndefined();
    expect(report.alerts.total).toBe(0);
  });
});
