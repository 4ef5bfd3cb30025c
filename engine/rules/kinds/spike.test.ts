import { describe, expect, it } from 'vitest';
import type { RuleInput, RuleMatch } from '../ruleKind.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { spikeKind } from './spike.js';
import { firingsOf, minutesAfter, paramsProblems, runBatches, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';
import { DAY_MS } from './windows.js';

const PARAMS = { minEvents: 25, factor: 3, peerFactor: 2, minHistory: 10 };
const TEN = '2026-03-02T10:00:00.000Z';
const NOW = '2026-03-02T11:10:00.000Z';

/** `count` accesses by a user spread over the hour from `from`. */
const accesses = (count: number, userId: string, from = TEN, role = 'R8000'): RuleInput[] =>
  Array.from({ length: count }, (_, i) => testInput({ event: { occurredAt: minutesAfter(from, (i * 59) / count), user: { id: userId, role } } }));

/** A store holding U1's usual fortnight: 10 accesses in each of two hours a day (28 active hours, 10 an hour). */
async function storeWithHistory(): Promise<MemoryRuleState> {
  let now = 0;
  const state = new MemoryRuleState(() => now);
  const rule = testRule(spikeKind, PARAMS);
  for (let day = 14; day >= 1; day--) {
    const morning = new Date(Date.parse(TEN) - day * DAY_MS - 60 * 60_000).toISOString();
    const afternoon = new Date(Date.parse(TEN) - day * DAY_MS + 4 * 60 * 60_000).toISOString();
    for (const hour of [morning, afternoon]) {
      now = Date.parse(hour) + 61 * 60_000;
      await rule.evaluate(accesses(10, 'U1', hour), testContext(now, state));
    }
  }
  now = Date.parse(NOW);
  return state;
}

const peers = (each = 10) => [...accesses(each, 'U2'), ...accesses(each, 'U3')];
const counts = (matches: RuleMatch[]) => [...firingsOf(matches)].map(([id, firing]) => [id, firing.count]);

describe('spike', () => {
  it('fires when a user\'s hour reaches the factor over their usual volume and over their peers\', explaining both', async () => {
    const state = await storeWithHistory();
    const rule = testRule(spikeKind, PARAMS);
    await rule.evaluate(peers(), testContext(NOW, state));
    const [match, ...rest] = await rule.evaluate(accesses(30, 'U1'), testContext(NOW, state));
    expect(rest).toEqual([]);
    expect(match.subject).toEqual({ organisation: 'RX1', userId: 'U1' });
    expect(match.explanation.details).toMatchObject({
      count: 30, threshold: 30, usual: 10, activeBuckets: 28, factor: 3, peerMean: 10, otherPeers: 2, peerFactor: 2, windowStart: TEN,
    });
    expect(match.explanation.text).toBe('30 events by user U1 at RX1 between 10:00 and 11:00 on 2 March 2026: 3 times their usual 10 per hour '
      + '(over 28 active hours in the previous 14 days); the 2 other active users with role R8000 at RX1 averaged 10, so 3 times their mean. '
      + 'Thresholds: at least 25 events, 3 times their usual and 2 times their peers\'.');
    expect(match.evidence).toHaveLength(30);
  });

  it('stays silent one below the factor', async () => {
    const state = await storeWithHistory();
    const rule = testRule(spikeKind, PARAMS);
    await rule.evaluate(peers(), testContext(NOW, state));
    expect(await rule.evaluate(accesses(29, 'U1'), testContext(NOW, state))).toEqual([]);
  });

  it('stays silent for the legitimate twins: a busy hour for every peer, the same volume over two hours, or too little history', async () => {
    const busyPeers = await storeWithHistory();
    await testRule(spikeKind, PARAMS).evaluate(peers(20), testContext(NOW, busyPeers));
    expect(await testRule(spikeKind, PARAMS).evaluate(accesses(35, 'U1'), testContext(NOW, busyPeers))).toEqual([]);

    const spread = await storeWithHistory();
    const later = '2026-03-02T11:59:00.000Z';
    const twoHours = [...accesses(18, 'U1'), ...accesses(17, 'U1', '2026-03-02T11:00:00.000Z')];
    expect(await testRule(spikeKind, PARAMS).evaluate(twoHours, testContext(later, spread))).toEqual([]);

    const newcomer = await storeWithHistory();
    expect(await testRule(spikeKind, PARAMS).evaluate(accesses(60, 'U9'), testContext(NOW, newcomer))).toEqual([]);
  });

  it('gives the same firings whatever order the user\'s events arrive in, however split, and from two workers', async () => {
    const events = accesses(40, 'U1');
    const one = await storeWithHistory();
    await testRule(spikeKind, PARAMS).evaluate(peers(), testContext(NOW, one));
    const inOrder = await runBatches(testRule(spikeKind, PARAMS), [events], testContext(NOW, one));

    const split = await storeWithHistory();
    await testRule(spikeKind, PARAMS).evaluate(peers(), testContext(NOW, split));
    const mixed = shuffled(events, 9);
    const outOfOrder = await runBatches(testRule(spikeKind, PARAMS), [mixed.slice(0, 20), mixed.slice(20, 31), mixed.slice(31)], testContext(NOW, split));

    const shared = await storeWithHistory();
    await testRule(spikeKind, PARAMS).evaluate(peers(), testContext(NOW, shared));
    const two = await runTwoWorkers(() => testRule(spikeKind, PARAMS), mixed, testContext(NOW, shared));

    expect(counts(inOrder)).toEqual([[`${JSON.stringify(['RX1', 'U1', null, null])}|${TEN}`, 40]]);
    expect(counts(outOfOrder)).toEqual(counts(inOrder));
    expect(counts(two)).toEqual(counts(inOrder));
  });

  it('does not count events whose hour closed more than the lateness ago', async () => {
    const state = await storeWithHistory();
    const rule = testRule(spikeKind, PARAMS);
    await rule.evaluate(peers(), testContext(NOW, state));
    expect(await rule.evaluate(accesses(40, 'U1'), testContext('2026-03-02T12:00:01.000Z', state))).toEqual([]);
    expect(await rule.evaluate(accesses(30, 'U1'), testContext('2026-03-02T11:59:59.000Z', state))).toHaveLength(1);
  });

  it('accepts the documented params and refuses others', () => {
    expect(paramsProblems(spikeKind, { ...PARAMS, bucket: '1h', baseline: '14d', peerKey: 'facts.roleClass', where: { field: 'event.action', equals: 'view' } })).toEqual([]);
    expect(paramsProblems(spikeKind, { ...PARAMS, baseline: '36h' })).not.toEqual([]);
    expect(paramsProblems(spikeKind, { factor: 3 })).not.toEqual([]);
    expect(() => testRule(spikeKind, { ...PARAMS, bucket: '7h' })).toThrow(/divide a day/);
  });
});
