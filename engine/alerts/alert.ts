/**
 * Alerts: what the rule engine raises for an IG officer to triage. One open alert per rule and
 * subject accumulates evidence instead of repeating. Field names are the public contract.
 */

export const SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * `open` when raised; an IG officer moves it to `investigating`, then closes it as `dismissed` or
 * `confirmed` (see triage.ts for the transitions). `open` and `investigating` still take evidence.
 */
export const ALERT_STATUSES = ['open', 'investigating', 'dismissed', 'confirmed'] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Why an alert was dismissed: a fixed list, so that reports can count outcomes. `other` needs a note. */
export const DISMISSAL_REASONS = ['explained-by-care', 'authorised-by-policy', 'data-quality', 'duplicate', 'other'] as const;
export type DismissalReason = (typeof DISMISSAL_REASONS)[number];

/** One triage change, kept for ever in the alert's `history` (never edited or removed). */
export interface TriageEntry {
  at: string;
  /** The person's stable id, and their name when they made the change. */
  by: string;
  byName: string;
  from: AlertStatus;
  to: AlertStatus;
  /** Present when the change (re)assigned the alert: the assignee's name, or null when unassigned. */
  assignee?: string | null;
  reason?: DismissalReason;
  note?: string;
}

/** How a closed alert was closed: the closing entry's reason and note, who and when. */
export interface Resolution {
  reason?: DismissalReason;
  note?: string;
  at: string;
  by: string;
  byName: string;
}

/**
 * `alert`: for triage. `signal`: a low-weight observation (after-hours access) that raises the
 * user's risk score but is not listed as an alert on its own.
 */
export type AlertRaises = 'alert' | 'signal';

/** A reference to an access event behind an alert. */
export interface EvidenceRef {
  docId: string;
  system: string;
  id: string;
  occurredAt: string;
}

/** Why an alert was raised: words for people and structure for tools. */
export interface AlertExplanation {
  /** One or two sentences an IG officer reads first. */
  text: string;
  /** What was checked, in words, in order (from the access's explanation, for unexplained access). */
  checked?: string[];
  /** Why nothing explained the access, in words. */
  why?: string;
  /** The figures behind a windowed rule (count, threshold, window start and end...) or the facts that matched. */
  details?: Record<string, string | number | boolean | string[]>;
}

/** Who or what an alert is about. `organisation` is always present: alerts are organisation-scoped. */
export interface AlertSubject {
  organisation: string;
  userId?: string;
  /**
   * Present when the alert is about a team's accesses to one patient (rules with subject
   * `team-patient`): the users behind it are in the alert's `users`.
   */
  team?: string;
  /** Present when the alert is about one patient. */
  nhsNumber?: string;
  /** Present for source-system alerts (audit gap). */
  system?: string;
}

/** The key of "one open alert per rule and subject". */
export function subjectKey(subject: AlertSubject): string {
  const key = [subject.organisation, subject.userId ?? null, subject.nhsNumber ?? null, subject.system ?? null];
  // A team goes last, and only when there is one, so the keys of alerts without one stay as they were.
  return JSON.stringify(subject.team === undefined ? key : [...key, subject.team]);
}

/** Most users named on one team alert; its evidence still holds every access. */
export const MAX_USERS = 50;

/**
 * What one evaluation contributes to an alert: the alert store merges it into the open alert of
 * the same rule and subject, or opens one.
 */
export interface AlertUpdate {
  ruleId: string;
  title: string;
  severity: Severity;
  raises: AlertRaises;
  subject: AlertSubject;
  /** Event time of the earliest and latest evidence in this update. */
  firstSeenAt: string;
  lastSeenAt: string;
  explanation: AlertExplanation;
  /** The events behind this update (deduplicated by docId when merged). */
  evidence: EvidenceRef[];
  /** For a team subject: the users whose accesses these are. */
  users?: string[];
}

export interface Alert extends AlertSubject {
  id: string;
  ruleId: string;
  title: string;
  severity: Severity;
  status: AlertStatus;
  raises: AlertRaises;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Distinct events behind the alert (may exceed `evidence.length`, which is capped). */
  eventCount: number;
  explanation: AlertExplanation;
  /** Earliest events first, at most MAX_EVIDENCE of them. */
  evidence: EvidenceRef[];
  /** For a team alert: the users whose accesses are behind it, in the order they came (at most MAX_USERS). */
  users?: string[];
  /** 0–100: how much this alert weighs (see alertScore). */
  score: number;
  /** When accesswatch opened and last updated the alert (wall clock). */
  createdAt: string;
  updatedAt: string;
  /** 1 when opened, +1 on every triage change (not on new evidence): the version a change must name. */
  version: number;
  /** The name of the person working the alert. */
  assignee?: string;
  /** Set when the alert is closed (dismissed or confirmed); gone when a guardian reopens it. */
  resolution?: Resolution;
  /** Every triage change, oldest first. */
  history: TriageEntry[];
}

/** Most evidence references kept on one alert; `eventCount` keeps counting beyond it. */
export const MAX_EVIDENCE = 500;

const SEVERITY_WEIGHT: Record<Severity, number> = { low: 10, medium: 30, high: 60, critical: 85 };

/** The order of severities, for "the higher of two". */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/**
 * An alert's score: its severity's weight, plus up to 14 for the number of events behind it
 * (log2), so that a larger pattern ranks above a single event of the same severity. A signal
 * weighs a fifth of an alert.
 */
export function alertScore(alert: Pick<Alert, 'severity' | 'eventCount' | 'raises'>): number {
  const weight = SEVERITY_WEIGHT[alert.severity] + Math.min(14, Math.floor(Math.log2(Math.max(1, alert.eventCount))));
  return alert.raises === 'signal' ? Math.max(1, Math.round(weight / 5)) : Math.min(100, weight);
}

/**
 * Merges an update into an existing open alert (or opens one when `existing` is undefined).
 * Evidence is a set by docId, kept earliest first and capped; severity is the higher of the two;
 * the explanation is the latest. Pure, so every alert store merges the same way.
 *
 * `unread`: how many of the existing alert's kept references a store did not read (they are not
 * in `existing.evidence`), when all of them sort before every reference in the update (see
 * sortsAfterKept). None of the update's can then be among them, and the merged `evidence` holds
 * only what is to be kept after them (at most MAX_EVIDENCE - unread), so a store can append it.
 */
export function mergeAlert(existing: Alert | undefined, update: AlertUpdate, ids: { id: string; now: string; unread?: number }): Alert {
  if (!existing) {
    const evidence = uniqueEvidence(update.evidence);
    const opened: Alert = {
      id: ids.id,
      ruleId: update.ruleId,
      title: update.title,
      severity: update.severity,
      status: 'open',
      raises: update.raises,
      ...update.subject,
      firstSeenAt: update.firstSeenAt,
      lastSeenAt: update.lastSeenAt,
      eventCount: evidence.length,
      explanation: update.explanation,
      evidence: evidence.slice(0, MAX_EVIDENCE),
      ...(update.users !== undefined ? { users: unionOfUsers([], update.users) } : {}),
      score: 0,
      createdAt: ids.now,
      updatedAt: ids.now,
      version: 1,
      history: [],
    };
    opened.score = alertScore(opened);
    return opened;
  }
  const known = new Set(existing.evidence.map((ref) => ref.docId));
  const added = uniqueEvidence(update.evidence).filter((ref) => !known.has(ref.docId));
  if (added.length === 0 && severityRank(update.severity) <= severityRank(existing.severity)) return existing;
  const users = update.users === undefined ? existing.users : unionOfUsers(existing.users ?? [], update.users);
  const merged: Alert = {
    ...existing,
    severity: severityRank(update.severity) > severityRank(existing.severity) ? update.severity : existing.severity,
    firstSeenAt: update.firstSeenAt < existing.firstSeenAt ? update.firstSeenAt : existing.firstSeenAt,
    lastSeenAt: update.lastSeenAt > existing.lastSeenAt ? update.lastSeenAt : existing.lastSeenAt,
    eventCount: existing.eventCount + added.length,
    explanation: update.explanation,
    evidence: mergeSorted(existing.evidence, added, MAX_EVIDENCE - (ids.unread ?? 0)),
    ...(users !== undefined ? { users } : {}),
    updatedAt: ids.now,
  };
  merged.score = alertScore(merged);
  return merged;
}

/**
 * Whether a reference sorts after the last of an alert's kept references, in the order evidence
 * is kept (event time, then docId), or the alert keeps none: then new references only add to the
 * end of its evidence.
 */
export function sortsAfterKept(first: EvidenceRef, last: EvidenceRef | undefined): boolean {
  return last === undefined || byTime(first, last) > 0;
}

/** The earliest of an update's evidence references in the order evidence is kept, if it has any. */
export function earliestEvidence(evidence: readonly EvidenceRef[]): EvidenceRef | undefined {
  let earliest: EvidenceRef | undefined;
  for (const ref of evidence) if (!earliest || byTime(ref, earliest) < 0) earliest = ref;
  return earliest;
}

function byTime(a: EvidenceRef, b: EvidenceRef): number {
  return a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : a.docId < b.docId ? -1 : a.docId > b.docId ? 1 : 0;
}

/** The first `limit` references of two lists each sorted by time, together and in that order. */
function mergeSorted(a: readonly EvidenceRef[], b: readonly EvidenceRef[], limit: number): EvidenceRef[] {
  const merged: EvidenceRef[] = [];
  let i = 0;
  let j = 0;
  while (merged.length < limit && (i < a.length || j < b.length)) {
    merged.push(j >= b.length || (i < a.length && byTime(a[i], b[j]) <= 0) ? a[i++] : b[j++]);
  }
  return merged;
}

/** `known` followed by the users of `more` it does not hold, at most MAX_USERS in all. */
function unionOfUsers(known: readonly string[], more: readonly string[]): string[] {
  const users = [...known];
  for (const user of more) if (users.length < MAX_USERS && !users.includes(user)) users.push(user);
  return users;
}

/** The users an alert is about: its user, or a team alert's users; none for a system's alert. */
export function usersOf(alert: Pick<Alert, 'userId' | 'users'>): readonly string[] {
  return alert.userId !== undefined ? [alert.userId] : alert.users ?? [];
}

/** Whether an alert is about this user: theirs, or a team alert naming them among its users. */
export function concernsUser(alert: Pick<Alert, 'userId' | 'users'>, userId: string): boolean {
  return usersOf(alert).includes(userId);
}

function uniqueEvidence(evidence: EvidenceRef[]): EvidenceRef[] {
  const byDocId = new Map<string, EvidenceRef>();
  for (const ref of evidence) byDocId.set(ref.docId, ref);
  return [...byDocId.values()].sort(byTime);
}

/** A suppression: while active, matches of its rule (or of any rule) for its subject raise nothing. */
export interface Suppression {
  id: string;
  organisation: string;
  /** Absent: every rule. */
  ruleId?: string;
  /** At least one of userId and nhsNumber names the subject. */
  userId?: string;
  nhsNumber?: string;
  /** RFC 3339; the suppression stops applying at this instant. */
  expiresAt: string;
  reason: string;
  /** The person who created it (their stable id). */
  createdBy: string;
  createdAt: string;
}

/** Whether a suppression covers an update (same organisation, rule if named, and every subject field it names). */
export function suppresses(suppression: Suppression, update: AlertUpdate, now: string): boolean {
  if (suppression.expiresAt <= now) return false;
  if (suppression.organisation !== update.subject.organisation) return false;
  if (suppression.ruleId !== undefined && suppression.ruleId !== update.ruleId) return false;
  // A team's update is the suppressed user's when every access in it is theirs.
  if (suppression.userId !== undefined && suppression.userId !== update.subject.userId
    && !(update.users !== undefined && update.users.length > 0 && update.users.every((user) => user === suppression.userId))) return false;
  if (suppression.nhsNumber !== undefined && suppression.nhsNumber !== update.subject.nhsNumber) return false;
  return true;
}
