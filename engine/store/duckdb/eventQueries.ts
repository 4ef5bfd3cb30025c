import type { DuckDBConnection } from '@duckdb/node-api';
import type { StoredEvent } from '../../events/accessEvent.js';
import { explanationFromStored } from '../../explain/storedExplanation.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { EventFigures, EventFiguresQuery, EventPage, EventQuery } from '../port.js';

/**
 * Reading events back from the embedded store's `events` table: pages of stored events, newest
 * first, and the counts the Caldicott report needs, each one query on the reader connection.
 */

function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Values as a SQL list of string literals (for `IN (...)`). */
export function sqlList(values: string[]): string {
  return values.map(sqlString).join(',');
}

/** The WHERE conditions for a scope and a half-open period on `occurred_at`, and their parameters. */
function scopeAndPeriod(query: EventFiguresQuery): { where: string[]; params: Record<string, string> } {
  const where = [`organisation IN (${sqlList(query.organisations)})`];
  const params: Record<string, string> = {};
  if (query.from !== undefined) { where.push('occurred_at >= $from::TIMESTAMPTZ'); params.from = query.from; }
  if (query.to !== undefined) { where.push('occurred_at < $to::TIMESTAMPTZ'); params.to = query.to; }
  return { where, params };
}

/** One page of events (EventStore.queryEvents): newest first by `occurredAt`, then `docId`, after the cursor. */
export async function queryEvents(connection: DuckDBConnection, query: EventQuery): Promise<EventPage> {
  if (query.organisations.length === 0) return { events: [] };
  const { where, params } = scopeAndPeriod(query);
  if (query.organisation !== undefined) { where.push('organisation = $organisation'); params.organisation = query.organisation; }
  if (query.nhsNumber !== undefined) { where.push('nhs_number = $nhsNumber'); params.nhsNumber = query.nhsNumber; }
  if (query.userId !== undefined) { where.push('user_id = $userId'); params.userId = query.userId; }
  if (query.system !== undefined) { where.push('system = $system'); params.system = query.system; }
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    where.push('(epoch_us(occurred_at), doc_id) < ($afterMicros::BIGINT, $afterDocId)');
    params.afterMicros = String(after.micros);
    params.afterDocId = after.docId;
  }
  const sql = `SELECT doc_id, epoch_us(occurred_at) AS micros, strftime(received_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%gZ') AS received_at,
      batch_id, sha256, event, original, explanation
    FROM events WHERE ${where.join(' AND ')}
    ORDER BY occurred_at DESC, doc_id DESC LIMIT ${query.limit + 1}`;
  const rows = (await connection.runAndReadAll(sql, params)).getRowObjectsJS();
  const page = rows.slice(0, query.limit);
  const events: StoredEvent[] = page.map((row) => {
    const event = JSON.parse(String(row.event)) as StoredEvent['event'];
    return {
      docId: String(row.doc_id),
      event,
      sha256: String(row.sha256),
      receivedAt: String(row.received_at),
      batchId: String(row.batch_id),
      ...(row.original === null ? {} : { original: JSON.parse(String(row.original)) }),
      ...(row.explanation === null ? {} : { explanation: explanationFromStored(String(row.explanation), event) }),
    };
  });
  const last = page.at(-1);
  return rows.length > query.limit && last
    ? { events, nextCursor: encodeCursor({ micros: BigInt(last.micros as bigint), docId: String(last.doc_id) }) }
    : { events };
}

/**
 * Events and explained events per organisation (EventStore.eventFigures): one aggregate over
 * the `organisation`, `occurred_at` and `explained` columns, never the event text.
 */
export async function eventFigures(connection: DuckDBConnection, query: EventFiguresQuery): Promise<EventFigures> {
  if (query.organisations.length === 0) return { total: 0, explained: 0, byOrganisation: [] };
  const { where, params } = scopeAndPeriod(query);
  if (query.excludeSystems?.length) where.push(`system NOT IN (${sqlList(query.excludeSystems)})`);
  const rows = (await connection.runAndReadAll(
    `SELECT organisation, count(*) AS total, count(*) FILTER (WHERE explained) AS explained
      FROM events WHERE ${where.join(' AND ')} GROUP BY organisation ORDER BY organisation`,
    params,
  )).getRows();
  const byOrganisation = rows.map(([organisation, total, explained]) => ({ organisation: String(organisation), total: Number(total), explained: Number(explained) }));
  return {
    total: byOrganisation.reduce((sum, line) => sum + line.total, 0),
    explained: byOrganisation.reduce((sum, line) => sum + line.explained, 0),
    byOrganisation,
  };
}
