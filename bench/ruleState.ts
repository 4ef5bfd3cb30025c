import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import type { RuleStateStore } from '../engine/rules/ruleState.js';
import { DuckdbRuleState } from '../engine/rules/state/duckdbRuleState.js';
import { JournaledRuleState } from '../engine/rules/state/journaledRuleState.js';
import { MemoryRuleState } from '../engine/rules/state/memoryRuleState.js';
import { RedisRuleState } from '../engine/rules/state/redisRuleState.js';
import { benchRedis } from './benchRedis.js';

/**
 * Rule-state throughput: set additions, counter increments and membership questions a second, per adapter, in calls of
 * a given batch size, one call at a time (as one worker evaluating one batch does).
 * The journaled adapter also reports how long opening takes after `--replay` set additions.
 * Usage: node --import tsx bench/ruleState.ts [--items N] [--batches 1000,10000] [--adapters memory,journaled,duckdb,redis] [--replay N]
 */

const { values: args } = parseArgs({
  options: {
    items: { type: 'string', default: '200000' },
    batches: { type: 'string', default: '1000,10000' },
    adapters: { type: 'string', default: 'memory,journaled,duckdb,redis' },
    replay: { type: 'string', default: '1000000' },
  },
});

const items = Number(args.items);
const batchSizes = args.batches.split(',').map(Number);
const expiresAt = Date.now() + 3_600_000;

/**
 * A cardinality-like load: each addition puts a patient into a user's set for the day, 100 users
 * and 100,000 patients, so most additions are new members and a few repeat.
 */
function additions(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return { set: `cardinality:bench:u-${n % 100}:2026-11-20`, member: String(9_000_000_000 + ((n * 7919) % 100_000)), expiresAt };
  });
}

/** A spike-like load: one counter per user and hour, 1,000 users. */
function increments(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({ counter: `spike:bench:u-${(from + i) % 1000}:h09`, by: 1, expiresAt }));
}

async function rate(label: string, batch: number, call: (from: number, count: number) => Promise<unknown>): Promise<string> {
  await call(0, batch); // warm up: open files, load scripts
  const started = process.hrtime.bigint();
  for (let from = 0; from < items; from += batch) await call(from, Math.min(batch, items - from));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const perSecond = Math.round(items / seconds);
  return `${label.padEnd(22)} batch ${String(batch).padStart(6)}: ${perSecond.toLocaleString('en-GB').padStart(11)} /s  (${((seconds * 1000 * batch) / items).toFixed(2)} ms a call)`;
}

async function measure(name: string, open: () => Promise<{ store: RuleStateStore; cleanup(): Promise<void> }>): Promise<void> {
  for (const batch of batchSizes) {
    for (const [label, work, filled] of [
      ['set additions', (store: RuleStateStore) => (from: number, count: number) => store.addToSets(additions(from, count)), false],
      ['counter increments', (store: RuleStateStore) => (from: number, count: number) => store.addToCounters(increments(from, count)), false],
      // The sets filled first; then as many membership questions, half of them about members held.
      ['membership (held)', (store: RuleStateStore) => (from: number, count: number) => store.hasMembers(additions(from, count)
        .map(({ set, member }, i) => ({ set, member: i % 2 === 0 ? member : `x${member}` }))), true],
    ] as const) {
      const { store, cleanup } = await open();
      try {
        if (filled) for (let from = 0; from < items; from += 10_000) await store.addToSets(additions(from, Math.min(10_000, items - from)));
        console.log(`${name.padEnd(7)} ${await rate(label, batch, work(store))}`);
      } finally {
        await store.close();
        await cleanup();
      }
    }
  }
}

const adapters = new Set(args.adapters.split(','));
console.log(`rule state: ${items.toLocaleString('en-GB')} items per measurement, one call at a time`);

if (adapters.has('memory')) {
  await measure('memory', async () => ({ store: new MemoryRuleState(), cleanup: async () => undefined }));
}

if (adapters.has('journaled')) {
  const dir = mkdtempSync(join(tmpdir(), 'accesswatch-bench-rule-state-'));
  await measure('journal', async () => {
    const path = join(dir, `${randomUUID()}.journal`);
    return { store: new JournaledRuleState({ path }), cleanup: async () => rmSync(path, { force: true }) };
  });
  await measureReplay(join(dir, 'replay.journal'), Number(args.replay));
  rmSync(dir, { recursive: true, force: true });
}

/** Writes `count` set additions in calls of 1,000 (never compacting), then times opening the journal again. */
async function measureReplay(path: string, count: number): Promise<void> {
  const writer = new JournaledRuleState({ path, compactAtBytes: Number.POSITIVE_INFINITY });
  for (let from = 0; from < count; from += 1000) await writer.addToSets(additions(from, Math.min(1000, count - from)));
  await writer.close();
  const size = statSync(path).size;
  const started = process.hrtime.bigint();
  const reader = new JournaledRuleState({ path });
  const replay = await reader.open();
  const openMs = Number(process.hrtime.bigint() - started) / 1e6;
  await reader.close();
  console.log(`journal replay of ${count.toLocaleString('en-GB')} set additions (${replay.lines.toLocaleString('en-GB')} lines, `
    + `${(size / 2 ** 20).toFixed(1)} MiB): ${replay.replayMs.toLocaleString('en-GB')} ms to replay, `
    + `${Math.round(openMs).toLocaleString('en-GB')} ms to open (replay and compaction to ${(statSync(path).size / 2 ** 20).toFixed(1)} MiB)`);
}

if (adapters.has('duckdb')) {
  const dir = mkdtempSync(join(tmpdir(), 'accesswatch-bench-rule-state-'));
  await measure('duckdb', async () => {
    const path = join(dir, `${randomUUID()}.duckdb`);
    return { store: new DuckdbRuleState({ path }), cleanup: async () => rmSync(path, { force: true }) };
  });
  rmSync(dir, { recursive: true, force: true });
}

if (adapters.has('redis')) {
  const redis = await benchRedis();
  try {
    await measure('redis', async () => {
      const prefix = `bench-${randomUUID()}:rules:`;
      return {
        store: new RedisRuleState({ redisUrl: redis.url, prefix }),
        async cleanup() {
          const client = new Redis(redis.url);
          for await (const keys of client.scanStream({ match: `${prefix}*`, count: 1000 })) {
            if ((keys as string[]).length > 0) await client.unlink(...(keys as string[]));
          }
          client.disconnect();
        },
      };
    });
  } finally {
    await redis.stop();
  }
}
