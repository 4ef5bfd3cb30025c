import { LIST, UBIGINT, VARCHAR, listValue, type DuckDBConnection, type DuckDBPreparedStatement, type DuckDBResultReader } from '@duckdb/node-api';
import {
  lastByKey, relationshipKey, staffKey, type Patient, type Relationship, type Staff, type StaffKey, type Stored,
  type StoredPatient, type StoredRelationship, type StoredStaff,
} from '../../reference/referenceData.js';
import type { PatientsAndRelationships } from '../port.js';

/**
 * Reference data in DuckDB: one table per kind with a primary key on its natural key (these tables
 * are small next to events), the record kept whole as JSON with its receipt time. A batch is
 * upserted in one statement: its columns are bound as lists and unnested into a staging relation
 * that `INSERT OR REPLACE` reads. Lookups bind the batch's keys as a list the same way.
 */

/** patient_reference's columns (its table, and the one a fill builds aside). */
const PATIENT_REFERENCE_COLUMNS = 'nhs_number VARCHAR PRIMARY KEY, patient VARCHAR, relationships VARCHAR';

export const REFERENCE_SCHEMA = `
CREATE TABLE IF NOT EXISTS staff (
  user_id VARCHAR NOT NULL, organisation VARCHAR NOT NULL, record VARCHAR NOT NULL, received_at VARCHAR NOT NULL,
  nhs_number VARCHAR, PRIMARY KEY (user_id, organisation)
);
CREATE TABLE IF NOT EXISTS patients (
  nhs_number VARCHAR PRIMARY KEY, record VARCHAR NOT NULL, received_at VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS relationships (
  natural_key VARCHAR PRIMARY KEY, nhs_number VARCHAR NOT NULL, record VARCHAR NOT NULL, received_at VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS patient_reference (${PATIENT_REFERENCE_COLUMNS});
CREATE TABLE IF NOT EXISTS store_meta (name VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);
`;

/**
 * \`patient_reference\` holds, for each NHS number, what the patients and relationships tables hold
 * for it, ready to answer: the patient as a stored record's JSON (\`{"record":…,"receivedAt":…}\`,
 * NULL when only relationships name them) and all their relationships as such texts joined by
 * commas. Explaining a batch needs both for about 1,000 patients: from here that is 1,000 index
 * fetches, where reading the relationships table is about 11,000 (ten or so relationships each),
 * the dearest part of a batch's lookups at ICS size (see README.md, "Reference data"). The two
 * tables stay the record; each upsert rewrites the rows of the NHS numbers it touched, from them,
 * in the same transaction.
 *
 * STORED_JSON is a row's stored record as the JSON every lookup answers with.
 */
const STORED_JSON = `'{"record":' || record || ',"receivedAt":' || to_json(received_at) || '}'`;

/**
 * The patient_reference rows of the NHS numbers in \`$nhs\` (a JSON list), rebuilt from the two
 * tables into a temporary table, then put in place by a delete and an insert: \`INSERT OR REPLACE\`
 * of rows this long cost three times as much (about 900 against 300 ms for 1,000 at ICS size).
 */
const REFRESH_PATIENT_REFERENCE = [`
CREATE OR REPLACE TEMP TABLE patient_reference_fresh AS
SELECT k.nhs_number, p.stored AS patient, r.stored AS relationships
FROM (SELECT DISTINCT unnest(from_json($nhs, '["VARCHAR"]')) AS nhs_number) k
LEFT JOIN (SELECT nhs_number, ${STORED_JSON} AS stored FROM patients
  WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))) p ON p.nhs_number = k.nhs_number
LEFT JOIN (SELECT nhs_number, string_agg(${STORED_JSON}, ',') AS stored FROM relationships
  WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]'))) GROUP BY nhs_number) r ON r.nhs_number = k.nhs_number`,
`DELETE FROM patient_reference WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))`,
'INSERT INTO patient_reference (nhs_number, patient, relationships) SELECT * FROM patient_reference_fresh',
'DROP TABLE patient_reference_fresh',
];

/** Every patient_reference row, from the two tables (once, for a file written before the table existed). */
const BUILD_PATIENT_REFERENCE = `
INSERT INTO patient_reference_building (nhs_number, patient, relationships)
SELECT coalesce(p.nhs_number, r.nhs_number), p.stored, r.stored
FROM (SELECT nhs_number, ${STORED_JSON} AS stored FROM patients WHERE hash(nhs_number) % $parts = $part) p
FULL OUTER JOIN (SELECT nhs_number, string_agg(${STORED_JSON}, ',') AS stored FROM relationships
  WHERE hash(nhs_number) % $parts = $part GROUP BY nhs_number) r
  ON p.nhs_number = r.nhs_number`;

/**
 * BUILD_PATIENT_REFERENCE runs in this many parts, each for the NHS numbers of one hash bucket, so
 * that DuckDB groups a part of the relationships at a time: in one go, 10M relationships took up to
 * 10.6 GiB of memory.
 */
const BUILD_PARTS = 8;

/**
 * An ART index on the column relationships are looked up by (patients are looked up by their
 * primary key). With LOOKUP_SETTINGS, a join against a batch's key list becomes an index scan
 * instead of a scan of the whole table (see README.md, "Reference data"). Staff tables are small:
 * an index on their NHS numbers made upserts four times slower and lookups no faster, so an
 * early one is dropped.
 */
export const REFERENCE_INDEXES = `
CREATE INDEX IF NOT EXISTS relationships_nhs_number ON relationships (nhs_number);
DROP INDEX IF EXISTS staff_nhs_number;
`;

/**
 * Settings that let lookups use the indexes, for every connection (GLOBAL: the reader runs the
 * lookups): a hash join whose key list (the build side) has up to 2,048 distinct values pushes
 * them into the scan of the table as an IN filter (default 50), and such a filter is answered
 * from an ART index while it matches fewer than 65,536 rows (default: 2,048 or 0.1% of the
 * table). A batch of 1,000 events names about 1,000 patients and about 10 relationships each.
 */
export const LOOKUP_SETTINGS = `
SET GLOBAL dynamic_or_filter_threshold = 2048;
SET GLOBAL index_scan_max_count = 65536;
`;

/**
 * Brings a database file written by an earlier version up to REFERENCE_SCHEMA: staff gained an
 * `nhs_number` column (for findStaffByNhsNumbers), filled here from the stored records; lookup
 * columns gained ART indexes (built here once: about 20 s for 10 million relationships);
 * patient_reference is filled from the patients and relationships tables unless store_meta says
 * this version built it (a file from before it existed, from an earlier version of it, or whose
 * fill was cut short).
 */
export async function upgradeReferenceTables(connection: DuckDBConnection): Promise<void> {
  const column = await connection.runAndReadAll(
    "SELECT 1 FROM information_schema.columns WHERE table_name = 'staff' AND column_name = 'nhs_number'",
  );
  if (column.getRows().length === 0) {
    await connection.run('ALTER TABLE staff ADD COLUMN nhs_number VARCHAR');
    await connection.run("UPDATE staff SET nhs_number = record->>'$.nhsNumber'");
  }
  await connection.run(REFERENCE_INDEXES);
  const state = await connection.runAndReadAll(`SELECT (SELECT value FROM store_meta WHERE name = 'patient_reference'),
    EXISTS (SELECT 1 FROM patients) OR EXISTS (SELECT 1 FROM relationships)`);
  const [version, holdsData] = state.getRows()[0];
  if (version === PATIENT_REFERENCE_VERSION) return;
  const marked = `INSERT OR REPLACE INTO store_meta VALUES ('patient_reference', '${PATIENT_REFERENCE_VERSION}')`;
  if (holdsData !== true) {
    await connection.run(marked);
    return;
  }
  // Built aside, a part per transaction, and put in place with its mark at the end: a build cut
  // short leaves the mark unwritten, so the next open starts again.
  await connection.run(`DROP TABLE IF EXISTS patient_reference_building;
    CREATE TABLE patient_reference_building (${PATIENT_REFERENCE_COLUMNS})`);
  for (let part = 0; part < BUILD_PARTS; part++) {
    await connection.run(BUILD_PATIENT_REFERENCE, { parts: BUILD_PARTS, part }, { parts: UBIGINT, part: UBIGINT });
  }
  await inTransaction(connection, () => connection.run(`DROP TABLE patient_reference;
    ALTER TABLE patient_reference_building RENAME TO patient_reference; ${marked}`));
}

/**
 * What a file's patient_reference was built by; any other mark (or none) has it built again when
 * the store opens. 2: relationships moved to another patient by their id leave the first.
 */
const PATIENT_REFERENCE_VERSION = '2';

/** Runs the work in one transaction, rolled back if any of it fails. */
async function inTransaction(connection: DuckDBConnection, work: () => Promise<unknown>): Promise<void> {
  await connection.run('BEGIN TRANSACTION');
  try {
    await work();
  } catch (err) {
    await connection.run('ROLLBACK').catch(() => undefined); // the work's error is the one to report
    throw err;
  }
  await connection.run('COMMIT');
}

interface ReferenceTable<T> {
  name: string;
  /** Key and lookup columns, before `record` and `received_at`. */
  columns: string[];
  valuesOf(record: T): (string | null)[];
  naturalKey(record: T): string;
}

const STAFF: ReferenceTable<Staff> = {
  name: 'staff',
  columns: ['user_id', 'organisation', 'nhs_number'],
  valuesOf: (s) => [s.userId, s.organisation, s.nhsNumber ?? null],
  naturalKey: staffKey,
};
const PATIENTS: ReferenceTable<Patient> = {
  name: 'patients', columns: ['nhs_number'], valuesOf: (p) => [p.nhsNumber], naturalKey: (p) => p.nhsNumber,
};
const RELATIONSHIPS: ReferenceTable<Relationship> = {
  name: 'relationships', columns: ['natural_key', 'nhs_number'], valuesOf: (r) => [relationshipKey(r), r.nhsNumber], naturalKey: relationshipKey,
};

const varcharList = (values: (string | null)[]) => listValue(values);

/** Upserts a batch in one statement; a key repeated in the batch keeps its last record (DuckDB refuses a key twice in one statement). */
async function upsert<T>(connection: DuckDBConnection, table: ReferenceTable<T>, batch: Stored<T>[]): Promise<void> {
  if (batch.length === 0) return;
  const rows = lastByKey(batch, (stored) => table.naturalKey(stored.record));
  const columns = [...table.columns, 'record', 'received_at'];
  const lists: (string | null)[][] = columns.map(() => []);
  for (const { record, receivedAt } of rows) {
    [...table.valuesOf(record), JSON.stringify(record), receivedAt].forEach((value, column) => lists[column].push(value));
  }
  const params = Object.fromEntries(lists.map((values, column) => [`c${column}`, varcharList(values)]));
  const types = Object.fromEntries(columns.map((_, column) => [`c${column}`, LIST(VARCHAR)]));
  const staging = columns.map((name, column) => `unnest($c${column}::VARCHAR[]) AS ${name}`).join(', ');
  await connection.run(`INSERT OR REPLACE INTO ${table.name} (${columns.join(', ')}) SELECT ${staging}`, params, types);
}

/**
 * Runs a lookup whose key lists are bound as JSON text (`from_json($name, '["VARCHAR"]')` in the
 * SQL): one string per list, where binding a DuckDB list converts every value on the way in.
 * `from` is the rest of the query after SELECT, over rows `t` with `record` and `received_at`.
 * The answer comes back the same way, as one JSON text built by DuckDB: converting each of
 * thousands of values into JavaScript cost more than the query.
 */
async function select<T>(connection: DuckDBConnection, from: string, lists: Record<string, string[]>): Promise<Stored<T>[]> {
  const params = Object.fromEntries(Object.entries(lists).map(([name, values]) => [name, JSON.stringify(values)]));
  const sql = `SELECT '[' || coalesce(string_agg(${STORED_JSON}, ','), '') || ']' ${from}`;
  const rows = (await runPrepared(connection, sql, params)).getRows();
  return JSON.parse(String(rows[0][0])) as Stored<T>[];
}

/** Each connection's lookups, prepared once: parsing and planning them again cost about a third of a lookup on small tables. */
const prepared = new WeakMap<DuckDBConnection, Map<string, { statement: Promise<DuckDBPreparedStatement>; last: Promise<unknown> }>>();

/** Runs a lookup's prepared statement; calls of one statement take turns (its parameters are bound on it). */
function runPrepared(connection: DuckDBConnection, sql: string, params: Record<string, string>): Promise<DuckDBResultReader> {
  let statements = prepared.get(connection);
  if (!statements) prepared.set(connection, (statements = new Map()));
  let entry = statements.get(sql);
  if (!entry) {
    const statement = connection.prepare(sql);
    statement.catch(() => statements.delete(sql)); // prepared again next time
    statements.set(sql, (entry = { statement, last: Promise.resolve() }));
  }
  const { statement } = entry;
  const run = entry.last.then(async () => {
    const ready = await statement;
    ready.bind(params);
    return ready.runAndReadAll();
  });
  entry.last = run.catch(() => undefined);
  return run;
}

export const upsertStaff = (connection: DuckDBConnection, staff: StoredStaff[]) => upsert(connection, STAFF, staff);

/**
 * Upserts patients or relationships and rewrites the patient_reference rows of the NHS numbers
 * they name, in one transaction; with `formerNhsNumbers`, also those of the records they replace
 * (a relationship keyed by its id can move to another patient).
 */
async function upsertWithPatientReference<T extends { nhsNumber: string }>(
  connection: DuckDBConnection, table: ReferenceTable<T>, batch: Stored<T>[],
  formerNhsNumbers?: (batch: Stored<T>[]) => Promise<string[]>,
): Promise<void> {
  if (batch.length === 0) return;
  await inTransaction(connection, async () => {
    const former = formerNhsNumbers ? await formerNhsNumbers(batch) : [];
    const nhsNumbers = [...new Set([...batch.map(({ record }) => record.nhsNumber), ...former])];
    await upsert(connection, table, batch);
    for (const chunk of keyLists(nhsNumbers)) {
      const nhs = JSON.stringify(chunk);
      for (const sql of REFRESH_PATIENT_REFERENCE) await connection.run(sql, sql.includes('$nhs') ? { nhs } : undefined);
    }
  });
}

/** Keys in lists short enough for an index scan (LOOKUP_SETTINGS); a longer one would read the whole table. */
function keyLists(keys: string[], most = 2000): string[][] {
  const lists: string[][] = [];
  for (let start = 0; start < keys.length; start += most) lists.push(keys.slice(start, start + most));
  return lists;
}

export const upsertPatients = (connection: DuckDBConnection, patients: StoredPatient[]) =>
  upsertWithPatientReference(connection, PATIENTS, patients);
export const upsertRelationships = (connection: DuckDBConnection, relationships: StoredRelationship[]) =>
  upsertWithPatientReference(connection, RELATIONSHIPS, relationships, (batch) => storedNhsNumbersOf(connection, batch));

/**
 * The NHS numbers stored against the batch's relationships that are keyed by their id (a key made
 * of the whole tuple holds its NHS number, so only these can move).
 */
async function storedNhsNumbersOf(connection: DuckDBConnection, batch: StoredRelationship[]): Promise<string[]> {
  const keys = [...new Set(batch.filter(({ record }) => record.id !== undefined).map(({ record }) => relationshipKey(record)))];
  const found: string[] = [];
  for (const chunk of keyLists(keys)) {
    const result = await connection.runAndReadAll(
      `SELECT DISTINCT nhs_number FROM relationships WHERE natural_key IN (SELECT unnest(from_json($keys, '["VARCHAR"]')))`,
      { keys: JSON.stringify(chunk) },
    );
    for (const [nhsNumber] of result.getRows()) found.push(String(nhsNumber));
  }
  return found;
}

/** findPatients and findRelationships in one lookup of patient_reference. */
export async function findPatientsAndRelationships(connection: DuckDBConnection, nhsNumbers: string[]): Promise<PatientsAndRelationships> {
  if (nhsNumbers.length === 0) return { patients: [], relationships: [] };
  const sql = `SELECT '{"patients":[' || coalesce(string_agg(patient, ','), '') || '],"relationships":['
      || coalesce(string_agg(relationships, ','), '') || ']}'
    FROM patient_reference WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))`;
  const rows = (await runPrepared(connection, sql, { nhs: JSON.stringify([...new Set(nhsNumbers)]) })).getRows();
  return JSON.parse(String(rows[0][0])) as PatientsAndRelationships;
}

export async function findStaff(connection: DuckDBConnection, keys: StaffKey[]): Promise<StoredStaff[]> {
  if (keys.length === 0) return [];
  const unique = lastByKey(keys, staffKey);
  return select<Staff>(connection, `FROM staff t
      JOIN (SELECT unnest(from_json($users, '["VARCHAR"]')) AS user_id, unnest(from_json($organisations, '["VARCHAR"]')) AS organisation) k
      USING (user_id, organisation)`,
  { users: unique.map((key) => key.userId), organisations: unique.map((key) => key.organisation) });
}

export async function findStaffByNhsNumbers(connection: DuckDBConnection, nhsNumbers: string[]): Promise<StoredStaff[]> {
  if (nhsNumbers.length === 0) return [];
  return select<Staff>(connection, `FROM staff t WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))`,
    { nhs: [...new Set(nhsNumbers)] });
}

export async function findPatients(connection: DuckDBConnection, nhsNumbers: string[]): Promise<StoredPatient[]> {
  if (nhsNumbers.length === 0) return [];
  return select<Patient>(connection, `FROM patients t WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))`,
    { nhs: [...new Set(nhsNumbers)] });
}

export async function findRelationships(connection: DuckDBConnection, nhsNumbers: string[]): Promise<StoredRelationship[]> {
  if (nhsNumbers.length === 0) return [];
  return select<Relationship>(connection, `FROM relationships t WHERE nhs_number IN (SELECT unnest(from_json($nhs, '["VARCHAR"]')))`,
    { nhs: [...new Set(nhsNumbers)] });
}
