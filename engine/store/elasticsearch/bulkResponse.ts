import type { estypes } from '@elastic/elasticsearch';

/**
 * Reading a `_bulk` response. Elasticsearch answers 200 for the request as a whole and reports
 * each item's own status; every item is checked, because `errors: true` can hide a created
 * event, a duplicate, an overloaded node and a refused document side by side.
 */

/** Item statuses worth sending again: the node was busy or a shard was briefly unavailable. */
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);

/** Error types that mean "this document's content does not fit the mapping": quarantine it. */
export const CONTENT_REFUSALS = new Set([
  'mapper_parsing_exception',
  'document_parsing_exception',
  'strict_dynamic_mapping_exception',
  'illegal_argument_exception',
]);

/** An item Elasticsearch did not write, with its status and error. */
export interface ItemFailure<T> {
  item: T;
  status: number;
  errorType: string;
  /** The reason text, followed by its causes (`caused by ...`). */
  reason: string;
}

/** Where each sent item ended up. Items keep their order within each list. */
export interface BulkOutcome<T> {
  /** Written (201 created, or 200 for an `index` that replaced a document). */
  written: T[];
  /** 409 version_conflict_engine_exception on `create`: the document already exists. */
  duplicates: T[];
  /** 429 and 5xx-unavailable items: send again after a pause. */
  retry: ItemFailure<T>[];
  /** 400 with a content error: the document will never fit; quarantine it. */
  refused: ItemFailure<T>[];
  /** Anything else (blocked index, missing index, internal error): the write must fail. */
  failed: ItemFailure<T>[];
}

/** The reason of an Elasticsearch error with its chain of causes, in one line. */
export function describeErrorCause(cause: estypes.ErrorCause | undefined): string {
  if (!cause) return 'no reason given';
  let text = cause.reason ?? cause.type;
  let next = cause.caused_by;
  for (let depth = 0; next && depth < 3; depth++) {
    text += ` (caused by ${next.type}: ${next.reason ?? 'no reason given'})`;
    next = next.caused_by;
  }
  return text;
}

function onlyResult(entry: Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>>): estypes.BulkResponseItem {
  const results = Object.values(entry);
  if (results.length !== 1 || !results[0]) {
    throw new Error(`Elasticsearch bulk response item has ${results.length} results, expected exactly one`);
  }
  return results[0];
}

/**
 * Pairs each sent item with its result (Elasticsearch answers in request order) and sorts
 * them by what should happen next. Throws when the response does not answer every item.
 */
export function readBulkResponse<T>(sent: T[], response: estypes.BulkResponse): BulkOutcome<T> {
  if (!Array.isArray(response.items) || response.items.length !== sent.length) {
    throw new Error(
      `Elasticsearch answered ${response.items?.length ?? 0} bulk items for ${sent.length} sent; nothing can be assumed stored`,
    );
  }
  const outcome: BulkOutcome<T> = { written: [], duplicates: [], retry: [], refused: [], failed: [] };
  sent.forEach((item, position) => {
    const result = onlyResult(response.items[position]);
    const { status, error } = result;
    if (status >= 200 && status < 300 && !error) {
      outcome.written.push(item);
      return;
    }
    const errorType = error?.type ?? 'unknown_error';
    if (status === 409 && errorType === 'version_conflict_engine_exception') {
      outcome.duplicates.push(item);
      return;
    }
    const failure: ItemFailure<T> = { item, status, errorType, reason: describeErrorCause(error) };
    if (RETRYABLE_STATUSES.has(status)) outcome.retry.push(failure);
    else if (status === 400 && CONTENT_REFUSALS.has(errorType)) outcome.refused.push(failure);
    else outcome.failed.push(failure);
  });
  return outcome;
}

/**
 * One message for items Elasticsearch did not store, grouped by error type with the first
 * reason of each, e.g. `2 × es_rejected_execution_exception [429]: rejected execution of ...`.
 */
export function describeFailures<T>(failures: ItemFailure<T>[]): string {
  const groups = new Map<string, { count: number; status: number; reason: string }>();
  for (const failure of failures) {
    const key = `${failure.errorType} [${failure.status}]`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { count: 1, status: failure.status, reason: failure.reason });
  }
  return [...groups.entries()]
    .map(([key, group]) => `${group.count} × ${key}: ${group.reason}`)
    .join('; ');
}
