import { describe, expect, it } from 'vitest';
import { isValidNhsNumber } from '../../events/nhsNumber.js';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { cardinalityKind, longestConsecutiveRun, runNeighbours } from './cardinality.js';
import { firingsOf, minutesAfter, paramsProblems, runBatches, runTwoWorkers, shuffled, testContext, testInput, testRule } from './testInputs.js';

const PARAMS = { window: '1h', distinct: 'event.patient.nhsNumber', threshold: 20 };
const ENUMERATION = { where: { field: 'event.action', equals: 'search' }, window: '1h', distinct: 'event.patient.nhsNumber', threshold: 8, consecutive: true };
const TEN = '2026-03-02T10:00:00.000Z';
const NOW = '2026-03-02T11:30:00.000Z';

/** The valid NHS numbers whose first nine digits follow `prefix`, in order (prefixes without a check digit skipped). */
function sequentialNhsNumbers(prefix: number, count: number): string[] {
  const numbers: string[] = [];
  for (let p = prefix; numbers.length < count; p++) {
    for (let check = 0; check <= 9; check++) {
      const candidate = `${String(p).padStart(9, '0')}${check}`;
      if (isValidNhsNumber(candidate)) numbers.push(candidate);
    }
  }
  return numbers;
}

const access = (nhsNumber: string, minute: number, userId = 'U1', action: 'view' | 'search' = 'view') =>
  testInput({ event: { occurredAt: minutesAfter(TEN, minute), patient: { nhsNumber }, user: { id: userId }, action } });

/** `count` accesses to distinct patients by a user, a minute apart. */
const distinctPatients = (count: number, userId = 'U1', from = 0) =>
  sequentialNhsNumbers(400_000_000 + from * 97, count * 13).filter((_, i) => i % 13 === 0).slice(0, count).map((nhs, i) => access(nhs, from + i, userId));

describe('cardinality', () => {
  it('fires when a user opens the threshold number of distinct patients\' records in a window', async () => {
    const events = distinctPatients(20);
    const [match, ...rest] = await testRule(cardinalityKind, PARAMS).evaluate(events, testContext(NOW));
    expect(rest).toEqual([]);
    expect(match.subject).toEqual({ organisation: 'RX1', userId: 'U1' });
    expect(match.explanation.text).toBe("20 distinct patients' records accessed by user U1 at RX1 between 10:00 and 11:00 on 2 March 2026 (threshold 20).");
    expect(match.explanation.details).toMatchObject({ count: 20, threshold: 20, windowStart: TEN });
    expect(match.evidence).toHaveLength(20);
  });

  it('stays silent one below, and for the legitimate twin: many accesses to a few patients', async () => {
    expect(await testRule(cardinalityKind, PARAMS).evaluate(distinctPatients(19), testContext(NOW))).toEqual([]);
    const few = distinctPatients(5);
    const repeated = Array.from({ length: 40 }, (_, i) => access(few[i % 5].event.patient.nhsNumber, i));
    expect(await testRule(cardinalityKind, PARAMS).evaluate(repeated, testContext(NOW))).toEqual([]);
  });

  it('gives the same firings whatever order events arrive in, however split, and from two workers', async () => {
    const events = [...distinctPatients(25), ...distinctPatients(15, 'U2'), ...distinctPatients(30, 'U3', 20)];
    const inOrder = await runBatches(testRule(cardinalityKind, PARAMS), [events], testContext(NOW));
    const mixed = shuffled(events, 11);
    const split = await runBatches(testRule(cardinalityKind, PARAMS), [mixed.slice(0, 30), mixed.slice(30, 31), mixed.slice(31)], testContext(NOW));
    const two = await runTwoWorkers(() => testRule(cardinalityKind, PARAMS), mixed, testContext(NOW));
    expect([...firingsOf(inOrder).values()].map((f) => f.count)).toEqual([25, 30]);
    expect(firingsOf(split)).toEqual(firingsOf(inOrder));
    expect(firingsOf(two)).toEqual(firingsOf(inOrder));
  });

  it('counts a patient opened in several steps of a hopping window once, one batch at a time', async () => {
    const hopping = { ...PARAMS, step: '15m' };
    const patients = distinctPatients(20).map((e) => e.event.patient.nhsNumber);
    // 19 patients, each opened twice, 30 minutes apart (in different 15-minute steps), then a 20th at 10:59.
    const twice = patients.slice(0, 19).flatMap((nhs, i) => [access(nhs, i), access(nhs, i + 30)]);
    const rule = testRule(cardinalityKind, hopping);
    const context = testContext(NOW);
    expect(await runBatches(rule, shuffled(twice, 3).map((e) => [e]), context)).toEqual([]);
    const matches = await rule.evaluate([access(patients[19], 59)], context);
    // The windows from 10:00, 10:15 and 10:30 each hold all 20; the one from 10:45 only five.
    expect(matches.map((m) => [m.explanation.details?.windowStart, m.explanation.details?.count]))
      .toEqual([[TEN, 20], [minutesAfter(TEN, 15), 20], [minutesAfter(TEN, 30), 20]]);
    expect(matches[0].evidence).toHaveLength(39);
  });

  it('counts a hopping window\'s later steps stored first, in batches of one and from two workers', async () => {
    const hopping = { ...PARAMS, step: '15m' };
    // 25 patients over 50 minutes (four steps), the latest first: every step after the first arrives before it.
    const events = distinctPatients(25).map((e, i) => access(e.event.patient.nhsNumber, i * 2)).reverse();
    const counts = (matches: Awaited<ReturnType<typeof runBatches>>) => [...firingsOf(matches).values()].map((f) => f.count);
    const oneByOne = await runBatches(testRule(cardinalityKind, hopping), events.map((e) => [e]), testContext(NOW));
    const two = await runTwoWorkers(() => testRule(cardinalityKind, hopping), events, testContext(NOW));
    expect(counts(oneByOne)).toEqual([23, 25]);
    expect(firingsOf(two)).toEqual(firingsOf(oneByOne));
  });

  it('counts a replayed batch once', async () => {
    const rule = testRule(cardinalityKind, PARAMS);
    const context = testContext(NOW);
    const events = distinctPatients(20);
    await rule.evaluate(events.slice(0, 12), context);
    expect(await rule.evaluate(events.slice(0, 12), context)).toEqual([]);
    const [match] = await rule.evaluate(events.slice(12, 19), context);
    expect(match).toBeUndefined();
  });

  it('does not count events whose window closed more than the lateness ago', async () => {
    const state = new MemoryRuleState(() => Date.parse(NOW));
    const events = distinctPatients(20);
    const rule = testRule(cardinalityKind, PARAMS);
    await rule.evaluate(events.slice(0, 19), testContext(NOW, state));
    expect(await rule.evaluate(events.slice(19), testContext('2026-03-02T12:05:00.000Z', state))).toEqual([]);
    expect(await rule.evaluate(events.slice(19), testContext('2026-03-02T11:55:00.000Z', state))).toHaveLength(1);
  });

  describe('consecutive NHS numbers (enumeration)', () => {
    const searches = (numbers: string[], userId = 'U1') => numbers.map((nhs, i) => access(nhs, i, userId, 'search'));

    it('fires on a run of the threshold length, with the run\'s searches as evidence', async () => {
      const run = sequentialNhsNumbers(943_476_590, 8);
      const unrelated = searches(distinctPatients(6).map((e) => e.event.patient.nhsNumber));
      const [match] = await testRule(cardinalityKind, ENUMERATION).evaluate([...searches(run), ...unrelated], testContext(NOW));
      expect(match.explanation.details).toMatchObject({ count: 8, threshold: 8, consecutive: true, firstInRun: run[0], lastInRun: run[7] });
      expect(match.explanation.text).toMatch(/^8 patients' records with consecutive NHS numbers accessed by user U1 at RX1/);
      expect(match.evidence).toHaveLength(8);
    });

    it('stays silent on a run one short, on a broken run, and on views instead of searches', async () => {
      const run = sequentialNhsNumbers(943_476_590, 9);
      expect(await testRule(cardinalityKind, ENUMERATION).evaluate(searches(run.slice(0, 7)), testContext(NOW))).toEqual([]);
      const broken = [...run.slice(0, 4), ...run.slice(5)];
      expect(await testRule(cardinalityKind, ENUMERATION).evaluate(searches(broken), testContext(NOW))).toEqual([]);
      const views = run.map((nhs, i) => access(nhs, i));
      expect(await testRule(cardinalityKind, ENUMERATION).evaluate(views, testContext(NOW))).toEqual([]);
    });

    it('finds the run whatever order its searches arrive in and however they are split', async () => {
      const events = [...searches(sequentialNhsNumbers(943_476_590, 10)), ...searches(sequentialNhsNumbers(612_000_000, 6), 'U2')];
      const counts = (matches: Awaited<ReturnType<typeof runBatches>>) => [...firingsOf(matches).values()].map((f) => f.count);
      const inOrder = await runBatches(testRule(cardinalityKind, ENUMERATION), [events], testContext(NOW));
      const mixed = shuffled(events, 5);
      const split = await runBatches(testRule(cardinalityKind, ENUMERATION), [mixed.slice(0, 4), mixed.slice(4, 9), mixed.slice(9)], testContext(NOW));
      const two = await runTwoWorkers(() => testRule(cardinalityKind, ENUMERATION), mixed, testContext(NOW));
      expect(counts(inOrder)).toEqual([10]);
      expect(counts(split)).toEqual([10]);
      expect(counts(two)).toEqual([10]);
    });

    it('finds a run spread over the steps of a hopping window, its searches in batches of one', async () => {
      const run = sequentialNhsNumbers(943_476_590, 8);
      const spread = shuffled(run.map((nhs, i) => access(nhs, i * 8, 'U1', 'search')), 9);
      const matches = await runBatches(testRule(cardinalityKind, { ...ENUMERATION, step: '15m' }), spread.map((e) => [e]), testContext(NOW));
      expect([...firingsOf(matches).values()].map((f) => f.count)).toEqual([8]);
      expect(matches[0].explanation.details).toMatchObject({ windowStart: TEN, firstInRun: run[0], lastInRun: run[7] });
    });

    it('names as neighbours exactly the numbers that continue a run', () => {
      // Over random sets of NHS numbers packed close together: a number is in a run of two or more just when a neighbour is held.
      let seed = 17;
      const next = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648);
      const all = sequentialNhsNumbers(0, 400);
      for (let round = 0; round < 200; round++) {
        const held = all.filter(() => next() < 0.3);
        const heldSet = new Set(held);
        for (const number of held) {
          const inRun = longestConsecutiveRun(held, new Set([number])).length >= 2;
          expect(runNeighbours(number).some((n) => heldSet.has(n)), number).toBe(inRun);
        }
      }
      expect(runNeighbours(sequentialNhsNumbers(5, 1)[0])).toEqual([sequentialNhsNumbers(4, 1)[0], sequentialNhsNumbers(7, 1)[0]]);
    });

    it('treats nine-digit prefixes that have no check digit as no gap', () => {
      // No NHS number starts 000000006 (its check digit would be 10): ...05x and ...07x are consecutive.
      const numbers = sequentialNhsNumbers(5, 3);
      expect(numbers.map((n) => n.slice(0, 9))).toEqual(['000000005', '000000007', '000000008']);
      expect(longestConsecutiveRun(numbers, new Set([numbers[0]]))).toEqual(numbers);
      expect(longestConsecutiveRun([numbers[0], numbers[2]], new Set([numbers[0]]))).toEqual([numbers[0]]);
    });
  });

  it('accepts the documented params and refuses others', () => {
    expect(paramsProblems(cardinalityKind, { ...ENUMERATION, key: ['event.organisation', 'event.user.id'], step: '30m' })).toEqual([]);
    expect(paramsProblems(cardinalityKind, { ...PARAMS, distinct: 'patient.nhs' })).not.toEqual([]);
    expect(paramsProblems(cardinalityKind, { ...PARAMS, threshold: 1 })).not.toEqual([]);
  });
});
