import { describe, expect, it } from 'vitest';
import type { AlertUpdate } from './alert.js';
import { groupByOpenAlert, mergeUpdates } from './openAlerts.js';

const update = (overrides: Partial<AlertUpdate>, docId = 'd1'): AlertUpdate => ({
  ruleId: 'co-worker-record', title: 'Co-worker', severity: 'medium', raises: 'alert', subject: { organisation: 'A81001', userId: 'G1' },
  firstSeenAt: '2026-11-20T09:00:00Z', lastSeenAt: '2026-11-20T09:00:00Z', explanation: { text: docId },
  evidence: [{ docId, system: 's', id: docId, occurredAt: '2026-11-20T09:00:00Z' }], ...overrides,
});

describe('recording a batch of alert updates', () => {
  it('groups updates by rule and subject, keeping the order they came in', () => {
    const groups = groupByOpenAlert([
      update({}, 'd1'),
      update({ subject: { organisation: 'A81001', nhsNumber: 'G1' } }, 'd2'),
      update({ ruleId: 'family-record' }, 'd3'),
      update({}, 'd4'),
    ]);
    expect(groups.map((group) => [group.ruleId, group.updates.map((u) => u.explanation.text)])).toEqual([
      ['co-worker-record', ['d1', 'd4']], ['co-worker-record', ['d2']], ['family-record', ['d3']],
    ]);
  });

  it('merges a group in order into one alert, and hands back the open alert itself when nothing changes', () => {
    const opened = mergeUpdates(undefined, [update({}, 'd1'), update({ severity: 'high' }, 'd2')], { id: 'a-1', now: 'now' })!;
    expect(opened).toMatchObject({ id: 'a-1', eventCount: 2, severity: 'high', explanation: { text: 'd2' } });
    expect(mergeUpdates(opened, [update({}, 'd1'), update({}, 'd2')], { id: 'unused', now: 'later' })).toBe(opened);
    expect(mergeUpdates(opened, [update({}, 'd3')], { id: 'unused', now: 'later' })).toMatchObject({ id: 'a-1', eventCount: 3, updatedAt: 'later' });
  });
});
