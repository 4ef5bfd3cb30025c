import type { Logger } from '../log.js';
import type { Store } from '../store/port.js';
import { BackpressureError, UnavailableError } from './errors.js';
import { processBatch, type BatchDetector, type IngestBatch } from './processBatch.js';

/** Where an accepted batch goes. `submit` resolves once the batch is durable. */
export interface BatchSink {
  /** Resolves with the number of events known to be duplicates at the time of acceptance. */
  submit(batch: IngestBatch): Promise<{ duplicates: number }>;
  /** Throws an UnavailableError naming what cannot be reached. */
  ready(): Promise<void>;
  /**
   * True when the sink explains a batch as it stores it (IngestBatch.explain): the caller then
   * leaves explaining to it. Else batches arrive explained.
   */
  readonly explainsWhenStoring?: boolean;
}

/** The queue a scaled deployment puts batches on (implemented with BullMQ in engine/queue). */
export interface BatchQueue {
  enqueue(batch: IngestBatch): Promise<void>;
  waitingBatches(): Promise<number>;
  ping(): Promise<void>;
}

/**
 * Embedded mode: the batch is written to the store before the caller hears back. It is explained
 * as it is written (where the store can: beside its data, in one step with the write).
 */
export class StoreSink implements BatchSink {
  readonly explainsWhenStoring = true;
  private inflight = 0;

  constructor(
    private readonly store: Store,
    private readonly maxInflight: number,
    private readonly logger?: Logger,
    private readonly detector?: BatchDetector,
  ) {}

  async submit(batch: IngestBatch): Promise<{ duplicates: number }> {
    if (this.inflight >= this.maxInflight) {
      throw new BackpressureError(`${this.inflight} batches are already being written; retry shortly`, 1);
    }
    this.inflight++;
    try {
      const result = await processBatch(batch, this.store, { logger: this.logger, detector: this.detector });
      return { duplicates: result.duplicates };
    } catch (err) {
      this.logger?.error({ module: 'ingest', batchId: batch.batchId, err }, batch.explain ? 'explaining or writing the batch failed' : 'store write failed');
      throw new UnavailableError(batch.explain
        ? 'the store could not read the reference data to explain the batch, or could not take it; nothing was accepted'
        : 'the store could not take the batch; nothing was accepted');
    } finally {
      this.inflight--;
    }
  }

  async ready(): Promise<void> {
    try {
      await this.store.ping();
    } catch {
      throw new UnavailableError('the store is not reachable');
    }
  }
}

/**
 * Scaled mode: events already stored are counted as duplicates with one lookup, and the rest go
 * to the queue as one job. The worker's create semantics catch duplicates that race past the lookup.
 */
export class QueueSink implements BatchSink {
  constructor(
    private readonly queue: BatchQueue,
    private readonly store: Store,
    private readonly maxQueued: number,
    private readonly logger?: Logger,
  ) {}

  async submit(batch: IngestBatch): Promise<{ duplicates: number }> {
    let waiting: number;
    try {
      waiting = await this.queue.waitingBatches();
    } catch {
      throw new UnavailableError('the ingest queue (Redis) is not reachable; nothing was accepted');
    }
    if (waiting >= this.maxQueued) {
      throw new BackpressureError(`${waiting} batches are waiting to be stored; retry shortly`, 2);
    }
    let known: Set<string>;
    try {
      known = await this.store.existingEventIds(batch.events.map((e) => e.docId));
    } catch (err) {
      this.logger?.warn({ module: 'ingest', batchId: batch.batchId, err }, 'duplicate lookup failed; the worker will count duplicates');
      known = new Set();
    }
    const seen = new Set<string>();
    const kept = batch.events.map((e) => {
      if (known.has(e.docId) || seen.has(e.docId)) return false;
      seen.add(e.docId);
      return true;
    });
    const events = batch.events.filter((_, n) => kept[n]);
    const explanationTexts = batch.explanationTexts?.filter((_, n) => kept[n]);
    if (events.length > 0) {
      try {
        await this.queue.enqueue({ ...batch, events, ...(explanationTexts ? { explanationTexts } : {}) });
      } catch (err) {
        this.logger?.error({ module: 'ingest', batchId: batch.batchId, err }, 'enqueue failed');
        throw new UnavailableError('the ingest queue (Redis) could not take the batch; nothing was accepted');
      }
    }
    return { duplicates: batch.events.length - events.length };
  }

  async ready(): Promise<void> {
    try {
      await this.queue.ping();
    } catch {
      throw new UnavailableError('the ingest queue (Redis) is not reachable');
    }
    try {
      await this.store.ping();
    } catch {
      throw new UnavailableError('the store is not reachable');
    }
  }
}
