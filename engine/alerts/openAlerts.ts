import { earliestEvidence, mergeAlert, subjectKey, type Alert, type AlertUpdate, type EvidenceRef } from './alert.js';

/**
 * Recording a batch of alert updates, the part every alert store shares: updates are grouped by
 * the open alert they belong to (one per rule and subject), and each group is merged, in the
 * order it arrived, into that alert as the store found it. The stores differ only in how they
 * find the open alerts and write the results back.
 */

/** The key of "one open alert per rule and subject", from the rule and `subjectKey(subject)`. */
export function openAlertKey(ruleId: string, subject: string): string {
  return JSON.stringify([ruleId, subject]);
}

/** The updates for one open alert, in the order they arrived. */
export interface OpenAlertUpdates {
  /** `openAlertKey` of the group. */
  key: string;
  ruleId: string;
  subjectKey: string;
  updates: AlertUpdate[];
}

/** Groups updates by the open alert they belong to, keeping each group's order. */
export function groupByOpenAlert(updates: AlertUpdate[]): OpenAlertUpdates[] {
  const groups = new Map<string, OpenAlertUpdates>();
  for (const update of updates) {
    const subject = subjectKey(update.subject);
    const key = openAlertKey(update.ruleId, subject);
    let group = groups.get(key);
    if (!group) {
      group = { key, ruleId: update.ruleId, subjectKey: subject, updates: [] };
      groups.set(key, group);
    }
    group.updates.push(update);
  }
  return [...groups.values()];
}

/**
 * Merges a group's updates, in order, into the open alert (or a new one with `ids.id`).
 * Returns `open` itself when the updates add nothing, so the caller knows there is nothing to write.
 * `unread`: see mergeAlert (it must hold for every update of the group).
 */
export function mergeUpdates(open: Alert | undefined, updates: AlertUpdate[], ids: { id: string; now: string; unread?: number }): Alert | undefined {
  let alert = open;
  for (const update of updates) alert = mergeAlert(alert, update, { id: alert?.id ?? ids.id, now: ids.now, unread: ids.unread });
  return alert;
}

/** The earliest evidence reference of a group's updates (in the order evidence is kept), if any. */
export function earliestOfGroup(group: OpenAlertUpdates): EvidenceRef | undefined {
  return earliestEvidence(group.updates.map((update) => earliestEvidence(update.evidence)).filter((ref) => ref !== undefined));
}

/** What recording a batch did, as `AlertStore.recordAlerts` reports it. */
export interface RecordedAlerts {
  opened: number;
  updated: number;
}
