import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RuleStateStore } from '../ruleState.js';

/** One test's store, over its own namespace (a fresh file, a random key prefix). */
export interface RuleStateFixture {
  store: RuleStateStore;
  /** Removes everything the test wrote (its file, its keys). Called after `store` is closed. */
  cleanup(): Promise<void>;
  /** Another store over the same backing, as a second worker process would open it (Redis). */
  openSibling?(): Promise<RuleStateStore>;
  /** Opens the backing again after `store` was closed (durable adapters: Redis, DuckDB). */
  reopen?(): Promise<RuleStateStore>;
}

export interface RuleStateContractOptions {
  /**
   * Whose clock decides expiry. `given`: the adapter reads the `now` passed to `makeStore`, and
   * the suite moves it. `own`: the adapter uses its own clock (Redis's), and the suite uses short
   * real expiries and waits them out.
   */
  clock: 'given' | 'own';
  /** State survives close and reopen; the suite checks it through `reopen`. */
  durable: boolean;
}

/** Epoch ms the tests start at with a given clock (late 2026, like the event fixtures). */
const START = Date.parse('2026-11-20T09:00:00Z');
const HOUR = 3_600_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const sortedMembers = (sets: Map<string, string[]>) => new Map([...sets].map(([set, members]) => [set, [...members].sort()]));

/**
 * The behaviour every rule-state adapter promises (see ../ruleState.ts), so that windowed rules
 * give the same alerts in memory, in the embedded DuckDB file and in Redis shared by workers.
 * Beyond the port's "may be forgotten after expiresAt", adapters here also hide expired entries
 * from reads and start an expired set, counter or maximum afresh; the suite checks both.
 */
export function ruleStateContract(
  name: string,
  makeStore: (now: () => number) => Promise<RuleStateFixture>,
  options: RuleStateContractOptions,
): void {
  describe(`rule state contract: ${name}`, () => {
    let fixture: RuleStateFixture;
    let store: RuleStateStore;
    let clockAt = START;
    const opened: RuleStateStore[] = [];
    /** Now, in the clock that decides expiry. */
    const now = () => (options.clock === 'given' ? clockAt : Date.now());
    /** An expiry no test reaches. */
    let later = 0;

    beforeEach(async () => {
      clockAt = START;
      later = now() + HOUR;
      fixture = await makeStore(() => clockAt);
      store = fixture.store;
      opened.push(store);
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((open) => open.close()));
      await fixture.cleanup();
    });

    /** Passes `ms` on the clock that decides expiry. */
    async function pass(ms: number): Promise<void> {
      if (options.clock === 'given') clockAt += ms;
      else await sleep(ms);
    }

    it('counts a member added twice once, and gives the size of every set touched', async () => {
      const at = later;
      const first = await store.addToSets([
        { set: 'cardinality:u-1:day', member: 'p-1', expiresAt: at },
        { set: 'cardinality:u-2:day', member: 'p-1', expiresAt: at },
        { set: 'cardinality:u-1:day', member: 'p-2', expiresAt: at },
        { set: 'cardinality:u-1:day', member: 'p-1', expiresAt: at },
      ]);
      expect(first).toEqual(new Map([['cardinality:u-1:day', 2], ['cardinality:u-2:day', 1]]));
      const again = await store.addToSets([
        { set: 'cardinality:u-1:day', member: 'p-2', expiresAt: at },
        { set: 'cardinality:u-1:day', member: 'p-3', expiresAt: at },
      ]);
      expect(again).toEqual(new Map([['cardinality:u-1:day', 3]]));
      expect(sortedMembers(await store.readSets(['cardinality:u-1:day', 'cardinality:u-2:day']))).toEqual(new Map([
        ['cardinality:u-1:day', ['p-1', 'p-2', 'p-3']], ['cardinality:u-2:day', ['p-1']],
      ]));
    });

    it('reads a missing set as empty, and keeps members exactly as given', async () => {
      const odd = ['with space', "quote'd", 'ünïcødé', '%_*?[x]', '{braces}', ''];
      await store.addToSets(odd.map((member) => ({ set: 'odd', member, expiresAt: later })));
      const read = await store.readSets(['never-written', 'odd']);
      expect(read.get('never-written')).toEqual([]);
      expect([...read.get('odd')!].sort()).toEqual([...odd].sort());
      expect(read.size).toBe(2);
    });

    it('counts the distinct members of unions of sets, exactly from atLeast up', async () => {
      const add = (set: string, members: string[]) => members.map((member) => ({ set, member, expiresAt: later }));
      await store.addToSets([...add('step-1', ['p-1', 'p-2', 'p-3']), ...add('step-2', ['p-3', 'p-4']), ...add('step-3', ['p-5']), ...add('step-4', ['p-1', 'p-4', 'p-6'])]);
      expect(await store.countUnions([['step-1', 'step-2'], ['step-1'], ['never-written'], [], ['step-1', 'step-2', 'step-3', 'never-written'],
        ['step-2', 'step-2'], ['step-1', 'step-2', 'step-3', 'step-4']])).toEqual([4, 3, 0, 0, 5, 2, 6]);
      // From atLeast up the answer is exact; below it, only known to be below.
      const [five, four, six] = await store.countUnions([['step-1', 'step-2', 'step-3'], ['step-1', 'step-2'], ['step-1', 'step-2', 'step-3', 'step-4']], 5);
      expect([five, six]).toEqual([5, 6]);
      expect(four).toBeLessThan(5);
      expect(await store.countUnions([])).toEqual([]);
    });

    it('tells whether members are in sets, in the order asked', async () => {
      await store.addToSets([{ set: 'values', member: '4000000004', expiresAt: later }, { set: 'values', member: "quote'd ü", expiresAt: later },
        { set: 'other', member: '4000000012', expiresAt: later }]);
      expect(await store.hasMembers([
        { set: 'values', member: '4000000012' }, { set: 'other', member: '4000000012' }, { set: 'values', member: '4000000004' },
        { set: 'never-written', member: '4000000004' }, { set: 'values', member: "quote'd ü" }, { set: 'values', member: '4000000004' },
      ])).toEqual([false, true, true, false, true, true]);
      expect(await store.hasMembers([])).toEqual([]);
    });

    it('adds to counters and reads a missing counter as 0', async () => {
      const after = await store.addToCounters([
        { counter: 'spike:u-1:h10', by: 1, expiresAt: later },
        { counter: 'spike:u-2:h10', by: 5, expiresAt: later },
        { counter: 'spike:u-1:h10', by: 2, expiresAt: later },
      ]);
      expect(after).toEqual(new Map([['spike:u-1:h10', 3], ['spike:u-2:h10', 5]]));
      expect(await store.addToCounters([{ counter: 'spike:u-1:h10', by: 10, expiresAt: later }])).toEqual(new Map([['spike:u-1:h10', 13]]));
      expect(await store.readCounters(['spike:u-1:h10', 'spike:u-2:h10', 'spike:nobody'])).toEqual(new Map([
        ['spike:u-1:h10', 13], ['spike:u-2:h10', 5], ['spike:nobody', 0],
      ]));
    });

    it('only ever raises a maximum', async () => {
      expect(await store.raiseMaxima([
        { key: 'flatline:seen:emis', value: 500, expiresAt: later },
        { key: 'flatline:seen:emis', value: 900, expiresAt: later },
        { key: 'flatline:seen:emis', value: 700, expiresAt: later },
      ])).toEqual(new Map([['flatline:seen:emis', 900]]));
      expect(await store.raiseMaxima([{ key: 'flatline:seen:emis', value: 100, expiresAt: later }])).toEqual(new Map([['flatline:seen:emis', 900]]));
      expect(await store.raiseMaxima([{ key: 'flatline:seen:emis', value: 1_763_629_200_123, expiresAt: later }]))
        .toEqual(new Map([['flatline:seen:emis', 1_763_629_200_123]]));
      expect(await store.readMaxima('flatline:seen:')).toEqual(new Map([['flatline:seen:emis', 1_763_629_200_123]]));
    });

    it('reads maxima by prefix, leaving out other prefixes and reading wildcards literally', async () => {
      const keys = ['flatline:r1:emis', 'flatline:r1:tpp', 'flatline:r10:emis', 'flatline:r2:emis', 'flatline:r_:x', 'flatline:r%:x', 'flatline:r*:x'];
      await store.raiseMaxima(keys.map((key, i) => ({ key, value: i + 1, expiresAt: later })));
      expect(await store.readMaxima('flatline:r1:')).toEqual(new Map([['flatline:r1:emis', 1], ['flatline:r1:tpp', 2]]));
      expect(await store.readMaxima('flatline:r_:')).toEqual(new Map([['flatline:r_:x', 5]]));
      expect(await store.readMaxima('flatline:r%')).toEqual(new Map([['flatline:r%:x', 6]]));
      expect(await store.readMaxima('flatline:r*')).toEqual(new Map([['flatline:r*:x', 7]]));
      expect((await store.readMaxima('flatline:')).size).toBe(keys.length);
      expect(await store.readMaxima('spike:')).toEqual(new Map());
    });

    it('answers empty calls with empty maps', async () => {
      expect(await store.addToSets([])).toEqual(new Map());
      expect(await store.readSets([])).toEqual(new Map());
      expect(await store.addToCounters([])).toEqual(new Map());
      expect(await store.readCounters([])).toEqual(new Map());
      expect(await store.raiseMaxima([])).toEqual(new Map());
    });

    it('keeps every entry until it expires, then forgets it and starts it afresh', async () => {
      const soon = now() + (options.clock === 'given' ? 60_000 : 400);
      await store.addToSets([{ set: 'short', member: 'a', expiresAt: soon }, { set: 'long', member: 'a', expiresAt: later }]);
      await store.addToCounters([{ counter: 'short', by: 4, expiresAt: soon }, { counter: 'long', by: 4, expiresAt: later }]);
      await store.raiseMaxima([{ key: 'seen:short', value: 50, expiresAt: soon }, { key: 'seen:long', value: 50, expiresAt: later }]);
      if (options.clock === 'given') {
        clockAt = soon; // an entry is kept up to and including its expiresAt
      }
      expect(await store.readSets(['short'])).toEqual(new Map([['short', ['a']]]));
      expect(await store.readCounters(['short'])).toEqual(new Map([['short', 4]]));
      expect(await store.readMaxima('seen:')).toEqual(new Map([['seen:short', 50], ['seen:long', 50]]));

      expect(await store.countUnions([['short', 'long']])).toEqual([1]);
      expect(await store.hasMembers([{ set: 'short', member: 'a' }])).toEqual([true]);

      await pass(options.clock === 'given' ? 1 : 700);
      expect(await store.readSets(['short', 'long'])).toEqual(new Map([['short', []], ['long', ['a']]]));
      expect(await store.countUnions([['short', 'long'], ['short']])).toEqual([1, 0]);
      expect(await store.hasMembers([{ set: 'short', member: 'a' }, { set: 'long', member: 'a' }])).toEqual([false, true]);
      expect(await store.readCounters(['short', 'long'])).toEqual(new Map([['short', 0], ['long', 4]]));
      expect(await store.readMaxima('seen:')).toEqual(new Map([['seen:long', 50]]));

      expect(await store.addToSets([{ set: 'short', member: 'b', expiresAt: later }])).toEqual(new Map([['short', 1]]));
      expect(await store.readSets(['short'])).toEqual(new Map([['short', ['b']]]));
      expect(await store.addToCounters([{ counter: 'short', by: 1, expiresAt: later }])).toEqual(new Map([['short', 1]]));
      expect(await store.raiseMaxima([{ key: 'seen:short', value: 10, expiresAt: later }])).toEqual(new Map([['seen:short', 10]]));
    });

    it('keeps an entry until the latest expiry given for it', async () => {
      const soon = now() + (options.clock === 'given' ? 60_000 : 400);
      await store.addToSets([{ set: 'window', member: 'a', expiresAt: soon }]);
      await store.addToCounters([{ counter: 'window', by: 1, expiresAt: soon }]);
      await store.raiseMaxima([{ key: 'seen:window', value: 1, expiresAt: soon }]);
      // Extended by a later addition, and not shortened by an earlier expiry given after it.
      await store.addToSets([{ set: 'window', member: 'b', expiresAt: later }, { set: 'window', member: 'c', expiresAt: soon }]);
      await store.addToCounters([{ counter: 'window', by: 1, expiresAt: later }]);
      await store.addToCounters([{ counter: 'window', by: 1, expiresAt: soon }]);
      await store.raiseMaxima([{ key: 'seen:window', value: 1, expiresAt: later }]);
      await store.raiseMaxima([{ key: 'seen:window', value: 2, expiresAt: soon }]);
      await pass(options.clock === 'given' ? 120_000 : 700);
      expect(sortedMembers(await store.readSets(['window']))).toEqual(new Map([['window', ['a', 'b', 'c']]]));
      expect(await store.readCounters(['window'])).toEqual(new Map([['window', 3]]));
      expect(await store.readMaxima('seen:')).toEqual(new Map([['seen:window', 2]]));
    });

    it('takes 20,000 additions in one call', async () => {
      const additions = Array.from({ length: 20_000 }, (_, i) => ({
        // one big set of 10,000 (an enumeration sweep) and 10,000 spread over 100 sets of 100
        set: i < 10_000 ? 'sweep' : `user-${i % 100}`,
        member: i < 10_000 ? `p-${i}` : `p-${Math.floor(i / 100)}`,
        expiresAt: later,
      }));
      const sizes = await store.addToSets(additions);
      expect(sizes.size).toBe(101);
      expect(sizes.get('sweep')).toBe(10_000);
      expect(sizes.get('user-7')).toBe(100);
      expect((await store.readSets(['sweep'])).get('sweep')).toHaveLength(10_000);
      // Every user set holds p-100..p-199, which the sweep holds too: 30 unions of 101 sets, 10,000 members each.
      const unions = Array.from({ length: 30 }, () => ['sweep', ...Array.from({ length: 100 }, (_, u) => `user-${u}`)]);
      expect(await store.countUnions(unions)).toEqual(unions.map(() => 10_000));
      const held = await store.hasMembers(Array.from({ length: 20_000 }, (_, i) => ({ set: 'sweep', member: `p-${i}` })));
      expect(held.filter(Boolean)).toHaveLength(10_000);
      expect(held[9_999] && !held[10_000]).toBe(true);

      const increments = Array.from({ length: 20_000 }, (_, i) => ({ counter: `c-${i % 5000}`, by: 1, expiresAt: later }));
      const values = await store.addToCounters(increments);
      expect(values.size).toBe(5000);
      expect([...values.values()].every((value) => value === 4)).toBe(true);
      const maxima = await store.raiseMaxima(Array.from({ length: 20_000 }, (_, i) => ({ key: `m:${i % 2000}`, value: i, expiresAt: later })));
      expect(maxima.get('m:0')).toBe(18_000);
      expect((await store.readMaxima('m:')).size).toBe(2000);
    });

    it('gives exact totals when workers add to the same sets, counters and maxima at once', async () => {
      const sibling = fixture.openSibling ? await fixture.openSibling() : store;
      if (sibling !== store) opened.push(sibling);
      const workers = [store, sibling, store, sibling];
      const rounds = 25;
      await Promise.all(workers.flatMap((worker, w) => Array.from({ length: rounds }, async (_, round) => {
        // Each worker adds members 0..199 of the shared sets (overlapping) and one it alone sees.
        await worker.addToSets(Array.from({ length: 200 }, (_, i) => ({ set: `shared-${i % 4}`, member: `m-${(round * 8 + i) % 200}`, expiresAt: later }))
          .concat([{ set: 'shared-0', member: `only-${w}-${round}`, expiresAt: later }]));
        await worker.addToCounters(Array.from({ length: 10 }, (_, i) => ({ counter: `shared-${i % 2}`, by: 1, expiresAt: later })));
        await worker.raiseMaxima([{ key: 'seen:shared', value: w * 1000 + round, expiresAt: later }]);
      })));
      const sets = await sibling.readSets(['shared-0', 'shared-1', 'shared-2', 'shared-3']);
      expect(sets.get('shared-0')).toHaveLength(50 + workers.length * rounds);
      expect(sets.get('shared-3')).toHaveLength(50);
      expect(await store.readCounters(['shared-0', 'shared-1'])).toEqual(new Map([
        ['shared-0', workers.length * rounds * 5], ['shared-1', workers.length * rounds * 5],
      ]));
      expect(await store.readMaxima('seen:')).toEqual(new Map([['seen:shared', 3000 + rounds - 1]]));
      expect(await sibling.addToSets([{ set: 'shared-3', member: 'one-more', expiresAt: later }])).toEqual(new Map([['shared-3', 51]]));
    });

    if (options.durable) {
      it('keeps its state across close and reopen', async () => {
        await store.addToSets([{ set: 'kept', member: 'a', expiresAt: later }, { set: 'kept', member: 'b', expiresAt: later }]);
        await store.addToCounters([{ counter: 'kept', by: 7, expiresAt: later }]);
        await store.raiseMaxima([{ key: 'seen:kept', value: 42, expiresAt: later }]);
        await store.close();
        opened.splice(opened.indexOf(store), 1);
        store = await fixture.reopen!();
        opened.push(store);
        expect(sortedMembers(await store.readSets(['kept']))).toEqual(new Map([['kept', ['a', 'b']]]));
        expect(await store.addToSets([{ set: 'kept', member: 'b', expiresAt: later }])).toEqual(new Map([['kept', 2]]));
        expect(await store.addToCounters([{ counter: 'kept', by: 1, expiresAt: later }])).toEqual(new Map([['kept', 8]]));
        expect(await store.readMaxima('seen:')).toEqual(new Map([['seen:kept', 42]]));
      });
    }
  });
}
