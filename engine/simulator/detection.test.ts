import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '../events/accessEvent.js';
import { prepareBatch } from '../ingest/prepareBatch.js';
import { prepareReference } from '../reference/prepareReference.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { compileRules, readRules } from '../rules/loadRules.js';
import { DEFAULT_RULES_CONFIG, shippedRulesDir } from '../rules/rulesConfig.js';
import type { RuleFamily, ScenarioLabel } from './labels.js';
import { referenceIndex, replayDetection, type Replay } from './replayDetection.js';
import { formatScore, scoreDetection, type DetectionScore } from './scoreDetection.js';
import { SIZES } from './sizes.js';
import { readLabels, readManifestFile, writeSimulation } from './simulationFiles.js';

/**
 * The smoke ICS over nine days (long enough for the spike's baseline and the new-workstation
 * rule's learning), at a quarter of its usual activity to keep the test quick: written, read back
 * with accesswatch's parsers, validated as posted, and replayed through every shipped rule in
 * this process. Prints recall and precision per family (with and without the alerts rules raise
 * on legitimate care by design); asserts only floors that hold with room.
 */

/**
 * `ACCESSWATCH_DETECTION_ACTIVITY=1` replays smoke at its full activity (the README's table, about
 * twenty seconds); `ACCESSWATCH_DETECTION_SEED` another seed (the floors are set at seed 7);
 * `ACCESSWATCH_DETECTION_SIZE=small` the town of 40,000 patients (about two minutes at a quarter,
 * with NODE_OPTIONS=--max-old-space-size=16000).
 */
const activity = Number(process.env.ACCESSWATCH_DETECTION_ACTIVITY ?? 0.25);
const seed = Number(process.env.ACCESSWATCH_DETECTION_SEED ?? 7);
const sizeName = (process.env.ACCESSWATCH_DETECTION_SIZE ?? 'smoke') as keyof typeof SIZES;
if (!SIZES[sizeName]) throw new Error(`ACCESSWATCH_DETECTION_SIZE: no size "${sizeName}" (${Object.keys(SIZES).join(', ')})`);
/**
 * Precision floors, a little under what holds. Fuller activity means more colleagues and
 * neighbours in care and more care never recorded, so precision is lower there (at seed 7: 98%
 * overall at a quarter, 93% at full activity), hence two sets. The quarter's hold at seeds 1 and 2 too.
 */
const floors = activity <= 0.25
  ? { all: 0.92, 'inappropriate-access': 0.75, 'legitimate-relationship': 0.9 }
  : { all: 0.85, 'inappropriate-access': 0.6, 'legitimate-relationship': 0.85 };
const definitions = readRules(shippedRulesDir());
const rules = compileRules(definitions, DEFAULT_RULES_CONFIG);
const families = new Map(definitions.map((d) => [d.id, d.family as RuleFamily]));
let out: string;
let labels: ScenarioLabel[];
let replay: Replay;
let score: DetectionScore;
let days: number;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'accesswatch-detection-'));
  const manifest = await writeSimulation({
    seed, size: { ...SIZES[sizeName], activity }, days: 9, start: Date.parse('2026-03-02T00:00:00Z'), out,
  });
  days = manifest.days;
  const now = new Date(Date.parse(manifest.end) + 3_600_000);
  const reference = { staff: [] as Staff[], patients: [] as Patient[], relationships: [] as Relationship[] };
  const events: StoredEvent[] = [];
  for (const source of manifest.sources) {
    for (const file of source.files) {
      const parsed = await readManifestFile(out, file);
      if (file.kind === 'events') {
        const batch = prepareBatch(parsed, { system: source.system, organisations: source.organisations }, now);
        expect(batch.rejected, file.path).toEqual([]);
        for (const event of batch.events) events.push(event); // a spread of a large file's records would overflow the stack
      } else {
        const batch = prepareReference(file.kind, parsed, { organisations: source.organisations }, now);
        expect(batch.rejected, file.path).toEqual([]);
        const records = reference[file.kind] as unknown[];
        for (const { record } of batch.records) records.push(record);
      }
    }
  }
  labels = await readLabels(out, manifest);
  replay = await replayDetection(events, referenceIndex(reference.staff, reference.patients, reference.relationships), {
    rules, config: DEFAULT_RULES_CONFIG, endAt: Date.parse(manifest.end),
  });
  score = scoreDetection(labels, replay.alerts, families, replay.explained);
  console.log(`Detection on the ${sizeName} ICS (seed ${seed}, ${days} days, activity ${activity}):\n${formatScore(score)}`);
  // Where the colleague and neighbour rules' false alerts come from: medium is explained at organisation level, high unexplained.
  const injected = new Set(labels.filter((l) => l.kind === 'misuse').flatMap((l) => l.events.map((e) => `${e.system}|${e.id}`)));
  const falseBy: Record<string, number> = {};
  for (const alert of replay.alerts.filter((a) => a.ruleId === 'AW-IA-002' || a.ruleId === 'AW-IA-003')) {
    if (alert.evidence.some((e) => injected.has(`${e.system}|${e.id}`))) continue;
    const key = `${alert.ruleId} ${alert.severity} at ${alert.organisation}`;
    falseBy[key] = (falseBy[key] ?? 0) + 1;
  }
  console.log(`colleague and neighbour false alerts by severity and organisation: ${JSON.stringify(falseBy)}`);
}, 1_200_000);

afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

describe('detection of the simulator\'s injected misuse (smoke, nine days, in process)', () => {
  it('labels scenarios for every rule in the catalogue', () => {
    const labelled = new Set(labels.filter((l) => l.kind === 'misuse').flatMap((l) => l.ruleIds));
    expect([...families.keys()].filter((id) => !labelled.has(id))).toEqual([]);
  });

  it('detects every rule\'s scenarios at least once, and nearly all of them', () => {
    const undetected = Object.entries(score.rules).filter(([, r]) => r.expected > 0 && r.detected === 0).map(([id]) => id);
    expect(undetected).toEqual([]);
    for (const family of ['inappropriate-access', 'legitimate-relationship', 'breach-pattern'] as const) {
      expect(score.families[family].detected, family).toBeGreaterThan(0);
    }
    for (const family of ['inappropriate-access', 'legitimate-relationship', 'breach-pattern', 'all'] as const) {
      expect(score.families[family].recall, family).toBeGreaterThanOrEqual(0.95);
    }
  });

  it('raises each scenario\'s alert about its subject', () => {
    const leaver = labels.find((l) => l.scenario === 'leaver-or-unknown-user/leaver-account-a-week-later')!;
    const alert = replay.alerts.find((a) => a.ruleId === 'AW-IA-006' && a.userId === leaver.subject.userId && a.organisation === leaver.subject.organisation);
    expect(alert?.explanation.text).toMatch(/while not on its staff/);
    const gap = labels.find((l) => l.scenario.startsWith('audit-gap/'))!;
    expect(replay.alerts.some((a) => a.ruleId === 'AW-BP-009' && a.system === gap.subject.system && a.organisation === gap.subject.organisation)).toBe(true);
  });

  it('explains nearly all legitimate accesses and flags few of them', () => {
    expect(score.legitimate.events).toBeGreaterThan(20_000);
    expect(score.legitimate.explainedShare).toBeGreaterThan(0.99);
    expect(score.legitimate.inFalseAlertsShare).toBeLessThan(0.01);
    expect(score.controls.flagged).toBeLessThan(score.controls.total * 0.05);
  });

  it('keeps breach-pattern rules quiet on routine work', () => {
    expect(score.families['breach-pattern'].precision).toBeGreaterThan(0.8);
    expect(score.rules['AW-BP-009']?.falsePositives ?? 0).toBe(0);
  });

  it('raises few alerts on legitimate care beyond those the rules raise by design', () => {
    expect(labels.some((l) => l.kind === 'legitimate-alert' && l.ruleIds.includes('AW-IA-003'))).toBe(true);
    for (const family of ['inappropriate-access', 'legitimate-relationship', 'breach-pattern', 'all'] as const) {
      expect(score.families[family].precisionBeyondDesign, family).toBeGreaterThan(0.95);
    }
  });

  it('keeps precision above its floors', () => {
    for (const [family, floor] of Object.entries(floors) as [keyof typeof floors, number][]) {
      expect(score.families[family].precision, family).toBeGreaterThan(floor);
    }
  });

  it('leaves colleagues and neighbours alone when the user\'s or their team\'s care explains the access', () => {
    const injected = new Set(labels.filter((l) => l.kind === 'misuse').flatMap((l) => l.events.map((e) => `${e.system}|${e.id}`)));
    const falseAlerts = replay.alerts.filter((a) => (a.ruleId === 'AW-IA-002' || a.ruleId === 'AW-IA-003')
      && !a.evidence.some((e) => injected.has(`${e.system}|${e.id}`)));
    // What is left is care explained only at organisation level (medium), never unexplained care (high) in this run.
    expect(falseAlerts.filter((a) => a.severity !== 'medium')).toEqual([]);
    // The departments serving the whole trust record their care at team level, so few colleagues are left (a quarter at seed 7).
    expect(falseAlerts.length).toBeLessThan(score.families['inappropriate-access'].truePositives * (activity <= 0.25 ? 0.4 : 0.6));
  });
});
