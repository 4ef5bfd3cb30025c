import { randomUUID } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sortsAfterKept, type Alert, type AlertStatus, type AlertUpdate, type EvidenceRef, type Suppression } from '../../alerts/alert.js';
import { earliestOfGroup, groupByOpenAlert, mergeUpdates, openAlertKey, type RecordedAlerts } from '../../alerts/openAlerts.js';
import { isOpenStatus, isReopening, planAlertChange, withTriageDefaults, type AlertChange, type AlertChangeOutcome } from '../../alerts/triage.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { OpenAlertIndex } from './openAlertIndex.js';
import { emptyAlertCounts, type AlertCountQuery, type AlertCounts, type AlertFilter, type AlertPage, type AlertQuery } from '../port.js';

/**
 * Alerts and suppressions in DuckDB. Each alert is kept as JSON (`alert`, all but its evidence)
 * beside the columns queries filter and sort on; times are TIMESTAMPTZ so that offsets compare
 * as instants. Its evidence is kept apart from that JSON: `evidence` (a JSON array), then the rows
 * of `alert_evidence` appended after it (`seq`: how many references the alert kept before the
 * row), with the number kept and the last of them on the alert. New evidence that sorts after
 * everything an alert keeps (as it does when systems post in time order) is a new row: the kept
 * references are neither read nor rewritten, where an alert growing to its 500 references one
 * batch at a time cost a rewrite of all of them, every batch. Evidence that sorts among them is
 * merged and written back to `evidence` (and the alert's rows dropped).
 * Writes run on the store's single writer, one at a time, so "find the open alerts, merge, write
 * back" cannot interleave with another write: one open alert per rule and subject holds, and a
 * triage change's version check and write are one compare-and-set.
 * Key lists are bound as JSON text, as in referenceTables.ts.
 */

export const ALERT_SCHEMA = `
CREATE TABLE IF NOT EXISTS alerts (
  id VARCHAR PRIMARY KEY, rule_id VARCHAR NOT NULL, subject_key VARCHAR NOT NULL, organisation VARCHAR NOT NULL,
  severity VARCHAR NOT NULL, status VARCHAR NOT NULL, raises VARCHAR NOT NULL, user_id VARCHAR, nhs_number VARCHAR,
  first_seen_at TIMESTAMPTZ NOT NULL, last_seen_at TIMESTAMPTZ NOT NULL, alert VARCHAR NOT NULL,
  evidence VARCHAR NOT NULL, evidence_count INTEGER NOT NULL, evidence_last VARCHAR
);
CREATE TABLE IF NOT EXISTS alert_evidence (alert_id VARCHAR NOT NULL, seq INTEGER NOT NULL, refs VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS suppressions (
  id VARCHAR PRIMARY KEY, organisation VARCHAR NOT NULL, expires_at TIMESTAMPTZ NOT NULL, suppression VARCHAR NOT NULL
);
`;

/**
 * Brings an alerts table written by an earlier version, which kept the evidence inside `alert`,
 * up to ALERT_SCHEMA (once, when the store opens).
 */
export async function upgradeAlertTables(connection: DuckDBConnection): Promise<void> {
  const column = await connection.runAndReadAll(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'alerts' AND column_name = 'evidence_count'",
  );
  if (column.getRows().length > 0) return;
  await connection.run(`ALTER TABLE alerts ADD COLUMN evidence VARCHAR;
    ALTER TABLE alerts ADD COLUMN evidence_count INTEGER;
    ALTER TABLE alerts ADD COLUMN evidence_last VARCHAR;
    UPDATE alerts SET evidence = coalesce(alert->>'$.evidence', '[]'), evidence_count = coalesce(json_array_length(alert, '$.evidence'), 0),
      evidence_last = alert->>'$.evidence[#-1]', alert = json_merge_patch(alert, '{"evidence":null}');
    ALTER TABLE alerts ALTER COLUMN evidence SET NOT NULL;
    ALTER TABLE alerts ALTER COLUMN evidence_count SET NOT NULL;`);
}

/** The alert's JSON without its evidence (kept apart). */
const withoutEvidence = (alert: Alert): string => JSON.stringify({ ...alert, evidence: undefined });

/**
 * The references appended after `evidence` (the inside of a JSON array, without brackets) of each
 * alert whose id `ids` (a relation with an `id` column) holds, if it has any.
 */
const appendedOf = (ids: string) => `SELECT alert_id, string_agg(substr(refs, 2, length(refs) - 2), ',' ORDER BY seq) AS appended
  FROM alert_evidence WHERE alert_id IN (SELECT id FROM ${ids}) GROUP BY alert_id`;

/** An alert's whole evidence, in SQL: `a.evidence` then the rows appended after it (`e.appended`). */
const WHOLE_EVIDENCE = `'[' || concat_ws(',', nullif(substr(a.evidence, 2, length(a.evidence) - 2), ''), e.appended) || ']'`;

/** The whole alert's JSON, in SQL, from `a.alert` and its evidence: the evidence goes last. */
const wholeAlert = (evidence = WHOLE_EVIDENCE) => `substr(a.alert, 1, length(a.alert) - 1) || ',"evidence":' || ${evidence} || '}'`;

/** An alert to write, with its subject key and what it keeps of its evidence (of which `alert.evidence` may hold only the end). */
interface AlertRow {
  alert: Alert;
  subjectKey: string;
  kept: Kept;
}

/** How many evidence references an alert keeps, and the last of them. */
interface Kept {
  count: number;
  last?: EvidenceRef;
}

/** What an alert keeps after `appended` (which sort after what it kept) are added to `kept`. */
const keptAfter = (kept: Kept, appended: EvidenceRef[]): Kept =>
  (appended.length === 0 ? kept : { count: kept.count + appended.length, last: appended[appended.length - 1] });

type AlertColumn = [column: string, value: (row: AlertRow) => string | number | null, type?: string];

/** The alerts table's columns as written, each with how its value is read from the row. */
const ALERT_COLUMNS: AlertColumn[] = [
  ['id', ({ alert }) => alert.id],
  ['rule_id', ({ alert }) => alert.ruleId],
  ['subject_key', ({ subjectKey }) => subjectKey],
  ['organisation', ({ alert }) => alert.organisation],
  ['severity', ({ alert }) => alert.severity],
  ['status', ({ alert }) => alert.status],
  ['raises', ({ alert }) => alert.raises],
  ['user_id', ({ alert }) => alert.userId ?? null],
  ['nhs_number', ({ alert }) => alert.nhsNumber ?? null],
  ['first_seen_at', ({ alert }) => alert.firstSeenAt, 'TIMESTAMPTZ'],
  ['last_seen_at', ({ alert }) => alert.lastSeenAt, 'TIMESTAMPTZ'],
  ['alert', ({ alert }) => withoutEvidence(alert)],
];

/** The columns that say what an alert keeps of its evidence, written when that changed. */
const KEPT_COLUMNS: AlertColumn[] = [
  ['evidence_count', ({ kept }) => kept.count, 'INTEGER'],
  ['evidence_last', ({ kept }) => (kept.last === undefined ? null : JSON.stringify(kept.last))],
];

/** The evidence column, written with all of an alert's evidence (`alert.evidence` whole). */
const EVIDENCE_COLUMN: AlertColumn = ['evidence', ({ alert }) => JSON.stringify(alert.evidence)];

const varchars = (name: string) => `from_json($${name}, '["VARCHAR"]')`;

/** An alert as stored (alerts written before triage have no version or history yet). */
const parseAlert = (text: unknown): Alert => withTriageDefaults(JSON.parse(String(text)) as Alert);

/** The rows' values of these columns bound as one JSON list each, and the staging relation that unnests them. */
function stagingOf(columns: AlertColumn[], rows: AlertRow[]): { staging: string; params: Record<string, string> } {
  const params = Object.fromEntries(columns.map(([column, value]) => [column, JSON.stringify(rows.map(value))]));
  const unnested = columns.map(([column, , type]) => `unnest(${varchars(column)})${type ? `::${type}` : ''} AS ${column}`);
  return { staging: `SELECT ${unnested.join(', ')}`, params };
}

/** Adds alerts that are not stored yet, in one statement. */
async function insertAlerts(connection: DuckDBConnection, rows: AlertRow[]): Promise<void> {
  if (rows.length === 0) return;
  const columns = [...ALERT_COLUMNS, ...KEPT_COLUMNS, EVIDENCE_COLUMN];
  const { staging, params } = stagingOf(columns, rows);
  await connection.run(`INSERT INTO alerts (${columns.map(([column]) => column).join(', ')}) ${staging}`, params);
}

/**
 * Rewrites stored alerts in one statement: the alert, and, by `evidence`, nothing of its evidence
 * (`none`), what it keeps (`kept`: references were appended) or all of it (`whole`). An UPDATE,
 * not INSERT OR REPLACE: DuckDB's replace deletes and re-inserts each row through the primary
 * key, which cost about twice as much.
 */
async function rewriteAlerts(connection: DuckDBConnection, rows: AlertRow[], evidence: 'none' | 'kept' | 'whole'): Promise<void> {
  if (rows.length === 0) return;
  const columns = evidence === 'none' ? ALERT_COLUMNS : evidence === 'kept' ? [...ALERT_COLUMNS, ...KEPT_COLUMNS] : [...ALERT_COLUMNS, ...KEPT_COLUMNS, EVIDENCE_COLUMN];
  const { staging, params } = stagingOf(columns, rows);
  const sets = columns.filter(([column]) => column !== 'id').map(([column]) => `${column} = s.${column}`);
  await connection.run(`UPDATE alerts SET ${sets.join(', ')} FROM (${staging}) s WHERE alerts.id = s.id`, params);
}

/** References to append to an alert's evidence, from position `seq` in what it keeps. */
interface EvidenceRow {
  alertId: string;
  seq: number;
  refs: EvidenceRef[];
}

/** Drops the appended rows of the alerts in `merged` (their `evidence` now holds them), and appends `rows`. */
async function writeAppended(connection: DuckDBConnection, merged: string[], rows: EvidenceRow[]): Promise<void> {
  if (merged.length > 0) {
    await connection.run(`DELETE FROM alert_evidence WHERE alert_id IN (SELECT unnest(${varchars('ids')}))`, { ids: JSON.stringify(merged) });
  }
  const added = rows.filter((row) => row.refs.length > 0);
  if (added.length === 0) return;
  await connection.run(
    `INSERT INTO alert_evidence SELECT unnest(${varchars('ids')}), unnest(from_json($seqs, '["INTEGER"]')), unnest(${varchars('refs')})`,
    { ids: JSON.stringify(added.map((row) => row.alertId)), seqs: JSON.stringify(added.map((row) => row.seq)), refs: JSON.stringify(added.map((row) => JSON.stringify(row.refs))) },
  );
}

/** An open alert as the merge reads it, and how many of its kept references were not read. */
interface OpenAlert {
  alert: Alert;
  kept: Kept;
  unread: number;
  /** Whether rows were appended after its `evidence` (read only with the evidence). */
  appendedRows: boolean;
}

/**
 * The open alerts (status `open` or `investigating`) with these ids, by primary key. Each is read
 * without its evidence when every reference of its updates (`earliest`: the earliest, by id)
 * sorts after what it keeps, which is nearly always; else with it, in a second query.
 */
async function openAlertsById(connection: DuckDBConnection, earliest: Map<string, EvidenceRef | undefined>): Promise<Map<string, OpenAlert>> {
  const open = new Map<string, OpenAlert>();
  if (earliest.size === 0) return open;
  const rows = (await connection.runAndReadAll(
    `SELECT id, alert, evidence_count, evidence_last FROM alerts
      WHERE id IN (SELECT unnest(${varchars('ids')})) AND status IN ('open', 'investigating')`,
    { ids: JSON.stringify([...earliest.keys()]) },
  )).getRows();
  const wanted: string[] = [];
  for (const [id, text, count, last] of rows) {
    const kept: Kept = { count: Number(count), ...(last === null ? {} : { last: JSON.parse(String(last)) as EvidenceRef }) };
    const first = earliest.get(String(id));
    const appends = first === undefined || sortsAfterKept(first, kept.last);
    open.set(String(id), { alert: { ...parseAlert(text), evidence: [] }, kept, unread: appends ? kept.count : 0, appendedRows: false });
    if (!appends) wanted.push(String(id));
  }
  if (wanted.length > 0) {
    const evidence = (await connection.runAndReadAll(
      `WITH named AS (SELECT unnest(${varchars('ids')}) AS id)
        SELECT a.id, ${WHOLE_EVIDENCE}, e.appended IS NOT NULL FROM alerts a LEFT JOIN (${appendedOf('named')}) e ON e.alert_id = a.id WHERE a.id IN (SELECT id FROM named)`,
      { ids: JSON.stringify(wanted) },
    )).getRows();
    for (const [id, text, appendedRows] of evidence) {
      const found = open.get(String(id))!;
      found.alert.evidence = JSON.parse(String(text)) as EvidenceRef[];
      found.appendedRows = appendedRows === true;
    }
  }
  return open;
}

/**
 * Merges each update into the open alert of its rule and subject, or opens one (see AlertStore).
 * The index says which groups have an open alert; one query reads those by id (their evidence
 * only when the updates do not all come after it), one statement adds the new alerts, one
 * rewrites the changed ones and one adds their new evidence. The caller runs it on the single
 * writer, so nothing else writes in between.
 */
export async function recordAlerts(connection: DuckDBConnection, index: OpenAlertIndex, updates: AlertUpdate[], now: string): Promise<RecordedAlerts> {
  if (updates.length === 0) return { opened: 0, updated: 0 };
  const groups = groupByOpenAlert(updates);
  const known = groups.map((group) => index.idOf(group.key));
  const earliest = new Map<string, EvidenceRef | undefined>();
  groups.forEach((group, n) => { if (known[n] !== undefined) earliest.set(known[n], earliestOfGroup(group)); });
  const open = await openAlertsById(connection, earliest);
  const opened: (AlertRow & { key: string })[] = [];
  const appendedTo: AlertRow[] = [];
  const appended: EvidenceRow[] = [];
  const rewritten: AlertRow[] = [];
  const merged: string[] = [];
  groups.forEach((group, n) => {
    const existing = known[n] === undefined ? undefined : open.get(known[n]);
    const alert = mergeUpdates(existing?.alert, group.updates, { id: randomUUID(), now, unread: existing?.unread });
    if (!alert || alert === existing?.alert) return;
    if (!existing) {
      opened.push({ alert, subjectKey: group.subjectKey, key: group.key, kept: keptAfter({ count: 0 }, alert.evidence) });
    } else if (existing.unread > 0) {
      appendedTo.push({ alert, subjectKey: group.subjectKey, kept: keptAfter(existing.kept, alert.evidence) });
      appended.push({ alertId: alert.id, seq: existing.unread, refs: alert.evidence });
    } else {
      rewritten.push({ alert, subjectKey: group.subjectKey, kept: keptAfter({ count: 0 }, alert.evidence) });
      if (existing.appendedRows) merged.push(alert.id);
    }
  });
  try {
    await insertAlerts(connection, opened);
    for (const { key, alert } of opened) index.stored(key, alert.id, true);
    await rewriteAlerts(connection, appendedTo, 'kept');
    await rewriteAlerts(connection, rewritten, 'whole');
    await writeAppended(connection, merged, appended);
  } catch (err) {
    await index.load(connection);
    throw err;
  }
  return { opened: opened.length, updated: appendedTo.length + rewritten.length };
}

/** Filters of an AlertQuery that compare a column with a value. */
const EQUAL_FILTERS = [
  ['status', 'status'], ['rule_id', 'ruleId'], ['severity', 'severity'], ['nhs_number', 'nhsNumber'],
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
  if (query.userId !== undefined) {
    // Their own alerts, and the team alerts (no user of their own) naming them among their users.
    where.push(`(user_id = $userId OR (user_id IS NULL AND list_contains(from_json(json_extract(alert, '$.users'), '["VARCHAR"]'), $userId)))`);
    params.userId = query.userId;
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
  // The evidence is read for the page's alerts only, after the LIMIT.
  const [from, alert] = query.omitEvidence
    ? ['page a', wholeAlert(`'[]'`)]
    : [`page a LEFT JOIN (${appendedOf(`page WHERE position <= ${limit}`)}) e ON e.alert_id = a.id`, wholeAlert()];
  const rows = (await connection.runAndReadAll(
    `WITH page AS (
        SELECT alert, evidence, id, last_seen_at, row_number() OVER (ORDER BY last_seen_at DESC, id DESC) AS position
        FROM (SELECT alert, evidence, id, last_seen_at FROM alerts WHERE ${where.join(' AND ')} ORDER BY last_seen_at DESC, id DESC LIMIT ${limit + 1}))
      SELECT '[' || coalesce(string_agg(${alert}, ',' ORDER BY a.position) FILTER (WHERE a.position <= ${limit}), '') || ']',
        count(*), max(epoch_us(a.last_seen_at)) FILTER (WHERE a.position = ${limit}), max(a.id) FILTER (WHERE a.position = ${limit})
      FROM ${from}`,
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
  const rows = (await connection.runAndReadAll(
    `SELECT ${wholeAlert()} FROM alerts a LEFT JOIN (${appendedOf('(SELECT $id AS id)')}) e ON e.alert_id = a.id WHERE a.id = $id`, { id },
  )).getRows();
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
export async function updateAlerts(connection: DuckDBConnection, index: OpenAlertIndex, changes: AlertChange[]): Promise<AlertChangeOutcome[]> {
  if (changes.length === 0) return [];
  const rows = (await connection.runAndReadAll(
    `WITH named AS (SELECT unnest(${varchars('ids')}) AS id)
      SELECT a.id, a.subject_key, ${wholeAlert()} FROM alerts a LEFT JOIN (${appendedOf('named')}) e ON e.alert_id = a.id
      WHERE a.id IN (SELECT id FROM named)`,
    { ids: JSON.stringify(changes.map((change) => change.id)) },
  )).getRows();
  // Triage leaves the evidence alone: `kept` is not written.
  const found = new Map(rows.map(([id, subjectKey, text]) => [String(id), { alert: parseAlert(text), subjectKey: String(subjectKey), kept: { count: 0 } }]));
  const written = new Map<string, AlertRow>();
  const outcomes: AlertChangeOutcome[] = [];
  for (const change of changes) {
    const current = written.get(change.id) ?? found.get(change.id);
    const later = current !== undefined && isReopening(change.entry) && await hasLaterAlert(connection, current.alert, current.subjectKey);
    const outcome = planAlertChange(change, current?.alert, later);
    if (outcome.outcome === 'changed') written.set(change.id, { ...current!, alert: outcome.alert });
    outcomes.push(outcome);
  }
  try {
    await rewriteAlerts(connection, [...written.values()], 'none');
  } catch (err) {
    await index.load(connection);
    throw err;
  }
  for (const { alert, subjectKey } of written.values()) index.stored(openAlertKey(alert.ruleId, subjectKey), alert.id, isOpenStatus(alert.status));
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
