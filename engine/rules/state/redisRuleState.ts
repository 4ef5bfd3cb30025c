import { Redis, type ChainableCommander } from 'ioredis';
import type { CounterIncrement, MaximumValue, RuleStateStore, SetAddition, SetMembership } from '../ruleState.js';

export interface RedisRuleStateOptions {
  redisUrl: string;
  /** Prefix of every key this store writes; deployments use `<queuePrefix>:rules:`. */
  prefix: string;
  /** How long to wait for Redis when connecting (default 5,000 ms). */
  connectTimeoutMs?: number;
  /** A call with no answer after this long is refused (default 10,000 ms). */
  commandTimeoutMs?: number;
}

/** Items per script call: big enough to be cheap, small enough not to hold up Redis's other clients. */
const ITEMS_PER_CALL = 2000;

/** Sets `KEYS[i]` to expire at `at` unless it already expires later (a key without expiry takes it). */
const EXPIRE_AT_LATEST = `
local function expireAtLatest(key, at)
  redis.call('PEXPIREAT', key, at, 'NX')
  redis.call('PEXPIREAT', key, at, 'GT')
end
`;

/** Redis's clock in epoch ms: the one that expires keys, so maxima expire by the same clock. */
const NOW = `
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
`;

const SCRIPTS = {
  /** KEYS: the sets. ARGV per set: expiresAt, member count, the members. Returns each set's size. */
  ruleStateAddToSets: `${EXPIRE_AT_LATEST}
local sizes = {}
local at = 1
for i, key in ipairs(KEYS) do
  local expiresAt, count = ARGV[at], tonumber(ARGV[at + 1])
  local last = at + 1 + count
  for from = at + 2, last, 1000 do
    redis.call('SADD', key, unpack(ARGV, from, math.min(from + 999, last)))
  end
  sizes[i] = redis.call('SCARD', key)
  expireAtLatest(key, expiresAt)
  at = last + 1
end
return sizes`,

  /**
   * KEYS: the sets of every union, one after another. ARGV: atLeast, then each union's number of sets.
   * Returns each union's size, or its sets' sizes added up when that is below atLeast.
   */
  ruleStateCountUnions: `
local atLeast = tonumber(ARGV[1])
local counts = {}
local first = 1
for u = 2, #ARGV do
  local last = first + tonumber(ARGV[u]) - 1
  local sizes, nonEmpty = 0, 0
  for i = first, last do
    local size = redis.call('SCARD', KEYS[i])
    if size > 0 then
      sizes = sizes + size
      nonEmpty = nonEmpty + 1
    end
  end
  if nonEmpty > 1 and sizes >= atLeast then sizes = #redis.call('SUNION', unpack(KEYS, first, last)) end
  counts[u - 1] = sizes
  first = last + 1
end
return counts`,

  /** KEYS: the counters. ARGV per counter: by, expiresAt. Returns each value (as text). */
  ruleStateAddToCounters: `${EXPIRE_AT_LATEST}
local values = {}
for i, key in ipairs(KEYS) do
  values[i] = redis.call('INCRBYFLOAT', key, ARGV[2 * i - 1])
  expireAtLatest(key, ARGV[2 * i])
end
return values`,

  /**
   * KEYS: values (hash), expiries (sorted set by expiresAt), index (sorted set by name).
   * ARGV per maximum: key, value, expiresAt. Forgets up to 1,000 expired maxima first.
   * Returns each value after (as text).
   */
  ruleStateRaiseMaxima: `${NOW}
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', string.format('(%d', now), 'LIMIT', 0, 1000)
for _, key in ipairs(expired) do
  redis.call('HDEL', KEYS[1], key)
  redis.call('ZREM', KEYS[2], key)
  redis.call('ZREM', KEYS[3], key)
end
local values = {}
for i = 1, #ARGV, 3 do
  local key, value, expiresAt = ARGV[i], ARGV[i + 1], ARGV[i + 2]
  local oldExpiry = redis.call('ZSCORE', KEYS[2], key)
  if oldExpiry and tonumber(oldExpiry) >= now then
    local old = redis.call('HGET', KEYS[1], key)
    if old and tonumber(old) > tonumber(value) then value = old end
    if tonumber(oldExpiry) > tonumber(expiresAt) then expiresAt = oldExpiry end
  end
  redis.call('HSET', KEYS[1], key, value)
  redis.call('ZADD', KEYS[2], expiresAt, key)
  redis.call('ZADD', KEYS[3], 0, key)
  values[#values + 1] = value
end
return values`,

  /** KEYS as for raising. ARGV: the prefix. Returns key, value, key, value... of live maxima. */
  ruleStateReadMaxima: `${NOW}
local prefix = ARGV[1]
local keys
if prefix == '' then
  keys = redis.call('ZRANGE', KEYS[3], '-', '+', 'BYLEX')
else
  -- UTF-8 text never holds the byte 255, so every key with the prefix sorts before prefix..255.
  keys = redis.call('ZRANGE', KEYS[3], '[' .. prefix, '(' .. prefix .. '\\255', 'BYLEX')
end
local found = {}
for _, key in ipairs(keys) do
  local expiresAt = redis.call('ZSCORE', KEYS[2], key)
  if expiresAt and tonumber(expiresAt) >= now then
    found[#found + 1] = key
    found[#found + 1] = redis.call('HGET', KEYS[1], key)
  end
end
return found`,
};

type ScriptName = keyof typeof SCRIPTS;
type ScriptCall = (numberOfKeys: number, ...keysAndArgs: string[]) => unknown;

/**
 * Rule state in Redis, shared by every worker process. Sets and counters are Redis keys of their
 * own (`<prefix>set:<name>`, `<prefix>counter:<name>`) that Redis expires itself; maxima live
 * in one hash with two sorted sets beside it (expiry, and names for prefix reads), since a read
 * by prefix must not scan the keyspace. Each call is one pipeline: Lua scripts over up to 2,000
 * items each, so every item is atomic and a batch costs one round trip. Expiry is by Redis's
 * clock. With Redis down, calls are refused at once (no offline queue) rather than waiting.
 */
export class RedisRuleState implements RuleStateStore {
  private readonly redis: Redis;
  private readonly prefix: string;
  private readonly connectTimeoutMs: number;
  private everReady = false;
  private closed = false;
  /** The first connection, which calls made meanwhile share. */
  private firstConnection?: Promise<void>;

  /** Connects on first use (or `connect`); nothing is sent until then. */
  constructor(options: RedisRuleStateOptions) {
    this.prefix = options.prefix;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 5_000;
    this.redis = new Redis(options.redisUrl, {
      lazyConnect: true,
      // Refuse calls while disconnected instead of queueing them until Redis is back.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: this.connectTimeoutMs,
      commandTimeout: options.commandTimeoutMs ?? 10_000,
    });
    this.redis.on('error', () => undefined); // each refused call reports it
    this.redis.on('ready', () => { this.everReady = true; });
    for (const [name, lua] of Object.entries(SCRIPTS)) this.redis.defineCommand(name, { lua });
  }

  /**
   * Resolves once Redis answers. Until the first connection a call waits for it (up to
   * connectTimeoutMs); after that, a call made while Redis is away is refused at once.
   */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the rule state store is closed'));
    if (this.redis.status === 'ready') return Promise.resolve();
    if (this.everReady) return Promise.reject(new Error(`Redis is not connected (${this.redis.status})`));
    if (this.redis.status === 'wait') this.redis.connect().catch(() => undefined);
    this.firstConnection ??= untilReady(this.redis, this.connectTimeoutMs).finally(() => { this.firstConnection = undefined; });
    return this.firstConnection;
  }

  private setKey = (set: string) => `${this.prefix}set:${set}`;
  private counterKey = (counter: string) => `${this.prefix}counter:${counter}`;
  private get maximaKeys(): string[] {
    return [`${this.prefix}maxima`, `${this.prefix}maxima:expiry`, `${this.prefix}maxima:names`];
  }

  async addToSets(additions: SetAddition[]): Promise<Map<string, number>> {
    const sets = new Map<string, { members: Set<string>; expiresAt: number }>();
    for (const { set, member, expiresAt } of additions) {
      const entry = sets.get(set);
      if (entry) {
        entry.members.add(member);
        entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      } else {
        sets.set(set, { members: new Set([member]), expiresAt });
      }
    }
    const calls = chunks([...sets], ([, { members }]) => members.size).map((chunk) => ({
      keys: chunk.map(([set]) => this.setKey(set)),
      args: chunk.flatMap(([, { members, expiresAt }]) => [String(expiresAt), String(members.size), ...members]),
    }));
    const sizes = await this.runScripts('ruleStateAddToSets', calls);
    const names = [...sets.keys()];
    return new Map(sizes.flat().map((size, i) => [names[i], Number(size)]));
  }

  async readSets(sets: string[]): Promise<Map<string, string[]>> {
    if (sets.length === 0) return new Map();
    await this.connect();
    const pipeline = this.redis.pipeline();
    for (const set of sets) pipeline.smembers(this.setKey(set));
    const members = await results<string[]>(pipeline);
    return new Map(sets.map((set, i) => [set, members[i]]));
  }

  async countUnions(unions: string[][], atLeast = 0): Promise<number[]> {
    const calls = chunks(unions, (sets) => sets.length).map((chunk) => ({
      keys: chunk.flatMap((sets) => sets.map(this.setKey)),
      args: [String(atLeast), ...chunk.map((sets) => String(sets.length))],
    }));
    return (await this.runScripts('ruleStateCountUnions', calls)).flat().map(Number);
  }

  async hasMembers(queries: SetMembership[]): Promise<boolean[]> {
    if (queries.length === 0) return [];
    await this.connect();
    // One SMISMEMBER per set, in one pipeline; answers put back in the order asked.
    const bySet = new Map<string, number[]>();
    for (const [i, { set }] of queries.entries()) {
      const asked = bySet.get(set);
      if (asked) asked.push(i);
      else bySet.set(set, [i]);
    }
    const pipeline = this.redis.pipeline();
    for (const [set, asked] of bySet) pipeline.smismember(this.setKey(set), ...asked.map((i) => queries[i].member));
    const replies = await results<number[]>(pipeline);
    const held = queries.map(() => false);
    [...bySet.values()].forEach((asked, s) => asked.forEach((i, k) => { held[i] = replies[s][k] === 1; }));
    return held;
  }

  async addToCounters(increments: CounterIncrement[]): Promise<Map<string, number>> {
    const counters = new Map<string, { by: number; expiresAt: number }>();
    for (const { counter, by, expiresAt } of increments) {
      const entry = counters.get(counter);
      if (entry) {
        entry.by += by;
        entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
      } else {
        counters.set(counter, { by, expiresAt });
      }
    }
    const calls = chunks([...counters], () => 1).map((chunk) => ({
      keys: chunk.map(([counter]) => this.counterKey(counter)),
      args: chunk.flatMap(([, { by, expiresAt }]) => [String(by), String(expiresAt)]),
    }));
    const values = await this.runScripts('ruleStateAddToCounters', calls);
    const names = [...counters.keys()];
    return new Map(values.flat().map((value, i) => [names[i], Number(value)]));
  }

  async readCounters(counters: string[]): Promise<Map<string, number>> {
    if (counters.length === 0) return new Map();
    await this.connect();
    const values = await this.redis.mget(counters.map(this.counterKey));
    return new Map(counters.map((counter, i) => [counter, Number(values[i] ?? 0)]));
  }

  async raiseMaxima(values: MaximumValue[]): Promise<Map<string, number>> {
    const calls = chunks(values, () => 1).map((chunk) => ({
      keys: this.maximaKeys,
      args: chunk.flatMap(({ key, value, expiresAt }) => [key, String(value), String(expiresAt)]),
    }));
    const after = await this.runScripts('ruleStateRaiseMaxima', calls);
    // A key given twice is answered twice, in order; the last answer is its value after the call.
    return new Map(after.flat().map((value, i) => [values[i].key, Number(value)]));
  }

  async readMaxima(prefix: string): Promise<Map<string, number>> {
    const [found] = await this.runScripts('ruleStateReadMaxima', [{ keys: this.maximaKeys, args: [prefix] }]);
    const maxima = new Map<string, number>();
    for (let i = 0; i < found.length; i += 2) maxima.set(String(found[i]), Number(found[i + 1]));
    return maxima;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }

  /** Runs one script per call in one pipeline; resolves with each call's reply. */
  private async runScripts(name: ScriptName, calls: { keys: string[]; args: string[] }[]): Promise<unknown[][]> {
    if (calls.length === 0) return [];
    await this.connect();
    const pipeline = this.redis.pipeline();
    const script = (pipeline as unknown as Record<ScriptName, ScriptCall>)[name].bind(pipeline);
    for (const { keys, args } of calls) script(keys.length, ...keys, ...args);
    return results<unknown[]>(pipeline);
  }
}

/** Splits items into runs whose weights add up to about ITEMS_PER_CALL (a heavy item goes alone). */
function chunks<T>(items: T[], weight: (item: T) => number): T[][] {
  const runs: T[][] = [];
  let run: T[] = [];
  let size = 0;
  for (const item of items) {
    if (run.length > 0 && size + weight(item) > ITEMS_PER_CALL) {
      runs.push(run);
      run = [];
      size = 0;
    }
    run.push(item);
    size += weight(item);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** A pipeline's replies; the first failed command fails the call. */
async function results<T>(pipeline: ChainableCommander): Promise<T[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([err, reply]) => {
    if (err) throw err;
    return reply as T;
  });
}

/** Resolves when the connection is ready; rejects after `ms`. */
function untilReady(redis: Redis, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      if (err) reject(err);
      else resolve();
    };
    const onReady = () => done();
    const timer = setTimeout(() => done(new Error(`Redis did not answer within ${ms} ms (${redis.status})`)), ms);
    redis.on('ready', onReady);
  });
}
