import { setTimeout as sleep } from 'node:timers/promises';
import type { estypes } from '@elastic/elasticsearch';
import type { Alert, AlertUpdate } from '../../alerts/alert.js';
import { groupByOpenAlert, mergeUpdates, type OpenAlertUpdates, type RecordedAlerts } from '../../alerts/openAlerts.js';
import { isOpenStatus, withTriageDefaults } from '../../alerts/triage.js';
import { keyHash } from '../../reference/referenceData.js';
import type { BulkOperations } from './bulkRequest.js';
import { BulkWriteError, backoffDelay, sendInBulk, type BulkSender } from './bulkRetry.js';
import type { IndexNames } from './indexNames.js';

/**
 * Alerts in Elasticsearch (`<prefix>-alerts`), recorded safely by many processes at once.
 *
 * The open alert of a rule and subject lives at a document id derived from them and its "open
 * generation": `keyHash([ruleId, subjectKey, generation])`, which is also the alert's `id`. The
 * first alert of a rule and subject is generation 0; once it is closed (triaged), the next is
 * generation 1, and so on. Two processes opening the same alert therefore write the same
 * document, and `create` lets only one of them succeed. Updates are read with `mget` (realtime)
 * and written back with `if_seq_no`/`if_primary_term`, so an update based on a stale read is
 * refused with 409; whoever is refused reads again and merges again. Before opening generation
 * g+1, a writer marks the closed generation g with `successor` by the same compare-and-set, so a
 * guardian reopening g at the same moment (alertTriage.ts) and the writer cannot both win. See README.md.
 */

/** An alert as stored: the alert, plus what the store needs to find it again. */
export type AlertDocument = Alert & {
  subjectKey: string;
  generation: number;
  /**
   * On generation 0 only: the latest generation opened, so that a writer finds the open alert of
   * a rule and subject closed many times in two reads rather than one per generation.
   */
  latestGeneration?: number;
  /** On a closed alert: the generation opened after it (it may no longer be reopened). */
  successor?: number;
};

const STORED_ONLY = new Set(['subjectKey', 'generation', 'latestGeneration', 'successor']);

/** The alert a stored document holds (with a version and history, for documents written before triage). */
export function alertFrom(document: AlertDocument): Alert {
  return withTriageDefaults(Object.fromEntries(Object.entries(document).filter(([field]) => !STORED_ONLY.has(field))) as unknown as Alert);
}

/** What a document keeps besides its alert, to carry over when the alert is rewritten. */
export function storedFieldsOf(document: AlertDocument): Partial<AlertDocument> {
  return Object.fromEntries(Object.entries(document).filter(([field]) => STORED_ONLY.has(field)));
}

/** Whether a later generation of this alert's rule and subject has been (or is being) opened. */
export function hasSuccessor(document: AlertDocument): boolean {
  return document.successor !== undefined || (document.latestGeneration ?? 0) > document.generation;
}

/** The document id, and alert id, of a rule and subject's alert of one open generation. */
export function alertDocumentId(ruleId: string, subjectKey: string, generation: number): string {
  return keyHash(JSON.stringify([ruleId, subjectKey, generation]));
}

/** A rule and subject's updates, and which generation of its alert is to be read next. */
interface OpenAlertSlot {
  group: OpenAlertUpdates;
  generation: number;
}

const slotId = (slot: OpenAlertSlot) => alertDocumentId(slot.group.ruleId, slot.group.subjectKey, slot.generation);

/**
 * An alert to write: `create` for a new one, else `index` guarded by the sequence number it was
 * read at. A `claim` marks a closed alert with its successor before the successor is opened.
 */
export interface AlertWrite {
  slot: OpenAlertSlot;
  document: AlertDocument;
  readAt?: { seqNo: number; primaryTerm: number };
  claim?: true;
}

/** The `_bulk` body for alert writes. */
export function alertWriteOperations(names: IndexNames, writes: AlertWrite[]): BulkOperations {
  const operations: BulkOperations = [];
  for (const { document, readAt } of writes) {
    const target = { _index: names.alerts, _id: document.id };
    operations.push(readAt ? { index: { ...target, if_seq_no: readAt.seqNo, if_primary_term: readAt.primaryTerm } } : { create: target }, document);
  }
  return operations;
}

/** What one read of the slots decided: alerts to write (claims included), and slots whose alert was closed and succeeded (read the next generation). */
export interface AlertPlan {
  writes: AlertWrite[];
  closed: OpenAlertSlot[];
}

/** The alert document an `mget` item holds, with the sequence number it was read at; undefined when there is none yet. */
export function readAlert(doc: estypes.MgetResponseItem<AlertDocument>): { source: AlertDocument; readAt: NonNullable<AlertWrite['readAt']> } | undefined {
  if ('error' in doc) {
    if (doc.error.type === 'index_not_found_exception') return undefined;
    throw new Error(`Elasticsearch could not read alert ${doc._id}: ${doc.error.type}: ${doc.error.reason ?? 'no reason given'}`);
  }
  if (!doc.found || !doc._source) return undefined;
  if (doc._seq_no === undefined || doc._primary_term === undefined) throw new Error(`Elasticsearch read alert ${doc._id} without its sequence number`);
  return { source: doc._source, readAt: { seqNo: doc._seq_no, primaryTerm: doc._primary_term } };
}

/**
 * Merges each slot's updates into the document `mget` found for it (or opens the alert when there
 * is none). A closed alert with a successor sends its slot on to the next generation, or to the
 * latest one noted; a closed alert without one is claimed first (marked with its successor).
 */
export function planAlertWrites(slots: OpenAlertSlot[], response: estypes.MgetResponse<AlertDocument>, now: string): AlertPlan {
  if (response.docs.length !== slots.length) throw new Error(`Elasticsearch answered ${response.docs.length} of ${slots.length} alert reads`);
  const plan: AlertPlan = { writes: [], closed: [] };
  slots.forEach((slot, position) => {
    const read = readAlert(response.docs[position]);
    if (read && !isOpenStatus(read.source.status)) {
      if (hasSuccessor(read.source)) plan.closed.push({ group: slot.group, generation: Math.max(slot.generation + 1, read.source.latestGeneration ?? 0) });
      else plan.writes.push({ slot, document: { ...read.source, successor: slot.generation + 1 }, readAt: read.readAt, claim: true });
      return;
    }
    const existing = read ? alertFrom(read.source) : undefined;
    const alert = mergeUpdates(existing, slot.group.updates, { id: slotId(slot), now });
    if (!alert || alert === existing) return;
    const document: AlertDocument = {
      ...alert, ...(read ? storedFieldsOf(read.source) : {}), subjectKey: slot.group.subjectKey, generation: slot.generation,
    };
    plan.writes.push(read ? { slot, document, readAt: read.readAt } : { slot, document });
  });
  return plan;
}

/** Most rounds of "read, merge, write" before giving up when other writers keep changing the same alerts. */
export const MAX_ALERT_ROUNDS = 16;

/**
 * Records a batch of updates (AlertStore.recordAlerts): one `mget` for every open alert the batch
 * touches, one `_bulk` of what changed (waiting for a refresh, so the alerts are listed at once),
 * and again only for alerts another process changed in between (409) or found closed.
 */
export async function recordAlerts(sender: BulkSender, names: IndexNames, updates: AlertUpdate[], now: string): Promise<RecordedAlerts> {
  const recorded: RecordedAlerts = { opened: 0, updated: 0 };
  const laterGenerations: AlertWrite[] = [];
  let slots: OpenAlertSlot[] = groupByOpenAlert(updates).map((group) => ({ group, generation: 0 }));
  for (let round = 1; slots.length > 0; round++) {
    if (round > MAX_ALERT_ROUNDS) {
      throw new BulkWriteError(`Elasticsearch kept changing ${slots.length} of the alerts being recorded; gave up after ${MAX_ALERT_ROUNDS} rounds`, slots.length);
    }
    const read = await sender.client.mget<AlertDocument>({ index: names.alerts, ids: slots.map(slotId) });
    const plan = planAlertWrites(slots, read, now);
    const result = await sendInBulk(sender, plan.writes, (writes) => alertWriteOperations(names, writes), 'alerts', 'wait_for');
    if (result.refused.length > 0) {
      const [first] = result.refused;
      throw new BulkWriteError(`Elasticsearch refused ${result.refused.length} alerts: ${first.errorType}: ${first.reason}`, result.refused.length);
    }
    const claimed: OpenAlertSlot[] = [];
    for (const write of result.written) {
      if (write.claim) claimed.push({ group: write.slot.group, generation: write.slot.generation + 1 });
      else if (write.readAt) recorded.updated++;
      else recorded.opened++;
      if (!write.readAt && write.slot.generation > 0) laterGenerations.push(write);
    }
    slots = [...plan.closed, ...claimed, ...result.duplicates.map((write) => write.slot)];
    if (result.duplicates.length > 0) await sleep(backoffDelay(round, sender.retry));
  }
  await noteLatestGenerations(sender, names, laterGenerations);
  return recorded;
}

/**
 * Notes on generation 0 of each rule and subject the later generation just opened. Only a hint
 * for finding it faster (a missing or stale hint costs an extra read), so a failure is logged, not thrown.
 */
async function noteLatestGenerations(sender: BulkSender, names: IndexNames, opened: AlertWrite[]): Promise<void> {
  if (opened.length === 0) return;
  const operations = (writes: AlertWrite[]): BulkOperations => writes.flatMap(({ slot }) => [
    { update: { _index: names.alerts, _id: alertDocumentId(slot.group.ruleId, slot.group.subjectKey, 0), retry_on_conflict: 3 } },
    { doc: { latestGeneration: slot.generation } },
  ]);
  try {
    await sendInBulk(sender, opened, operations, 'latest alert generations');
  } catch (error) {
    sender.logger?.warn({ module: 'elasticsearch-store', reason: (error as Error).message }, 'could not note the latest alert generations');
  }
}
