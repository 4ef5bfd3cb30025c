import { DISMISSAL_REASONS, type Alert, type AlertStatus, type DismissalReason, type Resolution, type TriageEntry } from './alert.js';

/**
 * Triage: how an IG officer works an alert from `open` to closed. Pure: the API decides a change
 * with `decideTriage`, and every alert store applies it with `planAlertChange` under its own
 * compare-and-set on the alert's `version`, so the stores cannot differ.
 *
 *   open ⇄ investigating;  open | investigating → dismissed | confirmed
 *   dismissed → open (a Caldicott guardian only, with a note);  confirmed is final.
 */

/** Statuses that still take new evidence: at most one alert in them per rule and subject. */
export const OPEN_STATUSES = ['open', 'investigating'] as const satisfies readonly AlertStatus[];

export function isOpenStatus(status: AlertStatus): boolean {
  return status === 'open' || status === 'investigating';
}

/** Where each status may go. Closed statuses go nowhere, except a guardian's reopening of a dismissal. */
export const TRANSITIONS: Readonly<Record<AlertStatus, readonly AlertStatus[]>> = {
  open: ['investigating', 'dismissed', 'confirmed'],
  investigating: ['open', 'dismissed', 'confirmed'],
  dismissed: ['open'],
  confirmed: [],
};

/** The role that may reopen a dismissed alert. */
export const REOPENING_ROLE = 'caldicott-guardian';

/** Whether an entry takes a closed alert back to an open status. */
export function isReopening(entry: Pick<TriageEntry, 'from' | 'to'>): boolean {
  return !isOpenStatus(entry.from) && isOpenStatus(entry.to);
}

/** What a person asks of one alert (PATCH /v1/alerts/{id} without its version). */
export interface TriageRequest {
  status?: AlertStatus;
  /** A person's name; null unassigns. */
  assignee?: string | null;
  resolution?: { reason?: DismissalReason; note?: string };
}

/** The person making a change. */
export interface Triager {
  id: string;
  name: string;
  role: string;
}

/** Why a request is refused: `invalid` (a field, named first in the message), `forbidden` (the role), `transition` (the status). */
export interface TriageRefusal {
  refused: 'invalid' | 'forbidden' | 'transition';
  message: string;
}

export type TriageDecision = { entry: TriageEntry } | { unchanged: true } | TriageRefusal;

const refuse = (refused: TriageRefusal['refused'], message: string): TriageRefusal => ({ refused, message });

/**
 * Decides what a request does to an alert as it is now: a history entry to append, nothing (the
 * alert already is as asked, and no note was given), or a refusal saying why.
 * Dismissing needs `resolution.reason` (`other` also a note); confirming and reopening need
 * `resolution.note`; a reason is for dismissals only. A note alone is kept as an entry too.
 */
export function decideTriage(alert: Alert, request: TriageRequest, by: Triager, at: string): TriageDecision {
  const from = alert.status;
  const to = request.status ?? from;
  const note = request.resolution?.note?.trim() || undefined;
  const reason = request.resolution?.reason;
  if (!isOpenStatus(from)) {
    if (!(from === 'dismissed' && to === 'open')) {
      const reopen = from === 'dismissed' ? '; a Caldicott guardian may reopen it (status: open)' : '';
      return refuse('transition', `alert ${alert.id} is ${from}: a closed alert does not change${reopen}`);
    }
    if (by.role !== REOPENING_ROLE) return refuse('forbidden', `only a Caldicott guardian may reopen a dismissed alert (you are ${by.role})`);
    if (!note) return refuse('invalid', 'resolution.note: say why the dismissed alert is reopened');
  } else if (to !== from && !TRANSITIONS[from].includes(to)) {
    return refuse('transition', `alert ${alert.id} cannot go from ${from} to ${to}`);
  }
  if (to === 'dismissed' && from !== to) {
    if (!reason) return refuse('invalid', `resolution.reason: required to dismiss, one of ${DISMISSAL_REASONS.join(', ')}`);
    if (reason === 'other' && !note) return refuse('invalid', 'resolution.note: required when resolution.reason is other');
  } else if (reason !== undefined) {
    return refuse('invalid', 'resolution.reason: only a dismissal takes a reason (to confirm, give resolution.note)');
  }
  if (to === 'confirmed' && from !== to && !note) return refuse('invalid', 'resolution.note: required to confirm, saying what was found');
  const assigneeChanged = request.assignee !== undefined && (request.assignee ?? undefined) !== alert.assignee;
  if (to === from && !assigneeChanged && !note) return { unchanged: true };
  return {
    entry: {
      at, by: by.id, byName: by.name, from, to,
      ...(assigneeChanged ? { assignee: request.assignee ?? null } : {}),
      ...(reason ? { reason } : {}),
      ...(note ? { note } : {}),
    },
  };
}

/**
 * The alert after an entry: its status and assignee as the entry says, a resolution when it
 * closes (none once reopened), the entry appended to its history, its version one higher.
 */
export function applyTriage(alert: Alert, entry: TriageEntry): Alert {
  const { assignee: previousAssignee, resolution: previousResolution, ...rest } = alert;
  const assignee = entry.assignee === undefined ? previousAssignee : entry.assignee ?? undefined;
  let resolution: Resolution | undefined;
  if (!isOpenStatus(entry.to)) {
    resolution = entry.from === entry.to
      ? previousResolution
      : { ...(entry.reason ? { reason: entry.reason } : {}), ...(entry.note ? { note: entry.note } : {}), at: entry.at, by: entry.by, byName: entry.byName };
  }
  return {
    ...rest,
    status: entry.to,
    ...(assignee !== undefined ? { assignee } : {}),
    ...(resolution ? { resolution } : {}),
    history: [...alert.history, entry],
    version: alert.version + 1,
    updatedAt: entry.at,
  };
}

/** A triage change as a store takes it: applied only while the alert is still at `expectedVersion`. */
export interface AlertChange {
  id: string;
  expectedVersion: number;
  /** From `decideTriage` on the alert at `expectedVersion`. */
  entry: TriageEntry;
}

/**
 * What became of one change: `changed` (with the alert as now stored), `stale` (the alert is at
 * another version: nothing changed), `superseded` (a reopening refused because a later alert of
 * the same rule and subject has been opened since), or `not-found`.
 */
export type AlertChangeOutcome =
  | { id: string; outcome: 'changed'; alert: Alert }
  | { id: string; outcome: 'stale'; currentVersion: number }
  | { id: string; outcome: 'superseded' }
  | { id: string; outcome: 'not-found' };

/**
 * A store's decision for one change, given the alert as it read it under its compare-and-set and
 * whether a later alert of the same rule and subject exists. Throws for an entry that does not
 * start from the alert's status or moves where no transition goes (a caller's fault, not a race).
 */
export function planAlertChange(change: AlertChange, current: Alert | undefined, hasLaterAlert: boolean): AlertChangeOutcome {
  const { id, entry } = change;
  if (!current) return { id, outcome: 'not-found' };
  if (current.version !== change.expectedVersion) return { id, outcome: 'stale', currentVersion: current.version };
  if (current.status !== entry.from) throw new Error(`a change to alert ${id} starts from ${entry.from}, but the alert is ${current.status}`);
  if (entry.from !== entry.to && !TRANSITIONS[entry.from].includes(entry.to)) throw new Error(`alert ${id} cannot go from ${entry.from} to ${entry.to}`);
  if (isReopening(entry) && hasLaterAlert) return { id, outcome: 'superseded' };
  return { id, outcome: 'changed', alert: applyTriage(current, entry) };
}

/** An alert as stored before triage existed, with the version and history it would have had. */
export function withTriageDefaults(stored: Omit<Alert, 'version' | 'history'> & Partial<Pick<Alert, 'version' | 'history'>>): Alert {
  return { ...stored, version: stored.version ?? 1, history: stored.history ?? [] };
}
