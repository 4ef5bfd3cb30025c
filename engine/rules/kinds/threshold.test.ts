import { describe, expect, it } from 'vitest';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { firingsOf, minutesAfter, paramsProblems, runBatches, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';
import { thresholdKind } from './threshold.js';

const PARAMS = {
  where: { field: 'event.action', in: ['print', 'export'] },
  window: '1h',
  threshold: 10,
  counts: 'prints or exports',
};
const TEN = '2026-03-02T10:00:00.000Z';
const NOW = '2026-03-02T11:30:00.000Z';

const prints = (count: number, from = TEN, everyMinutes = 5, userId = 'U1') =>
  Array.from({ length: count }, (_, i) => testInput({ event: { action: 'print', occurredAt: minutesAfter(from, i * everyMinutes), user: { id: userId } } }));

describe('threshold', () => {
  it('fires when a user reaches the threshold in one window, with every event in the window as evidence', async () => {
    const events = prints(10);
    const matches = await testRule(thresholdKind, PARAMS).evaluate(events, testContext(NOW));
    expect(matches).toHaveLength(1);
    expect(matches[0].subject).toEqual({ organisation: 'RX1', userId: 'U1' });
    expect(matches[0].explanation.text).toBe('10 prints or exports by user U1 at RX1 between 10:00 and 11:00 on 2 March 2026 (threshold 10).');
    expect(matches[0].explanation.details).toMatchObject({ count: 10, threshold: 10, windowStart: TEN, windowEnd: '2026-03-02T11:00:00.000Z' });
    expect(matches[0].evidence.map((ref) => ref.docId)).toEqual(events.map((e) => e.stored.docId));
    expect(matches[0].firstSeenAt).toBe(TEN);
    expect(matches[0].lastSeenAt).toBe(minutesAfter(TEN, 45));
  });

  it('stays silent one below the threshold', async () => {
    expect(await testRule(thresholdKind, PARAMS).evaluate(prints(9), testContext(NOW))).toEqual([]);
  });

  it('stays silent for the legitimate twin: the same prints spread over two windows, or views instead of prints', async () => {
    const rule = testRule(thresholdKind, PARAMS);
    const spread = prints(10, '2026-03-02T10:35:00.000Z', 5);
    expect(await rule.evaluate(spread, testContext(NOW))).toEqual([]);
    const views = prints(12).map((input) => ({ ...input, event: { ...input.event, action: 'view' as const } }));
    expect(await testRule(thresholdKind, PARAMS).evaluate(views, testContext(NOW))).toEqual([]);
  });

  it('reads back the window\'s earlier events when a later batch takes it over the threshold', async () => {
    const rule = testRule(thresholdKind, PARAMS);
    const context = testContext(NOW);
    const events = prints(11);
    expect(await rule.evaluate(events.slice(0, 9), context)).toEqual([]);
    const [match] = await rule.evaluate(events.slice(9, 10), context);
    expect(match.evidence).toHaveLength(10);
    const [later] = await rule.evaluate(events.slice(10), context);
    expect(later.explanation.details?.count).toBe(11);
    expect(later.evidence.map((ref) => ref.docId)).toEqual([events[10].stored.docId]);
  });

  it('counts hopping windows: each event in every window that holds it', async () => {
    const rule = testRule(thresholdKind, { ...PARAMS, step: '30m' });
    const matches = await rule.evaluate(prints(10, '2026-03-02T10:40:00.000Z', 4), testContext('2026-03-02T12:00:00.000Z'));
    expect(matches.map((m) => m.explanation.details?.windowStart)).toEqual(['2026-03-02T10:30:00.000Z']);
  });

  it('gives the same firings whatever order events arrive in and however batches are split', async () => {
    const events = [...prints(14), ...prints(6, TEN, 5, 'U2'), ...prints(12, '2026-03-02T10:50:00.000Z', 1, 'U3')];
    const inOrder = await runBatches(testRule(thresholdKind, PARAMS), [events], testContext(NOW));
    const mixed = shuffled(events);
    const batches = [mixed.slice(0, 5), mixed.slice(5, 6), mixed.slice(6, 20), mixed.slice(20)];
    const outOfOrder = await runBatches(testRule(thresholdKind, PARAMS), batches, testContext(NOW));
    expect(firingsOf(inOrder).size).toBe(2);
    expect(firingsOf(outOfOrder)).toEqual(firingsOf(inOrder));
  });

  it('gives the same firings from two workers sharing one state store as from one', async () => {
    const events = shuffled([...prints(10), ...prints(10, '2026-03-02T10:00:00.000Z', 6, 'U2')], 3);
    const one = await runBatches(testRule(thresholdKind, PARAMS), [events], testContext(NOW));
    const two = await runTwoWorkers(() => testRule(thresholdKind, PARAMS), events, testContext(NOW));
    expect(firingsOf(two)).toEqual(firingsOf(one));
    expect(firingsOf(one).size).toBe(2);
  });

  it('counts a replayed batch once', async () => {
    const rule = testRule(thresholdKind, PARAMS);
    const context = testContext(NOW);
    const events = prints(6);
    expect(await rule.evaluate(events, context)).toEqual([]);
    expect(await rule.evaluate(events, context)).toEqual([]);
    const [match] = await rule.evaluate([...prints(4, minutesAfter(TEN, 30)), ...events], context);
    expect(match.explanation.details?.count).toBe(10);
  });

  it('does not count events whose window closed more than the lateness ago', async () => {
    const state = new MemoryRuleState(() => Date.parse(NOW));
    const rule = testRule(thresholdKind, PARAMS);
    const events = prints(10);
    await rule.evaluate(events.slice(0, 9), testContext(NOW, state));
    // The window ended at 11:00; with an hour's lateness it takes events until 12:00.
    expect(await rule.evaluate(events.slice(9), testContext('2026-03-02T12:00:01.000Z', state))).toEqual([]);
    expect(await rule.evaluate(events.slice(9), testContext('2026-03-02T11:59:59.000Z', state))).toHaveLength(1);
  });

  it('accepts the documented params and refuses others', () => {
    expect(paramsProblems(thresholdKind, { ...PARAMS, key: ['event.organisation', 'event.user.id'], step: '15m' })).toEqual([]);
    expect(paramsProblems(thresholdKind, { ...PARAMS, window: '1 hour' })).not.toEqual([]);
    expect(paramsProblems(thresholdKind, { ...PARAMS, window: '90s' })).not.toEqual([]);
    expect(paramsProblems(thresholdKind, { ...PARAMS, limit: 3 })).not.toEqual([]);
    expect(paramsProblems(thresholdKind, { ...PARAMS, key: ['event.nope'] })).not.toEqual([]);
    expect(() => testRule(thresholdKind, { ...PARAMS, step: '2h' })).toThrow(/step/);
  });
});
