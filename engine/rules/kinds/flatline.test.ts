import { describe, expect, it } from 'vitest';
import type { RuleInput } from '../ruleKind.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { flatlineKind } from './flatline.js';
import { paramsProblems, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';

const PARAMS = { expectedInterval: '24h' };
const TEN = '2026-03-02T10:00:00.000Z';
const after = (hours: number, minutes = 0) => Date.parse(TEN) + hours * 3_600_000 + minutes * 60_000;

/** An event from a system, received at an instant (occurring an hour before unless said). */
const from = (system: string, receivedAt: number, organisation = 'RX1', occurredAt = receivedAt - 3_600_000): RuleInput =>
  testInput({ event: { system, organisation, occurredAt: new Date(occurredAt).toISOString() }, receivedAt: new Date(receivedAt).toISOString() });

/** The sources a tick reports as silent, as `organisation/system`. */
async function silentAt(rule: ReturnType<typeof testRule>, state: MemoryRuleState, now: number): Promise<string[]> {
  return (await rule.tick!(testContext(now, state))).map((m) => `${m.subject.organisation}/${m.subject.system}`).sort();
}

describe('flatline', () => {
  it('reports a source silent for longer than expected, saying when it was last heard from', async () => {
    const state = new MemoryRuleState(() => after(0));
    const rule = testRule(flatlineKind, PARAMS);
    expect(await rule.evaluate([from('EPR', after(-1)), from('EPR', after(0)), from('PAS', after(20))], testContext(after(0), state))).toEqual([]);
    const [match, ...rest] = await rule.tick!(testContext(after(26, 30), state));
    expect(rest).toEqual([]);
    expect(match.subject).toEqual({ organisation: 'RX1', system: 'EPR' });
    expect(match.evidence).toEqual([]);
    expect(match.firstSeenAt).toBe(TEN);
    expect(match.explanation.text).toBe('No access events received from system EPR at RX1 since 10:00 on 2 March 2026: silent for 26 hours, '
      + 'when events are expected at least every 24 hours. Accesses in this time may be going unrecorded (an audit gap).');
    expect(match.explanation.details).toMatchObject({ lastHeardAt: TEN, silentMinutes: 26 * 60 + 30, expectedInterval: '24h' });
  });

  it('stays silent at exactly the expected interval and fires a minute after', async () => {
    const state = new MemoryRuleState(() => after(0));
    const rule = testRule(flatlineKind, PARAMS);
    await rule.evaluate([from('EPR', after(0))], testContext(after(0), state));
    expect(await silentAt(rule, state, after(24))).toEqual([]);
    expect(await silentAt(rule, state, after(24, 1))).toEqual(['RX1/EPR']);
  });

  it('stays silent for the legitimate twin: a feed that keeps posting, even old events (a backfill keeps it alive)', async () => {
    const state = new MemoryRuleState(() => after(0));
    const rule = testRule(flatlineKind, PARAMS);
    await rule.evaluate([from('EPR', after(0))], testContext(after(0), state));
    await rule.evaluate([from('EPR', after(20), 'RX1', after(-72))], testContext(after(20), state));
    expect(await silentAt(rule, state, after(30))).toEqual([]);
  });

  it('keeps the latest time heard whatever order batches arrive in, and from two workers', async () => {
    const events = [from('EPR', after(0)), from('EPR', after(2)), from('PAS', after(-3)), from('PAS', after(1), 'RX2'), from('LAB', after(5))];
    const inOrder = new MemoryRuleState(() => after(0));
    for (const event of events) await testRule(flatlineKind, PARAMS).evaluate([event], testContext(after(5), inOrder));
    const reversed = new MemoryRuleState(() => after(0));
    for (const event of [...events].reverse()) await testRule(flatlineKind, PARAMS).evaluate([event], testContext(after(5), reversed));
    const shared = new MemoryRuleState(() => after(0));
    await runTwoWorkers(() => testRule(flatlineKind, PARAMS), shuffled(events, 3), testContext(after(5), shared));
    const rule = testRule(flatlineKind, PARAMS);
    for (const hour of [21.5, 25.5, 26.5, 29.5]) {
      const expected = await silentAt(rule, inOrder, after(hour));
      expect(await silentAt(rule, reversed, after(hour))).toEqual(expected);
      expect(await silentAt(rule, shared, after(hour))).toEqual(expected);
    }
    expect(await silentAt(rule, inOrder, after(26.5))).toEqual(['RX1/EPR', 'RX1/PAS', 'RX2/PAS']);
  });

  it('gives the same answer after a replayed batch', async () => {
    const state = new MemoryRuleState(() => after(0));
    const rule = testRule(flatlineKind, PARAMS);
    const batch = [from('EPR', after(0))];
    await rule.evaluate(batch, testContext(after(0), state));
    await rule.evaluate(batch, testContext(after(3), state));
    expect(await silentAt(rule, state, after(24, 1))).toEqual(['RX1/EPR']);
  });

  it('forgets a source silent longer than forgetAfter (taken as retired)', async () => {
    const state = new MemoryRuleState(() => after(0));
    const rule = testRule(flatlineKind, { ...PARAMS, forgetAfter: '7d' });
    await rule.evaluate([from('EPR', after(0))], testContext(after(0), state));
    expect(await silentAt(rule, state, after(6 * 24))).toEqual(['RX1/EPR']);
    expect(await silentAt(rule, state, after(7 * 24, 1))).toEqual([]);
  });

  it('needs the organisation and the system in its key, and refuses other params', () => {
    expect(paramsProblems(flatlineKind, { ...PARAMS, key: ['event.organisation', 'event.system', 'event.site'], forgetAfter: '30d' })).toEqual([]);
    expect(paramsProblems(flatlineKind, { expectedInterval: 'daily' })).not.toEqual([]);
    expect(() => testRule(flatlineKind, { ...PARAMS, key: ['event.organisation'] })).toThrow(/event\.system/);
  });
});
