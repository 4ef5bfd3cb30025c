import type { AccessEvent, StoredEvent } from '../../events/accessEvent.js';
import type { Explanation } from '../../explain/explanation.js';

/**
 * The shape of a stored event in Elasticsearch: the event's own fields at the top level (so
 * Kibana and queries see `user.id`, `patient.nhsNumber`, `occurredAt` as posted), plus the
 * store's metadata. `original` is kept in `_source` but not indexed (`enabled: false`).
 */
export type EventDocument = AccessEvent & {
  docId: string;
  sha256: string;
  receivedAt: string;
  batchId: string;
  original?: unknown;
  explanation?: Explanation;
};

/** The fields the store adds to an event; everything else in a document is the event. */
export const STORED_METADATA_FIELDS = ['docId', 'sha256', 'receivedAt', 'batchId', 'original', 'explanation'] as const;

const METADATA = new Set<string>(STORED_METADATA_FIELDS);

/** The document written for a stored event. */
export function toEventDocument(stored: StoredEvent): EventDocument {
  const document: EventDocument = {
    ...stored.event,
    docId: stored.docId,
    sha256: stored.sha256,
    receivedAt: stored.receivedAt,
    batchId: stored.batchId,
  };
  if (stored.original !== undefined) document.original = stored.original;
  if (stored.explanation !== undefined) document.explanation = stored.explanation;
  return document;
}

/** The stored event a document holds (the inverse of {@link toEventDocument}). */
export function fromEventDocument(document: EventDocument): StoredEvent {
  const event: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(document)) {
    if (!METADATA.has(field)) event[field] = value;
  }
  const stored: StoredEvent = {
    docId: document.docId,
    event: event as unknown as AccessEvent,
    sha256: document.sha256,
    receivedAt: document.receivedAt,
    batchId: document.batchId,
  };
  if (document.original !== undefined) stored.original = document.original;
  if (document.explanation !== undefined) stored.explanation = document.explanation;
  return stored;
}
