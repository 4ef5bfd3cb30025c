import type { estypes } from '@elastic/elasticsearch';
import type { StoredEvent } from '../../events/accessEvent.js';
import { toEventDocument, type EventDocument } from './eventDocument.js';
import { eventsIndexFor, type IndexNames } from './indexNames.js';

/**
 * Building `_bulk` request bodies: events go in with the `create` action (a second write of the
 * same docId is refused with 409, never an overwrite), refused events go to quarantine.
 */

/** One line pair of a `_bulk` body: the action and, for writes, the document. */
export type BulkOperations = (estypes.BulkOperationContainer | object)[];

/** An event ready to be sent: where it goes and what is written. */
export interface EventToStore {
  stored: StoredEvent;
  index: string;
  document: EventDocument;
}

/** An event the store could not keep where it belongs, and why; it goes to quarantine. */
export interface RefusedEvent {
  stored: StoredEvent;
  /** The events index it was meant for, when one could be chosen. */
  index?: string;
  /** Elasticsearch's error type (e.g. `strict_dynamic_mapping_exception`), or ours. */
  errorType: string;
  /** Elasticsearch's reason text, with its causes. */
  reason: string;
}

/** What a quarantined event looks like in `<prefix>-quarantine` (see templates/quarantine.json). */
export interface QuarantineDocument {
  docId: string;
  index?: string;
  errorType: string;
  reason: string;
  /** The refused document as JSON text: kept whole, never indexed, so it cannot be refused again. */
  document: string;
  system?: string;
  batchId: string;
  quarantinedAt: string;
}

/** Error type for an event whose `occurredAt` gives no monthly index (events normally arrive validated). */
export const UNROUTABLE_EVENT = 'accesswatch_unroutable_event';

/** Chooses each event's monthly index; events without a usable `occurredAt` are refused, not thrown. */
export function routeEvents(
  events: StoredEvent[],
  names: IndexNames,
): { toStore: EventToStore[]; refused: RefusedEvent[] } {
  const toStore: EventToStore[] = [];
  const refused: RefusedEvent[] = [];
  for (const stored of events) {
    try {
      const index = eventsIndexFor(names, stored.event.occurredAt);
      toStore.push({ stored, index, document: toEventDocument(stored) });
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      refused.push({ stored, errorType: UNROUTABLE_EVENT, reason: error.message });
    }
  }
  return { toStore, refused };
}

/** The `_bulk` body for events: a `create` action with `_id` = docId, then the document. */
export function createEventOperations(events: EventToStore[]): BulkOperations {
  const operations: BulkOperations = [];
  for (const { index, stored, document } of events) {
    operations.push({ create: { _index: index, _id: stored.docId } }, document);
  }
  return operations;
}

/** The quarantine document kept for a refused event. */
export function toQuarantineDocument(refused: RefusedEvent, quarantinedAt: string): QuarantineDocument {
  const { stored } = refused;
  const document: QuarantineDocument = {
    docId: stored.docId,
    errorType: refused.errorType,
    reason: refused.reason,
    document: JSON.stringify(toEventDocument(stored)),
    batchId: stored.batchId,
    quarantinedAt,
  };
  if (refused.index !== undefined) document.index = refused.index;
  if (typeof stored.event.system === 'string') document.system = stored.event.system;
  return document;
}

/**
 * The `_bulk` body for quarantine: an `index` action keyed on docId, so quarantining the same
 * event again (a retried batch) replaces its entry instead of adding another.
 */
export function quarantineOperations(
  refused: RefusedEvent[],
  names: IndexNames,
  quarantinedAt: string,
): BulkOperations {
  const operations: BulkOperations = [];
  for (const event of refused) {
    operations.push(
      { index: { _index: names.quarantine, _id: event.stored.docId } },
      toQuarantineDocument(event, quarantinedAt),
    );
  }
  return operations;
}

/** How a refusal is reported to the caller in `InsertResult.quarantined`. */
export function describeRefusal(refused: RefusedEvent): string {
  return `${refused.errorType}: ${refused.reason}`;
}
