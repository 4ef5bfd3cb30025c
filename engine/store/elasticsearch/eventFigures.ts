import type { estypes } from '@elastic/elasticsearch';
import type { EventFigures, EventFiguresQuery } from '../port.js';
import { eventFilters } from './eventQuery.js';
import type { IndexNames } from './indexNames.js';

/**
 * The Caldicott report's access figures from Elasticsearch: one search of every monthly events
 * index that returns no hits, only a terms aggregation on `organisation` (a keyword) with a filter
 * sub-aggregation counting `explanation.explained: true` (a boolean) in each bucket. The totals
 * are the sums of the buckets: the query already keeps to the caller's organisations, and the
 * terms size covers every one of them, so the counts are exact (no `sum_other_doc_count`).
 */

/** The aggregation names, as they come back in the response. */
const BY_ORGANISATION = 'byOrganisation';
const EXPLAINED = 'explained';

/** Most organisations in one figures search: Elasticsearch's default `search.max_buckets`. */
export const MAX_FIGURES_ORGANISATIONS = 65_536;

/** The search for the figures of a scope and period (see the module comment). */
export function eventFiguresRequest(names: IndexNames, query: EventFiguresQuery): estypes.SearchRequest {
  if (query.organisations.length > MAX_FIGURES_ORGANISATIONS) {
    throw new RangeError(`at most ${MAX_FIGURES_ORGANISATIONS} organisations per figures search, got ${query.organisations.length}`);
  }
  return {
    index: names.eventsPattern,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: 0,
    track_total_hits: false,
    query: {
      bool: {
        filter: eventFilters({ organisations: query.organisations, from: query.from, to: query.to }),
        ...(query.excludeSystems?.length ? { must_not: [{ terms: { system: query.excludeSystems } }] } : {}),
      },
    },
    aggs: {
      [BY_ORGANISATION]: {
        terms: { field: 'organisation', size: Math.max(1, query.organisations.length), order: { _key: 'asc' } },
        aggs: { [EXPLAINED]: { filter: { term: { 'explanation.explained': true } } } },
      },
    },
  };
}

interface OrganisationBucket {
  key: string;
  doc_count: number;
  [EXPLAINED]?: { doc_count: number };
}

/** The figures a search answered; none when there are no events indices yet (no aggregations). */
export function eventFiguresFrom(response: estypes.SearchResponse): EventFigures {
  const terms = response.aggregations?.[BY_ORGANISATION] as estypes.AggregationsStringTermsAggregate | undefined;
  const buckets = (terms?.buckets ?? []) as unknown as OrganisationBucket[];
  if (!Array.isArray(buckets)) throw new Error('Elasticsearch returned keyed organisation buckets; expected a list');
  const byOrganisation = buckets.map((bucket) => ({
    organisation: String(bucket.key),
    total: bucket.doc_count,
    explained: bucket[EXPLAINED]?.doc_count ?? 0,
  }));
  return {
    total: byOrganisation.reduce((sum, line) => sum + line.total, 0),
    explained: byOrganisation.reduce((sum, line) => sum + line.explained, 0),
    byOrganisation,
  };
}
