import type { Alert } from '../alerts/alert.js';
import { assessBreach, icoClock, type BreachAssessmentResult, type BreachThresholds, type IcoClock } from './breachAssessment.js';
import { IncidentRuleError, type Incident, type IcoReportPhase, type IncidentStatus, type RecordedAssessment, type ReportingDecision } from './incident.js';

/**
 * What people do to an incident, as pure functions from one version to the next (open it, add
 * notes and move its status on, record assessments, decisions and reports sent), and how it
 * stands against the 72-hour clock at a given moment. The clock is always passed in.
 */

/** What opening an incident needs. */
export interface NewIncident {
  id: string;
  organisation: string;
  title: string;
  description: string;
  alertIds: string[];
  awareAt: string;
  createdBy: string;
}

/** Opens an incident at version 1. Times are kept as RFC 3339 UTC with milliseconds. */
export function openIncident(fields: NewIncident, now: string): Incident {
  return {
    id: fields.id,
    organisation: fields.organisation,
    title: fields.title,
    description: fields.description,
    status: 'open',
    alertIds: [...new Set(fields.alertIds)],
    awareAt: new Date(fields.awareAt).toISOString(),
    createdAt: now,
    createdBy: fields.createdBy,
    updatedAt: now,
    notes: [],
    statusHistory: [],
    decisions: [],
    reports: [],
    version: 1,
  };
}

/** What a person does to an incident at once: a note, a status change, a report sent (any of them), at a time. */
export interface IncidentChange {
  status?: IncidentStatus;
  note?: string;
  /** A report sent to the ICO, recorded as the next phase; it marks an open incident reported. */
  report?: Omit<IcoReportPhase, 'phase'>;
  /** More alerts behind the incident (the caller checks they are of its organisation); those already in it are left as they are. */
  addAlertIds?: string[];
  /** The person's stable id. */
  by: string;
  at: string;
}

/** Throws a RangeError unless `next` is the version after `expectedVersion` of the same incident. */
export function checkNextVersion(next: Incident, expectedVersion: number): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 1 || next.version !== expectedVersion + 1) {
    throw new RangeError(`incident ${next.id}: version ${next.version} does not follow version ${expectedVersion}`);
  }
}

/** The latest decision to report or not, if any. */
export function latestDecision(incident: Incident): ReportingDecision | undefined {
  return incident.decisions.at(-1);
}

/**
 * Applies a change, returning the next version. Status moves forward only: open → reported (by
 * recording the report sent, so that what was sent is kept), reported → closed, and open → closed
 * only once a Caldicott guardian has decided not to report, with a reason (Article 33(5)).
 * Later reports of a reported incident are kept as further phases. Alerts may be added until it is
 * closed. A closed incident takes notes only.
 */
export function changeIncident(incident: Incident, change: IncidentChange): Incident {
  const next: Incident = { ...incident, version: incident.version + 1, updatedAt: change.at };
  const move = (to: IncidentStatus) => {
    next.statusHistory = [...next.statusHistory, { at: change.at, by: change.by, from: next.status, to }];
    next.status = to;
  };
  if (change.report) {
    if (incident.status === 'closed') throw new IncidentRuleError('the incident is closed; a closed incident takes notes only');
    next.reports = [...incident.reports, { phase: incident.reports.length + 1, ...change.report }];
    if (incident.status === 'open') move('reported');
  }
  if (change.status !== undefined && change.status !== next.status) {
    checkStatusChange(next, change.status);
    move(change.status);
  }
  if (change.addAlertIds !== undefined && change.addAlertIds.length > 0) {
    if (incident.status === 'closed') throw new IncidentRuleError('addAlertIds: the incident is closed; a closed incident takes notes only');
    next.alertIds = [...new Set([...incident.alertIds, ...change.addAlertIds])];
  }
  if (change.note !== undefined) next.notes = [...incident.notes, { at: change.at, by: change.by, text: change.note }];
  return next;
}

function checkStatusChange(incident: Incident, to: IncidentStatus): void {
  const from = incident.status;
  if (from === 'closed') throw new IncidentRuleError('status: the incident is closed; a closed incident takes notes only');
  if (to === 'open') throw new IncidentRuleError(`status: a ${from} incident cannot be reopened`);
  if (to === 'reported') throw new IncidentRuleError('status: an incident becomes reported with the report that was sent, so that what was sent is kept');
  if (from === 'open' && latestDecision(incident)?.report !== false) {
    throw new IncidentRuleError(
      'status: an open incident is closed only once reported to the ICO, or once a Caldicott guardian has recorded a decision not to report it, with the reason (Article 33(5))',
    );
  }
}

/** Records an assessment (replacing the previous one) and, when given, a decision; the next version. */
export function recordAssessment(incident: Incident, assessment: RecordedAssessment, decision?: ReportingDecision): Incident {
  if (incident.status === 'closed') throw new IncidentRuleError('the incident is closed; its assessment is kept as it was');
  return {
    ...incident,
    assessment,
    decisions: decision ? [...incident.decisions, decision] : incident.decisions,
    updatedAt: assessment.assessedAt,
    version: incident.version + 1,
  };
}

/**
 * When the first of these alerts was confirmed: from each alert's triage history, or its
 * `updatedAt` when it is confirmed but has no confirming entry (recorded before triage kept
 * history). Undefined when none has been confirmed.
 */
export function firstConfirmation(alerts: Alert[]): string | undefined {
  const times: number[] = [];
  for (const alert of alerts) {
    const confirmed = (alert.history ?? []).filter((entry) => entry.to === 'confirmed').map((entry) => entry.at);
    if (confirmed.length === 0 && alert.status === 'confirmed') confirmed.push(alert.updatedAt);
    for (const at of confirmed) {
      const ms = Date.parse(at);
      if (!Number.isNaN(ms)) times.push(ms);
    }
  }
  return times.length === 0 ? undefined : new Date(Math.min(...times)).toISOString();
}

// How an incident stands against the ICO's 72-hour clock, for lists and for the incident page:
// which incidents are overdue or due soon, and in which order an IG officer should see them.

/** The clock of one incident at a moment, and whether it binds. */
export interface IncidentClock extends IcoClock {
  /**
   * The clock binds: the incident is open and may have to be reported (not yet assessed,
   * reportable on the grid, or decided to report), and no decision not to report stands.
   * `overdue` and `dueSoon` are only ever true while it runs.
   */
  clockRunning: boolean;
}

/** An incident as people see it: stored fields, its clock, and its assessment with the grid's answers. */
export type IncidentView = Omit<Incident, 'assessment'> & IncidentClock & {
  assessment?: RecordedAssessment & BreachAssessmentResult;
};

/** Whether the 72-hour clock binds the incident now (see {@link IncidentClock.clockRunning}). */
export function clockRuns(incident: Incident, thresholds: BreachThresholds): boolean {
  if (incident.status !== 'open') return false;
  const decision = latestDecision(incident);
  if (decision) return decision.report;
  if (!incident.assessment) return true;
  return assessBreach(incident.assessment, incident.awareAt, incident.awareAt, thresholds).reportableToIco;
}

/** The incident's clock at `now`. */
export function incidentClock(incident: Incident, now: string | Date, thresholds: BreachThresholds): IncidentClock {
  const clock = icoClock(incident.awareAt, now);
  const running = clockRuns(incident, thresholds);
  return { ...clock, overdue: running && clock.overdue, dueSoon: running && clock.dueSoon, clockRunning: running };
}

/** The incident with its clock and, when assessed, the grid's answers, at `now`. */
export function incidentView(incident: Incident, now: string | Date, thresholds: BreachThresholds): IncidentView {
  const { assessment, ...rest } = incident;
  return {
    ...rest,
    ...incidentClock(incident, now, thresholds),
    ...(assessment ? { assessment: { ...assessment, ...assessBreach(assessment, incident.awareAt, now, thresholds) } } : {}),
  };
}

/** 0: overdue, 1: due soon, 2: running, 3: not bound by the clock. */
function urgency(view: IncidentClock): number {
  if (view.overdue) return 0;
  if (view.dueSoon) return 1;
  return view.clockRunning ? 2 : 3;
}

/**
 * The order incidents are listed in: overdue first, then due soon, then the rest whose clock runs,
 * each earliest deadline first; then those the clock does not bind, most recently aware first.
 */
export function byUrgency(a: IncidentView, b: IncidentView): number {
  const rank = urgency(a) - urgency(b);
  if (rank !== 0) return rank;
  const deadline = urgency(a) === 3 ? b.awareAt.localeCompare(a.awareAt) : a.icoDeadline.localeCompare(b.icoDeadline);
  return deadline !== 0 ? deadline : a.id.localeCompare(b.id);
}
