import { describe, expect, it } from 'vitest';
import { mergeAlert, type Alert, type AlertStatus, type TriageEntry } from './alert.js';
import { applyTriage, decideTriage, planAlertChange, TRANSITIONS, type TriageRequest } from './triage.js';
import { userRisk } from './userRisk.js';

const AT = '2026-11-21T10:00:00.000Z';
const ola = { id: 'p-ola', name: 'ola', role: 'ig-officer' };
const gus = { id: 'p-gus', name: 'gus', role: 'caldicott-guardian' };

function alert(status: AlertStatus = 'open', extra: Partial<Alert> = {}): Alert {
  const opened = mergeAlert(undefined, {
    ruleId: 'AW-LR-001', title: 'Unexplained access', severity: 'medium', raises: 'alert', subject: { organisation: 'A81001', userId: 'alice', nhsNumber: '9434765080' },
    firstSeenAt: '2026-11-20T09:00:00Z', lastSeenAt: '2026-11-20T09:00:00Z', explanation: { text: 'x' },
    evidence: [{ docId: 'd1', system: 'emis', id: 'e1', occurredAt: '2026-11-20T09:00:00Z' }],
  }, { id: 'a-1', now: '2026-11-20T09:01:00.000Z' });
  return { ...opened, status, ...extra };
}

const decide = (status: AlertStatus, request: TriageRequest, by = ola, extra: Partial<Alert> = {}) => decideTriage(alert(status, extra), request, by, AT);

describe('deciding a triage change', () => {
  it('allows exactly the transitions of the state machine, and a guardian reopening a dismissal', () => {
    const allowed: string[] = [];
    for (const from of Object.keys(TRANSITIONS) as AlertStatus[]) {
      for (const to of Object.keys(TRANSITIONS) as AlertStatus[]) {
        if (from === to) continue;
        const decision = decide(from, { status: to, resolution: to === 'dismissed' ? { reason: 'duplicate' } : { note: 'because' } }, gus);
        if ('entry' in decision) allowed.push(`${from}>${to}`);
      }
    }
    expect(allowed.sort()).toEqual([
      'dismissed>open', 'investigating>confirmed', 'investigating>dismissed', 'investigating>open',
      'open>confirmed', 'open>dismissed', 'open>investigating',
    ]);
  });

  it('says which field is missing or wrong, who may not, and which move is not allowed', () => {
    expect(decide('open', { status: 'dismissed' })).toEqual({ refused: 'invalid', message: expect.stringMatching(/^resolution\.reason: required to dismiss, one of explained-by-care/) });
    expect(decide('open', { status: 'dismissed', resolution: { reason: 'other', note: '  ' } })).toEqual({ refused: 'invalid', message: 'resolution.note: required when resolution.reason is other' });
    expect(decide('open', { status: 'confirmed' })).toMatchObject({ refused: 'invalid', message: expect.stringMatching(/^resolution\.note: required to confirm/) });
    expect(decide('open', { status: 'investigating', resolution: { reason: 'duplicate' } })).toMatchObject({ refused: 'invalid', message: expect.stringMatching(/^resolution\.reason: only a dismissal/) });
    expect(decide('dismissed', { status: 'open', resolution: { note: 'look again' } })).toMatchObject({ refused: 'forbidden' });
    expect(decide('dismissed', { status: 'open' }, gus)).toMatchObject({ refused: 'invalid', message: expect.stringMatching(/^resolution\.note:/) });
    expect(decide('confirmed', { status: 'open', resolution: { note: 'x' } }, gus)).toEqual({ refused: 'transition', message: 'alert a-1 is confirmed: a closed alert does not change' });
    expect(decide('dismissed', { assignee: 'ola' })).toMatchObject({ refused: 'transition', message: expect.stringMatching(/a Caldicott guardian may reopen it/) });
  });

  it('records who, when, from, to, the assignee when it changes, the reason and the trimmed note', () => {
    expect(decide('open', { status: 'dismissed', assignee: 'ola', resolution: { reason: 'other', note: ' Covering reception ' } })).toEqual({
      entry: { at: AT, by: 'p-ola', byName: 'ola', from: 'open', to: 'dismissed', assignee: 'ola', reason: 'other', note: 'Covering reception' },
    });
    expect(decide('investigating', { assignee: null }, ola, { assignee: 'gus' })).toEqual({ entry: { at: AT, by: 'p-ola', byName: 'ola', from: 'investigating', to: 'investigating', assignee: null } });
    expect(decide('investigating', { resolution: { note: 'Rang the ward' } })).toMatchObject({ entry: { from: 'investigating', to: 'investigating', note: 'Rang the ward' } });
    expect(decide('investigating', { status: 'investigating', assignee: 'gus' }, ola, { assignee: 'gus' })).toEqual({ unchanged: true });
    expect(decide('open', {})).toEqual({ unchanged: true });
  });
});

describe('applying a change', () => {
  const entry = (from: AlertStatus, to: AlertStatus, extra: Partial<TriageEntry> = {}): TriageEntry => ({ at: AT, by: 'p-ola', byName: 'ola', from, to, ...extra });

  it('sets status and assignee, resolves on closing and forgets the resolution on reopening, appends history and counts the version', () => {
    const investigating = applyTriage(alert(), entry('open', 'investigating', { assignee: 'ola' }));
    expect(investigating).toMatchObject({ status: 'investigating', assignee: 'ola', version: 2, updatedAt: AT, eventCount: 1 });
    const dismissed = applyTriage(investigating, entry('investigating', 'dismissed', { reason: 'duplicate' }));
    expect(dismissed.resolution).toEqual({ reason: 'duplicate', at: AT, by: 'p-ola', byName: 'ola' });
    expect(dismissed.assignee).toBe('ola');
    const reopened = applyTriage(dismissed, entry('dismissed', 'open', { note: 'again', assignee: null }));
    expect(reopened).not.toHaveProperty('resolution');
    expect(reopened).not.toHaveProperty('assignee');
    expect(reopened.history.map((e) => e.to)).toEqual(['investigating', 'dismissed', 'open']);
    expect(reopened.history.slice(0, 2)).toEqual(dismissed.history);
    expect(reopened.version).toBe(4);
  });

  it('plans a store\'s change: not found, stale at another version, superseded reopening, else changed', () => {
    const change = { id: 'a-1', expectedVersion: 1, entry: entry('open', 'investigating') };
    expect(planAlertChange(change, undefined, false)).toEqual({ id: 'a-1', outcome: 'not-found' });
    expect(planAlertChange(change, alert('open', { version: 3 }), false)).toEqual({ id: 'a-1', outcome: 'stale', currentVersion: 3 });
    expect(planAlertChange({ ...change, entry: entry('dismissed', 'open') }, alert('dismissed'), true)).toEqual({ id: 'a-1', outcome: 'superseded' });
    expect(planAlertChange(change, alert(), true)).toMatchObject({ outcome: 'changed', alert: { status: 'investigating', version: 2 } });
    expect(() => planAlertChange(change, alert('dismissed'), false)).toThrow(/starts from open, but the alert is dismissed/);
    expect(() => planAlertChange({ ...change, entry: entry('open', 'open') }, alert(), false)).not.toThrow();
  });
});

describe('a user\'s risk while alerts are triaged', () => {
  it('counts alerts under investigation as open, and closed ones not at all', () => {
    const statuses: AlertStatus[] = ['open', 'investigating', 'dismissed', 'confirmed'];
    const risk = userRisk('alice', statuses.map((status, n) => alert(status, { id: `a-${n}`, ruleId: `R${n}` })), Date.parse(AT));
    expect(risk.byRule.map((rule) => rule.ruleId).sort()).toEqual(['R0', 'R1']);
    expect(risk.openAlerts).toBe(2);
  });
});
