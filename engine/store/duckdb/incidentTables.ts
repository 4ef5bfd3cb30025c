import type { DuckDBConnection } from '@duckdb/node-api';
import type { Incident } from '../../incidents/incident.js';
import { checkNextVersion } from '../../incidents/incidentChanges.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { IncidentPage, IncidentQuery, IncidentUpdate } from '../port.js';

/**
 * Incidents in DuckDB: each kept whole as JSON (`incident`) beside the columns queries filter,
 * sort and compare on. Writes run on the store's single writer; an update is one
 * `UPDATE ... WHERE version = expected`, so compare-and-set needs no lock of its own.
 * Key lists are bound as JSON text, as in referenceTables.ts.
 */

export const INCIDENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS incidents (
  id VARCHAR PRIMARY KEY, organisation VARCHAR NOT NULL, status VARCHAR NOT NULL, aware_at TIMESTAMPTZ NOT NULL,
  version INTEGER NOT NULL, incident VARCHAR NOT NULL
);
`;

/** Throws a RangeError unless the page size is a whole number of at least 1. */
export function checkIncidentLimit(limit: number): void {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a whole number of at least 1, got ${limit}`);
}

/** Stores a new incident; false (and nothing written) when one with its id exists. */
export async function createIncident(connection: DuckDBConnection, incident: Incident): Promise<boolean> {
  const rows = (await connection.runAndReadAll(
    `INSERT INTO incidents VALUES ($id, $organisation, $status, $awareAt::TIMESTAMPTZ, $version, $incident)
      ON CONFLICT (id) DO NOTHING RETURNING id`,
    {
      id: incident.id, organisation: incident.organisation, status: incident.status, awareAt: incident.awareAt,
      version: incident.version, incident: JSON.stringify(incident),
    },
  )).getRows();
  return rows.length === 1;
}

export async function getIncident(connection: DuckDBConnection, id: string): Promise<Incident | undefined> {
  const rows = (await connection.runAndReadAll('SELECT incident FROM incidents WHERE id = $id', { id })).getRows();
  return rows.length === 0 ? undefined : (JSON.parse(String(rows[0][0])) as Incident);
}

/** Replaces the incident while its stored version is `expectedVersion` (see IncidentStore). */
export async function updateIncident(connection: DuckDBConnection, next: Incident, expectedVersion: number): Promise<IncidentUpdate> {
  checkNextVersion(next, expectedVersion);
  const rows = (await connection.runAndReadAll(
    `UPDATE incidents SET status = $status, aware_at = $awareAt::TIMESTAMPTZ, version = $version, incident = $incident
      WHERE id = $id AND version = $expected RETURNING id`,
    { id: next.id, status: next.status, awareAt: next.awareAt, version: next.version, incident: JSON.stringify(next), expected: expectedVersion },
  )).getRows();
  if (rows.length === 1) return { updated: true, incident: next };
  const current = await getIncident(connection, next.id);
  return current ? { updated: false, current } : { updated: false };
}

/** One page of incidents of the caller's organisations, earliest `awareAt` first, then by id. */
export async function queryIncidents(connection: DuckDBConnection, query: IncidentQuery): Promise<IncidentPage> {
  checkIncidentLimit(query.limit);
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
  if (query.organisations.length === 0) return { incidents: [] };
  const where = [`organisation IN (SELECT unnest(from_json($organisations, '["VARCHAR"]')))`];
  const params: Record<string, string> = { organisations: JSON.stringify(query.organisations) };
  if (query.status !== undefined) { where.push('status = $status'); params.status = query.status; }
  if (after) {
    where.push('(epoch_us(aware_at), id) > ($afterMicros::BIGINT, $afterId)');
    params.afterMicros = String(after.micros);
    params.afterId = after.docId;
  }
  const rows = (await connection.runAndReadAll(
    `SELECT incident, id, epoch_us(aware_at) AS micros FROM incidents WHERE ${where.join(' AND ')}
      ORDER BY aware_at, id LIMIT ${query.limit + 1}`,
    params,
  )).getRowObjectsJS();
  const page = rows.slice(0, query.limit);
  const incidents = page.map((row) => JSON.parse(String(row.incident)) as Incident);
  const last = page.at(-1);
  return rows.length > query.limit && last
    ? { incidents, nextCursor: encodeCursor({ micros: BigInt(last.micros as bigint), docId: String(last.id) }) }
    : { incidents };
}
