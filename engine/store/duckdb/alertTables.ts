import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Alert, AlertStatus, AlertUpdate, Suppression } from '../../alerts/alert.js';
import { groupByOpenAlert, mergeUpdates, openAlertKey, type RecordedAlerts } from '../../alerts/openAlerts.js';
import { isReopening, planAlertChange, withTriageDefaults, type AlertChange, type AlertChangeOutcome } from '../../alerts/triage.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import { emptyAlertCounts, type AlertCountQuery, type AlertCounts, type AlertFilter, type AlertPage, type AlertQuery } from '../port.js';

/**
 * Alerts and suppressions in DuckDB. Each alert is kept whole as JSON (`alert`) beside the
 * columns queries filter and sort on; times are TIMESTAMPTZ so that offsets compare as instants.
 * Writes run on the store's single writer, one at a time, so "find the open alerts, merge, write
 * back" cannot interleave with another write: one open alert per rule and subject holds, and a
 * triage change's version check and write are one compare-and-set.
 * Key lists are bound as JSON text, as in referenceTables.ts.
 */

export const ALERT_SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id VARCHAR PRIMARY KEY, rule_id VARCHAR NOT NULL, subject_key VARCHAR NOT NULL, organisation VARCHAR NOT NULL,
  severity VARCHAR NOT NULL, status VARCHAR NOT NULL, raises VARCHAR NOT NULL, user_id VARCHAR, nhs_number VARCHAR,
  first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, alert VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS suppressions (
  id VARCHAR PRIMARY KEY, organisation VARCHAR NOT NULL, expires_at TIMESTAMPTZ NOT NULL, suppression VARCHAR NOT NULL
);
`;

/** The alerts table's columns as written, each with how its value is read from the alert. */
const ALERT_COLUMNS: [column: string, value: (alert: Alert, subjectKey: string) => string | null][] = [
  ['id', (alert) => alert.id],
  ['rule_id', (alert) => alert.ruleId],
  ['subject_key', (_, subjectKey) => subjectKey],
  ['organisation', (alert) => alert.organisation],
  ['severity', (alert) => alert.severity],
  ['status', (alert) => alert.status],
  ['raises', (alert) => alert.raises],
  ['user_id', (alert) => alert.userId ?? null],
  ['nhs_number', (alert) => alert.nhsNumber ?? null],
  ['first_seen_at', (alert) => alert.firstSeenAt],
  ['last_seen_at', (alert) => alert.lastSeenAt],
  ['alert', (alert) => JSON.stringify(alert)],
];

const TIME_COLUMNS = new Set(['first_seen_at', 'last_seen_at']);

const varchars = (name: string) => `from_json($${name}, '["VARCHAR"]')`;

/** An alert as stored (alerts written before triage have no version or history yet). */
const parseAlert = (text: unknown): Alert => withTriageDefaults(JSON.parse(String(text)) as Alert);

/** The open alerts of these groups' rules and subjects, by their key (`openAlertKey`). */
async function openAlertsOf(connection: DuckDBConnection, groups: { ruleId: string; subjectKey: string }[]): Promise<Map<string, Alert>> {
  const rows = (await connection.runAndReadAll(
    `SELECT a.rule_id, a.subject_key, a.alert FROM alerts a
      JOIN (SELECT unnest(${varchars('rules')}) AS rule_id, unnest(${varchars('subjects')}) AS subject_key) k USING (rule_id, subject_key)
      WHERE a.status IN ('open', 'investigating')`,
    { rules: JSON.stringify(groups.map((group) => group.ruleId)), subjects: JSON.stringify(groups.map((group) => group.subjectKey)) },
  )).getRows();
  const open = new Map<string, Alert>();
  for (const [ruleId, subjectKey, text] of rows) open.set(openAlertKey(String(ruleId), String(subjectKey)), parseAlert(text));
  return open;
}

/** Writes alerts in one statement, replacing any row with the same id. */
async function writeAlerts(connection: DuckDBConnection, alerts: { alert: Alert; subjectKey: string }[]): Promise<void> {
  if (alerts.length === 0) return;
  const params = Object.fromEntries(ALERT_COLUMNS.map(([column, value]) =>
    [column, JSON.stringify(alerts.map(({ alert, subjectKey }) => value(alert, subjectKey)))]));
  const staging = ALERT_COLUMNS.map(([column]) => `unnest(${varchars(column)}) AS ${column}`).join(', ');
  const values = ALERT_COLUMNS.map(([column]) => (TIME_COLUMNS.has(column) ? `${column}::TIMESTAMPTZ` : column)).join(', ');
  await connection.run(
    `INSERT OR REPLACE INTO alerts (${ALERT_COLUMNS.map(([column]) => column).join(', ')}) SELECT ${values} FROM (SELECT ${staging})`,
    params,
  );
}

/**
 * Merges each update into the open alert of its rule and subject, or opens one (see AlertStore).
 * One query finds the open alerts of the whole batch and one statement writes what changed.
 * The caller runs it on the single writer, so nothing else writes in between.
 */
export async function recordAlerts(connection: DuckDBConnection, updates: AlertUpdate[], now: string): Promise<RecordedAlerts> {
  if (updates.length === 0) return { opened: 0, updated: 0 };
  const groups = groupByOpenAlert(updates);
  const open = await openAlertsOf(connection, groups);
  const changed: { alert: Alert; subjectKey: string }[] = [];
  let opened = 0;
  for (const group of groups) {
    const existing = open.get(group.key);
    const alert = mergeUpdates(existing, group.updates, { id: randomUUID(), now });
    if (!alert || alert === existing) continue;
    if (!existing) opened++;
    changed.push({ alert, subjectKey: group.subjectKey });
  }
  await writeAlerts(connection, changed);
  return { opened, updated: changed.length - opened };
}

/** Filters of an AlertQuery that compare a column with a value. */
const EQUAL_FILTERS = [
  ['status', 'status'], ['rule_id', 'ruleId'], ['severity', 'severity'], ['user_id', 'userId'], ['nhs_number', 'nhsNumber'],
  ['organisation', 'organisation'], ['raises', 'raises'],
] as const satisfies readonly (readonly [string, keyof AlertFilter])[];

/** Throws a RangeError unless the page size is a whole number of at least 1. */
export function checkAlertLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1, got ${limit}`);
}

/** A page of alerts as stored: the JSON text of the array of alerts, for a thread to pass on and another to parse. */
export interface AlertPageText {
  alerts: string;
  nextCursor?: string;
}

/** The WHERE conditions and parameters of an alert query's filters (not its cursor). */
function alertConditions(query: AlertFilter): { where: string[]; params: Record<string, string> } {
  const where = [`organisation IN (SELECT unnest(${varchars('organisations')}))`];
  const params: Record<string, string> = { organisations: JSON.stringify(query.organisations) };
  for (const [column, field] of EQUAL_FILTERS) {
    const value = query[field];
    if (value === undefined) continue;
    where.push(`${column} = $${field}`);
    params[field] = value;
  }
  if (query.from !== undefined) { where.push('last_seen_at >= $from::TIMESTAMPTZ'); params.from = query.from; }
  if (query.to !== undefined) { where.push('first_seen_at < $to::TIMESTAMPTZ'); params.to = query.to; }
  return { where, params };
}

/** How many alerts match a query's filters, by status (see AlertStore.countAlerts). */
export async function countAlerts(connection: DuckDBConnection, query: AlertCountQuery): Promise<AlertCounts> {
  const counts = emptyAlertCounts();
  if (query.organisations.length === 0) return counts;
  const { where, params } = alertConditions(query);
  const rows = (await connection.runAndReadAll(`SELECT status, count(*) FROM alerts WHERE ${where.join(' AND ')} GROUP BY status`, params)).getRows();
  for (const [status, count] of rows) counts[String(status) as AlertStatus] = Number(count);
  return counts;
}

/**
 * One page of alerts (see queryAlerts) as one JSON array text, made by DuckDB: one string
 * crosses into JavaScript instead of one per alert, which costs a third less for large pages.
 */
export async function queryAlertsText(connection: DuckDBConnection, query: AlertQuery): Promise<AlertPageText> {
  checkAlertLimit(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.organisations.length === 0) return { alerts: '[]' };
  const { where, params } = alertConditions(query);
  if (after) {
    where.push('(epoch_us(last_seen_at), id) < ($afterMicros::BIGINT, $afterId)');
    params.afterMicros = String(after.micros);
    params.afterId = after.docId;
  }
  const { limit } = query;
  // Evidence is left out after the LIMIT (before it, every matching row would be rewritten for each page).
  const alert = query.omitEvidence ? `json_merge_patch(alert, '{"evidence":[]}')` : 'alert';
  const rows = (await connection.runAndReadAll(
    `WITH page AS (
        SELECT alert, id, last_seen_at, row_number() OVER (ORDER BY last_seen_at DESC, id DESC) AS position
        FROM (SELECT alert, id, last_seen_at FROM alerts WHERE ${where.join(' AND ')} ORDER BY last_seen_at DESC, id DESC LIMIT ${limit + 1}))
      SELECT '[' || coalesce(string_agg(${alert}, ',' ORDER BY position) FILTER (WHERE position <= ${limit}), '') || ']',
        count(*), max(epoch_us(last_seen_at)) FILTER (WHERE position = ${limit}), max(id) FILTER (WHERE position = ${limit})
      FROM page`,
    params,
  )).getRows();
  const [text, matched, lastMicros, lastId] = rows[0];
  return Number(matched) > limit
    ? { alerts: String(text), nextCursor: encodeCursor({ micros: BigInt(lastMicros as bigint), docId: String(lastId) }) }
    : { alerts: String(text) };
}

/** The page a {@link queryAlertsText} answer stands for. */
export function alertPageFromText(page: AlertPageText): AlertPage {
  const alerts = (JSON.parse(page.alerts) as Alert[]).map(withTriageDefaults);
  return { alerts, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) };
}

/** One page of alerts, last seen newest first, then by id (descending), after the cursor's position. */
export async function queryAlerts(connection: DuckDBConnection, query: AlertQuery): Promise<AlertPage> {
  return alertPageFromText(await queryAlertsText(connection, query));
}

export async function getAlert(connection: DuckDBConnection, id: string): Promise<Alert | undefined> {
  const rows = (await connection.runAndReadAll('SELECT alert FROM alerts WHERE id = $id', { id })).getRows();
  return rows.length === 0 ? undefined : parseAlert(rows[0][0]);
}

/** Whether an alert of the same rule and subject was opened at or after this one. */
async function hasLaterAlert(connection: DuckDBConnection, alert: Alert, subjectKey: string): Promise<boolean> {
  const rows = (await connection.runAndReadAll(
    `SELECT count(*) FROM alerts WHERE rule_id = $ruleId AND subject_key = $subjectKey AND id <> $id
      AND CAST(json_extract_string(alert, '$.createdAt') AS TIMESTAMPTZ) >= $createdAt::TIMESTAMPTZ`,
    { ruleId: alert.ruleId, subjectKey, id: alert.id, createdAt: alert.createdAt },
  )).getRows();
  return Number(rows[0][0]) > 0;
}

/**
 * Applies triage changes (AlertStore.updateAlerts): one read of the alerts named, each change
 * checked against its alert's version (in order, so two changes to one alert see each other),
 * and one statement writing what changed. The caller runs it on the single writer.
 */
export async function updateAlerts(connection: DuckDBConnection, changes: AlertChange[]): Promise<AlertChangeOutcome[]> {
  if (changes.length === 0) return [];
  const rows = (await connection.runAndReadAll(
    `SELECT id, subject_key, alert FROM alerts WHERE id IN (SELECT unnest(${varchars('ids')}))`,
    { ids: JSON.stringify(changes.map((change) => change.id)) },
  )).getRows();
  const found = new Map(rows.map(([id, subjectKey, text]) => [String(id), { alert: parseAlert(text), subjectKey: String(subjectKey) }]));
  const written = new Map<string, { alert: Alert; subjectKey: string }>();
  const outcomes: AlertChangeOutcome[] = [];
  for (const change of changes) {
    const current = written.get(change.id) ?? found.get(change.id);
    const later = current !== undefined && isReopening(change.entry) && await hasLaterAlert(connection, current.alert, current.subjectKey);
    const outcome = planAlertChange(change, current?.alert, later);
    if (outcome.outcome === 'changed') written.set(change.id, { alert: outcome.alert, subjectKey: current!.subjectKey });
    outcomes.push(outcome);
  }
  await writeAlerts(connection, [...written.values()]);
  return outcomes;
}

/** Stores a suppression, replacing one with the same id. */
export async function putSuppression(connection: DuckDBConnection, suppression: Suppression): Promise<void> {
  await connection.run(
    'INSERT OR REPLACE INTO suppressions VALUES ($id, $organisation, $expiresAt::TIMESTAMPTZ, $suppression)',
    { id: suppression.id, organisation: suppression.organisation, expiresAt: suppression.expiresAt, suppression: JSON.stringify(suppression) },
  );
}

/** Suppressions of these organisations (or all) that have not expired at `now`. */
export async function activeSuppressions(connection: DuckDBConnection, organisations: string[] | 'all', now: string): Promise<Suppression[]> {
  if (organisations !== 'all' && organisations.length === 0) return [];
  const params: Record<string, string> = { now };
  let where = 'expires_at > $now::TIMESTAMPTZ';
  if (organisations !== 'all') {
    where += ` AND organisation IN (SELECT unnest(${varchars('organisations')}))`;
    params.organisations = JSON.stringify(organisations);
  }
  const rows = (await connection.runAndReadAll(`SELECT suppression FROM suppressions WHERE ${where} ORDER BY id`, params)).getRows();
  return rows.map(([text]) => JSON.parse(String(text)) as Suppression);
}
