import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { mergeAlert, subjectKey, type Alert, type AlertUpdate } from '../alerts/alert.js';
import type { StoredEvent } from '../events/accessEvent.js';
import type { BatchReference } from '../reference/batchReference.js';
import { compileRules, readRules } from './loadRules.js';
import { RuleEngine } from './ruleEngine.js';
import { expandFixtureEvents, fixtureEvents, fixtureReference, type FixtureEvent } from './ruleFixtures.js';
import { DEFAULT_RULES_CONFIG, shippedRulesDir } from './rulesConfig.js';
import { RedisRuleState } from './state/redisRuleState.js';

/**
 * Windowed rules with their state in a real Redis: the whole catalogue over one morning's events,
 * judged by one worker, then by two workers at once with the events shuffled, split differently
 * and partly late. Both must raise the same alerts with the same evidence.
 */

const redisUrl = inject('redisUrl');
const rulesDir = shippedRulesDir();
const rules = compileRules(readRules(rulesDir), DEFAULT_RULES_CONFIG);
const NOW = Math.floor(Date.now() / 60_000) * 60_000;
const at = (minutesAgo: number) => new Date(NOW - minutesAgo * 60_000).toISOString();
const prefixes: string[] = [];

const morning: FixtureEvent[] = [
  { repeat: 60, spacing: '30s', patients: 'spread', occurredAt: at(45) },                                 // U1: 60 patients in half an hour
  { repeat: 30, spacing: '30s', patients: 'spread', action: 'print', user: { id: 'U2', role: 'R8001' }, occurredAt: at(40) }, // U2: bulk print
  { user: { id: 'U4', role: 'R8000' }, site: 'LGI', occurredAt: at(30) },                                 // U4: two sites in 3 minutes
  { user: { id: 'U4', role: 'R8000' }, site: 'ST-JAMES', occurredAt: at(27) },
  { repeat: 12, spacing: '20s', patients: 'spread', outcome: 'denied', user: { id: 'U5', role: 'R0260' }, occurredAt: at(20) }, // U5: denied burst
  { repeat: 14, spacing: '1m', patients: 'sequential', action: 'search', patient: { nhsNumber: '9434766001' }, user: { id: 'U2', role: 'R8001' }, occurredAt: at(25) },
  { repeat: 40, spacing: '1m', occurredAt: at(50), user: { id: 'U4', role: 'R8000' } },                  // ordinary work
  // Late: a print burst three hours ago, past the hour's lateness, counts for nothing.
  { repeat: 30, spacing: '30s', patients: 'spread', action: 'export', user: { id: 'U5', role: 'R0260' }, occurredAt: at(200) },
];

function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let state = seed;
  for (let i = out.length - 1; i > 0; i--) {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    const j = state % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function batchesOf<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

/** One alert collector for every worker of a run (the alert store's merge, in memory). */
function collector() {
  const alerts = new Map<string, Alert>();
  return {
    alerts,
    async recordAlerts(updates: AlertUpdate[], now: string) {
      for (const update of updates) {
        const key = `${update.ruleId} ${subjectKey(update.subject)}`;
        alerts.set(key, mergeAlert(alerts.get(key), update, { id: key, now }));
      }
      return { opened: 0, updated: updates.length };
    },
    async activeSuppressions() { return []; },
  };
}

async function run(workers: number, events: StoredEvent[], reference: BatchReference, seed: number): Promise<Map<string, Alert>> {
  const prefix = `test-${randomUUID()}:rules:`;
  prefixes.push(prefix);
  const sink = collector();
  const engines = Array.from({ length: workers }, () => new RuleEngine(rules, DEFAULT_RULES_CONFIG, new RedisRuleState({ redisUrl, prefix }), sink, { now: () => NOW }));
  const batches = batchesOf(shuffle(events, seed), workers === 1 ? 100 : 37);
  await Promise.all(engines.map(async (engine, w) => {
    for (let b = w; b < batches.length; b += workers) await engine.detect(batches[b], reference);
  }));
  await Promise.all(engines.map((engine) => engine.tick()));
  return sink.alerts;
}

const summary = (alerts: Map<string, Alert>) => Object.fromEntries([...alerts.entries()].filter(([, a]) => a.raises === 'alert')
  .sort(([a], [b]) => a.localeCompare(b))
  .map(([key, a]) => [key, { eventCount: a.eventCount, evidence: a.evidence.map((e) => e.id).sort() }]));

afterAll(async () => {
  const redis = new Redis(redisUrl);
  for (const prefix of prefixes) {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.unlink(...keys);
  }
  redis.disconnect();
});

describe('windowed rules with their state in Redis', () => {
  it('raise the same alerts with one worker or two, whatever the order, and ignore events past the lateness', async () => {
    const reference = fixtureReference(rulesDir, { cases: [] });
    const { events, reference: batchReference } = fixtureEvents(expandFixtureEvents(morning), reference, NOW);
    const one = await run(1, events, batchReference, 1);
    const two = await run(2, events, batchReference, 2);

    const fired = (alerts: Map<string, Alert>) => [...alerts.values()].filter((a) => a.ruleId.startsWith('AW-BP')).map((a) => `${a.ruleId} ${a.userId}`).sort();
    expect(fired(one)).toEqual(['AW-BP-001 U1', 'AW-BP-003 U2', 'AW-BP-005 U2', 'AW-BP-006 U5', 'AW-BP-007 U4']);
    expect(summary(two)).toEqual(summary(one));
    expect(one.get(`AW-BP-003 ${subjectKey({ organisation: 'RX1', userId: 'U2' })}`)?.eventCount).toBe(30);
  });
});
