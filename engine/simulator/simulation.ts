import type { AccessEvent } from '../events/accessEvent.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { Care, type World } from './care.js';
import { canonicalEvent, eventIdOf, systemSeed } from './eventFormats.js';
import type { AccessDraft, ScenarioLabel } from './labels.js';
import { LegitimateAlerts } from './legitimateAlerts.js';
import { CareSystem, type OrganisationKind, type SourceSystem } from './organisations.js';
import { Population } from './population.js';
import { RoutineWork } from './routineWork.js';
import { planScenarios, type SkippedScenario } from './scenarios.js';
import { sizeOf, type SimulationOptions } from './sizes.js';
import { Workforce } from './workforce.js';

/**
 * A simulated integrated care system, generated from a seed: reference data first (staff,
 * patients, the relationships running when the period starts), then the period hour by hour
 * (new care, routine accesses, injected misuse), each access in time order, then the labels.
 * A generator: records are produced as they are made, never all held at once (the population
 * is held compactly; relationships and accesses stream out).
 */

const HOUR_MS = 3_600_000;

/** One record of the simulation's output, in the order produced. */
export type SimulationRecord =
  | { kind: 'staff'; record: Staff }
  | { kind: 'patient'; record: Patient }
  | { kind: 'relationship'; record: Relationship }
  | { kind: 'event'; system: SourceSystem; event: AccessEvent }
  | { kind: 'label'; label: ScenarioLabel };

/** An organisation as the manifest describes it. */
export interface OrganisationSummary {
  code: string;
  name: string;
  kind: OrganisationKind;
  system: string;
  sites: string[];
  teams: string[];
}

/** What a run made: its shape, counts, and what it could not place. */
export interface SimulationSummary {
  seed: number;
  size: string;
  start: string;
  end: string;
  days: number;
  organisations: OrganisationSummary[];
  systems: SourceSystem[];
  counts: {
    patients: number;
    staff: number;
    relationships: number;
    /** Care episodes whose relationship was never recorded (by design, see README). */
    unrecordedEpisodes: number;
    events: { total: number; legitimate: number; misuse: number; legitimateUnrecorded: number; bySystem: Record<string, number> };
    labels: { misuse: number; control: number; 'legitimate-alert': number };
  };
  /** Feeds that stop (audit gaps). */
  silences: { organisation: string; system: string; from: string }[];
  skipped: SkippedScenario[];
}

/** Generates a whole simulation; the summary is the generator's return value. */
export function* simulate(options: SimulationOptions): Generator<SimulationRecord, SimulationSummary, undefined> {
  const size = sizeOf(options.size);
  if (!Number.isInteger(options.days) || options.days < 1) throw new Error(`days must be a whole number of at least 1 (got ${options.days})`);
  const start = Math.floor(options.start / 60_000) * 60_000;
  const end = start + options.days * 24 * HOUR_MS;
  const ics = new CareSystem(size);
  const population = new Population({ patients: size.patients, practices: size.practices }, options.seed, start);
  const workforce = new Workforce(ics, population, options.seed, start, end);
  const world: World = { ics, population, workforce, size, seed: options.seed, start, end, practiceCodes: ics.of('practice').map((p) => p.code) };

  const relationships: Relationship[] = [];
  const care = new Care(world, (relationship) => relationships.push(relationship));
  const scenarios = planScenarios(world, care);
  care.setUp();
  const routine = new RoutineWork(world, care, (organisation, at) => (scenarios.silences.get(organisation) ?? Infinity) <= at);
  const legitimateAlerts = new LegitimateAlerts(world);

  const counts: SimulationSummary['counts'] = {
    patients: size.patients, staff: workforce.members.length, relationships: 0, unrecordedEpisodes: 0,
    events: { total: 0, legitimate: 0, misuse: 0, legitimateUnrecorded: 0, bySystem: {} },
    labels: { misuse: 0, control: 0, 'legitimate-alert': 0 },
  };
  for (const staff of workforce.members) yield { kind: 'staff', record: workforce.record(staff) };
  for (let i = 0; i < population.size; i++) yield { kind: 'patient', record: population.record(i, world.practiceCodes) };

  const systems = new Map(ics.systems.map((system) => [system.name, { system, seed: systemSeed(options.seed, system.name), count: 0 }]));
  let carried: AccessDraft[] = [];
  let next = 0;
  for (let at = start; at < end; at += HOUR_MS) {
    const hourEnd = Math.min(end, at + HOUR_MS);
    care.advance(at);
    const drafts = carried;
    routine.hour(at, drafts);
    while (next < scenarios.drafts.length && scenarios.drafts[next].at < hourEnd) drafts.push(scenarios.drafts[next++]);
    yield* drainRelationships(relationships, counts);
    drafts.sort((a, b) => a.at - b.at);
    carried = [];
    for (const draft of drafts) {
      if (draft.at >= hourEnd) {
        if (draft.at < end) carried.push(draft);
        continue;
      }
      if ((scenarios.silences.get(draft.organisation) ?? Infinity) <= draft.at) continue;
      legitimateAlerts.note(draft);
      const entry = systems.get(draft.system)!;
      const event = canonicalEvent(draft, eventIdOf(entry.system.format, entry.seed, ++entry.count));
      draft.label?.add(draft.system, event.id, draft.at, draft.nhsNumber);
      counts.events.total++;
      counts.events.bySystem[draft.system] = (counts.events.bySystem[draft.system] ?? 0) + 1;
      if (draft.label?.label.kind === 'misuse') counts.events.misuse++;
      else counts.events.legitimate++;
      if (draft.unrecorded) counts.events.legitimateUnrecorded++;
      yield { kind: 'event', system: entry.system, event };
    }
  }
  yield* drainRelationships(relationships, counts);
  counts.unrecordedEpisodes = care.unrecorded;

  const labels = [...scenarios.labels, ...routine.labels, ...legitimateAlerts.labels()].map((draft) => draft.finish()).filter((label): label is ScenarioLabel => label !== undefined);
  labels.sort((a, b) => a.from.localeCompare(b.from) || a.scenario.localeCompare(b.scenario));
  for (const label of labels) {
    counts.labels[label.kind]++;
    yield { kind: 'label', label };
  }
  return {
    seed: options.seed, size: size.name, start: new Date(start).toISOString(), end: new Date(end).toISOString(), days: options.days,
    organisations: ics.organisations.map((o) => ({ code: o.code, name: o.name, kind: o.kind, system: o.system, sites: o.sites, teams: o.teams.map((t) => t.code) })),
    systems: ics.systems,
    counts,
    silences: [...scenarios.silences].map(([organisation, from]) => ({
      organisation, system: ics.organisations.find((o) => o.code === organisation)!.system, from: new Date(from).toISOString(),
    })),
    skipped: scenarios.skipped,
  };
}

function* drainRelationships(pending: Relationship[], counts: SimulationSummary['counts']): Generator<SimulationRecord> {
  for (const record of pending) {
    counts.relationships++;
    yield { kind: 'relationship', record };
  }
  pending.length = 0;
}
