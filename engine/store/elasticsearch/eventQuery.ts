import type { estypes } from '@elastic/elasticsearch';
import { InvalidCursorError, decodeCursor, encodeCursor } from '../cursor.js';
import type { EventPage, EventQuery } from '../port.js';
import { fromEventDocument, type EventDocument } from './eventDocument.js';
import type { IndexNames } from './indexNames.js';

/**
 * Search bodies for reading events back, and the pages made from their answers. Reads go to
 * every monthly index (`<prefix>-events-*`) and tolerate there being none yet, so a new
 * installation answers "no events" rather than an error.
 */

/** Largest page: Elasticsearch refuses `size` above `index.max_result_window` (10 000), and we fetch one extra. */
export const MAX_PAGE_SIZE = 9_999;

/**
 * The cursor for the page after a hit, in the store-wide format (engine/store/cursor.ts):
 * Elasticsearch's sort values for the hit are `occurredAt` in epoch millis and `docId`.
 */
export function cursorAfter(sort: estypes.SortResults): string {
  const [millis, docId] = sort;
  if (typeof millis !== 'number' || !Number.isSafeInteger(millis) || typeof docId !== 'string') {
    throw new Error(`Elasticsearch returned unexpected sort values ${JSON.stringify(sort)}; cannot make a cursor`);
  }
  return encodeCursor({ micros: BigInt(millis) * 1000n, docId });
}

/** The `search_after` values a cursor stands for; throws {@link InvalidCursorError} when it is not ours. */
export function searchAfterFrom(cursor: string): [occurredAtMillis: number, docId: string] {
  const { micros, docId } = decodeCursor(cursor);
  // Elasticsearch dates are whole milliseconds, so a cursor it issued always is too.
  if (micros % 1000n !== 0n) throw new InvalidCursorError();
  return [Number(micros / 1000n), docId];
}

/** Where to look for events, and that a missing index means "none", not an error. */
function eventIndices(names: IndexNames) {
  return { index: names.eventsPattern, ignore_unavailable: true, allow_no_indices: true } as const;
}

/** The filters of a query, each on an exact field; `organisations` is always applied. */
export function eventFilters(query: Omit<EventQuery, 'limit' | 'cursor'>): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [{ terms: { organisation: query.organisations } }];
  if (query.nhsNumber !== undefined) filters.push({ term: { 'patient.nhsNumber': query.nhsNumber } });
  if (query.userId !== undefined) filters.push({ term: { 'user.id': query.userId } });
  if (query.organisation !== undefined) filters.push({ term: { organisation: query.organisation } });
  if (query.system !== undefined) filters.push({ term: { system: query.system } });
  if (query.from !== undefined || query.to !== undefined) {
    const range: estypes.QueryDslDateRangeQuery = {};
    if (query.from !== undefined) range.gte = query.from;
    if (query.to !== undefined) range.lt = query.to;
    filters.push({ range: { occurredAt: range } });
  }
  return filters;
}

/**
 * The search for one page: newest first by `occurredAt`, then `docId`, continuing after the
 * cursor's position, one more event than the page holds so we know whether more exist.
 * Throws a RangeError for a limit that is not a whole number from 1 to {@link MAX_PAGE_SIZE}.
 */
export function eventSearchRequest(names: IndexNames, query: EventQuery): estypes.SearchRequest {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${query.limit}`);
  }
  const request: estypes.SearchRequest = {
    ...eventIndices(names),
    size: query.limit + 1,
    track_total_hits: false,
    query: { bool: { filter: eventFilters(query) } },
    sort: [{ occurredAt: { order: 'desc' } }, { docId: { order: 'desc' } }],
  };
  if (query.cursor !== undefined) request.search_after = searchAfterFrom(query.cursor);
  return request;
}

/** The page a search answered; `nextCursor` only when the extra event came back. */
export function eventPageFrom(response: estypes.SearchResponse<EventDocument>, limit: number): EventPage {
  const hits = response.hits.hits;
  const pageHits = hits.slice(0, limit);
  const events = pageHits.map((hit) => {
    if (!hit._source) throw new Error(`Elasticsearch returned event ${hit._id} without its _source`);
    return fromEventDocument(hit._source);
  });
  const last = pageHits[pageHits.length - 1];
  if (hits.length <= limit || !last) return { events };
  if (!last.sort) throw new Error('Elasticsearch returned a page without sort values; cannot make a cursor');
  return { events, nextCursor: cursorAfter(last.sort) };
}

/** Most docIds asked about in one search (Elasticsearch's `index.max_result_window`). */
export const MAX_IDS_PER_SEARCH = 10_000;

/** The search for which of these docIds are stored (`_id` = docId), answering ids only. */
export function existingIdsSearchRequest(names: IndexNames, docIds: string[]): estypes.SearchRequest {
  if (docIds.length > MAX_IDS_PER_SEARCH) {
    throw new RangeError(`at most ${MAX_IDS_PER_SEARCH} docIds per search, got ${docIds.length}`);
  }
  return {
    ...eventIndices(names),
    size: docIds.length,
    track_total_hits: false,
    _source: false,
    query: { ids: { values: docIds } },
  };
}

/** The docIds found by {@link existingIdsSearchRequest}. */
export function existingIdsFrom(response: estypes.SearchResponse): Set<string> {
  const found = new Set<string>();
  for (const hit of response.hits.hits) {
    if (hit._id !== undefined && hit._id !== null) found.add(hit._id);
  }
  return found;
}

/** The count of all stored events. */
export function eventCountRequest(names: IndexNames): estypes.CountRequest {
  return eventIndices(names);
}
