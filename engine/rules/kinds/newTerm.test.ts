import { describe, expect, it } from 'vitest';
import type { CompiledRule, RuleInput } from '../ruleKind.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { newTermKind } from './newTerm.js';
import { firingsOf, paramsProblems, runBatches, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';
import { DAY_MS, HOUR_MS } from './windows.js';

const PARAMS = { term: 'event.workstation', history: '30d', learning: '7d' };
const DAY_0 = Date.parse('2026-02-01T00:00:00.000Z');

/** An access on a day (counted from 1 February 2026) at an hour, from a workstation. */
const use = (workstation: string, day: number, hour = 10, userId = 'U1'): RuleInput =>
  testInput({ event: { workstation, occurredAt: new Date(DAY_0 + day * DAY_MS + hour * HOUR_MS).toISOString(), user: { id: userId } } });

/** A store and a clock the test moves; the rule sees each day's accesses on the day. */
function history() {
  const clock = { now: DAY_0 };
  const state = new MemoryRuleState(() => clock.now);
  return {
    state,
    /** The context at a day and hour (the clock moves there). */
    on(day: number, hour = 12) {
      clock.now = DAY_0 + day * DAY_MS + hour * HOUR_MS;
      return testContext(clock.now, state);
    },
    /** The user's accesses from a workstation every day from `from` to `to`. */
    async daily(rule: CompiledRule, workstation: string, from: number, to: number, userId = 'U1') {
      for (let day = from; day <= to; day++) await rule.evaluate([use(workstation, day, 10, userId)], this.on(day));
    },
  };
}

describe('newTerm', () => {
  it('fires when a user with enough history uses a workstation new to them, and not for their usual one', async () => {
    const rule = testRule(newTermKind, PARAMS);
    const h = history();
    await h.daily(rule, 'WS-1', 0, 9);
    const newOne = use('WS-2', 10);
    const [match, ...rest] = await rule.evaluate([use('WS-1', 10, 9), newOne], h.on(10));
    expect(rest).toEqual([]);
    expect(match.subject).toEqual({ organisation: 'RX1', userId: 'U1' });
    expect(match.evidence.map((ref) => ref.docId)).toEqual([newOne.stored.docId]);
    expect(match.explanation.text).toBe('New workstation for user U1 at RX1: WS-2, not used by them in the previous 30 days (seen at 10:00 on 11 February 2026).');
    expect(match.explanation.details).toMatchObject({ value: 'WS-2', term: 'event.workstation', windowStart: '2026-02-11T00:00:00.000Z', historyDays: 30 });
  });

  it('learns first: fires from the seventh day after the user is first seen, not the sixth', async () => {
    const rule = testRule(newTermKind, PARAMS);
    const h = history();
    await h.daily(rule, 'WS-1', 0, 5);
    expect(await rule.evaluate([use('WS-2', 6)], h.on(6))).toEqual([]);
    expect(await rule.evaluate([use('WS-3', 7)], h.on(7))).toHaveLength(1);
  });

  it('forgets after the history: silent for a workstation last used 30 days before, fires at 31', async () => {
    for (const [day, fires] of [[30, false], [31, true]] as const) {
      const rule = testRule(newTermKind, PARAMS);
      const h = history();
      await rule.evaluate([use('WS-9', 0, 9)], h.on(0));
      await h.daily(rule, 'WS-1', 0, day - 1);
      expect(await rule.evaluate([use('WS-9', day)], h.on(day))).toHaveLength(fires ? 1 : 0);
    }
  });

  it('fires once per user, workstation and day whatever order events arrive in, however split, and from two workers', async () => {
    const day10 = [use('WS-2', 10, 15), use('WS-2', 10, 9), use('WS-3', 10, 11), use('WS-1', 10, 8), use('WS-2', 10, 10, 'U2'), use('WS-4', 11, 9)];
    const run = async (evaluate: (rule: CompiledRule, h: ReturnType<typeof history>) => Promise<Awaited<ReturnType<typeof runBatches>>>) => {
      const rule = testRule(newTermKind, PARAMS);
      const h = history();
      await h.daily(rule, 'WS-1', 0, 9);
      await h.daily(rule, 'WS-1', 0, 9, 'U2');
      return firingsOf(await evaluate(rule, h));
    };
    const inOrder = await run((rule, h) => runBatches(rule, [day10], h.on(11, 0)));
    const reversed = await run((rule, h) => runBatches(rule, [...day10].reverse().map((e) => [e]), h.on(11, 0)));
    const two = await run((_, h) => runTwoWorkers(() => testRule(newTermKind, PARAMS), shuffled(day10, 2), h.on(11, 0)));
    expect([...inOrder.keys()].map((id) => id.split('|').slice(1).join(' '))).toEqual([
      '2026-02-11T00:00:00.000Z WS-2', '2026-02-11T00:00:00.000Z WS-3', '2026-02-12T00:00:00.000Z WS-4', '2026-02-11T00:00:00.000Z WS-2',
    ]);
    expect([...reversed.keys()]).toEqual([...inOrder.keys()]);
    expect([...two.keys()]).toEqual([...inOrder.keys()]);
  });

  it('fires a new workstation once: a replayed batch adds nothing', async () => {
    const rule = testRule(newTermKind, PARAMS);
    const h = history();
    await h.daily(rule, 'WS-1', 0, 9);
    const batch = [use('WS-2', 10)];
    expect(await rule.evaluate(batch, h.on(10))).toHaveLength(1);
    expect(await rule.evaluate(batch, h.on(10))).toEqual([]);
  });

  it('does not count events whose day closed more than the lateness ago', async () => {
    const rule = testRule(newTermKind, PARAMS);
    const h = history();
    await h.daily(rule, 'WS-1', 0, 9);
    expect(await rule.evaluate([use('WS-2', 10)], testContext(DAY_0 + 11 * DAY_MS + HOUR_MS + 1, h.state))).toEqual([]);
    expect(await rule.evaluate([use('WS-2', 10)], testContext(DAY_0 + 11 * DAY_MS + HOUR_MS - 1, h.state))).toHaveLength(1);
  });

  it('accepts the documented params and refuses others', () => {
    expect(paramsProblems(newTermKind, { ...PARAMS, key: ['event.organisation', 'event.user.id'], where: { field: 'facts.knownUser', equals: true } })).toEqual([]);
    expect(paramsProblems(newTermKind, { ...PARAMS, history: '12h' })).not.toEqual([]);
    expect(paramsProblems(newTermKind, { history: '30d' })).not.toEqual([]);
  });
});
