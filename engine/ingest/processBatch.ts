import type { StoredEvent } from '../events/accessEvent.js';
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
