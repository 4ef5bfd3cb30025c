import { describe, expect, it } from 'vitest';
import { mergeAlert, type Alert, type AlertUpdate } from './alert.js';
import { userRisk } from './userRisk.js';

const NOW = Date.parse('2026-03-10T12:00:00Z');

function alert(ruleId: string, severity: Alert['severity'], options: { raises?: 'alert' | 'signal'; lastSeenAt?: string; userId?: string; events?: number } = {}): Alert {
  const at = options.lastSeenAt ?? '2026-03-10T10:00:00Z';
  const update: AlertUpdate = {
    ruleId, title: `rule ${ruleId}`, severity, raises: options.raises ?? 'alert',
    subject: { organisation: 'RX1', userId: options.userId ?? 'U1' }, firstSeenAt: at, lastSeenAt: at,
    explanation: { text: 'x' },
    evidence: Array.from({ length: options.events ?? 1 }, (_, i) => ({ docId: `${ruleId}-${i}`, system: 'EPR', id: String(i), occurredAt: at })),
  };
  return mergeAlert(undefined, update, { id: `${ruleId}-${at}`, now: at });
}

describe('a user\'s risk', () => {
  it('is none without findings, and rises with each one without passing 100', () => {
    expect(userRisk('U1', [], NOW)).toMatchObject({ score: 0, level: 'none' });
    const one = userRisk('U1', [alert('A', 'high')], NOW).score;
    const two = userRisk('U1', [alert('A', 'high'), alert('B', 'medium')], NOW).score;
    const many = userRisk('U1', Array.from({ length: 20 }, (_, i) => alert(`R${i}`, 'critical')), NOW).score;
    expect(one).toBe(60);
    expect(two).toBeGreaterThan(one);
    expect(many).toBeLessThanOrEqual(100);
  });

  it('weighs a larger pattern above a single event of the same severity', () => {
    expect(alert('A', 'medium', { events: 64 }).score).toBeGreaterThan(alert('A', 'medium').score);
  });

  it('counts signals of the last 30 days at a fifth of their weight, and ignores older ones and other users', () => {
    const risk = userRisk('U1', [
      alert('AFTER', 'low', { raises: 'signal' }),
      alert('AFTER2', 'low', { raises: 'signal', lastSeenAt: '2026-01-01T00:00:00Z' }),
      alert('OTHER', 'critical', { userId: 'U2' }),
    ], NOW);
    expect(risk).toMatchObject({ score: 2, level: 'low', openAlerts: 0, signals: 1 });
    expect(risk.byRule.map((r) => r.ruleId)).toEqual(['AFTER']);
  });

  it('counts a team\'s alert about one patient for each user it names, and for no one else', () => {
    const at = '2026-03-10T10:00:00Z';
    const team = (user: string, n: number): AlertUpdate => ({
      ruleId: 'LR', title: 'rule LR', severity: 'medium', raises: 'alert', subject: { organisation: 'RX1', team: 'WARD-7', nhsNumber: '9434765919' },
      firstSeenAt: at, lastSeenAt: at, explanation: { text: 'x' }, evidence: [{ docId: `d${n}`, system: 'EPR', id: String(n), occurredAt: at }], users: [user],
    });
    const merged = mergeAlert(mergeAlert(mergeAlert(undefined, team('U1', 1), { id: 'a', now: at }), team('U2', 2), { id: 'a', now: at }), team('U1', 3), { id: 'a', now: at });
    expect(merged).toMatchObject({ team: 'WARD-7', users: ['U1', 'U2'], eventCount: 3 });
    expect(userRisk('U1', [merged], NOW)).toMatchObject({ openAlerts: 1, score: merged.score });
    expect(userRisk('U2', [merged], NOW)).toMatchObject({ openAlerts: 1 });
    expect(userRisk('U3', [merged], NOW)).toMatchObject({ openAlerts: 0, score: 0 });
  });
});
