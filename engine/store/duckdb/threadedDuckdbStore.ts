import { Worker } from 'node:worker_threads';
import { WORKER_RESOURCE_LIMITS } from '../../heap.js';
import type { StoredEvent } from '../../events/accessEvent.js';
import type { StaffKey, StoredPatient, StoredRelationship, StoredStaff } from '../../reference/referenceData.js';
import { InvalidCursorError } from '../cursor.js';
import { eventRowsOf, explainingRequestOf, packedBuffers, packRows, unpackTexts, type PackedRows, type PackedTexts } from './eventRows.js';
import type { Alert, AlertUpdate, Suppression } from '../../alerts/alert.js';
import type { RecordedAlerts } from '../../alerts/openAlerts.js';
import type { AlertChange, AlertChangeOutcome } from '../../alerts/triage.js';
import type { ExplainAccessesOptions, ExplainedAccesses, ExplainedInsert, AlertCountQuery, AlertCounts, AlertPage, AlertQuery, EventFigures, EventFiguresQuery, EventPage, EventQuery, IncidentPage, IncidentQuery, IncidentUpdate, InsertResult, PatientsAndRelationships, Person, PersonRole, Source, Store } from '../port.js';
import type { Incident } from '../../incidents/incident.js';
import type { AccessToExplain } from '../../explain/explainAccess.js';
import type { StoreReply, StoreRequest } from './storeThread.js';
import type { DuckdbStoreOptions } from './duckdbStore.js';
import { alertPageFromText, type AlertPageText } from './alertTables.js';

/**
 * The embedded store, run in a thread of its own. DuckDB's appender and its checkpoints are
 * synchronous work; on the API's thread they would stall every request. Here the API thread only
 * hands over each batch as packed columns (see PackedRows), and DuckDB works on the other core.
 * Promises the same as DuckdbStore (one database file, owned by this one thread).
 */
export class ThreadedDuckdbStore implements Store {
  readonly kind = 'duckdb' as const;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (err: Error) => void }>();
  private nextId = 1;
  private failure?: Error;
  private closing = false;

  constructor(options: DuckdbStoreOptions) {
    this.worker = new Worker(new URL('./storeThreadLoader.mjs', import.meta.url), {
      workerData: options, resourceLimits: WORKER_RESOURCE_LIMITS,
    });
    this.worker.unref();
    this.worker.on('message', (reply: StoreReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the DuckDB store thread stopped (exit code ${code})`)));
  }

  /** Called once if the store thread dies while the store is open (default: the process stops; see deployment). */
  onThreadLost: (err: Error) => void = () => undefined;

  private settle(reply: StoreReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if ('error' in reply) {
      waiting.reject(reply.error.name === 'InvalidCursorError' ? new InvalidCursorError() : Object.assign(new Error(reply.error.message), { name: reply.error.name }));
    } else {
      waiting.resolve(reply.result);
    }
  }

  private fail(err: Error): void {
    if (!this.failure && !this.closing) this.onThreadLost(err);
    this.failure ??= err;
    for (const waiting of this.pending.values()) waiting.reject(err);
    this.pending.clear();
  }

  private call<T>(method: string, args: unknown[] = [], json?: string, rows?: PackedRows): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      if (this.pending.size === 1) this.worker.ref();
      const request: StoreRequest = { id, method, args, ...(json === undefined ? {} : { json }), ...(rows === undefined ? {} : { rows }) };
      this.worker.postMessage(request, rows === undefined ? [] : packedBuffers(rows));
    }).finally(() => {
      if (this.pending.size === 0) this.worker.unref();
    });
  }

  init(): Promise<void> { return this.call('init'); }
  ping(): Promise<void> { return this.call('ping'); }

  async close(): Promise<void> {
    this.closing = true;
    if (!this.failure) await this.call('close');
    this.failure ??= new Error('the DuckDB store is closed');
    await this.worker.terminate();
  }

  insertEvents(events: StoredEvent[]): Promise<InsertResult> {
    return this.call('insertEventRows', [], undefined, packRows(eventRowsOf(events)));
  }

  insertEventsJson(json: string): Promise<InsertResult> {
    return this.call('insertEventsJson', [], json);
  }

  async insertEventsExplaining(events: StoredEvent[], options: ExplainAccessesOptions, answer: boolean): Promise<ExplainedInsert> {
    const request = explainingRequestOf(events, options, answer);
    const { result, explainedJson } = await this.call<{ result: InsertResult; explainedJson?: string }>(
      'insertEventRowsExplainingText', [], JSON.stringify(request), packRows(eventRowsOf(events)));
    return explainedJson === undefined ? { result } : { result, explained: JSON.parse(explainedJson) as ExplainedAccesses };
  }

  async existingEventIds(docIds: string[]): Promise<Set<string>> {
    return new Set(await this.call<string[]>('existingEventIdList', [docIds]));
  }

  queryEvents(query: EventQuery): Promise<EventPage> { return this.call('queryEvents', [query]); }
  eventFigures(query: EventFiguresQuery): Promise<EventFigures> { return this.call('eventFigures', [query]); }
  countEvents(): Promise<number> { return this.call('countEvents'); }
  upsertStaff(staff: StoredStaff[]): Promise<void> { return this.call('upsertStaff', [staff]); }
  upsertPatients(patients: StoredPatient[]): Promise<void> { return this.call('upsertPatients', [patients]); }
  upsertRelationships(relationships: StoredRelationship[]): Promise<void> { return this.call('upsertRelationships', [relationships]); }
  findStaff(keys: StaffKey[]): Promise<StoredStaff[]> { return this.call('findStaff', [keys]); }
  findStaffByNhsNumbers(nhsNumbers: string[]): Promise<StoredStaff[]> { return this.call('findStaffByNhsNumbers', [nhsNumbers]); }
  findPatients(nhsNumbers: string[]): Promise<StoredPatient[]> { return this.call('findPatients', [nhsNumbers]); }
  findRelationships(nhsNumbers: string[]): Promise<StoredRelationship[]> { return this.call('findRelationships', [nhsNumbers]); }
  findPatientsAndRelationships(nhsNumbers: string[]): Promise<PatientsAndRelationships> {
    return this.call('findPatientsAndRelationships', [nhsNumbers]);
  }
  async explainAccesses(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<ExplainedAccesses> {
    return JSON.parse(await this.call<string>('explainAccessesText', [], JSON.stringify({ accesses, options }))) as ExplainedAccesses;
  }
  async explanationTexts(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<string[]> {
    return unpackTexts(await this.call<PackedTexts>('explanationTextsPacked', [], JSON.stringify({ accesses, options }))) as string[];
  }
  recordAlerts(updates: AlertUpdate[], now: string): Promise<RecordedAlerts> { return this.call('recordAlerts', [updates, now]); }
  updateAlerts(changes: AlertChange[]): Promise<AlertChangeOutcome[]> { return this.call('updateAlerts', [changes]); }
  /** Pages cross from the store thread as JSON text, parsed here: cloning thousands of alert objects costs several times more. */
  async queryAlerts(query: AlertQuery): Promise<AlertPage> { return alertPageFromText(await this.call<AlertPageText>('queryAlertsText', [query])); }
  countAlerts(query: AlertCountQuery): Promise<AlertCounts> { return this.call('countAlerts', [query]); }
  getAlert(id: string): Promise<Alert | undefined> { return this.call('getAlert', [id]); }
  putSuppression(suppression: Suppression): Promise<void> { return this.call('putSuppression', [suppression]); }
  activeSuppressions(organisations: string[] | 'all', now: string): Promise<Suppression[]> { return this.call('activeSuppressions', [organisations, now]); }
  createIncident(incident: Incident): Promise<boolean> { return this.call('createIncident', [incident]); }
  getIncident(id: string): Promise<Incident | undefined> { return this.call('getIncident', [id]); }
  queryIncidents(query: IncidentQuery): Promise<IncidentPage> { return this.call('queryIncidents', [query]); }
  updateIncident(next: Incident, expectedVersion: number): Promise<IncidentUpdate> { return this.call('updateIncident', [next, expectedVersion]); }
  putSource(source: Source): Promise<void> { return this.call('putSource', [source]); }
  findSourceByKeyHash(keyHash: string): Promise<Source | undefined> { return this.call('findSourceByKeyHash', [keyHash]); }
  revokeSource(system: string, at: string): Promise<boolean> { return this.call('revokeSource', [system, at]); }
  putPerson(person: Person): Promise<void> { return this.call('putPerson', [person]); }
  findPersonByTokenHash(tokenHash: string): Promise<Person | undefined> { return this.call('findPersonByTokenHash', [tokenHash]); }
  findPersonByName(name: string): Promise<Person | undefined> { return this.call('findPersonByName', [name]); }
  findSource(system: string): Promise<Source | undefined> { return this.call('findSource', [system]); }
  countPeopleWithRole(role: PersonRole): Promise<number> { return this.call('countPeopleWithRole', [role]); }
}
