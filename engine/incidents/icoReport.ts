import type { Alert } from '../alerts/alert.js';
import { LIKELIHOOD_WORDS, SEVERITY_WORDS, assessBreach, icoClock, type BreachThresholds } from './breachAssessment.js';
import { IncidentRuleError, type IcoReportContent, type Incident } from './incident.js';
import { latestDecision } from './incidentChanges.js';

/**
 * The report to the ICO: what UK GDPR Article 33(3) says a notification holds, built from an
 * incident's assessment. Pure: the time it is prepared (or was sent) is passed in.
 * See docs/ico-reporting.md.
 */

/** What of an alert the nature of the breach is described from: no patient data. */
export type AlertSummary = Pick<Alert, 'id' | 'ruleId' | 'title' | 'eventCount' | 'firstSeenAt' | 'lastSeenAt'>;

/** What building a report needs besides the incident. */
export interface IcoReportInputs {
  /** The incident's alerts, for describing the nature of the breach (missing ones are left out). */
  alerts: AlertSummary[];
  /** When the report is prepared or sent. */
  now: string;
  thresholds: BreachThresholds;
  /** Overrides the assessment's reason for delay. */
  reasonForDelay?: string;
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-GB')} ${word}${n === 1 ? '' : 's'}`;
const day = (iso: string) => iso.slice(0, 16).replace('T', ' ') + ' UTC';

/** The nature of the breach in words: the incident's own account, then what the audit found. */
export function natureOfBreach(incident: Pick<Incident, 'title' | 'description'>, alerts: AlertSummary[]): string {
  const account = [incident.title.trim(), incident.description.trim()].filter(Boolean).map((text) => (/[.!?]$/.test(text) ? text : `${text}.`));
  if (alerts.length === 0) return account.join(' ');
  const rules = [...new Set(alerts.map((alert) => alert.title))].join('; ');
  const events = alerts.reduce((sum, alert) => sum + alert.eventCount, 0);
  const first = alerts.map((alert) => alert.firstSeenAt).sort()[0];
  const last = alerts.map((alert) => alert.lastSeenAt).sort().at(-1)!;
  account.push(
    `Found by record-access audit: ${plural(alerts.length, 'alert')} (${rules}) covering ${plural(events, 'access event')} ` +
    `between ${day(new Date(first).toISOString())} and ${day(new Date(last).toISOString())}.`,
  );
  return account.join(' ');
}

/**
 * The report the incident's assessment supports, as it would be sent at `inputs.now`: the next
 * phase after those already recorded. Throws an {@link IncidentRuleError} when it has not been assessed.
 * A first report at or after the 72-hour deadline is late and lists `reasonForDelay` as missing until one is given.
 */
export function icoReport(incident: Incident, inputs: IcoReportInputs): IcoReportContent {
  const assessment = incident.assessment;
  if (!assessment) {
    throw new IncidentRuleError('the incident has not been assessed: record an assessment (PUT /v1/incidents/{id}/assessment) before reporting it');
  }
  const grid = assessBreach(assessment, incident.awareAt, inputs.now, inputs.thresholds);
  const firstSentAt = incident.reports[0]?.submittedAt ?? inputs.now;
  const late = icoClock(incident.awareAt, firstSentAt).overdue;
  const reasonForDelay = (inputs.reasonForDelay ?? assessment.reasonForDelay ?? incident.reports[0]?.content.reasonForDelay)?.trim() || undefined;
  const decision = latestDecision(incident);
  return {
    incidentId: incident.id,
    organisation: incident.organisation,
    title: incident.title,
    natureOfBreach: natureOfBreach(incident, inputs.alerts),
    awareAt: incident.awareAt,
    icoDeadline: grid.icoDeadline,
    dataSubjects: {
      approximateNumber: assessment.dataSubjects,
      categories: assessment.dataSubjectCategories ?? ['patients'],
      vulnerableGroups: assessment.vulnerableGroups,
    },
    records: { approximateNumber: assessment.records, categories: assessment.categories },
    contact: assessment.contact,
    likelyConsequences: assessment.consequences,
    measures: assessment.measures,
    assessment: {
      likelihood: assessment.likelihood,
      likelihoodWords: LIKELIHOOD_WORDS[assessment.likelihood],
      severity: assessment.severity,
      severityWords: SEVERITY_WORDS[assessment.severity],
      reportableToIco: grid.reportableToIco,
      reportableReason: grid.reportableReason,
      notifyDataSubjects: grid.notifyDataSubjects,
      notifyReason: grid.notifyReason,
    },
    ...(decision ? { decision: { report: decision.report, reason: decision.reason, at: decision.at, by: decision.by } } : {}),
    late,
    ...(reasonForDelay ? { reasonForDelay } : {}),
    phase: incident.reports.length + 1,
    previousPhases: incident.reports.map((sent) => ({ phase: sent.phase, submittedAt: sent.submittedAt, ...(sent.icoReference ? { icoReference: sent.icoReference } : {}) })),
    preparedAt: inputs.now,
    missing: late && !reasonForDelay ? ['reasonForDelay'] : [],
  };
}

/** Throws an {@link IncidentRuleError} naming what is missing when the content cannot be sent yet. */
export function checkReadyToSend(content: IcoReportContent): void {
  if (content.missing.includes('reasonForDelay')) {
    throw new IncidentRuleError(
      `reasonForDelay: the report is late (the deadline was ${content.icoDeadline}), so it must say why (Article 33(1)); add it to the assessment or to this report`,
    );
  }
  if (content.missing.length > 0) throw new IncidentRuleError(`the report is missing: ${content.missing.join(', ')}`);
}
