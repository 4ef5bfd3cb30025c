import type { Client, estypes } from '@elastic/elasticsearch';
import { ALERT_STATUSES, type Alert, type AlertStatus, type Suppression } from '../../alerts/alert.js';
import { emptyAlertCounts, type AlertCountQuery, type AlertCounts, type AlertFilter, type AlertPage, type AlertQuery } from '../port.js';
import { alertFrom, type AlertDocument } from './alertDocuments.js';
import { requestErrorStatus } from './bulkRetry.js';
import { MAX_PAGE_SIZE, cursorAfter, searchAfterFrom } from './eventQuery.js';
import type { IndexNames } from './indexNames.js';
import { MAX_HITS } from './referenceDocuments.js';

/**
 * Reading alerts and suppressions back. Alerts are listed by search (which sees writes after a
 * refresh; recordAlerts waits for one) and read one at a time with a realtime `get`.
 * Suppressions are kept one document per id in `<prefix>-suppressions`, written waiting for a
 * refresh like sources and people, so a suppression applies from the next batch on.
 */

/** Fields of an AlertQuery matched exactly, each a keyword field of the same name. */
const EXACT_FILTERS = ['status', 'ruleId', 'severity', 'nhsNumber', 'organisation', 'raises'] as const satisfies readonly (keyof AlertFilter)[];

/** The filters of a query; `organisations` (the caller's scope) is always applied. */
export function alertFilters(query: AlertFilter): estypes.QueryDslQueryContainer[] {
  const filters: estypes.QueryDslQueryContainer[] = [{ terms: { organisation: query.organisations } }];
  for (const field of EXACT_FILTERS) {
    const value = query[field];
    if (value !== undefined) filters.push({ term: { [field]: value } });
  }
  // A user's alerts: their own, and the team alerts naming them among their users.
  if (query.userId !== undefined) {
    filters.push({ bool: { should: [{ term: { userId: query.userId } }, { term: { users: query.userId } }], minimum_should_match: 1 } });
  }
  if (query.from !== undefined) filters.push({ range: { lastSeenAt: { gte: query.from } } });
  if (query.to !== undefined) filters.push({ range: { firstSeenAt: { lt: query.to } } });
  return filters;
}

/**
 * The search for one page: last seen newest first, then id (descending), after the cursor's
 * position, one more alert than the page holds so we know whether more exist.
 * Throws a RangeError for a limit that is not a whole number from 1 to {@link MAX_PAGE_SIZE}.
 */
export function alertSearchRequest(names: IndexNames, query: AlertQuery): estypes.SearchRequest {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${query.limit}`);
  }
  const request: estypes.SearchRequest = {
    index: names.alerts,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: query.limit + 1,
    track_total_hits: false,
    query: { bool: { filter: alertFilters(query) } },
    sort: [{ lastSeenAt: { order: 'desc' } }, { id: { order: 'desc' } }],
  };
  if (query.omitEvidence) request._source_excludes = ['evidence'];
  if (query.cursor !== undefined) request.search_after = searchAfterFrom(query.cursor);
  return request;
}

/** The page a search answered; `nextCursor` only when the extra alert came back. */
export function alertPageFrom(response: estypes.SearchResponse<AlertDocument>, limit: number): AlertPage {
  const hits = response.hits.hits;
  const pageHits = hits.slice(0, limit);
  const alerts = pageHits.map((hit) => {
    if (!hit._source) throw new Error(`Elasticsearch returned alert ${hit._id} without its _source`);
    const alert = alertFrom(hit._source);
    return alert.evidence === undefined ? { ...alert, evidence: [] } : alert; // left out by omitEvidence
  });
  const last = pageHits[pageHits.length - 1];
  if (hits.length <= limit || !last) return { alerts };
  if (!last.sort) throw new Error('Elasticsearch returned a page of alerts without sort values; cannot make a cursor');
  return { alerts, nextCursor: cursorAfter(last.sort) };
}

export async function queryAlerts(client: Client, names: IndexNames, query: AlertQuery): Promise<AlertPage> {
  const request = alertSearchRequest(names, query); // checks limit and cursor even when nothing can match
  if (query.organisations.length === 0) return { alerts: [] };
  return alertPageFrom(await client.search<AlertDocument>(request), query.limit);
}

/** The search that counts alerts matching the filters by status: no hits, one terms aggregation. */
export function alertCountsRequest(names: IndexNames, query: AlertCountQuery): estypes.SearchRequest {
  return {
    index: names.alerts,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    track_total_hits: false,
    query: { bool: { filter: alertFilters(query) } },
    aggs: { byStatus: { terms: { field: 'status', size: ALERT_STATUSES.length } } },
  };
}

/** The counts a {@link alertCountsRequest} answered (a status with no alerts has no bucket: 0). */
export function alertCountsFrom(response: estypes.SearchResponse<unknown, Record<string, estypes.AggregationsAggregate>>): AlertCounts {
  const counts = emptyAlertCounts();
  const byStatus = response.aggregations?.byStatus as estypes.AggregationsStringTermsAggregate | undefined;
  const buckets = byStatus?.buckets ?? [];
  for (const bucket of Array.isArray(buckets) ? buckets : Object.values(buckets)) {
    const status = String(bucket.key) as AlertStatus;
    if (status in counts) counts[status] = bucket.doc_count;
  }
  return counts;
}

export async function countAlerts(client: Client, names: IndexNames, query: AlertCountQuery): Promise<AlertCounts> {
  if (query.organisations.length === 0) return emptyAlertCounts();
  return alertCountsFrom(await client.search(alertCountsRequest(names, query)));
}

/** The alert with this id, read in real time; undefined when there is none (or no alerts index yet). */
export async function getAlert(client: Client, names: IndexNames, id: string): Promise<Alert | undefined> {
  try {
    const response = await client.get<AlertDocument>({ index: names.alerts, id });
    return response.found && response._source ? alertFrom(response._source) : undefined;
  } catch (error) {
    if (requestErrorStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Stores a suppression under its id (replacing one with the same id), visible to searches when this resolves. */
export async function putSuppression(client: Client, names: IndexNames, suppression: Suppression): Promise<void> {
  const document = Object.fromEntries(Object.entries(suppression).filter(([, value]) => value !== undefined));
  await client.index({ index: names.suppressions, id: suppression.id, document, refresh: 'wait_for' });
}

/** The search for suppressions still active at `now`, of some organisations or all, in id order so pages can follow. */
export function activeSuppressionsRequest(
  names: IndexNames, organisations: string[] | 'all', now: string, after?: estypes.SortResults,
): estypes.SearchRequest {
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { expiresAt: { gt: now } } }];
  if (organisations !== 'all') filter.push({ terms: { organisation: organisations } });
  return {
    index: names.suppressions,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: MAX_HITS,
    track_total_hits: false,
    query: { bool: { filter } },
    sort: [{ id: 'asc' }],
    ...(after ? { search_after: after } : {}),
  };
}

export async function activeSuppressions(client: Client, names: IndexNames, organisations: string[] | 'all', now: string): Promise<Suppression[]> {
  if (organisations !== 'all' && organisations.length === 0) return [];
  const found: Suppression[] = [];
  let after: estypes.SortResults | undefined;
  for (;;) {
    const response = await client.search<Suppression>(activeSuppressionsRequest(names, organisations, now, after));
    const { hits } = response.hits;
    for (const hit of hits) if (hit._source) found.push(hit._source);
    if (hits.length < MAX_HITS) return found;
    after = hits[hits.length - 1].sort;
  }
}
