/**
 * State that windowed rules keep between batches: sets (distinct values, event ids) and counters,
 * each named by a string key the rule kind builds (rule id, subject, window start). Shared by
 * every process that evaluates rules, so that one worker or several give the same alerts: Redis
 * when REDIS_URL is set; otherwise (one embedded process) memory with a journal in the data folder,
 * durable against a process crash (not a machine crash, which may lose the last writes); plain
 * memory for backtests and fixtures.
 *
 * Promises: each method is one round trip for all its items and is durable when it resolves;
 * additions to sets are idempotent (adding a member twice counts once); counter increments and
 * maxima are atomic across processes; an entry may be forgotten after its `expiresAt` (epoch ms),
 * never before. Leaves out: transactions across methods, listing keys (except maxima by prefix).
 */
export interface RuleStateStore {
  /** Adds members to sets; returns the size of every set touched, after the additions. */
  addToSets(additions: SetAddition[]): Promise<Map<string, number>>;
  /** The members of these sets (a missing set has none). */
  readSets(sets: string[]): Promise<Map<string, string[]>>;
  /**
   * For each list of sets, how many distinct members they hold together (a window's values from
   * its steps' sets). Exact when that is at least `atLeast` (default 0: always); below it, any
   * number below `atLeast` (adapters may answer with the sets' sizes added up, without a union).
   */
  countUnions(unions: string[][], atLeast?: number): Promise<number[]>;
  /** Whether each member is in its set, in the order asked (a missing set holds nothing). */
  hasMembers(queries: SetMembership[]): Promise<boolean[]>;
  /** Adds to counters (creating them at 0); returns the value of every counter touched, after. */
  addToCounters(increments: CounterIncrement[]): Promise<Map<string, number>>;
  /** The values of these counters (a missing counter is 0). */
  readCounters(counters: string[]): Promise<Map<string, number>>;
  /** Raises each key to at least the value given (a high-water mark); returns the values after. */
  raiseMaxima(values: MaximumValue[]): Promise<Map<string, number>>;
  /** Every maximum whose key starts with the prefix (e.g. a rule's last-seen time per source). */
  readMaxima(prefix: string): Promise<Map<string, number>>;
  close(): Promise<void>;
}

export interface SetAddition {
  set: string;
  member: string;
  /** Epoch ms after which the set may be forgotten (the latest given for a set wins). */
  expiresAt: number;
}

export interface SetMembership {
  set: string;
  member: string;
}

export interface CounterIncrement {
  counter: string;
  by: number;
  expiresAt: number;
}

export interface MaximumValue {
  key: string;
  value: number;
  expiresAt: number;
}
