import { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { StoredEvent } from '../../events/accessEvent.js';
import type { EventFigures, EventFiguresQuery, EventPage, EventQuery, InsertResult, Store } from '../port.js';
import {
  createEventOperations,
  describeRefusal,
  quarantineOperations,
  routeEvents,
  type EventToStore,
  type RefusedEvent,
} from './bulkRequest.js';
import { BulkWriteError, retryPolicyFrom, sendInBulk, type BulkSender, type RetryOptions } from './bulkRetry.js';
import * as alertQuery from './alertQuery.js';
import { recordAlerts } from './alertDocuments.js';
import { updateAlerts } from './alertTriage.js';
import * as credentials from './credentials.js';
import * as incidents from './incidentDocuments.js';
import type { EventDocument } from './eventDocument.js';
import { eventFiguresFrom, eventFiguresRequest } from './eventFigures.js';
import {
  MAX_IDS_PER_SEARCH,
  eventCountRequest,
  eventPageFrom,
  eventSearchRequest,
  existingIdsFrom,
  existingIdsSearchRequest,
} from './eventQuery.js';
import { indexNamesFor, type IndexNames } from './indexNames.js';
import {
  PATIENTS_INDEX, RELATIONSHIPS_INDEX, STAFF_INDEX, findByIds, findRelationshipsOf, findStaffByNhsNumbers, findStaffIds, upsertReference,
} from './referenceDocuments.js';
import { eventsRetentionPolicyFor, indexTemplatesFor } from './templates.js';

/** Settings for the Elasticsearch store (scaled mode, `ELASTICSEARCH_URL`). */
export interface ElasticsearchStoreOptions {
  /** The cluster's URL, e.g. `http://localhost:9200`. */
  node: string;
  /** Start of every index, template and policy name (default `accesswatch`); tests use `test-<uuid>`. */
  indexPrefix?: string;
  /** A ready-made client (credentials, TLS, Elastic Cloud); `node` is then only used in messages. */
  client?: Client;
  /** How hard bulk writes try when the cluster is busy or unreachable. */
  retry?: RetryOptions;
  /** Receives a warning each time a bulk write is sent again. */
  logger?: Pick<Logger, 'warn'>;
}

/** The Elasticsearch store: the {@link Store} port, plus what tests of eventual reads need. */
export interface ElasticsearchStore extends Store {
  readonly kind: 'elasticsearch';
  readonly indexNames: IndexNames;
  /**
   * Makes every write so far visible to searches. Not part of the port, and never needed in
   * production: writes use `refresh: false` and become searchable within a second.
   */
  refresh(): Promise<void>;
}

/**
 * The store on Elasticsearch. Events go to one index per month of `occurredAt`
 * (`<prefix>-events-YYYY.MM.01`), written with `create` so a resent event is a duplicate,
 * never a second copy; events the mapping refuses go to `<prefix>-quarantine`.
 * See README.md in this folder for why events are not in a data stream.
 */
export function createElasticsearchStore(options: ElasticsearchStoreOptions): ElasticsearchStore {
  const names = indexNamesFor(options.indexPrefix ?? 'accesswatch');
  const client = options.client ?? new Client({ node: options.node });
  const sender: BulkSender = { client, retry: retryPolicyFrom(options.retry), logger: options.logger };

  async function quarantine(refused: RefusedEvent[]): Promise<void> {
    const quarantinedAt = new Date().toISOString();
    const result = await sendInBulk(
      sender,
      refused,
      (events) => quarantineOperations(events, names, quarantinedAt),
      'quarantined events',
    );
    if (result.refused.length > 0) {
      // The quarantine mapping is ours and takes any text, so this means the template is broken.
      throw new BulkWriteError(
        `Elasticsearch refused ${result.refused.length} quarantine entries: ${result.refused[0]?.reason}`,
        result.refused.length,
      );
    }
  }

  async function existingIdsOf(docIds: string[]): Promise<Set<string>> {
    const response = await client.search(existingIdsSearchRequest(names, docIds));
    return existingIdsFrom(response);
  }

  return {
    kind: 'elasticsearch',
    indexNames: names,

    async init() {
      // Both calls replace what is there, so init can run at every start.
      await client.ilm.putLifecycle({ name: names.eventsRetentionPolicy, policy: eventsRetentionPolicyFor(names) });
      const templates = indexTemplatesFor(names);
      for (const [name, template] of templates) {
        await client.indices.putIndexTemplate({ name, ...template });
      }
      // An alerts index made by an earlier version takes the fields added since (its mapping is
      // strict); a mapping update may only add, and putting fields as they are changes nothing.
      if (await client.indices.exists({ index: names.alerts })) {
        await client.indices.putMapping({ index: names.alerts, properties: templates.get(names.alerts)!.template!.mappings!.properties! });
      }
    },

    async ping() {
      let reachable: boolean;
      try {
        reachable = await client.ping({}, { maxRetries: 0 }); // a health check answers now, not after retries
      } catch (error) {
        throw new Error(`Elasticsearch at ${options.node} cannot be reached: ${(error as Error).message}`, {
          cause: error,
        });
      }
      if (!reachable) throw new Error(`Elasticsearch at ${options.node} did not answer the ping`);
    },

    async close() {
      await client.close();
    },

    async refresh() {
      await client.indices.refresh({
        index: [
          names.eventsPattern, names.quarantine, names.sources, names.people, names.staff, names.patients, names.relationships,
          names.alerts, names.suppressions, names.incidents,
        ],
        ignore_unavailable: true,
        allow_no_indices: true,
      });
    },

    async insertEvents(events: StoredEvent[]): Promise<InsertResult> {
      if (events.length === 0) return { inserted: 0, duplicates: 0, quarantined: [], insertedDocIds: [] };
      const { toStore, refused } = routeEvents(events, names);
      const result = await sendInBulk<EventToStore>(sender, toStore, createEventOperations, 'events');
      for (const failure of result.refused) {
        const { stored, index } = failure.item;
        refused.push({ stored, index, errorType: failure.errorType, reason: failure.reason });
      }
      if (refused.length > 0) await quarantine(refused);
      return {
        inserted: result.written.length,
        duplicates: result.duplicates.length,
        quarantined: refused.map((event) => ({ docId: event.stored.docId, reason: describeRefusal(event) })),
        insertedDocIds: result.written.map((event) => event.stored.docId),
      };
    },

    async existingEventIds(docIds: string[]): Promise<Set<string>> {
      const unique = [...new Set(docIds)];
      if (unique.length <= MAX_IDS_PER_SEARCH) return unique.length === 0 ? new Set() : existingIdsOf(unique);
      // Beyond one search's window: one round trip per 10 000 ids.
      const found = new Set<string>();
      for (let start = 0; start < unique.length; start += MAX_IDS_PER_SEARCH) {
        for (const id of await existingIdsOf(unique.slice(start, start + MAX_IDS_PER_SEARCH))) found.add(id);
      }
      return found;
    },

    async queryEvents(query: EventQuery): Promise<EventPage> {
      const request = eventSearchRequest(names, query); // checks limit and cursor even when nothing can match
      if (query.organisations.length === 0) return { events: [] };
      const response = await client.search<EventDocument>(request);
      return eventPageFrom(response, query.limit);
    },

    async eventFigures(query: EventFiguresQuery): Promise<EventFigures> {
      const request = eventFiguresRequest(names, query);
      if (query.organisations.length === 0) return { total: 0, explained: 0, byOrganisation: [] };
      return eventFiguresFrom(await client.search(request));
    },

    async countEvents(): Promise<number> {
      const response = await client.count(eventCountRequest(names));
      return response.count;
    },

    upsertStaff: (staff) => upsertReference(sender, names, STAFF_INDEX, staff),
    upsertPatients: (patients) => upsertReference(sender, names, PATIENTS_INDEX, patients),
    upsertRelationships: (relationships) => upsertReference(sender, names, RELATIONSHIPS_INDEX, relationships),
    findStaff: (keys) => findByIds(client, names.staff, findStaffIds(keys)),
    findStaffByNhsNumbers: (nhsNumbers) => findStaffByNhsNumbers(client, names, nhsNumbers),
    findPatients: (nhsNumbers) => findByIds(client, names.patients, nhsNumbers),
    findRelationships: (nhsNumbers) => findRelationshipsOf(client, names, nhsNumbers),

    recordAlerts: (updates, now) => recordAlerts(sender, names, updates, now),
    updateAlerts: (changes) => updateAlerts(sender, names, changes),
    queryAlerts: (query) => alertQuery.queryAlerts(client, names, query),
    countAlerts: (query) => alertQuery.countAlerts(client, names, query),
    getAlert: (id) => alertQuery.getAlert(client, names, id),
    putSuppression: (suppression) => alertQuery.putSuppression(client, names, suppression),
    activeSuppressions: (organisations, now) => alertQuery.activeSuppressions(client, names, organisations, now),

    createIncident: (incident) => incidents.createIncident(client, names, incident),
    getIncident: (id) => incidents.getIncident(client, names, id),
    queryIncidents: (query) => incidents.queryIncidents(client, names, query),
    updateIncident: (next, expectedVersion) => incidents.updateIncident(client, names, next, expectedVersion),

    putSource: (source) => credentials.putSource(client, names, source),
    findSourceByKeyHash: (keyHash) => credentials.findSourceByKeyHash(client, names, keyHash),
    revokeSource: (system, at) => credentials.revokeSource(client, names, system, at),
    putPerson: (person) => credentials.putPerson(client, names, person),
    findPersonByTokenHash: (tokenHash) => credentials.findPersonByTokenHash(client, names, tokenHash),
    countPeopleWithRole: (role) => credentials.countPeopleWithRole(client, names, role),
    findSource: (system) => credentials.findSource(client, names, system),
    findPersonByName: (name) => credentials.findPersonByName(client, names, name),
  };
}
