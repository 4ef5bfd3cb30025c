import type { CounterIncrement, MaximumValue, RuleStateStore, SetAddition, SetMembership } from '../ruleState.js';

/** The unexpired entries of a `MemoryRuleState`, read-only: what a snapshot of it must keep. */
export interface LiveRuleState {
  sets: ReadonlyMap<string, { readonly members: ReadonlySet<string>; readonly expiresAt: number }>;
  counters: ReadonlyMap<string, { readonly value: number; readonly expiresAt: number }>;
  maxima: ReadonlyMap<string, { readonly value: number; readonly expiresAt: number }>;
}

/**
 * Rule state in this process's memory: for backtests, rule fixtures and tests, and under the
 * embedded mode's journal (`JournaledRuleState`). Forgets everything when the process ends;
 * expired entries are dropped as they are touched, or all at once by `liveEntries`.
 */
export class MemoryRuleState implements RuleStateStore {
  private readonly sets = new Map<string, { members: Set<string>; expiresAt: number }>();
  private readonly counters = new Map<string, { value: number; expiresAt: number }>();
  private readonly maxima = new Map<string, { value: number; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  private live<T extends { expiresAt: number }>(map: Map<string, T>, key: string): T | undefined {
    const entry = map.get(key);
    if (entry && entry.expiresAt < this.now()) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  async addToSets(additions: SetAddition[]): Promise<Map<string, number>> {
    const sizes = new Map<string, number>();
    // Kinds pass a set's additions one after another: look the set up once per run of them.
    let set: string | undefined;
    let entry: { members: Set<string>; expiresAt: number } | undefined;
    for (const addition of additions) {
      if (addition.set !== set || !entry) {
        if (entry) sizes.set(set!, entry.members.size);
        set = addition.set;
        entry = this.live(this.sets, set);
        if (!entry) this.sets.set(set, (entry = { members: new Set(), expiresAt: addition.expiresAt }));
      }
      entry.members.add(addition.member);
      if (addition.expiresAt > entry.expiresAt) entry.expiresAt = addition.expiresAt;
    }
    if (entry) sizes.set(set!, entry.members.size);
    return sizes;
  }

  async readSets(sets: string[]): Promise<Map<string, string[]>> {
    return new Map(sets.map((set) => [set, [...(this.live(this.sets, set)?.members ?? [])]]));
  }

  async countUnions(unions: string[][], atLeast = 0): Promise<number[]> {
    return unions.map((names) => {
      const sets: ReadonlySet<string>[] = [];
      let sizes = 0;
      for (const name of names) {
        const members = this.live(this.sets, name)?.members;
        if (members && members.size > 0) {
          sets.push(members);
          sizes += members.size;
        }
      }
      if (sets.length <= 1 || sizes < atLeast) return sizes;
      // From the largest set, count each member of the others not in a set before it.
      sets.sort((a, b) => b.size - a.size);
      let count = sets[0].size;
      for (let i = 1; i < sets.length; i++) {
        for (const member of sets[i]) {
          let before = false;
          for (let j = 0; j < i && !before; j++) before = sets[j].has(member);
          if (!before) count += 1;
        }
      }
      return count;
    });
  }

  async hasMembers(queries: SetMembership[]): Promise<boolean[]> {
    // Callers ask about one set's members one after another: look the set up once per run of them.
    let name: string | undefined;
    let members: ReadonlySet<string> | undefined;
    return queries.map(({ set, member }) => {
      if (set !== name) [name, members] = [set, this.live(this.sets, set)?.members];
      return members?.has(member) ?? false;
    });
  }

  async addToCounters(increments: CounterIncrement[]): Promise<Map<string, number>> {
    const values = new Map<string, number>();
    for (const { counter, by, expiresAt } of increments) {
      let entry = this.live(this.counters, counter);
      if (!entry) this.counters.set(counter, (entry = { value: 0, expiresAt }));
      entry.value += by;
      entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      values.set(counter, entry.value);
    }
    return values;
  }

  async readCounters(counters: string[]): Promise<Map<string, number>> {
    return new Map(counters.map((counter) => [counter, this.live(this.counters, counter)?.value ?? 0]));
  }

  async raiseMaxima(values: MaximumValue[]): Promise<Map<string, number>> {
    const after = new Map<string, number>();
    for (const { key, value, expiresAt } of values) {
      let entry = this.live(this.maxima, key);
      if (!entry) this.maxima.set(key, (entry = { value, expiresAt }));
      entry.value = Math.max(entry.value, value);
      entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      after.set(key, entry.value);
    }
    return after;
  }

  async readMaxima(prefix: string): Promise<Map<string, number>> {
    const found = new Map<string, number>();
    for (const key of [...this.maxima.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const entry = this.live(this.maxima, key);
      if (entry) found.set(key, entry.value);
    }
    return found;
  }

  /** Forgets every expired entry, touched or not, and returns the rest (to write a snapshot of it). */
  liveEntries(): LiveRuleState {
    const now = this.now();
    for (const map of [this.sets, this.counters, this.maxima] as Map<string, { expiresAt: number }>[]) {
      for (const [key, { expiresAt }] of map) if (expiresAt < now) map.delete(key);
    }
    return { sets: this.sets, counters: this.counters, maxima: this.maxima };
  }

  async close(): Promise<void> {}
}
