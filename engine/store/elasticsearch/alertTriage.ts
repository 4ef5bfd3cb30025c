import { setTimeout as sleep } from 'node:timers/promises';
import type { estypes } from '@elastic/elasticsearch';
import type { Alert } from '../../alerts/alert.js';
import { isReopening, planAlertChange, type AlertChange, type AlertChangeOutcome } from '../../alerts/triage.js';
import { MAX_ALERT_ROUNDS, alertFrom, hasSuccessor, readAlert, storedFieldsOf, type AlertDocument } from './alertDocuments.js';
import type { BulkOperations } from './bulkRequest.js';
import { BulkWriteError, backoffDelay, sendInBulk, type BulkSender } from './bulkRetry.js';
import type { IndexNames } from './indexNames.js';

/**
 * Triage changes in Elasticsearch (AlertStore.updateAlerts). The alerts are read with one
 * realtime `mget`; each change is checked against the version read (planAlertChange) and written
 * with `index` guarded by the `if_seq_no`/`if_primary_term` it was read at, all in one `_bulk`.
 * A 409 means the document changed in between, and only those changes are read and checked
 * again: evidence merged meanwhile leaves the version alone, so the change then applies to the
 * new read; another triage change makes it `stale`; a writer that marked the alert with its
 * successor (alertDocuments.ts) makes a reopening `superseded`.
 */

/** A change still to be decided, and where its outcome goes. */
interface PendingChange {
  change: AlertChange;
  position: number;
}

/** A change to write: the alert as changed, as a document guarded by the sequence number it was read at. */
export interface ChangeWrite {
  pending: PendingChange;
  alert: Alert;
  document: AlertDocument;
  readAt: { seqNo: number; primaryTerm: number };
}

/** What one read decided: changes to write, and outcomes already known (stale, superseded, not found). */
export interface ChangePlan {
  writes: ChangeWrite[];
  decided: { position: number; outcome: AlertChangeOutcome }[];
}

/** Decides each pending change against the document `mget` found for it. */
export function planChangeWrites(pending: PendingChange[], response: estypes.MgetResponse<AlertDocument>): ChangePlan {
  if (response.docs.length !== pending.length) throw new Error(`Elasticsearch answered ${response.docs.length} of ${pending.length} alert reads`);
  const plan: ChangePlan = { writes: [], decided: [] };
  pending.forEach((item, index) => {
    const read = readAlert(response.docs[index]);
    const later = read !== undefined && isReopening(item.change.entry) && hasSuccessor(read.source);
    const outcome = planAlertChange(item.change, read ? alertFrom(read.source) : undefined, later);
    if (outcome.outcome !== 'changed' || !read) {
      plan.decided.push({ position: item.position, outcome });
      return;
    }
    const document: AlertDocument = { ...outcome.alert, ...storedFieldsOf(read.source) } as AlertDocument;
    plan.writes.push({ pending: item, alert: outcome.alert, document, readAt: read.readAt });
  });
  return plan;
}

/** The `_bulk` body for triage writes. */
export function changeOperations(names: IndexNames, writes: ChangeWrite[]): BulkOperations {
  return writes.flatMap(({ document, readAt }) => [
    { index: { _index: names.alerts, _id: document.id, if_seq_no: readAt.seqNo, if_primary_term: readAt.primaryTerm } },
    document,
  ]);
}

/** Applies triage changes: one `mget` and one `_bulk` (waiting for a refresh), again only for alerts changed in between. */
export async function updateAlerts(sender: BulkSender, names: IndexNames, changes: AlertChange[]): Promise<AlertChangeOutcome[]> {
  const outcomes: AlertChangeOutcome[] = [];
  let pending: PendingChange[] = changes.map((change, position) => ({ change, position }));
  for (let round = 1; pending.length > 0; round++) {
    if (round > MAX_ALERT_ROUNDS) {
      throw new BulkWriteError(`Elasticsearch kept changing ${pending.length} of the alerts being triaged; gave up after ${MAX_ALERT_ROUNDS} rounds`, pending.length);
    }
    const read = await sender.client.mget<AlertDocument>({ index: names.alerts, ids: pending.map((item) => item.change.id) });
    const plan = planChangeWrites(pending, read);
    for (const { position, outcome } of plan.decided) outcomes[position] = outcome;
    const result = await sendInBulk(sender, plan.writes, (writes) => changeOperations(names, writes), 'alert changes', 'wait_for');
    if (result.refused.length > 0) {
      const [first] = result.refused;
      throw new BulkWriteError(`Elasticsearch refused ${result.refused.length} alert changes: ${first.errorType}: ${first.reason}`, result.refused.length);
    }
    for (const write of result.written) outcomes[write.pending.position] = { id: write.alert.id, outcome: 'changed', alert: write.alert };
    pending = result.duplicates.map((write) => write.pending);
    if (pending.length > 0) await sleep(backoffDelay(round, sender.retry));
  }
  return outcomes;
}
