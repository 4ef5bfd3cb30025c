import { describe, expect, it } from 'vitest';
import type { RuleInput, RuleMatch } from '../ruleKind.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { sequenceKind } from './sequence.js';
import { firingsOf, minutesAfter, paramsProblems, runBatches, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';

/** One user at two sites within ten minutes: impossible travel. */
const TRAVEL = {
  steps: [{ field: 'event.site', exists: true }, { field: 'event.site', exists: true }],
  within: '10m',
  differ: ['event.site'],
};
/** A denied attempt, then an emergency access to get round it. */
const DENIED_THEN_EMERGENCY = {
  steps: [{ field: 'event.outcome', equals: 'denied' }, { field: 'event.action', equals: 'emergency-access' }],
  within: '30m',
};
const TEN = '2026-03-02T10:00:00.000Z';
const NOW = '2026-03-02T10:30:00.000Z';

const at = (site: string, minute: number, userId = 'U1'): RuleInput =>
  testInput({ event: { site, occurredAt: minutesAfter(TEN, minute), user: { id: userId } } });

/** Firings by subject and the event that ends the sequence. */
const ends = (matches: RuleMatch[]) => [...firingsOf(matches.map((m) => ({ ...m, explanation: { ...m.explanation, details: { ...m.explanation.details, windowStart: m.lastSeenAt } } })))];

describe('sequence', () => {
  it('fires when a user is recorded at two sites within the window, naming both', async () => {
    const north = at('NORTH', 2);
    const south = at('SOUTH', 7);
    const [match, ...rest] = await testRule(sequenceKind, TRAVEL).evaluate([north, south], testContext(NOW));
    expect(rest).toEqual([]);
    expect(match.subject).toEqual({ organisation: 'RX1', userId: 'U1' });
    expect(match.evidence.map((ref) => ref.docId)).toEqual([north.stored.docId, south.stored.docId]);
    expect(match.explanation.text).toBe('User U1 at RX1: site NORTH at 10:02 on 2 March 2026, then site SOUTH at 10:07 on 2 March 2026 '
      + '(5 minutes apart; the rule looks for 2 steps within 10 minutes).');
    expect(match.explanation.details).toMatchObject({ count: 2, threshold: 2, 'event.site': ['NORTH', 'SOUTH'], within: '10m' });
  });

  it('fires at exactly the window apart and not a minute more', async () => {
    expect(await testRule(sequenceKind, TRAVEL).evaluate([at('NORTH', 0), at('SOUTH', 10)], testContext(NOW))).toHaveLength(1);
    expect(await testRule(sequenceKind, TRAVEL).evaluate([at('NORTH', 0), at('SOUTH', 11)], testContext(NOW))).toEqual([]);
  });

  it('stays silent for the legitimate twins: one site, or two users at two sites', async () => {
    expect(await testRule(sequenceKind, TRAVEL).evaluate([at('NORTH', 1), at('NORTH', 4), at('NORTH', 8)], testContext(NOW))).toEqual([]);
    expect(await testRule(sequenceKind, TRAVEL).evaluate([at('NORTH', 1), at('SOUTH', 4, 'U2')], testContext(NOW))).toEqual([]);
  });

  it('keeps the steps in event-time order, not arrival order', async () => {
    const denied = testInput({ event: { outcome: 'denied', occurredAt: minutesAfter(TEN, 1) } });
    const emergency = testInput({ event: { action: 'emergency-access', occurredAt: minutesAfter(TEN, 5) } });
    const rule = testRule(sequenceKind, DENIED_THEN_EMERGENCY);
    const context = testContext(NOW);
    expect(await rule.evaluate([emergency], context)).toEqual([]);
    expect(await rule.evaluate([denied], context)).toHaveLength(1);
    const emergencyFirst = testInput({ event: { action: 'emergency-access', occurredAt: minutesAfter(TEN, 1), user: { id: 'U2' } } });
    const deniedAfter = testInput({ event: { outcome: 'denied', occurredAt: minutesAfter(TEN, 5), user: { id: 'U2' } } });
    expect(await rule.evaluate([deniedAfter, emergencyFirst], context)).toEqual([]);
  });

  it('finds a pair whichever of its events arrives first, across window sets', async () => {
    const rule = testRule(sequenceKind, TRAVEL);
    const context = testContext(NOW);
    // 10:08 and 10:13 are in different ten-minute sets.
    expect(await rule.evaluate([at('SOUTH', 13)], context)).toEqual([]);
    expect(await rule.evaluate([at('NORTH', 8)], context)).toHaveLength(1);
  });

  it('finds a change of site after a morning at one site, in the set before or after, whichever arrives last', async () => {
    // Ten-minute sets start at 10:00, 10:10, 10:20...; each pair is within ten minutes, some across a set's edge.
    for (const [first, second] of [[9, 11], [11, 19], [19, 21], [20, 29], [5, 14], [14, 24]]) {
      for (const lateFirst of [false, true]) {
        const rule = testRule(sequenceKind, TRAVEL);
        const context = testContext(NOW);
        const morning = [-30, -20, -10, 0, 10, 20, 30].filter((m) => Math.abs(m - second) > 10).map((m) => at('NORTH', m));
        expect(await runBatches(rule, morning.map((e) => [e]), context)).toEqual([]);
        const [a, b] = lateFirst ? [at('SOUTH', second), at('NORTH', first)] : [at('NORTH', first), at('SOUTH', second)];
        expect(await rule.evaluate([a], context)).toEqual([]);
        const [match, ...rest] = await rule.evaluate([b], context);
        expect(rest).toEqual([]);
        expect(match?.explanation.details?.['event.site'], `NORTH at ${first}, SOUTH at ${second}${lateFirst ? ', SOUTH first' : ''}`).toEqual(['NORTH', 'SOUTH']);
      }
    }
  });

  it('gives the same firings whatever order events arrive in, however split, and from two workers', async () => {
    const events = [
      at('NORTH', 0), at('NORTH', 3), at('SOUTH', 9), at('SOUTH', 12), at('NORTH', 25), at('NORTH', 28),
      at('EAST', 1, 'U2'), at('EAST', 6, 'U2'), at('WEST', 19, 'U2'), at('EAST', 26, 'U2'), at('WEST', 40, 'U3'),
    ];
    const inOrder = await runBatches(testRule(sequenceKind, TRAVEL), events.map((e) => [e]), testContext(NOW));
    const mixed = shuffled(events, 4);
    const outOfOrder = await runBatches(testRule(sequenceKind, TRAVEL), mixed.map((e) => [e]), testContext(NOW));
    const oneBatch = await runBatches(testRule(sequenceKind, TRAVEL), [mixed], testContext(NOW));
    const two = await runTwoWorkers(() => testRule(sequenceKind, TRAVEL), mixed, testContext(NOW));
    expect(ends(inOrder).map(([id]) => id.split('|')[1])).toEqual([minutesAfter(TEN, 9), minutesAfter(TEN, 12), minutesAfter(TEN, 26)]);
    expect(ends(outOfOrder).map(([id]) => id)).toEqual(ends(inOrder).map(([id]) => id));
    expect(ends(oneBatch).map(([id]) => id)).toEqual(ends(inOrder).map(([id]) => id));
    expect(ends(two).map(([id]) => id)).toEqual(ends(inOrder).map(([id]) => id));
  });

  it('fires a sequence once: a replayed batch adds nothing', async () => {
    const rule = testRule(sequenceKind, TRAVEL);
    const context = testContext(NOW);
    const events = [at('NORTH', 2), at('SOUTH', 7)];
    expect(await rule.evaluate(events, context)).toHaveLength(1);
    expect(await rule.evaluate(events, context)).toEqual([]);
  });

  it('does not count events whose window closed more than the lateness ago', async () => {
    const state = new MemoryRuleState(() => Date.parse(NOW));
    const rule = testRule(sequenceKind, TRAVEL);
    await rule.evaluate([at('NORTH', 2)], testContext(NOW, state));
    // 10:07 is in the set for 10:00–10:10, which takes events until 11:10.
    expect(await rule.evaluate([at('SOUTH', 7)], testContext('2026-03-02T11:10:01.000Z', state))).toEqual([]);
    expect(await rule.evaluate([at('SOUTH', 7)], testContext('2026-03-02T11:09:59.000Z', state))).toHaveLength(1);
  });

  it('accepts the documented params and refuses others', () => {
    expect(paramsProblems(sequenceKind, { ...TRAVEL, key: ['event.organisation', 'event.user.id'], where: { field: 'event.outcome', equals: 'success' } })).toEqual([]);
    expect(paramsProblems(sequenceKind, { ...TRAVEL, steps: [TRAVEL.steps[0]] })).not.toEqual([]);
    expect(paramsProblems(sequenceKind, { ...TRAVEL, differ: ['event.place'] })).not.toEqual([]);
  });
});
