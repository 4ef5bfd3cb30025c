import { ALERT_STATUSES, type Alert, type AlertStatus, type AlertUpdate, type Severity, type Suppression } from '../alerts/alert.js';
import type { AlertChange, AlertChangeOutcome } from '../alerts/triage.js';
import type { StoredEvent } from '../events/accessEvent.js';
import type { Incident, IncidentStatus } from '../incidents/incident.js';
import type { StaffKey, StoredPatient, StoredRelationship, StoredStaff } from '../reference/referenceData.js';
import type { AccessToExplain } from '../explain/explainAccess.js';
import type { Explanation } from '../explain/explanation.js';

/** Result of writing a batch of events. */
export interface InsertResult {
  /** Events newly stored by this call. */
  inserted: number;
  /** Events whose `(system, id)` was already stored: counted, never an error, never stored twice. */
  duplicates: number;
  /** Events the store refused for their content (e.g. an Elasticsearch mapping error), kept in quarantine with the reason. */
  quarantined: { docId: string; reason: string }[];
  /** The docIds this call newly stored (neither duplicates nor quarantined): the events to evaluate rules on. */
  insertedDocIds: string[];
}

export interface EventQuery {
  /** Only events of these organisations (the caller's scope). Empty means none. */
  organisations: string[];
  nhsNumber?: string;
  userId?: string;
  organisation?: string;
  system?: string;
  /** Inclusive lower bound on `occurredAt` (RFC 3339). */
  from?: string;
  /** Exclusive upper bound on `occurredAt` (RFC 3339). */
  to?: string;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface EventPage {
  events: StoredEvent[];
  /** Present when there are more events after this page. */
  nextCursor?: string;
}

/** Which events to count for {@link EventStore.eventFigures}: a scope and a period. */
export interface EventFiguresQuery {
  /** Only events of these organisations (the caller's scope). Empty means none. */
  organisations: string[];
  /** Inclusive lower bound on `occurredAt` (RFC 3339). */
  from?: string;
  /** Exclusive upper bound on `occurredAt` (RFC 3339). */
  to?: string;
  /** Leave out the events of these systems (the Caldicott report leaves out accesswatch's own audited reads). */
  excludeSystems?: string[];
}

/** How many accesses were stored, and how many of them the care system's own data explained. */
export interface EventFigures {
  total: number;
  /** Events stored with an explanation that explained them; unexplained and unjudged ones are not. */
  explained: number;
  /** One line per organisation with events in the period, in organisation order. */
  byOrganisation: { organisation: string; total: number; explained: number }[];
}

/**
 * Where access events are kept.
 * Promises: `insertEvents` has create semantics keyed on `docId` (a second write of the same
 * docId is a duplicate, never an overwrite), and a batch is durable when the promise resolves.
 * Leaves out: validation (events arrive validated) and rule evaluation.
 */
export interface EventStore {
  insertEvents(events: StoredEvent[]): Promise<InsertResult>;
  /**
   * insertEvents for a batch given as the JSON text of its StoredEvent array (a queued batch).
   * Optional: a store that parses elsewhere (the embedded store's own thread) offers it.
   */
  insertEventsJson?(json: string): Promise<InsertResult>;
  /** Which of these docIds are already stored (one round trip). */
  existingEventIds(docIds: string[]): Promise<Set<string>>;
  /** Newest first by `occurredAt`, then by `docId`; paged by an opaque cursor. */
  queryEvents(query: EventQuery): Promise<EventPage>;
  /**
   * Counts of the events in scope and period, in one round trip whatever their number (the
   * Caldicott report's "accesses processed" and explained rate); never reads the events themselves.
   */
  eventFigures(query: EventFiguresQuery): Promise<EventFigures>;
  countEvents(): Promise<number>;
}

/**
 * Reference data: staff, patients and care relationships, as source systems last sent them.
 * Promises: upserts by natural key (staff by `userId`+`organisation`, patients by `nhsNumber`,
 * relationships by `id` within their organisation when given, else by the full tuple
 * `(nhsNumber, organisation, team, userId, type, start)`), a later write replacing an earlier one and
 * the last of a key repeated in one batch winning; each upsert is one round trip and durable when
 * it resolves; each lookup is one round trip for the whole batch and returns records exactly as
 * stored (in no particular order), leaving out keys it does not hold.
 * Leaves out: validation (records arrive validated), deletion and history (a replaced record is gone),
 * and reads across many batches (lookups are for the rule engine, one batch of events at a time).
 */
export interface ReferenceStore {
  upsertStaff(staff: StoredStaff[]): Promise<void>;
  upsertPatients(patients: StoredPatient[]): Promise<void>;
  upsertRelationships(relationships: StoredRelationship[]): Promise<void>;
  findStaff(keys: StaffKey[]): Promise<StoredStaff[]>;
  findPatients(nhsNumbers: string[]): Promise<StoredPatient[]>;
  /**
   * Every staff record, at any organisation, whose own `nhsNumber` is one of these: for the
   * "own record" and "co-worker's record" rules.
   */
  findStaffByNhsNumbers(nhsNumbers: string[]): Promise<StoredStaff[]>;
  /** Every relationship of these patients, whatever its organisation or period. */
  findRelationships(nhsNumbers: string[]): Promise<StoredRelationship[]>;
  /**
   * Optional: findPatients and findRelationships together, in one lookup, for a store that keeps
   * each patient beside their relationships (the embedded store); the same records as the two.
   */
  findPatientsAndRelationships?(nhsNumbers: string[]): Promise<PatientsAndRelationships>;
  /**
   * Optional: a batch's lookups and the explanation of each access (in order), done where the
   * reference data is (the embedded store's own thread), so that the patients' relationships,
   * ten or so per access, never cross to the caller. Answers with the explanations and the records
   * the rules need (the lookups' but the relationships). See lookUpAndExplain.
   */
  explainAccesses?(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<ExplainedAccesses>;
  /**
   * Optional: explainAccesses for a batch that goes to the queue rather than to rules here: each
   * access's explanation as the text a store keeps (storedExplanationText, without its words),
   * in order, and nothing else. The text crosses to the queue as it is.
   */
  explanationTexts?(accesses: AccessToExplain[], options: ExplainAccessesOptions): Promise<string[]>;
}

/** The answer of ReferenceStore.findPatientsAndRelationships. */
export interface PatientsAndRelationships {
  patients: StoredPatient[];
  relationships: StoredRelationship[];
}

/** How to explain a batch's accesses where its reference data is (ReferenceStore.explainAccesses). */
export interface ExplainAccessesOptions {
  marginDays: number;
  /** Also look up staff records by the patients' NHS numbers (for the rules). */
  patientsAsStaff: boolean;
}

export interface ExplainedAccesses {
  explanations: Explanation[];
  staff: StoredStaff[];
  patients: StoredPatient[];
  patientsAsStaff: StoredStaff[];
}

/** What insertEventsExplaining answers: the write's outcome, and with `answer` what explainAccesses would. */
export interface ExplainedInsert {
  result: InsertResult;
  explained?: ExplainedAccesses;
}

export type SourceScope = 'events' | 'reference';

/** A source system allowed to post, identified by its key's hash. */
export interface Source {
  system: string;
  organisations: string[];
  scopes: SourceScope[];
  keyHash: string;
  createdAt: string;
  revokedAt?: string;
}

export type PersonRole = 'ig-officer' | 'caldicott-guardian' | 'admin' | 'auditor';

/** A person with a local bearer token, identified by the token's hash. */
export interface Person {
  /** Stable id, recorded as `user.id` in the access events of this person's reads. */
  id: string;
  /** Unique among people. */
  name: string;
  role: PersonRole;
  organisations: string[];
  tokenHash: string;
  createdAt: string;
  revokedAt?: string;
}

/**
 * Source systems and people. Keys and tokens are never stored, only their hashes.
 * Leaves out: key generation and hashing (see engine/auth).
 */
export interface CredentialStore {
  /** Registers a source, replacing (and so revoking the key of) any earlier one with the same system. */
  putSource(source: Source): Promise<void>;
  findSourceByKeyHash(keyHash: string): Promise<Source | undefined>;
  /** The source registered for `system`, revoked or not. */
  findSource(system: string): Promise<Source | undefined>;
  /** Marks the source revoked; returns false when no such source exists. */
  revokeSource(system: string, at: string): Promise<boolean>;
  putPerson(person: Person): Promise<void>;
  findPersonByTokenHash(tokenHash: string): Promise<Person | undefined>;
  /** The person with this name, revoked or not. */
  findPersonByName(name: string): Promise<Person | undefined>;
  /** How many people hold this role (revoked or not). */
  countPeopleWithRole(role: PersonRole): Promise<number>;
}

export interface AlertQuery {
  /** Only alerts of these organisations (the caller's scope). Empty means none. */
  organisations: string[];
  status?: AlertStatus;
  ruleId?: string;
  severity?: Severity;
  userId?: string;
  nhsNumber?: string;
  organisation?: string;
  /** `alert` (the default for people) or `signal`. */
  raises?: 'alert' | 'signal';
  /** Alerts last seen at or after this instant (RFC 3339). */
  from?: string;
  /** Alerts first seen before this instant (RFC 3339). */
  to?: string;
  /**
   * Leave out each alert's evidence (returned as an empty list, `eventCount` kept): for reports
   * that count alerts, since evidence is most of an alert's size (up to 500 references).
   */
  omitEvidence?: boolean;
  limit: number;
  cursor?: string;
}

/** The filters of an AlertQuery, without its paging. */
export type AlertFilter = Omit<AlertQuery, 'limit' | 'cursor' | 'omitEvidence'>;

/** What `countAlerts` filters on: every filter but the status (it counts by status). */
export type AlertCountQuery = Omit<AlertFilter, 'status'>;

/** Alerts matching a filter, by status. */
export type AlertCounts = Record<AlertStatus, number>;

export function emptyAlertCounts(): AlertCounts {
  return Object.fromEntries(ALERT_STATUSES.map((status) => [status, 0])) as AlertCounts;
}

export interface AlertPage {
  alerts: Alert[];
  nextCursor?: string;
}

/**
 * Alerts and suppressions.
 * Promises: `recordAlerts` keeps at most one open alert per `(ruleId, subjectKey(subject))`,
 * merging each update into it with `mergeAlert` (evidence is a set by docId, so recording the same
 * update twice changes nothing), or opens one with a new id; it is durable when it resolves and is
 * safe to call from several processes at once (the scaled store merges atomically per alert).
 * An alert is open while `open` or `investigating`; once closed, new matches open a new alert.
 * `updateAlerts` applies triage changes (see engine/alerts/triage.ts), each only if its alert is
 * still at the version the change names (compare-and-set, atomic per alert), appending its entry
 * to the history and adding 1 to the version; merging evidence leaves the version alone. A
 * reopening is refused (`superseded`) once a later alert of the same rule and subject exists.
 * Queries list alerts by `lastSeenAt` newest first, then `id`, paged by an opaque cursor.
 * Leaves out: suppression (the caller filters updates first) and who may make which change (the API).
 */
export interface AlertStore {
  recordAlerts(updates: AlertUpdate[], now: string): Promise<{ opened: number; updated: number }>;
  /** One outcome per change, in order; one round trip for the batch (plus one per alert changed meanwhile). */
  updateAlerts(changes: AlertChange[]): Promise<AlertChangeOutcome[]>;
  queryAlerts(query: AlertQuery): Promise<AlertPage>;
  /** How many alerts match the filters, by status: every match counted, none read. */
  countAlerts(query: AlertCountQuery): Promise<AlertCounts>;
  getAlert(id: string): Promise<Alert | undefined>;
  putSuppression(suppression: Suppression): Promise<void>;
  /** Suppressions of these organisations that have not expired at `now`. */
  activeSuppressions(organisations: string[] | 'all', now: string): Promise<Suppression[]>;
}

export interface IncidentQuery {
  /** Only incidents of these organisations (the caller's scope). Empty means none. */
  organisations: string[];
  status?: IncidentStatus;
  limit: number;
  cursor?: string;
}

export interface IncidentPage {
  incidents: Incident[];
  nextCursor?: string;
}

/** What a compare-and-set update did: written, or refused with the incident as it now is (absent when there is none). */
export type IncidentUpdate = { updated: true; incident: Incident } | { updated: false; current?: Incident };

/**
 * Incidents, kept whole, one version at a time.
 * Promises: `createIncident` has create semantics on `id` (false, and nothing changed, when it
 * exists); `updateIncident` is compare-and-set: it writes `next` only while the stored version is
 * `expectedVersion` (and `next.version` must be one more), so of two updates based on the same
 * version exactly one wins and the other learns the current one, even across processes;
 * `getIncident` reads its own writes at once; queries list by `awareAt` (oldest first: the
 * earliest deadline), then `id`, paged by an opaque cursor, and see writes once they resolve.
 * Leaves out: the incident's rules (engine/incidents decides what may change) and deletion.
 */
export interface IncidentStore {
  createIncident(incident: Incident): Promise<boolean>;
  getIncident(id: string): Promise<Incident | undefined>;
  queryIncidents(query: IncidentQuery): Promise<IncidentPage>;
  updateIncident(next: Incident, expectedVersion: number): Promise<IncidentUpdate>;
}

/** The whole store: one adapter per backend (DuckDB embedded, Elasticsearch scaled). */
export interface Store extends EventStore, ReferenceStore, CredentialStore, AlertStore, IncidentStore {
  readonly kind: 'duckdb' | 'elasticsearch';
  /**
   * Optional: explainAccesses and insertEvents in one step where the data is (the embedded store's
   * own thread), for a batch that is stored as soon as it is explained: the explanations are
   * worked out and stored beside the data and cross back to the caller only when `answer` is set
   * (its rules read them). The batch is explained before anything is written, so a failed lookup
   * stores nothing. The events given are not changed; with `answer`, the explanations come back
   * in order.
   */
  insertEventsExplaining?(events: StoredEvent[], options: ExplainAccessesOptions, answer: boolean): Promise<ExplainedInsert>;
  /** Creates tables, indices or templates when missing. Safe to call more than once. */
  init(): Promise<void>;
  /** Throws when the backend cannot be reached. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
