import { mergeAlert, subjectKey, type Alert, type AlertUpdate } from '../alerts/alert.js';
import type { StoredEvent } from '../events/accessEvent.js';
import { explainBatch } from '../explain/explainBatch.js';
import type { BatchReference } from '../reference/batchReference.js';
import { staffKey, type Patient, type Relationship, type Staff } from '../reference/referenceData.js';
import type { CompiledRule, RulesConfig } from '../rules/ruleKind.js';
import { RuleEngine } from '../rules/ruleEngine.js';
import { MemoryRuleState } from '../rules/state/memoryRuleState.js';

/**
 * Runs the rules over a simulation in this process, as the server would if the access logs
 * arrived at their own pace: events in event-time order, in batches of an hour, each explained
 * and judged a minute after its latest event (so windowed rules see nothing late), the clock
 * ticking after each batch (so an audit gap shows). Alerts merge as the alert store merges them.
 */

/** Reference data held in maps: the lookups a batch makes, without a store. */
export function referenceIndex(staff: readonly Staff[], patients: readonly Patient[], relationships: readonly Relationship[]): BatchReference {
  const staffByKey = new Map(staff.map((record) => [staffKey(record), record]));
  const patientByNhs = new Map(patients.map((record) => [record.nhsNumber, record]));
  const group = <T>(records: readonly T[], keyOf: (record: T) => string | undefined) => {
    const groups = new Map<string, T[]>();
    for (const record of records) {
      const key = keyOf(record);
      if (key === undefined) continue;
      const members = groups.get(key);
      if (members) members.push(record);
      else groups.set(key, [record]);
    }
    return groups;
  };
  const relationshipsByNhs = group(relationships, (r) => r.nhsNumber);
  const staffByNhs = group(staff, (s) => s.nhsNumber);
  return {
    staffOf: (event) => staffByKey.get(staffKey({ userId: event.user.id, organisation: event.organisation })),
    patientOf: (nhsNumber) => patientByNhs.get(nhsNumber),
    relationshipsOf: (nhsNumber) => relationshipsByNhs.get(nhsNumber) ?? [],
    staffWithNhsNumber: (nhsNumber) => staffByNhs.get(nhsNumber) ?? [],
  };
}

/** What a replay found: the alerts and signals, and whether each access was explained (by `system|id`). */
export interface Replay {
  alerts: Alert[];
  explained: Map<string, boolean>;
}

/** The rules to replay and how. */
export interface ReplayOptions {
  rules: readonly CompiledRule[];
  config: RulesConfig;
  /** Days either side of a relationship that still explain an access (default 30, as the server). */
  explainMarginDays?: number;
  /** Event time covered by one batch (default an hour). */
  batchMs?: number;
  /** A last tick of the clock at this time (the end of the period), after the last batch. */
  endAt?: number;
}

/** Replays `events` (any order; they are sorted by event time) through the rules. */
export async function replayDetection(events: StoredEvent[], reference: BatchReference, options: ReplayOptions): Promise<Replay> {
  const batchMs = options.batchMs ?? 3_600_000;
  const sorted = [...events].sort((a, b) => Date.parse(a.event.occurredAt) - Date.parse(b.event.occurredAt));
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
  let clock = sorted.length > 0 ? Date.parse(sorted[0].event.occurredAt) : 0;
  const engine = new RuleEngine(options.rules, options.config, new MemoryRuleState(() => clock), sink, { now: () => clock });
  const explained = new Map<string, boolean>();
  for (let from = 0; from < sorted.length;) {
    const batchEnd = (Math.floor(Date.parse(sorted[from].event.occurredAt) / batchMs) + 1) * batchMs;
    let to = from;
    while (to < sorted.length && Date.parse(sorted[to].event.occurredAt) < batchEnd) to++;
    const batch = sorted.slice(from, to);
    clock = Date.parse(batch[batch.length - 1].event.occurredAt) + 60_000;
    const receivedAt = new Date(clock).toISOString();
    for (const stored of batch) stored.receivedAt = receivedAt;
    explainBatch(batch, reference, { marginDays: options.explainMarginDays ?? 30 });
    for (const stored of batch) explained.set(`${stored.event.system}|${stored.event.id}`, stored.explanation?.explained ?? false);
    await engine.detect(batch, reference);
    await engine.tick();
    from = to;
  }
  if (options.endAt !== undefined && options.endAt > clock) {
    clock = options.endAt;
    await engine.tick();
  }
  return { alerts: [...alerts.values()], explained };
}
