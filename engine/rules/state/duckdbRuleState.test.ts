import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DuckdbRuleState } from './duckdbRuleState.js';
import { ruleStateContract } from './ruleStateContract.js';

const dir = mkdtempSync(join(tmpdir(), 'accesswatch-rule-state-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

ruleStateContract('duckdb', async (now) => {
  const path = join(dir, `rule-state-${n++}.duckdb`);
  return {
    store: new DuckdbRuleState({ path, now }),
    reopen: async () => new DuckdbRuleState({ path, now }),
    cleanup: async () => rmSync(path, { force: true }),
  };
}, { clock: 'given', durable: true });

describe('rule state in DuckDB', () => {
  it('deletes expired entries and keeps live ones', async () => {
    let now = Date.parse('2026-11-20T09:00:00Z');
    const store = new DuckdbRuleState({ path: join(dir, 'purge.duckdb'), now: () => now });
    try {
      const soon = now + 60_000;
      const later = now + 3_600_000;
      await store.addToSets([{ set: 'old', member: 'a', expiresAt: soon }, { set: 'old', member: 'b', expiresAt: soon },
        { set: 'live', member: 'a', expiresAt: later }]);
      await store.addToCounters([{ counter: 'old', by: 1, expiresAt: soon }, { counter: 'live', by: 1, expiresAt: later }]);
      await store.raiseMaxima([{ key: 'old', value: 1, expiresAt: soon }, { key: 'live', value: 1, expiresAt: later }]);
      expect(await store.purgeExpired()).toBe(0);
      now = soon + 1;
      // two members and their set, one counter, one maximum
      expect(await store.purgeExpired()).toBe(5);
      expect(await store.readSets(['live'])).toEqual(new Map([['live', ['a']]]));
      expect(await store.readCounters(['live'])).toEqual(new Map([['live', 1]]));
      expect(await store.readMaxima('')).toEqual(new Map([['live', 1]]));
    } finally {
      await store.close();
    }
  });

  it('purges by itself every so many writes', async () => {
    let now = Date.parse('2026-11-20T09:00:00Z');
    const store = new DuckdbRuleState({ path: join(dir, 'auto-purge.duckdb'), now: () => now, purgeEveryWrites: 3 });
    try {
      await store.addToCounters([{ counter: 'old', by: 1, expiresAt: now + 1 }]);
      now += 10;
      await store.addToCounters([{ counter: 'live', by: 1, expiresAt: now + 60_000 }]);
      await store.addToCounters([{ counter: 'live', by: 1, expiresAt: now + 60_000 }]); // third write: purge queued after it
      expect(await store.purgeExpired()).toBe(0);
      expect(await store.readCounters(['live'])).toEqual(new Map([['live', 2]]));
    } finally {
      await store.close();
    }
  });

  it('refuses calls once closed', async () => {
    const store = new DuckdbRuleState({ path: join(dir, 'closed.duckdb') });
    await store.open();
    await store.close();
    await expect(store.readCounters(['c'])).rejects.toThrow(/closed/);
  });
});
