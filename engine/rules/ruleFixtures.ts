import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { mergeAlert, subjectKey, type Alert, type AlertUpdate } from '../alerts/alert.js';
import type { StoredEvent } from '../events/accessEvent.js';
import { explainBatch } from '../explain/explainBatch.js';
import { prepareBatch } from '../ingest/prepareBatch.js';
import type { BatchReference } from '../reference/batchReference.js';
import { prepareReference } from '../reference/prepareReference.js';
import { staffKey, type Patient, type ReferenceKind, type Relationship, type Staff } from '../reference/referenceData.js';
import type { CompiledRule, RulesConfig } from './ruleKind.js';
import { RuleEngine } from './ruleEngine.js';
import { MemoryRuleState } from './state/memoryRuleState.js';

/**
 * Rule fixtures: beside each rule file, `<slug>.fixtures.yaml` holds cases (events, extra
 * reference data, the alerts expected) that prove the rule fires and that its legitimate twin
 * stays silent. Events and reference data go through the same validation, explanation and rule
 * engine as posted ones; windowed rules see each case's events in order, one batch per `batch`.
 */

/**
 * A fixture event: fields merged over the default event, plus how to repeat it. `repeat: 50`
 * makes 50 copies `spacing` apart (default 1m); `patients: sequential` gives each copy the next
 * valid NHS number after the event's, `spread` every seventh (distinct, never consecutive).
 */
export type FixtureEvent = Record<string, unknown> & {
  batch?: number;
  repeat?: number;
  spacing?: string;
  patients?: 'sequential' | 'spread';
};

export interface FixtureCase {
  name: string;
  /** The time of the final tick (default: a minute after the latest event); each batch is judged a minute after its own latest event. */
  now?: string;
  /** Events, each merged over the default event; `batch` (default 0) splits them into batches. */
  events: FixtureEvent[];
  /** The alerts expected at the end, by subject; fields left out are not compared. */
  expect: ExpectedAlert[];
}

export interface ExpectedAlert {
  userId?: string;
  team?: string;
  users?: string[];
  nhsNumber?: string;
  system?: string;
  severity?: string;
  raises?: string;
  eventCount?: number;
  /** The alert's text (its explanation's first sentence) as an IG officer reads it. */
  text?: string;
}

export interface FixtureFile {
  reference?: Partial<Record<ReferenceKind, unknown[]>>;
  cases: FixtureCase[];
}

const DEFAULT_EVENT = {
  system: 'EPR', organisation: 'RX1', user: { id: 'U1', role: 'R8000' }, patient: { nhsNumber: '9434765005' },
  action: 'view', occurredAt: '2026-03-02T10:00:00Z',
};

function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const inner = base[key];
    out[key] = value && typeof value === 'object' && !Array.isArray(value) && inner && typeof inner === 'object'
      ? merge(inner as Record<string, unknown>, value as Record<string, unknown>) : value;
  }
  return out;
}

const SPACING_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** The valid NHS numbers after `from`, `stride` nine-digit bases apart (numbers whose check digit would be 10 are skipped). */
function nhsNumbersAfter(from: string, count: number, stride: number): string[] {
  const numbers: string[] = [];
  for (let base = Number(from.slice(0, 9)); numbers.length < count; base += stride) {
    const digits = String(base).padStart(9, '0');
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += Number(digits[i]) * (10 - i);
    const check = (11 - (sum % 11)) % 11;
    if (check !== 10) numbers.push(`${digits}${check}`);
  }
  return numbers;
}

/** Expands `repeat` into copies, each later by `spacing` and, when asked, about another patient. */
export function expandFixtureEvents(events: FixtureEvent[]): (Record<string, unknown> & { batch?: number })[] {
  return events.flatMap(({ repeat, spacing, patients, ...event }) => {
    if (repeat === undefined) return [event];
    const step = Number((spacing ?? '1m').slice(0, -1)) * SPACING_MS[(spacing ?? '1m').slice(-1)];
    const start = Date.parse(String(event.occurredAt ?? DEFAULT_EVENT.occurredAt));
    const first = String((event.patient as { nhsNumber?: string } | undefined)?.nhsNumber ?? DEFAULT_EVENT.patient.nhsNumber);
    const numbers = patients ? nhsNumbersAfter(first, repeat, patients === 'sequential' ? 1 : 7) : [];
    return Array.from({ length: repeat }, (_, i) => ({
      ...event,
      occurredAt: new Date(start + i * step).toISOString(),
      ...(patients ? { patient: { nhsNumber: numbers[i] } } : {}),
    }));
  });
}

export function readFixtureFile(path: string): FixtureFile {
  return parse(readFileSync(path, 'utf8')) as FixtureFile;
}

/** The fixtures file of a rule file (`x.yaml` → `x.fixtures.yaml`), if it exists. */
export function fixturesPathOf(rulePath: string): string | undefined {
  const path = rulePath.replace(/\.yaml$/, '.fixtures.yaml');
  return existsSync(path) ? path : undefined;
}

/** Reference data as a BatchReference, validated like posted records (a bad fixture record throws). */
export function referenceOf(records: Partial<Record<ReferenceKind, unknown[]>>, now: Date): BatchReference {
  const prepared = <K extends ReferenceKind>(kind: K) => {
    const batch = prepareReference(kind, (records[kind] ?? []).map((value, index) => ({ index, value: value as Record<string, unknown> })), 'any-organisation', now);
    if (batch.rejected.length > 0) throw new Error(`fixture ${kind} record ${batch.rejected[0].index}: ${batch.rejected[0].errors.join('; ')}`);
    return batch.records.map(({ record }) => record);
  };
  const staff = prepared('staff') as Staff[];
  const patients = prepared('patients') as Patient[];
  const relationships = prepared('relationships') as Relationship[];
  const staffByKey = new Map(staff.map((record) => [staffKey(record), record]));
  const patientByNhs = new Map(patients.map((record) => [record.nhsNumber, record]));
  return {
    staffOf: (event) => staffByKey.get(staffKey({ userId: event.user.id, organisation: event.organisation })),
    patientOf: (nhsNumber) => patientByNhs.get(nhsNumber),
    relationshipsOf: (nhsNumber) => relationships.filter((r) => r.nhsNumber === nhsNumber),
    staffWithNhsNumber: (nhsNumber) => staff.filter((s) => s.nhsNumber === nhsNumber),
  };
}

/**
 * Fixture events (already expanded) as the rules see them: merged over the default event,
 * validated like posted events, explained from the reference data. Ids are `e<index>`.
 */
export function fixtureEvents(
  events: (Record<string, unknown> & { batch?: number })[], reference: Partial<Record<ReferenceKind, unknown[]>>, now: number, explainMarginDays = 30,
): { events: StoredEvent[]; reference: BatchReference } {
  const candidates = events.map(({ batch: _batch, ...partial }, index) => merge({ ...DEFAULT_EVENT, id: `e${index}` }, partial));
  const organisations = [...new Set(candidates.map((event) => String(event.organisation)))];
  // Posted with each system's own key (accesswatch's self-audit events among them), in the case's order.
  const storedEvents: StoredEvent[] = [];
  for (const system of new Set(candidates.map((event) => String(event.system)))) {
    const posted = candidates.map((value, index) => ({ index, value })).filter(({ value }) => String(value.system) === system);
    const batch = prepareBatch(posted, { system, organisations }, new Date(now));
    if (batch.rejected.length > 0) throw new Error(`fixture event ${batch.rejected[0].index}: ${batch.rejected[0].errors.join('; ')}`);
    storedEvents.push(...batch.events);
  }
  storedEvents.sort((a, b) => Number(a.event.id.slice(1)) - Number(b.event.id.slice(1)));
  const batchReference = referenceOf(reference, new Date(now));
  explainBatch(storedEvents, batchReference, { marginDays: explainMarginDays });
  return { events: storedEvents, reference: batchReference };
}

/** Runs one rule over one case and returns the alerts it leaves, as the alert store would hold them. */
export async function runFixtureCase(
  rule: CompiledRule, testCase: FixtureCase, reference: Partial<Record<ReferenceKind, unknown[]>>, config: RulesConfig, explainMarginDays = 30,
): Promise<Alert[]> {
  const expanded = expandFixtureEvents(testCase.events);
  const latest = Math.max(...expanded.map((event) => Date.parse(String(event.occurredAt ?? DEFAULT_EVENT.occurredAt))));
  const now = testCase.now ? Date.parse(testCase.now) : latest + 60_000;
  const { events: stored, reference: batchReference } = fixtureEvents(expanded, reference, now, explainMarginDays);

  const alerts = new Map<string, Alert>();
  const sink = {
    async recordAlerts(updates: AlertUpdate[], at: string) {
      for (const update of updates) {
        const key = `${update.ruleId}|${subjectKey(update.subject)}`;
        alerts.set(key, mergeAlert(alerts.get(key), update, { id: key, now: at }));
      }
      return { opened: 0, updated: updates.length };
    },
    async activeSuppressions() { return []; },
  };
  // Each batch arrives, and is judged, a minute after its latest event; the tick runs at the case's `now`.
  let clock = now;
  const engine = new RuleEngine([rule], config, new MemoryRuleState(() => clock), sink, { now: () => clock });
  const batches = new Map<number, StoredEvent[]>();
  expanded.forEach((partial, index) => {
    const list = batches.get(partial.batch ?? 0) ?? [];
    list.push(stored[index]);
    batches.set(partial.batch ?? 0, list);
  });
  for (const key of [...batches.keys()].sort((a, b) => a - b)) {
    const events = batches.get(key)!;
    clock = Math.max(...events.map(({ event }) => Date.parse(event.occurredAt))) + 60_000;
    const receivedAt = new Date(clock).toISOString();
    for (const stored of events) stored.receivedAt = receivedAt;
    await engine.detect(events, batchReference);
  }
  clock = Math.max(clock, now);
  await engine.tick();
  return [...alerts.values()];
}

/** Base reference data for every fixture, plus the fixture file's own. */
export function fixtureReference(rulesDir: string, file: FixtureFile): Partial<Record<ReferenceKind, unknown[]>> {
  const base = parse(readFileSync(join(rulesDir, 'base.fixtures.yaml'), 'utf8')) as Partial<Record<ReferenceKind, unknown[]>>;
  const extra = file.reference ?? {};
  return {
    staff: [...(base.staff ?? []), ...(extra.staff ?? [])],
    patients: [...(base.patients ?? []), ...(extra.patients ?? [])],
    relationships: [...(base.relationships ?? []), ...(extra.relationships ?? [])],
  };
}
