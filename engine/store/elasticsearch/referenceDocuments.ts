import type { Client, estypes } from '@elastic/elasticsearch';
import {
  keyHash, lastByKey, relationshipKey, staffKey, type Patient, type Relationship, type Staff, type StaffKey, type Stored,
} from '../../reference/referenceData.js';
import type { BulkOperations } from './bulkRequest.js';
import { BulkWriteError, sendInBulk, type BulkSender } from './bulkRetry.js';
import type { IndexNames } from './indexNames.js';

/**
 * Reference data in Elasticsearch: `<prefix>-staff` (`_id` = hash of userId and organisation),
 * `<prefix>-patients` (`_id` = NHS number) and `<prefix>-relationships` (`_id` = hash of the
 * natural key). A document is the record's fields plus `receivedAt` (and a relationship's
 * `naturalKey`). Upserts are bulk `index` actions; staff and patients are read back with one
 * `mget` (realtime), relationships (and staff by their own NHS number) with one `terms` search on `nhsNumber`.
 */

/** One kind of reference data: its index, document id and document. */
export interface ReferenceIndex<T> {
  index: (names: IndexNames) => string;
  what: string;
  naturalKey: (record: T) => string;
  docId: (record: T) => string;
  /** Fields stored beside the record's own. */
  extra: (record: T) => Record<string, string>;
}

export const STAFF_INDEX: ReferenceIndex<Staff> = {
  index: (names) => names.staff, what: 'staff records', naturalKey: staffKey, docId: (staff) => keyHash(staffKey(staff)), extra: () => ({}),
};
export const PATIENTS_INDEX: ReferenceIndex<Patient> = {
  index: (names) => names.patients, what: 'patients', naturalKey: (patient) => patient.nhsNumber, docId: (patient) => patient.nhsNumber, extra: () => ({}),
};
export const RELATIONSHIPS_INDEX: ReferenceIndex<Relationship> = {
  index: (names) => names.relationships,
  what: 'relationships',
  naturalKey: relationshipKey,
  docId: (relationship) => keyHash(relationshipKey(relationship)),
  extra: (relationship) => ({ naturalKey: relationshipKey(relationship) }),
};

/** Fields a stored document holds beyond the record; removed when reading it back. */
const STORED_ONLY = new Set(['receivedAt', 'naturalKey']);

/** The `_bulk` body: an `index` action per record (a later write replaces the document), then the document. */
export function upsertOperations<T>(kind: ReferenceIndex<T>, names: IndexNames, batch: Stored<T>[]): BulkOperations {
  const operations: BulkOperations = [];
  for (const { record, receivedAt } of batch) {
    operations.push({ index: { _index: kind.index(names), _id: kind.docId(record) } }, { ...record, ...kind.extra(record), receivedAt });
  }
  return operations;
}

/** A stored document as the record and its receipt time. */
export function storedFrom<T>(source: Record<string, unknown>): Stored<T> {
  const record = Object.fromEntries(Object.entries(source).filter(([field]) => !STORED_ONLY.has(field))) as T;
  return { record, receivedAt: String(source.receivedAt) };
}

/**
 * Upserts a batch with every item's status checked and busy items sent again (bulkRetry). A key
 * repeated in the batch is sent once, with its last record, so a resent item can never overwrite
 * a later one. Records arrive validated, so a mapping refusal is a fault: it is thrown, not quarantined.
 */
export async function upsertReference<T>(sender: BulkSender, names: IndexNames, kind: ReferenceIndex<T>, batch: Stored<T>[]): Promise<void> {
  if (batch.length === 0) return;
  const unique = lastByKey(batch, (stored) => kind.naturalKey(stored.record));
  // Relationships are found by search, which sees writes only after a refresh: wait for it, so
  // events posted right after their reference data are explained by it (as in the embedded store).
  const result = await sendInBulk(sender, unique, (items) => upsertOperations(kind, names, items), kind.what, 'wait_for');
  if (result.refused.length > 0) {
    const [first] = result.refused;
    throw new BulkWriteError(
      `Elasticsearch refused ${result.refused.length} of ${unique.length} ${kind.what}: ${first.errorType}: ${first.reason}`,
      result.refused.length,
    );
  }
}

/** The `mget` request for records by document id. */
export function mgetRequest(index: string, ids: string[]): estypes.MgetRequest {
  return { index, ids: [...new Set(ids)] };
}

/** Found documents of an `mget` answer; a missing index means none yet, any other error is thrown. */
export function foundDocuments<T>(response: estypes.MgetResponse<Record<string, unknown>>): Stored<T>[] {
  const found: Stored<T>[] = [];
  for (const doc of response.docs) {
    if ('error' in doc) {
      if (doc.error.type === 'index_not_found_exception') continue;
      // No document id in the message: a patient's id is their NHS number.
      throw new Error(`Elasticsearch could not read from ${doc._index}: ${doc.error.type}`);
    }
    if (doc.found && doc._source) found.push(storedFrom<T>(doc._source));
  }
  return found;
}

export async function findByIds<T>(client: Client, index: string, ids: string[]): Promise<Stored<T>[]> {
  if (ids.length === 0) return [];
  return foundDocuments<T>(await client.mget<Record<string, unknown>>(mgetRequest(index, ids)));
}

export const findStaffIds = (keys: StaffKey[]) => keys.map((key) => keyHash(staffKey(key)));

/** Most hits one search returns (`index.max_result_window`). */
export const MAX_HITS = 10_000;

/**
 * The search for every record in `index` whose `field` (a keyword) is one of `values`, sorted on
 * fields that identify a document so that a full page can be followed by the next.
 */
export function recordsWhereRequest(
  index: string, field: string, values: string[], sortFields: string[], after?: estypes.SortResults,
): estypes.SearchRequest {
  return {
    index,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: MAX_HITS,
    track_total_hits: false,
    query: { terms: { [field]: [...new Set(values)] } },
    sort: sortFields.map((sortField) => ({ [sortField]: 'asc' as const })),
    ...(after ? { search_after: after } : {}),
  };
}

/**
 * Every record of {@link recordsWhereRequest}: one search, and another only when a page comes
 * back full (more than 10 000 records for one batch). Searches see writes after the refresh
 * interval (a second), unlike `mget`; reference writes wait for it.
 */
async function findRecordsWhere<T>(client: Client, index: string, field: string, values: string[], sortFields: string[]): Promise<Stored<T>[]> {
  if (values.length === 0) return [];
  const found: Stored<T>[] = [];
  let after: estypes.SortResults | undefined;
  for (;;) {
    const response = await client.search<Record<string, unknown>>(recordsWhereRequest(index, field, values, sortFields, after));
    const { hits } = response.hits;
    for (const hit of hits) if (hit._source) found.push(storedFrom<T>(hit._source));
    if (hits.length < MAX_HITS) return found;
    after = hits[hits.length - 1].sort;
  }
}

/** Every relationship of these patients, whatever its organisation or period. */
export const findRelationshipsOf = (client: Client, names: IndexNames, nhsNumbers: string[]): Promise<Stored<Relationship>[]> =>
  findRecordsWhere(client, names.relationships, 'nhsNumber', nhsNumbers, ['naturalKey']);

/** Every staff record, at any organisation, whose own NHS number is one of these. */
export const findStaffByNhsNumbers = (client: Client, names: IndexNames, nhsNumbers: string[]): Promise<Stored<Staff>[]> =>
  findRecordsWhere(client, names.staff, 'nhsNumber', nhsNumbers, ['userId', 'organisation']);
