import type { DuckDBConnection } from '@duckdb/node-api';
import type { Person, Source } from '../port.js';

/**
 * Source systems and people in DuckDB: one row per system and one per token hash, keys and
 * tokens kept only as hashes. Organisation and scope lists are VARCHAR[] columns, bound as JSON text.
 */

export const CREDENTIAL_SCHEMA = `
CREATE TABLE IF NOT EXISTS sources (
  system VARCHAR PRIMARY KEY, organisations VARCHAR[] NOT NULL, scopes VARCHAR[] NOT NULL,
  key_hash VARCHAR NOT NULL, created_at VARCHAR NOT NULL, revoked_at VARCHAR
);
CREATE TABLE IF NOT EXISTS people (
  token_hash VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, role VARCHAR NOT NULL, organisations VARCHAR[] NOT NULL,
  created_at VARCHAR NOT NULL, revoked_at VARCHAR, id VARCHAR
);
ALTER TABLE people ADD COLUMN IF NOT EXISTS id VARCHAR;
`;

const varchars = (name: string) => `from_json($${name}, '["VARCHAR"]')`;

export async function putSource(connection: DuckDBConnection, source: Source): Promise<void> {
  await connection.run(
    `INSERT OR REPLACE INTO sources VALUES ($system, ${varchars('organisations')}, ${varchars('scopes')}, $keyHash, $createdAt, NULL)`,
    {
      system: source.system, organisations: JSON.stringify(source.organisations), scopes: JSON.stringify(source.scopes),
      keyHash: source.keyHash, createdAt: source.createdAt,
    },
  );
}

/** The source whose `column` equals `value` (the columns are unique). */
export async function findSourceWhere(connection: DuckDBConnection, column: 'system' | 'key_hash', value: string): Promise<Source | undefined> {
  const rows = (await connection.runAndReadAll(`SELECT * FROM sources WHERE ${column} = $value`, { value })).getRowObjectsJS();
  const row = rows[0];
  if (!row) return undefined;
  return {
    system: String(row.system),
    organisations: row.organisations as string[],
    scopes: row.scopes as Source['scopes'],
    keyHash: String(row.key_hash),
    createdAt: String(row.created_at),
    ...(row.revoked_at === null ? {} : { revokedAt: String(row.revoked_at) }),
  };
}

/** Marks the source revoked; false when there is no such source (or it is already revoked). */
export async function revokeSource(connection: DuckDBConnection, system: string, at: string): Promise<boolean> {
  const result = await connection.runAndReadAll(
    'UPDATE sources SET revoked_at = $at WHERE system = $system AND revoked_at IS NULL RETURNING system', { at, system },
  );
  return result.getRows().length > 0;
}

export async function putPerson(connection: DuckDBConnection, person: Person): Promise<void> {
  await connection.run(
    `INSERT OR REPLACE INTO people (token_hash, name, role, organisations, created_at, revoked_at, id)
      VALUES ($tokenHash, $name, $role, ${varchars('organisations')}, $createdAt, NULL, $id)`,
    {
      tokenHash: person.tokenHash, name: person.name, role: person.role, organisations: JSON.stringify(person.organisations),
      createdAt: person.createdAt, id: person.id,
    },
  );
}

export async function countPeopleWithRole(connection: DuckDBConnection, role: Person['role']): Promise<number> {
  const result = await connection.runAndReadAll('SELECT count(*) FROM people WHERE role = $role', { role });
  return Number(result.getRows()[0][0]);
}

/** The newest person whose `column` equals `value`. */
export async function findPersonWhere(connection: DuckDBConnection, column: 'token_hash' | 'name', value: string): Promise<Person | undefined> {
  const rows = (await connection.runAndReadAll(`SELECT * FROM people WHERE ${column} = $value ORDER BY created_at DESC LIMIT 1`, { value })).getRowObjectsJS();
  const row = rows[0];
  if (!row) return undefined;
  return {
    id: row.id === null ? `person-${String(row.token_hash).slice(0, 12)}` : String(row.id),
    tokenHash: String(row.token_hash),
    name: String(row.name),
    role: row.role as Person['role'],
    organisations: row.organisations as string[],
    createdAt: String(row.created_at),
    ...(row.revoked_at === null ? {} : { revokedAt: String(row.revoked_at) }),
  };
}
