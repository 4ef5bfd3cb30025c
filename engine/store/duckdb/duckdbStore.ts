import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  BOOLEAN, DuckDBAppender, DuckDBConnection, DuckDBDataChunk, DuckDBInstance, DuckDBTimestampTZValue, TIMESTAMPTZ, VARCHAR,
  type DuckDBType, type DuckDBValue,
} from '@duckdb/node-api';
import type { StoredEvent } from '../../events/accessEvent.js';
import type { StaffKey, StoredPatient, StoredRelationship, StoredStaff } from '../../reference/referenceData.js';
import type { Alert, AlertUpdate, Suppression } from '../../alerts/alert.js';
import type { RecordedAlerts } from '../../alerts/openAlerts.js';
import type { AlertChange, AlertChangeOutcome } from '../../alerts/triage.js';
import type { ExplainAccessesOptions, ExplainedAccesses, ExplainedInsert, AlertCountQuery, AlertCounts, AlertPage, AlertQuery, EventFigures, EventFiguresQuery, EventPage, EventQuery, IncidentPage, IncidentQuery, IncidentUpdate, InsertResult, PatientsAndRelationships, Person, Source, Store } from '../port.js';
import type { Incident } from '../../incidents/incident.js';
import type { AccessToExplain } from '../../explain/explainAccess.js';
import { explainWithLookups } from '../../explain/explainBatch.js';
import { storedExplanationText } from '../../explain/storedExplanation.js';
import { SerialLock } from './serialLock.js';
import { StoredIdIndex } from './storedIdIndex.js';
import { OpenAlertIndex } from './openAlertIndex.js';
import { accessesOfRows, copyRows, emptyRows, eventRowsOf, explainingRequestOf, packTexts, type EventRows, type ExplainingRequest, type PackedTexts } from './eventRows.js';
import * as eventQueries from './eventQueries.js';
import * as reference from './referenceTables.js';
import * as alerts from './alertTables.js';
import * as credentials from './credentialTables.js';
import * as incidents from './incidentTables.js';

/**
 * Rows written between checkpoints of the write-ahead log into the database file, by default.
 * A checkpoint holds writes while it runs, for longer the more rows it folds in: at 10 million
 * events, every 200,000 rows gave a p99 request latency of 0.77 s and a longest wait of 1.2 s,
 * every 1,000,000 rows 0.13 s and 5.1 s, for the same throughput and CPU and 0.7 GiB more memory
 * (the rows not yet in the file are held in memory). Waits of seconds would break the promise
 * of alerts within 2 s of the post, so the default keeps them short (see README.md).
 */
export const DEFAULT_CHECKPOINT_ROWS = 200_000;

/** Most events written in one group commit. */
const GROUP_EVENTS = 16_384;

interface WaitingInsert {
  rows: EventRows;
  resolve: (result: InsertResult) => void;
  reject: (err: Error) => void;
}

/** DuckDB's appender takes at most one vector (2,048 rows) per data chunk. */
const CHUNK_ROWS = 2048;

const EVENT_COLUMNS: [name: string, type: DuckDBType][] = [
  ['doc_id', VARCHAR], ['system', VARCHAR], ['id', VARCHAR], ['occurred_at', TIMESTAMPTZ],
  ['organisation', VARCHAR], ['user_id', VARCHAR], ['nhs_number', VARCHAR], ['action', VARCHAR],
  ['received_at', TIMESTAMPTZ], ['batch_id', VARCHAR], ['sha256', VARCHAR], ['event', VARCHAR], ['original', VARCHAR],
  ['explained', BOOLEAN], ['explanation', VARCHAR],
];

const EVENT_TYPES = EVENT_COLUMNS.map(([, type]) => type);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS events (
  doc_id VARCHAR NOT NULL, system VARCHAR NOT NULL, id VARCHAR NOT NULL, occurred_at TIMESTAMPTZ NOT NULL,
  organisation VARCHAR NOT NULL, user_id VARCHAR NOT NULL, nhs_number VARCHAR NOT NULL, action VARCHAR NOT NULL,
  received_at TIMESTAMPTZ NOT NULL, batch_id VARCHAR NOT NULL, sha256 VARCHAR NOT NULL,
  event VARCHAR NOT NULL, original VARCHAR, explained BOOLEAN, explanation VARCHAR
);
`;

const micros = (values: number[], from: number, to: number): DuckDBValue[] =>
  values.slice(from, to).map((value) => new DuckDBTimestampTZValue(BigInt(value)));

/** Column values of rows [from, to), in EVENT_COLUMNS order. */
function columnValues(rows: EventRows, from: number, to: number): DuckDBValue[][] {
  return [
    rows.docId.slice(from, to), rows.system.slice(from, to), rows.id.slice(from, to), micros(rows.occurredAt, from, to),
    rows.organisation.slice(from, to), rows.userId.slice(from, to), rows.nhsNumber.slice(from, to), rows.action.slice(from, to),
    micros(rows.receivedAt, from, to), rows.batchId.slice(from, to), rows.sha256.slice(from, to), rows.event.slice(from, to),
    rows.original.slice(from, to), rows.explained.slice(from, to), rows.explanation.slice(from, to),
  ];
}

export interface DuckdbStoreOptions {
  /** Path of the database file, or ':memory:'. */
  path: string;
  /** Rows written between checkpoints (default DEFAULT_CHECKPOINT_ROWS). */
  checkpointRows?: number;
}

/**
 * The embedded store: one DuckDB file. Writes are serialised in-process (DuckDB has one writer),
 * duplicates are found with one indexed lookup per batch and events are appended in bulk.
 */
export class DuckdbStore implements Store {
  readonly kind = 'duckdb' as const;
  private instance?: DuckDBInstance;
  private writer?: DuckDBConnection;
  private reader?: DuckDBConnection;
  private readonly writes = new SerialLock();
  private rowsSinceCheckpoint = 0;
  private appender?: DuckDBAppender;
  private readonly waitingInserts: WaitingInsert[] = [];
  private readonly stored = new StoredIdIndex();
  /** The open alert of each rule and subject, kept by the writer (see openAlertIndex.ts). */
  private readonly openAlerts = new OpenAlertIndex();
  private checkpointing = false;

  constructor(private readonly options: DuckdbStoreOptions) {}

  async init(): Promise<void> {
    if (this.instance) return;
    if (this.options.path !== ':memory:') mkdirSync(dirname(this.options.path), { recursive: true });
    this.instance = await DuckDBInstance.create(this.options.path);
    this.writer = await this.instance.connect();
    this.reader = await this.instance.connect();
    await this.writer.run(SCHEMA);
    await this.writer.run(credentials.CREDENTIAL_SCHEMA);
    await this.writer.run('ALTER TABLE events ADD COLUMN IF NOT EXISTS explained BOOLEAN');
    await this.writer.run('ALTER TABLE events ADD COLUMN IF NOT EXISTS explanation VARCHAR');
    await this.writer.run(reference.REFERENCE_SCHEMA);
    await reference.upgradeReferenceTables(this.writer);
    await this.writer.run(reference.LOOKUP_SETTINGS);
    await this.writer.run(alerts.ALERT_SCHEMA);
    await alerts.upgradeAlertTables(this.writer);
    await this.openAlerts.load(this.writer);
    await this.writer.run(incidents.INCIDENT_SCHEMA);
    await this.loadStoredIds();
    // Automatic checkpoints only as a backstop; scheduleCheckpoint runs them off the request path.
    await this.writer.run("SET checkpoint_threshold = '1GB'");
  }

  /** Fills the in-memory id index from the table, a chunk at a time. */
  private async loadStoredIds(): Promise<void> {
    const result = await this.write.stream('SELECT doc_id FROM events');
    for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
      for (const docId of chunk.getColumnValues(0)) this.stored.add(String(docId));
    }
  }

  private get write(): DuckDBConnection {
    if (!this.writer) throw new Error('the DuckDB store is not open (call init first)');
    return this.writer;
  }

  private get read(): DuckDBConnection {
    if (!this.reader) throw new Error('the DuckDB store is not open (call init first)');
    return this.reader;
  }

  async ping(): Promise<void> {
    await this.read.run('SELECT 1');
  }

  async close(): Promise<void> {
    await this.writes.run(async () => {
      this.dropAppender();
      this.writer?.closeSync();
      this.reader?.closeSync();
      this.instance?.closeSync();
      this.writer = this.reader = this.instance = undefined;
    });
  }

  /**
   * Appends the batch with create semantics. Batches that arrive while another is being written
   * are written together in one transaction (group commit: one flush and one log sync for all of
   * them), and each caller hears about its own events once that transaction has committed.
   */
  insertEvents(events: StoredEvent[]): Promise<InsertResult> {
    return this.insertEventRows(eventRowsOf(events));
  }

  insertEventsJson(json: string): Promise<InsertResult> {
    return this.insertEventRows(eventRowsOf(JSON.parse(json) as StoredEvent[], true));
  }

  insertEventsExplaining(events: StoredEvent[], options: ExplainAccessesOptions, answer: boolean): Promise<ExplainedInsert> {
    return this.insertEventRowsExplaining(eventRowsOf(events), explainingRequestOf(events, options, answer));
  }

  /** insertEventsExplaining for a batch in column form, without explanations yet (as the store thread receives it). */
  async insertEventRowsExplaining(rows: EventRows, request: ExplainingRequest): Promise<ExplainedInsert> {
    const explained = await this.explainAccesses(accessesOfRows(rows, request), request.options);
    explained.explanations.forEach((explanation, n) => {
      rows.explained[n] = explanation.explained;
      rows.explanation[n] = storedExplanationText(explanation);
    });
    const result = await this.insertEventRows(rows);
    return request.answer ? { result, explained } : { result };
  }

  /** insertEventRowsExplaining with the explanations answered as JSON text (as the store thread sends them). */
  async insertEventRowsExplainingText(rows: EventRows, request: ExplainingRequest): Promise<{ result: InsertResult; explainedJson?: string }> {
    const { result, explained } = await this.insertEventRowsExplaining(rows, request);
    return explained ? { result, explainedJson: JSON.stringify(explained) } : { result };
  }

  /** insertEvents for a batch already in column form (as the store thread receives it). */
  insertEventRows(rows: EventRows): Promise<InsertResult> {
    return new Promise<InsertResult>((resolve, reject) => {
      this.waitingInserts.push({ rows, resolve, reject });
      if (this.waitingInserts.length === 1) void this.writes.run(() => this.writeWaitingInserts());
    });
  }

  private async writeWaitingInserts(): Promise<void> {
    while (this.waitingInserts.length > 0) {
      // Let batches that arrived during the last (synchronous) flush land first, so they join this group.
      await new Promise((resolve) => setImmediate(resolve));
      const group: WaitingInsert[] = [];
      let size = 0;
      while (this.waitingInserts.length > 0 && (group.length === 0 || size + this.waitingInserts[0].rows.docId.length <= GROUP_EVENTS)) {
        const next = this.waitingInserts.shift()!;
        group.push(next);
        size += next.rows.docId.length;
      }
      try {
        const results = await this.writeGroup(group.map((insert) => insert.rows));
        group.forEach((insert, i) => insert.resolve(results[i]));
      } catch (err) {
        if (group.length === 1) {
          group[0].reject(err as Error);
          continue;
        }
        // One batch must not sink the others: write each on its own, so only a bad one fails.
        for (const insert of group) {
          try {
            insert.resolve((await this.writeGroup([insert.rows]))[0]);
          } catch (alone) {
            insert.reject(alone as Error);
          }
        }
      }
    }
    this.scheduleCheckpoint();
  }

  /**
   * Writes several batches in one append; an event repeated within or across them, or already
   * stored, counts as a duplicate. Only ids the in-memory index may hold are checked in the table.
   */
  private async writeGroup(batches: EventRows[]): Promise<InsertResult[]> {
    const claimed = await this.storedAmong(this.write, batches.flatMap((rows) => rows.docId));
    const fresh = emptyRows();
    const insertedDocIds = batches.map((rows) => {
      const positions: number[] = [];
      rows.docId.forEach((docId, position) => {
        if (!claimed.has(docId)) {
          claimed.add(docId);
          positions.push(position);
        }
      });
      copyRows(rows, positions, fresh);
      return positions.map((position) => rows.docId[position]);
    });
    await this.append(fresh);
    for (const docId of fresh.docId) this.stored.add(docId);
    this.rowsSinceCheckpoint += fresh.docId.length;
    return batches.map((rows, i) => ({
      inserted: insertedDocIds[i].length, duplicates: rows.docId.length - insertedDocIds[i].length, quarantined: [], insertedDocIds: insertedDocIds[i],
    }));
  }

  /** Which of these ids are stored: the index rules most out, the table settles the rest. */
  private async storedAmong(connection: DuckDBConnection, docIds: string[]): Promise<Set<string>> {
    const suspects = [...new Set(docIds.filter((docId) => this.stored.mayHold(docId)))];
    return suspects.length === 0 ? new Set() : this.existingIn(connection, suspects);
  }

  /**
   * DuckDB would checkpoint inside a commit, on the thread that commits. Checkpoints are instead
   * run here, asynchronously between batches, once enough rows have been written.
   */
  private scheduleCheckpoint(): void {
    if (this.rowsSinceCheckpoint < (this.options.checkpointRows ?? DEFAULT_CHECKPOINT_ROWS) || this.checkpointing) return;
    this.checkpointing = true;
    this.rowsSinceCheckpoint = 0;
    void this.writes.run(() => this.write.run('CHECKPOINT')).catch(() => undefined).finally(() => { this.checkpointing = false; });
  }

  private async append(rows: EventRows): Promise<void> {
    const count = rows.docId.length;
    if (count === 0) return;
    // One appender serves every write; each flush is its own committed transaction. After a
    // failed flush it is replaced, since its buffered rows are not to be kept.
    this.appender ??= await this.write.createAppender('events');
    try {
      for (let start = 0; start < count; start += CHUNK_ROWS) {
        const end = Math.min(count, start + CHUNK_ROWS);
        const chunk = DuckDBDataChunk.create(EVENT_TYPES, end - start);
        columnValues(rows, start, end).forEach((values, column) => chunk.setColumnValues(column, values));
        this.appender.appendDataChunk(chunk);
      }
      this.appender.flushSync();
    } catch (err) {
      this.dropAppender();
      throw err;
    }
  }

  private dropAppender(): void {
    try {
      this.appender?.closeSync();
    } catch {
      // a refused appender may refuse to close as well; it is discarded either way
    }
    this.appender = undefined;
  }

  private async existingIn(connection: DuckDBConnection, docIds: string[]): Promise<Set<string>> {
    if (docIds.length === 0) return new Set();
    const result = await connection.runAndReadAll(`SELECT doc_id FROM events WHERE doc_id IN (${eventQueries.sqlList(docIds)})`);
    return new Set(result.getRows().map((row) => String(row[0])));
  }

  existingEventIds(docIds: string[]): Promise<Set<string>> {
    return this.storedAmong(this.read, docIds);
  }

  /** existingEventIds as an array, for passing between threads. */
  async existingEventIdList(docIds: string[]): Promise<string[]> {
    return [...(await this.existingEventIds(docIds))];
  }

  queryEvents(query: EventQuery): Promise<EventPage> {
    return eventQueries.queryEvents(this.read, query);
  }

  eventFigures(query: EventFiguresQuery): Promise<EventFigures> {
    return eventQueries.eventFigures(this.read, query);
  }

  async countEvents(): Promise<number> {
    const result = await this.read.runAndReadAll('SELECT count(*) FROM events');
    return Number(result.getRows()[0][0]);
  }

  upsertStaff(staff: StoredStaff[]): Promise<void> {
    return this.writes.run(() => reference.upsertStaff(this.write, staff));
  }

  upsertPatients(patients: StoredPatient[]): Promise<void> {
    return this.writes.run(() => reference.upsertPatients(this.write, patients));
  }

  upsertRelationships(relationships: StoredRelationship[]): Promise<void> {
    return this.writes.run(() => reference.upsertRelationships(this.write, relationships));
  }

  findStaff(keys: StaffKey[]): Promise<StoredStaff[]> {
    return reference.findStaff(this.read, keys);
  }

  findStaffByNhsNumbers(nhsNumbers: string[]): Promise<StoredStaff[]> {
    return reference.findStaffByNhsNumbers(this.read, nhsNumbers);
  }

  findPatients(nhsNumbers: string[]): Promise<StoredPatient[]> {
    return reference.findPatients(this.read, nhsNumbers);
  }

  findRelationships(nhsNumbers: string[]): Promise<StoredRelationship[]> {
    return reference.findRelationships(this.read, nhsNumbers);
  }

  findPatientsAndRelationships(nhsNumbers: string[]): Promise<PatientsAndRelationships> {
    return reference.findPatientsAndRelationships(this.read, nhsNumbers);
  }

  /** Lookups and explanation here, beside the data (see ReferenceStore.explainAccesses). */
  explainAccesses(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<ExplainedAccesses> {
    return explainWithLookups(accesses, this, options);
  }

  async explanationTexts(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<string[]> {
    return (await this.explainAccesses(accesses, options)).explanations.map(storedExplanationText);
  }

  /** explanationTexts as the store thread answers it: the texts end to end with their lengths (see PackedRows). */
  async explanationTextsPacked(request: { accesses: AccessToExplain[]; options: ExplainAccessesOptions }): Promise<PackedTexts> {
    return packTexts(await this.explanationTexts(request.accesses, request.options));
  }

  /** explainAccesses with its request and answer as JSON text (as the store thread takes and sends them: cheaper than objects). */
  async explainAccessesText(request: { accesses: AccessToExplain[]; options: ExplainAccessesOptions }): Promise<string> {
    return JSON.stringify(await this.explainAccesses(request.accesses, request.options));
  }

  recordAlerts(updates: AlertUpdate[], now: string): Promise<RecordedAlerts> {
    return this.writes.run(() => alerts.recordAlerts(this.write, this.openAlerts, updates, now));
  }

  updateAlerts(changes: AlertChange[]): Promise<AlertChangeOutcome[]> {
    return this.writes.run(() => alerts.updateAlerts(this.write, this.openAlerts, changes));
  }

  queryAlerts(query: AlertQuery): Promise<AlertPage> {
    return alerts.queryAlerts(this.read, query);
  }

  countAlerts(query: AlertCountQuery): Promise<AlertCounts> {
    return alerts.countAlerts(this.read, query);
  }

  /** queryAlerts with the page as JSON text (as the store thread sends it: far cheaper than cloning objects). */
  queryAlertsText(query: AlertQuery): Promise<alerts.AlertPageText> {
    return alerts.queryAlertsText(this.read, query);
  }

  getAlert(id: string): Promise<Alert | undefined> {
    return alerts.getAlert(this.read, id);
  }

  putSuppression(suppression: Suppression): Promise<void> {
    return this.writes.run(() => alerts.putSuppression(this.write, suppression));
  }

  activeSuppressions(organisations: string[] | 'all', now: string): Promise<Suppression[]> {
    return alerts.activeSuppressions(this.read, organisations, now);
  }

  createIncident(incident: Incident): Promise<boolean> { return this.writes.run(() => incidents.createIncident(this.write, incident)); }
  getIncident(id: string): Promise<Incident | undefined> { return incidents.getIncident(this.read, id); }
  queryIncidents(query: IncidentQuery): Promise<IncidentPage> { return incidents.queryIncidents(this.read, query); }
  updateIncident(next: Incident, expectedVersion: number): Promise<IncidentUpdate> {
    return this.writes.run(() => incidents.updateIncident(this.write, next, expectedVersion));
  }

  putSource(source: Source): Promise<void> { return this.writes.run(() => credentials.putSource(this.write, source)); }
  findSource(system: string): Promise<Source | undefined> { return credentials.findSourceWhere(this.read, 'system', system); }
  findSourceByKeyHash(keyHash: string): Promise<Source | undefined> { return credentials.findSourceWhere(this.read, 'key_hash', keyHash); }
  revokeSource(system: string, at: string): Promise<boolean> { return this.writes.run(() => credentials.revokeSource(this.write, system, at)); }
  putPerson(person: Person): Promise<void> { return this.writes.run(() => credentials.putPerson(this.write, person)); }
  countPeopleWithRole(role: Person['role']): Promise<number> { return credentials.countPeopleWithRole(this.read, role); }
  findPersonByTokenHash(tokenHash: string): Promise<Person | undefined> { return credentials.findPersonWhere(this.read, 'token_hash', tokenHash); }
  findPersonByName(name: string): Promise<Person | undefined> { return credentials.findPersonWhere(this.read, 'name', name); }
}
