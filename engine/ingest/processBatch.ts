import type { StoredEvent } from '../events/accessEvent.js';
import { canonicalJson } from '../events/canonical.js';
import type { Logger } from '../log.js';
import { lookUpAndExplain, withExplanations } from '../explain/explainBatch.js';
import { explanationFromStoredForm } from '../explain/storedExplanation.js';
import { lookUpBatchReference, type BatchReference } from '../reference/batchReference.js';
import type { ExplainAccessesOptions, InsertResult, Store } from '../store/port.js';

/** One batch of accepted events on its way to the store (one queue job carries one of these). */
export interface IngestBatch {
  batchId: string;
  receivedAt: string;
  events: StoredEvent[];
  /** The batch's reference data, when it was looked up to explain it in this process (never queued). */
  reference?: BatchReference;
  /** Set when the events are not explained yet: explain them so as they are stored (embedded mode; see StoreSink). */
  explain?: ExplainAccessesOptions;
  /**
   * The events' explanations in their stored form (storedExplanationText), in the events' order,
   * for a batch explained only to be queued (ReferenceStore.explanationTexts): the events then carry none.
   */
  explanationTexts?: string[];
}

/** What runs the rules over stored events (the rule engine); optional so that storing works without it. */
export interface BatchDetector {
  detect(events: readonly StoredEvent[], reference: BatchReference): Promise<unknown>;
  /** False when it has nothing to evaluate (no rule enabled): the batch is then stored without the events' explanations coming back. */
  readonly evaluating?: boolean;
}

export interface ProcessOptions {
  logger?: Logger;
  detector?: BatchDetector;
}

/** Reference data the rules need, when the batch does not carry it (a queued batch). */
function referenceForRules(events: readonly StoredEvent[], store: Store): Promise<BatchReference> {
  return lookUpBatchReference(events, store, { relationships: false, patientsAsStaff: true });
}

async function detect(events: readonly StoredEvent[], reference: BatchReference | undefined, store: Store, batchId: string, options: ProcessOptions): Promise<void> {
  if (!options.detector || events.length === 0) return;
  const started = Date.now();
  await options.detector.detect(events, reference ?? await referenceForRules(events, store));
  options.logger?.debug({ module: 'rules', batchId, events: events.length, ms: Date.now() - started }, 'batch evaluated');
}

/**
 * Writes the batch, explaining it first when it is not explained yet: beside the data where the
 * store can (the explanations come back only when the rules will read them), else here.
 */
async function storeBatch(batch: IngestBatch, store: Store, evaluating: boolean): Promise<{ result: InsertResult; reference?: BatchReference }> {
  if (!batch.explain) return { result: await store.insertEvents(batch.events), reference: batch.reference };
  if (store.insertEventsExplaining) {
    const { result, explained } = await store.insertEventsExplaining(batch.events, batch.explain, evaluating);
    return { result, reference: explained ? withExplanations(batch.events, explained) : undefined };
  }
  const reference = await lookUpAndExplain(batch.events, store, batch.explain);
  return { result: await store.insertEvents(batch.events), reference };
}

/** Whether the rules run after storing: there is a detector, and it has something to evaluate. */
const evaluates = (options: ProcessOptions): boolean => options.detector !== undefined && options.detector.evaluating !== false;

/**
 * What happens to every accepted batch in the embedded mode: one bulk write with create
 * semantics, then the rules over the events this write newly stored. Running it twice for the
 * same batch is safe: the second run counts duplicates and evaluates nothing. A failure of the
 * rules does not undo the write (the events are kept); it is logged as an error.
 */
export async function processBatch(batch: IngestBatch, store: Store, options: ProcessOptions = {}): Promise<InsertResult> {
  const evaluating = evaluates(options);
  const { result, reference } = await storeBatch(batch, store, evaluating);
  options.logger?.debug({ module: 'ingest', batchId: batch.batchId, inserted: result.inserted, duplicates: result.duplicates }, 'batch stored');
  if (result.quarantined.length > 0) {
    options.logger?.warn({ module: 'ingest', batchId: batch.batchId, quarantined: result.quarantined.length }, 'events quarantined by the store');
  }
  if (evaluating) {
    const inserted = new Set(result.insertedDocIds);
    const stored = inserted.size === batch.events.length ? batch.events : batch.events.filter((e) => inserted.has(e.docId));
    try {
      await detect(stored, reference, store, batch.batchId, options);
    } catch (err) {
      // The events are stored and the caller hears 202; what is lost is this batch's alerts, so say so loudly.
      options.logger?.error({ module: 'rules', batchId: batch.batchId, events: stored.length, reason: (err as Error).message }, 'the rules could not evaluate a stored batch; its alerts were not raised');
    }
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
  /** JSON array of StoredEvent, each explanation whole or in its stored form (see queuedBatchOf, queuedEventsOf). */
  eventsJson: string;
}

export function queuedBatchOf(batch: IngestBatch): QueuedBatch {
  let text = '';
  batch.events.forEach((stored, n) => {
    const original = stored.original === undefined ? '' : `,"original":${JSON.stringify(stored.original)}`;
    // Stored texts (the Redis mode's embedded store, whose API and worker are one process) go as they are; explanations
    // made here (the scaled mode, where workers of another version may read the job) go whole.
    const explanationText = batch.explanationTexts?.[n] ?? (stored.explanation === undefined ? undefined : JSON.stringify(stored.explanation));
    const explanation = explanationText === undefined ? '' : `,"explanation":${explanationText}`;
    text += `${text ? ',' : ''}{"docId":${JSON.stringify(stored.docId)},"sha256":"${stored.sha256}","receivedAt":${JSON.stringify(stored.receivedAt)},"batchId":${JSON.stringify(stored.batchId)},"event":${canonicalJson(stored.event)}${original}${explanation}}`;
  });
  return { batchId: batch.batchId, receivedAt: batch.receivedAt, count: batch.events.length, eventsJson: `[${text}]` };
}

/**
 * processBatch for a queued batch. The rules see every event of the job, not only those this run
 * stored: the API queues only events not yet stored, so an event already stored here was stored by
 * an earlier run of this same job that stopped before its rules ran (a crashed worker). Rules are
 * idempotent per event (alerts and window sets keep events by id), so evaluating again is safe.
 */
export async function processQueuedBatch(batch: QueuedBatch, store: Store, options: ProcessOptions = {}): Promise<InsertResult> {
  const evaluating = evaluates(options);
  if (!store.insertEventsJson) {
    const events = queuedEventsOf(batch);
    const result = await store.insertEvents(events);
    if (evaluating) await detect(events, undefined, store, batch.batchId, options);
    return result;
  }
  const result = await store.insertEventsJson(batch.eventsJson);
  options.logger?.debug({ module: 'ingest', batchId: batch.batchId, inserted: result.inserted, duplicates: result.duplicates }, 'batch stored');
  // With no rule enabled the events are not read here at all: the store's thread parsed them.
  if (evaluating) await detect(queuedEventsOf(batch), undefined, store, batch.batchId, options);
  return result;
}

/**
 * A queued batch's events, each explanation whole again: the job carries them in their stored
 * form (a store that takes the JSON text, the embedded one, stores that form as it is).
 */
export function queuedEventsOf(batch: QueuedBatch): StoredEvent[] {
  const events = JSON.parse(batch.eventsJson) as StoredEvent[];
  for (const stored of events) {
    if (stored.explanation !== undefined) stored.explanation = explanationFromStoredForm(stored.explanation, stored.event);
  }
  return events;
}
