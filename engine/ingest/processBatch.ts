import type { StoredEvent } from '../events/accessEvent.js';
import { canonicalJson } from '../events/canonical.js';
import type { Logger } from '../log.js';
import type { InsertResult, Store } from '../store/port.js';

/** One batch of accepted events on its way to the store (one queue job carries one of these). */
export interface IngestBatch {
  batchId: string;
  receivedAt: string;
  events: StoredEvent[];
}

/**
 * What happens to every accepted batch, in-process or in a queue worker: one bulk write with
 * create semantics. Running it twice for the same batch is safe: the second run counts duplicates.
 */
export async function processBatch(batch: IngestBatch, store: Store, logger?: Logger): Promise<InsertResult> {
  const result = await store.insertEvents(batch.events);
  logger?.debug({ module: 'ingest', batchId: batch.batchId, inserted: result.inserted, duplicates: result.duplicates }, 'batch stored');
  if (result.quarantined.length > 0) {
    logger?.warn({ module: 'ingest', batchId: batch.batchId, quarantined: result.quarantined.length }, 'events quarantined by the store');
  }
  return result;
}

/**
 * A batch as a queue job carries it: the events as one JSON text. Written from each event's
 * canonical form (already made for its fingerprint), and read by the store's own thread where
 * it has one, so the process that runs the worker does not parse and rebuild every event.
 */
export interface QueuedBatch {
  batchId: string;
  receivedAt: string;
  count: number;
  /** JSON array of StoredEvent. */
  eventsJson: string;
}

export function queuedBatchOf(batch: IngestBatch): QueuedBatch {
  let text = '';
  for (const stored of batch.events) {
    const original = stored.original === undefined ? '' : `,"original":${JSON.stringify(stored.original)}`;
    const explanation = stored.explanation === undefined ? '' : `,"explanation":${JSON.stringify(stored.explanation)}`;
    text += `${text ? ',' : ''}{"docId":${JSON.stringify(stored.docId)},"sha256":"${stored.sha256}","receivedAt":${JSON.stringify(stored.receivedAt)},"batchId":${JSON.stringify(stored.batchId)},"event":${canonicalJson(stored.event)}${original}${explanation}}`;
  }
  return { batchId: batch.batchId, receivedAt: batch.receivedAt, count: batch.events.length, eventsJson: `[${text}]` };
}

/** processBatch for a queued batch: safe to run twice (the second run counts duplicates). */
export async function processQueuedBatch(batch: QueuedBatch, store: Store, logger?: Logger): Promise<InsertResult> {
  if (store.insertEventsJson) {
    const result = await store.insertEventsJson(batch.eventsJson);
    logger?.debug({ module: 'ingest', batchId: batch.batchId, inserted: result.inserted, duplicates: result.duplicates }, 'batch stored');
    return result;
  }
  return processBatch({ batchId: batch.batchId, receivedAt: batch.receivedAt, events: JSON.parse(batch.eventsJson) as StoredEvent[] }, store, logger);
}
