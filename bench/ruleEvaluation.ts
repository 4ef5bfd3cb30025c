import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { AccessEvent, StoredEvent } from '../engine/events/accessEvent.js';
import type { BatchReference } from '../engine/reference/batchReference.js';
import type { Patient, Staff } from '../engine/reference/referenceData.js';
import { compileRules, readRules } from '../engine/rules/loadRules.js';
import { ruleInputsOf } from '../engine/rules/ruleEngine.js';
import type { RuleContext, RuleInput, RulesConfig } from '../engine/rules/ruleKind.js';
import { DEFAULT_RULES_CONFIG, shippedRulesDir } from '../engine/rules/rulesConfig.js';
import type { RuleStateStore } from '../engine/rules/ruleState.js';
import { JournaledRuleState } from '../engine/rules/state/journaledRuleState.js';
import { MemoryRuleState } from '../engine/rules/state/memoryRuleState.js';

/**
 * Rule evaluation alone, in process: every shipped rule over an ICS-like mix of accesses in
 * batches, as `RuleEngine.detect` runs them (facts, then each enabled rule's `evaluate`), without
 * the alert store. Prints µs of wall time per event for the facts and for each rule, per state store.
 * Usage: node --import tsx bench/ruleEvaluation.ts [--events 100000] [--batch 1000] [--stores memory,journaled] [--rules AW-BP-001,...]
 * (`--rules` runs only those rules, to profile one; the matches' hash then differs.)
 */

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    stores: { type: 'string', default: 'memory,journaled' },
    rules: { type: 'string', default: '' },
  },
});
const total = Number(args.events);
const batchSize = Number(args.batch);

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const USERS = 5_000;
const PATIENTS = 1_000_000;
const ORGS = ['Y01', 'Y02', 'Y03', 'RX1', 'RX2', 'RX3', 'RY1', 'RY2'];
const ROLE_CLASSES = ['clinical', 'clinical', 'non-clinical', 'admin', 'social-care'] as const;
const ACTIONS: [AccessEvent['action'], number][] = [
  ['view', 79], ['search', 8], ['update', 6], ['create', 3], ['print', 2], ['export', 0.3], ['disclose', 0.3], ['delete', 0.2], ['emergency-access', 0.2],
];

function nhsNumber(n: number): string {
  const nine = String(400_000_000 + n).padStart(9, '0');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += Number(nine[i]) * (10 - i);
  const check = (11 - (sum % 11)) % 11;
  return `${nine}${check === 10 ? 0 : check}`;
}

const staff: Staff[] = Array.from({ length: USERS }, (_, i) => ({
  userId: `U${i}`, organisation: ORGS[i % ORGS.length], name: `Name ${i}`, surname: `Surname${i % 997}`, role: 'R8000',
  roleClass: ROLE_CLASSES[i % ROLE_CLASSES.length], team: `T${i % 50}`, start: '2020-01-01',
  address: { line1: `${i} High Street`, postcode: `AB${i % 90} 1CD` },
}) as Staff);
const staffByKey = new Map(staff.map((s) => [`${s.organisation}|${s.userId}`, s]));
const patientCache = new Map<string, Patient>();
const reference: BatchReference = {
  staffOf: (event: { user: { id: string }; organisation: string }) => staffByKey.get(`${event.organisation}|${event.user.id}`),
  patientOf: (nhs: string) => {
    let patient = patientCache.get(nhs);
    if (!patient) {
      const n = Number(nhs.slice(0, 9)) - 400_000_000;
      patient = {
        nhsNumber: nhs, surname: `Surname${n % 1009}`, dateOfBirth: '1970-01-01', address: { line1: `${n} Low Road`, postcode: `ZZ${n % 97} 9XY` },
        flags: [], optOuts: n % 12 === 0 ? [{ type: 'national-data-opt-out' }] : [], ...(n % 200 === 0 ? { dateOfDeath: '2025-01-01' } : {}),
      } as unknown as Patient;
      patientCache.set(nhs, patient);
    }
    return patient;
  },
  staffWithNhsNumber: () => [],
} as unknown as BatchReference;

/** The accesses, stamped a few ms apart from `start` (as the ICS bench stamps them when generated), with bursts. */
function storedEvents(start: number): StoredEvent[] {
  const next = random(20261122);
  const pick = <T>(weighted: [T, number][]): T => {
    let r = next() * weighted.reduce((sum, [, w]) => sum + w, 0);
    for (const [value, w] of weighted) if ((r -= w) < 0) return value;
    return weighted[0][0];
  };
  const bursts: { user: number; kind: number; left: number; until: number }[] = [];
  const events: StoredEvent[] = [];
  for (let i = 0; i < total; i++) {
    if (i % 2000 === 0) bursts.push({ user: Math.floor(next() * USERS), kind: (i / 2000) % 3, left: [60, 30, 12][(i / 2000) % 3], until: i + 3000 });
    let user = Math.floor(next() * USERS);
    let action = pick(ACTIONS);
    let outcome: AccessEvent['outcome'] = 'success';
    const burst = bursts.find((b) => b.left > 0 && next() < b.left / (b.until - i));
    if (burst) {
      burst.left -= 1;
      user = burst.user;
      if (burst.kind === 1) action = 'print';
      if (burst.kind === 2) outcome = 'denied';
    }
    const s = staff[user];
    const event: AccessEvent = {
      id: `e${i}`, occurredAt: new Date(start + Math.floor(i / 2)).toISOString(), system: 'EPR', organisation: s.organisation,
      user: { id: s.userId, role: s.role }, patient: { nhsNumber: nhsNumber(Math.floor(next() * PATIENTS)) }, action, outcome,
      workstation: `WS${user}-${Math.floor(next() * 1.05)}`, site: `S${user % 40}`, ...(next() < 0.014 ? { purpose: 'research' } : {}),
    } as AccessEvent;
    events.push({ docId: `EPR:e${i}`, event, sha256: '0'.repeat(64), receivedAt: event.occurredAt, batchId: `b${Math.floor(i / batchSize)}`,
      explanation: next() < 0.97 ? { explained: true, checked: [] } : { explained: false, checked: [], why: 'no relationship' } } as StoredEvent);
  }
  return events;
}

async function run(storeName: string): Promise<Map<string, number>> {
  const config: RulesConfig = { ...DEFAULT_RULES_CONFIG, workingHours: { start: '00:00', end: '23:59' } };
  const only = args.rules ? new Set(args.rules.split(',')) : undefined;
  const rules = compileRules(readRules(shippedRulesDir()), config).filter((rule) => rule.definition.enabled && (!only || only.has(rule.definition.id)));
  const start = Date.parse('2026-11-22T10:07:00.000Z'); // fixed, so that runs compare match for match
  const events = storedEvents(start);
  let now = start;
  const dir = mkdtempSync(join(tmpdir(), 'aw-rule-eval-'));
  const state: RuleStateStore = storeName === 'journaled' ? new JournaledRuleState({ path: join(dir, 'rule-state.journal'), now: () => now }) : new MemoryRuleState(() => now);
  const context: RuleContext = { state, clock: { now: () => now }, config };
  const times = new Map<string, number>([['facts', 0], ...rules.map((rule) => [rule.definition.id, 0] as const)]);
  let matches = 0;
  const fingerprint = createHash('sha256');
  const cpu = process.cpuUsage();
  const began = performance.now();
  for (let from = 0; from < events.length; from += batchSize) {
    const batch = events.slice(from, from + batchSize);
    now = Date.parse(batch[batch.length - 1].event.occurredAt) + 1_000;
    let t = performance.now();
    const inputs: RuleInput[] = ruleInputsOf(batch, reference, config);
    times.set('facts', times.get('facts')! + performance.now() - t);
    for (const rule of rules) {
      t = performance.now();
      const found = await rule.evaluate(inputs, context);
      matches += found.length;
      for (const match of found) fingerprint.update(JSON.stringify([rule.definition.id, match]));
      times.set(rule.definition.id, times.get(rule.definition.id)! + performance.now() - t);
    }
  }
  const wall = performance.now() - began;
  const used = process.cpuUsage(cpu);
  await state.close();
  rmSync(dir, { recursive: true, force: true });
  times.set('total (wall)', wall);
  times.set('total (CPU)', (used.user + used.system) / 1000);
  console.log(`${storeName}: ${events.length} events, ${matches} matches (sha256 ${fingerprint.digest('hex').slice(0, 16)})`);
  return times;
}

const results = new Map<string, Map<string, number>>();
for (const store of args.stores.split(',')) results.set(store, await run(store));
const stores = [...results.keys()];
console.log(`\n| µs per event | ${stores.join(' | ')} |\n|---|${stores.map(() => '---:').join('|')}|`);
for (const name of results.get(stores[0])!.keys()) {
  console.log(`| ${name} | ${stores.map((store) => ((results.get(store)!.get(name)! * 1000) / total).toFixed(2)).join(' | ')} |`);
}
