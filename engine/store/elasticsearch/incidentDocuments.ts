import type { Client, estypes } from '@elastic/elasticsearch';
import type { Incident } from '../../incidents/incident.js';
import type { IncidentPage, IncidentQuery, IncidentUpdate } from '../port.js';
import { checkNextVersion } from '../../incidents/incidentChanges.js';
import { requestErrorStatus } from './bulkRetry.js';
import { MAX_PAGE_SIZE, cursorAfter, searchAfterFrom } from './eventQuery.js';
import type { IndexNames } from './indexNames.js';

/**
 * Incidents in Elasticsearch (`<prefix>-incidents`), one document per incident at `_id` = its id.
 *
 * A new incident is written with `create`, so an id can only be taken once (409 otherwise).
 * An update is compare-and-set in two steps: a realtime `get` reads the document with its
 * `_seq_no` and `_primary_term`; if the stored `version` is the one the caller changed, the next
 * version is written with `index` and `if_seq_no`/`if_primary_term`. Whatever another process
 * wrote in between makes Elasticsearch refuse that write with 409, and the caller is told the
 * version that won. Writes wait for a refresh, so an incident is listed as soon as it is written.
 */

/** The document an incident is stored as: the incident itself, every field mapped (templates/incidents.json). */
export type IncidentDocument = Incident;

const isConflict = (error: unknown) => requestErrorStatus(error) === 409;

/** Stores a new incident; false when its id is taken (Elasticsearch answered 409 to `create`). */
export async function createIncident(client: Client, names: IndexNames, incident: Incident): Promise<boolean> {
  try {
    await client.create({ index: names.incidents, id: incident.id, document: incident, refresh: 'wait_for' });
    return true;
  } catch (error) {
    if (isConflict(error)) return false;
    throw error;
  }
}

/** The stored incident with the sequence number it was read at; undefined when there is none (or no index yet). */
async function readIncident(client: Client, names: IndexNames, id: string): Promise<{ incident: Incident; seqNo: number; primaryTerm: number } | undefined> {
  let response: estypes.GetResponse<IncidentDocument>;
  try {
    response = await client.get<IncidentDocument>({ index: names.incidents, id });
  } catch (error) {
    if (requestErrorStatus(error) === 404) return undefined;
    throw error;
  }
  if (!response.found || !response._source) return undefined;
  if (response._seq_no === undefined || response._primary_term === undefined) {
    throw new Error(`Elasticsearch read incident ${id} without its sequence number`);
  }
  return { incident: response._source, seqNo: response._seq_no, primaryTerm: response._primary_term };
}

/** The incident with this id, read in real time. */
export async function getIncident(client: Client, names: IndexNames, id: string): Promise<Incident | undefined> {
  return (await readIncident(client, names, id))?.incident;
}

/** Writes `next` only while the stored incident is at `expectedVersion` (IncidentStore.updateIncident). */
export async function updateIncident(client: Client, names: IndexNames, next: Incident, expectedVersion: number): Promise<IncidentUpdate> {
  checkNextVersion(next, expectedVersion);
  const read = await readIncident(client, names, next.id);
  if (!read) return { updated: false };
  if (read.incident.version !== expectedVersion) return { updated: false, current: read.incident };
  try {
    await client.index({
      index: names.incidents, id: next.id, document: next, if_seq_no: read.seqNo, if_primary_term: read.primaryTerm, refresh: 'wait_for',
    });
    return { updated: true, incident: next };
  } catch (error) {
    if (!isConflict(error)) throw error;
    const current = await getIncident(client, names, next.id);
    return current ? { updated: false, current } : { updated: false };
  }
}

/**
 * The search for one page: earliest `awareAt` first, then id, after the cursor's position, one
 * more incident than the page holds so we know whether more exist.
 * Throws a RangeError for a limit that is not a whole number from 1 to {@link MAX_PAGE_SIZE}.
 */
export function incidentSearchRequest(names: IndexNames, query: IncidentQuery): estypes.SearchRequest {
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > MAX_PAGE_SIZE) {
    throw new RangeError(`limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got ${query.limit}`);
  }
  const filter: estypes.QueryDslQueryContainer[] = [{ terms: { organisation: query.organisations } }];
  if (query.status !== undefined) filter.push({ term: { status: query.status } });
  const request: estypes.SearchRequest = {
    index: names.incidents,
    ignore_unavailable: true,
    allow_no_indices: true,
    size: query.limit + 1,
    track_total_hits: false,
    query: { bool: { filter } },
    sort: [{ awareAt: { order: 'asc' } }, { id: { order: 'asc' } }],
  };
  if (query.cursor !== undefined) request.search_after = searchAfterFrom(query.cursor);
  return request;
}

/** The page a search answered; `nextCursor` only when the extra incident came back. */
export function incidentPageFrom(response: estypes.SearchResponse<IncidentDocument>, limit: number): IncidentPage {
  const hits = response.hits.hits;
  const pageHits = hits.slice(0, limit);
  const incidents = pageHits.map((hit) => {
    if (!hit._source) throw new Error(`Elasticsearch returned incident ${hit._id} without its _source`);
    return hit._source;
  });
  const last = pageHits[pageHits.length - 1];
  if (hits.length <= limit || !last) return { incidents };
  if (!last.sort) throw new Error('Elasticsearch returned a page of incidents without sort values; cannot make a cursor');
  return { incidents, nextCursor: cursorAfter(last.sort) };
}

export async function queryIncidents(client: Client, names: IndexNames, query: IncidentQuery): Promise<IncidentPage> {
  const request = incidentSearchRequest(names, query); // checks limit and cursor even when nothing can match
  if (query.organisations.length === 0) return { incidents: [] };
  return incidentPageFrom(await client.search<IncidentDocument>(request), query.limit);
}
