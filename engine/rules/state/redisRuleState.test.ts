import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { startLocalRedis } from '../../../test/localRedis.js';
import { RedisRuleState } from './redisRuleState.js';
import { ruleStateContract } from './ruleStateContract.js';

const redisUrl = inject('redisUrl');

/** Deletes every key under the prefix (a test's own namespace). */
async function forgetPrefix(prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 1000 })) {
      if ((keys as string[]).length > 0) await redis.unlink(...(keys as string[]));
    }
  } finally {
    redis.disconnect();
  }
}

ruleStateContract('redis', async () => {
  const prefix = `test-${randomUUID()}:rules:`;
  // The first store connects before the test; the others on their first call.
  const first = new RedisRuleState({ redisUrl, prefix });
  await first.connect();
  const open = async () => new RedisRuleState({ redisUrl, prefix });
  return { store: first, openSibling: open, reopen: open, cleanup: () => forgetPrefix(prefix) };
}, { clock: 'own', durable: true });

describe('rule state in Redis', () => {
  it('keeps its keys under the prefix, and lets Redis expire sets and counters', async () => {
    const prefix = `test-${randomUUID()}:rules:`;
    const store = new RedisRuleState({ redisUrl, prefix });
    const redis = new Redis(redisUrl);
    try {
      const expiresAt = Date.now() + 60_000;
      await store.addToSets([{ set: 'cardinality:u-1', member: 'p-1', expiresAt }]);
      await store.addToCounters([{ counter: 'spike:u-1', by: 2, expiresAt }]);
      await store.addToCounters([{ counter: 'spike:u-1', by: 2, expiresAt: expiresAt - 30_000 }]);
      await store.raiseMaxima([{ key: 'flatline:emis', value: 1, expiresAt }]);
      const keys: string[] = [];
      for await (const found of redis.scanStream({ match: `${prefix}*` })) keys.push(...(found as string[]));
      expect(keys.sort()).toEqual([
        `${prefix}counter:spike:u-1`, `${prefix}maxima`, `${prefix}maxima:expiry`, `${prefix}maxima:names`, `${prefix}set:cardinality:u-1`,
      ]);
      // The increment kept the later expiry rather than dropping or shortening it.
      expect(await redis.pexpiretime(`${prefix}counter:spike:u-1`)).toBe(expiresAt);
      expect(await redis.pexpiretime(`${prefix}set:cardinality:u-1`)).toBe(expiresAt);
    } finally {
      await store.close();
      redis.disconnect();
      await forgetPrefix(prefix);
    }
  });

  it('forgets expired maxima from Redis when maxima are next raised', async () => {
    const prefix = `test-${randomUUID()}:rules:`;
    const store = new RedisRuleState({ redisUrl, prefix });
    const redis = new Redis(redisUrl);
    try {
      await store.raiseMaxima([{ key: 'flatline:old', value: 1, expiresAt: Date.now() - 1 }]);
      expect(await redis.hkeys(`${prefix}maxima`)).toEqual(['flatline:old']);
      await store.raiseMaxima([{ key: 'flatline:new', value: 1, expiresAt: Date.now() + 60_000 }]);
      expect(await redis.hkeys(`${prefix}maxima`)).toEqual(['flatline:new']);
      expect(await redis.zrange(`${prefix}maxima:names`, '0', '-1')).toEqual(['flatline:new']);
    } finally {
      await store.close();
      redis.disconnect();
      await forgetPrefix(prefix);
    }
  });

  it('refuses calls when Redis is not there, without hanging', async () => {
    const store = new RedisRuleState({ redisUrl: 'redis://127.0.0.1:1', prefix: 'x:', connectTimeoutMs: 1_000 });
    const started = Date.now();
    try {
      await expect(store.connect()).rejects.toThrow(/did not answer/);
      await expect(store.readCounters(['c'])).rejects.toThrow(/did not answer/);
      expect(Date.now() - started).toBeLessThan(4_000);
    } finally {
      await store.close();
    }
    await expect(store.readMaxima('')).rejects.toThrow(/closed/);
  });

  it('refuses calls when Redis stops answering or goes away, instead of waiting for it', async () => {
    const local = await startLocalRedis();
    const store = new RedisRuleState({ redisUrl: local.url, prefix: 'gone:', commandTimeoutMs: 1_000 });
    try {
      const expiresAt = Date.now() + 60_000;
      await store.addToCounters([{ counter: 'c', by: 1, expiresAt }]);

      process.kill(local.pid!, 'SIGSTOP'); // a Redis that hangs
      let started = Date.now();
      await expect(store.addToSets([{ set: 's', member: 'm', expiresAt }])).rejects.toThrow(/timed out/i);
      expect(Date.now() - started).toBeLessThan(3_000);
      process.kill(local.pid!, 'SIGCONT');
      expect(await store.readCounters(['c'])).toEqual(new Map([['c', 1]]));

      await local.stop(); // a Redis that is gone
      started = Date.now();
      const refusals = [
        store.addToSets([{ set: 's', member: 'm', expiresAt }]),
        store.readSets(['s']),
        store.addToCounters([{ counter: 'c', by: 1, expiresAt }]),
        store.readCounters(['c']),
        store.raiseMaxima([{ key: 'k', value: 1, expiresAt }]),
        store.readMaxima('k'),
      ];
      for (const refused of refusals) await expect(refused).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      await store.close();
      await local.stop();
    }
  });
});
