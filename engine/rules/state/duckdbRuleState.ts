import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { SerialLock } from '../../store/duckdb/serialLock.js';
import type { CounterIncrement, MaximumValue, RuleStateStore, SetAddition, SetMembership } from '../ruleState.js';

export interface DuckdbRuleStateOptions {
  /** The database file (deployments use `<dataDir>/rule-state.duckdb`), or ':memory:'. */
  path: string;
  /** Epoch ms now, which decides expiry (default Date.now; tests move it). */
  now?: () => number;
  /** Expired entries are deleted after every this many writing calls (default 500). */
  purgeEveryWrites?: number;
}

/**
 * Sets keep their size and expiry in `sets` and their members in `set_members`, so a call
 * learns each size from the rows it added instead of counting members. Expiry is epoch ms.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS sets (set_key VARCHAR PRIMARY KEY, size BIGINT NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS set_members (set_key VARCHAR NOT NULL, member VARCHAR NOT NULL, PRIMARY KEY (set_key, member));
CREATE TABLE IF NOT EXISTS counters (counter_key VARCHAR PRIMARY KEY, value DOUBLE NOT NULL, expires_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS maxima (max_key VARCHAR PRIMARY KEY, value DOUBLE NOT NULL, expires_at BIGINT NOT NULL);
`;

/** A list bound as one JSON text and unnested in SQL (cheaper than binding a DuckDB list). */
const texts = (param: string) => `unnest(from_json($${param}, '["VARCHAR"]'))`;
const numbers = (param: string, type: 'BIGINT' | 'DOUBLE') => `unnest(from_json($${param}, '["${type}"]'))`;

/** Whether the stored row had expired before this call: it then starts afresh. */
const EXPIRED = (table: string) => `${table}.expires_at < $now::BIGINT`;

const ADD_TO_COUNTERS = `
INSERT INTO counters SELECT ${texts('keys')}, ${numbers('values', 'DOUBLE')}, ${numbers('expiries', 'BIGINT')}
ON CONFLICT DO UPDATE SET
  value = CASE WHEN ${EXPIRED('counters')} THEN excluded.value ELSE counters.value + excluded.value END,
  expires_at = CASE WHEN ${EXPIRED('counters')} THEN excluded.expires_at ELSE greatest(counters.expires_at, excluded.expires_at) END
RETURNING counter_key, value`;

const RAISE_MAXIMA = `
INSERT INTO maxima SELECT ${texts('keys')}, ${numbers('values', 'DOUBLE')}, ${numbers('expiries', 'BIGINT')}
ON CONFLICT DO UPDATE SET
  value = CASE WHEN ${EXPIRED('maxima')} THEN excluded.value ELSE greatest(maxima.value, excluded.value) END,
  expires_at = CASE WHEN ${EXPIRED('maxima')} THEN excluded.expires_at ELSE greatest(maxima.expires_at, excluded.expires_at) END
RETURNING max_key, value`;

const PURGE = [
  'DELETE FROM set_members WHERE set_key IN (SELECT set_key FROM sets WHERE expires_at < $now::BIGINT)',
  'DELETE FROM sets WHERE expires_at < $now::BIGINT',
  'DELETE FROM counters WHERE expires_at < $now::BIGINT',
  'DELETE FROM maxima WHERE expires_at < $now::BIGINT',
];

/**
 * Rule state for the embedded mode, in its own DuckDB file beside the store's. Calls run one at
 * a time (DuckDB has one writer); each binds all its items as JSON lists and writes them with a
 * few set-based statements in one transaction, so 10,000 items cost a few times what 1,000 do,
 * not ten. Expired entries are hidden from reads at once and deleted every few hundred writes.
 */
export class DuckdbRuleState implements RuleStateStore {
  private readonly calls = new SerialLock();
  private readonly now: () => number;
  private instance?: DuckDBInstance;
  private connection?: DuckDBConnection;
  private writesSincePurge = 0;
  private closed = false;

  /** Opens the file on first use (or `open`), creating it and its tables if need be. */
  constructor(private readonly options: DuckdbRuleStateOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Opens the file now rather than on the first call (to report a bad path at start). */
  open(): Promise<void> {
    return this.calls.run(async () => { await this.database(); });
  }

  /** The open connection; call only inside `calls`. */
  private async database(): Promise<DuckDBConnection> {
    if (this.closed) throw new Error('the rule state file is closed');
    if (!this.connection) {
      const { path } = this.options;
      if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
      const instance = await DuckDBInstance.create(path);
      const connection = await instance.connect();
      await connection.run(SCHEMA);
      [this.instance, this.connection] = [instance, connection];
    }
    return this.connection;
  }

  /** Runs a reading call in turn. */
  private read<T>(work: (db: DuckDBConnection, now: number) => Promise<T>): Promise<T> {
    return this.calls.run(async () => work(await this.database(), this.now()));
  }

  addToSets(additions: SetAddition[]): Promise<Map<string, number>> {
    if (additions.length === 0) return Promise.resolve(new Map());
    return this.write(async (db, now) => {
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
      const names = JSON.stringify([...sets.keys()]);
      const expired = await rows(db, `SELECT set_key FROM sets WHERE ${EXPIRED('sets')} AND set_key IN (SELECT ${texts('names')})`, { names, now });
      if (expired.length > 0) {
        const stale = JSON.stringify(expired.map(([set]) => String(set)));
        await db.run(`DELETE FROM set_members WHERE set_key IN (SELECT ${texts('stale')})`, { stale });
        await db.run(`DELETE FROM sets WHERE set_key IN (SELECT ${texts('stale')})`, { stale });
      }
      const pairs = [...sets].flatMap(([set, { members }]) => [...members].map((member) => [set, member]));
      const inserted = await rows(db, `INSERT INTO set_members SELECT ${texts('sets')}, ${texts('members')} ON CONFLICT DO NOTHING RETURNING set_key`, {
        sets: JSON.stringify(pairs.map(([set]) => set)), members: JSON.stringify(pairs.map(([, member]) => member)),
      });
      const added = new Map<string, number>();
      for (const [set] of inserted) added.set(String(set), (added.get(String(set)) ?? 0) + 1);
      const sizes = await rows(db, `INSERT INTO sets SELECT ${texts('names')}, ${numbers('added', 'BIGINT')}, ${numbers('expiries', 'BIGINT')}
        ON CONFLICT DO UPDATE SET size = sets.size + excluded.size, expires_at = greatest(sets.expires_at, excluded.expires_at)
        RETURNING set_key, size`, {
        names,
        added: JSON.stringify([...sets.keys()].map((set) => added.get(set) ?? 0)),
        expiries: JSON.stringify([...sets.values()].map(({ expiresAt }) => expiresAt)),
      });
      return new Map(sizes.map(([set, size]) => [String(set), Number(size)]));
    });
  }

  readSets(sets: string[]): Promise<Map<string, string[]>> {
    if (sets.length === 0) return Promise.resolve(new Map());
    return this.read(async (db, now) => {
      const found = await rows(db, `SELECT m.set_key, m.member FROM set_members m JOIN sets s ON s.set_key = m.set_key
        WHERE s.expires_at >= $now::BIGINT AND s.set_key IN (SELECT ${texts('sets')})`, { sets: JSON.stringify(sets), now });
      const members = new Map<string, string[]>(sets.map((set) => [set, []]));
      for (const [set, member] of found) members.get(String(set))!.push(String(member));
      return members;
    });
  }

  /** Always exact: one query counts every union's distinct members. */
  countUnions(unions: string[][]): Promise<number[]> {
    if (unions.length === 0) return Promise.resolve([]);
    return this.read(async (db, now) => {
      const found = await rows(db, `WITH u AS (SELECT ${numbers('unions', 'BIGINT')} AS u, ${texts('sets')} AS set_key)
        SELECT u.u, count(DISTINCT m.member) FROM u JOIN sets s ON s.set_key = u.set_key JOIN set_members m ON m.set_key = u.set_key
        WHERE s.expires_at >= $now::BIGINT GROUP BY u.u`, {
        unions: JSON.stringify(unions.flatMap((sets, u) => sets.map(() => u))), sets: JSON.stringify(unions.flat()), now,
      });
      const counts = unions.map(() => 0);
      for (const [u, count] of found) counts[Number(u)] = Number(count);
      return counts;
    });
  }

  hasMembers(queries: SetMembership[]): Promise<boolean[]> {
    if (queries.length === 0) return Promise.resolve([]);
    return this.read(async (db, now) => {
      const found = await rows(db, `WITH q AS (SELECT ${numbers('queries', 'BIGINT')} AS q, ${texts('sets')} AS set_key, ${texts('members')} AS member)
        SELECT q.q FROM q JOIN sets s ON s.set_key = q.set_key JOIN set_members m ON m.set_key = q.set_key AND m.member = q.member
        WHERE s.expires_at >= $now::BIGINT`, {
        queries: JSON.stringify(queries.map((_, q) => q)), sets: JSON.stringify(queries.map(({ set }) => set)),
        members: JSON.stringify(queries.map(({ member }) => member)), now,
      });
      const held = queries.map(() => false);
      for (const [q] of found) held[Number(q)] = true;
      return held;
    });
  }

  addToCounters(increments: CounterIncrement[]): Promise<Map<string, number>> {
    if (increments.length === 0) return Promise.resolve(new Map());
    return this.write(async (db, now) => {
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
      const values = await rows(db, ADD_TO_COUNTERS, {
        keys: JSON.stringify([...counters.keys()]),
        values: JSON.stringify([...counters.values()].map(({ by }) => by)),
        expiries: JSON.stringify([...counters.values()].map(({ expiresAt }) => expiresAt)),
        now,
      });
      return new Map(values.map(([counter, value]) => [String(counter), Number(value)]));
    });
  }

  readCounters(counters: string[]): Promise<Map<string, number>> {
    if (counters.length === 0) return Promise.resolve(new Map());
    return this.read(async (db, now) => {
      const found = await rows(db, `SELECT counter_key, value FROM counters
        WHERE expires_at >= $now::BIGINT AND counter_key IN (SELECT ${texts('counters')})`, { counters: JSON.stringify(counters), now });
      const values = new Map<string, number>(counters.map((counter) => [counter, 0]));
      for (const [counter, value] of found) values.set(String(counter), Number(value));
      return values;
    });
  }

  raiseMaxima(values: MaximumValue[]): Promise<Map<string, number>> {
    if (values.length === 0) return Promise.resolve(new Map());
    return this.write(async (db, now) => {
      // DuckDB refuses to update one row twice in a statement: keep each key's highest value.
      const highest = new Map<string, { value: number; expiresAt: number }>();
      for (const { key, value, expiresAt } of values) {
        const entry = highest.get(key);
        highest.set(key, entry ? { value: Math.max(entry.value, value), expiresAt: Math.max(entry.expiresAt, expiresAt) } : { value, expiresAt });
      }
      const after = await rows(db, RAISE_MAXIMA, {
        keys: JSON.stringify([...highest.keys()]),
        values: JSON.stringify([...highest.values()].map(({ value }) => value)),
        expiries: JSON.stringify([...highest.values()].map(({ expiresAt }) => expiresAt)),
        now,
      });
      return new Map(after.map(([key, value]) => [String(key), Number(value)]));
    });
  }

  readMaxima(prefix: string): Promise<Map<string, number>> {
    return this.read(async (db, now) => {
      const found = await rows(db, 'SELECT max_key, value FROM maxima WHERE starts_with(max_key, $prefix) AND expires_at >= $now::BIGINT',
        { prefix, now });
      return new Map(found.map(([key, value]) => [String(key), Number(value)]));
    });
  }

  /** Deletes every entry past its expiry; returns how many rows went. */
  purgeExpired(): Promise<number> {
    return this.read(async (db, now) => {
      let removed = 0;
      for (const sql of PURGE) removed += (await db.run(sql, { now })).rowsChanged;
      return removed;
    });
  }

  async close(): Promise<void> {
    await this.calls.run(async () => {
      this.closed = true;
      this.connection?.closeSync();
      this.instance?.closeSync();
      this.connection = this.instance = undefined;
    });
  }

  /** Runs a writing call in one transaction, in turn, and purges expired rows every so often after it. */
  private write<T>(work: (db: DuckDBConnection, now: number) => Promise<T>): Promise<T> {
    const result = this.read(async (db, now) => {
      await db.run('BEGIN TRANSACTION');
      try {
        const value = await work(db, now);
        await db.run('COMMIT');
        return value;
      } catch (err) {
        await db.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
    if (++this.writesSincePurge >= (this.options.purgeEveryWrites ?? 500)) {
      this.writesSincePurge = 0;
      void this.purgeExpired().catch(() => undefined); // best effort: the next one tries again
    }
    return result;
  }
}

async function rows(db: DuckDBConnection, sql: string, params: Record<string, string | number>): Promise<unknown[][]> {
  return (await db.runAndReadAll(sql, params)).getRows();
}
