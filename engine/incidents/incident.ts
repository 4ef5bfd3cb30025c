import type { GridScore } from './breachAssessment.js';

/**
 * Incidents: confirmed alerts grouped into one breach, assessed on the DSPT grid and, when
 * reportable, reported to the ICO with the 72-hour clock running from `awareAt`. Field names are
 * the public contract. Every change is a new version; nothing recorded is ever rewritten: notes,
 * status changes, decisions and report phases are only appended.
 */

/** `open` while being worked; `reported` once reported to the ICO; `closed` when done. */
export const INCIDENT_STATUSES = ['open', 'reported', 'closed'] as const;
export type IncidentStatus = (typeof INCIDENT_STATUSES)[number];

/** A note added by a person; kept for ever. */
export interface IncidentNote {
  at: string;
  /** The person's stable id. */
  by: string;
  text: string;
}

/** A status change, kept for ever. */
export interface IncidentStatusChange {
  at: string;
  by: string;
  from: IncidentStatus;
  to: IncidentStatus;
}

/** The contact point the ICO may ask for more (Article 33(3)(b)): usually the DPO. */
export interface BreachContact {
  name: string;
  role?: string;
  email?: string;
  phone?: string;
}

/** What an assessor says about a breach: the grid scores and the facts Article 33(3) asks for. */
export interface BreachAssessmentInput {
  likelihood: GridScore;
  severity: GridScore;
  /** Approximate number of people affected. */
  dataSubjects: number;
  /** Approximate number of records affected. */
  records: number;
  /** Categories of personal data affected (e.g. "health records", "contact details"). */
  categories: string[];
  /** Categories of people affected (default: patients). */
  dataSubjectCategories?: string[];
  /** Vulnerable groups among them (children, people with mental health conditions...); empty when none. */
  vulnerableGroups: string[];
  /** The likely consequences for the people affected. */
  consequences: string;
  /** Measures taken or proposed to deal with the breach and lessen its effects. */
  measures: string;
  contact: BreachContact;
  /** Why the report is later than 72 hours (Article 33(1)); needed only when it is. */
  reasonForDelay?: string;
}

/** An assessment as recorded: who made it and when. The grid's answers are derived when read. */
export interface RecordedAssessment extends BreachAssessmentInput {
  assessedAt: string;
  assessedBy: string;
}

/** A Caldicott guardian's decision to report or not, with the reason (Article 33(5)). */
export interface ReportingDecision {
  report: boolean;
  reason: string;
  at: string;
  by: string;
  /** What the grid said when the decision was made, so a decision against it stands out. */
  reportableToIco: boolean;
  likelihood: GridScore;
  severity: GridScore;
}

/** One report sent to the ICO: the first, or a later phase with more information (Article 33(4)). */
export interface IcoReportPhase {
  /** 1 for the first report, then 2, 3... */
  phase: number;
  submittedAt: string;
  submittedBy: string;
  /** The ICO's case reference, once known. */
  icoReference?: string;
  /** What was sent, as it was then. */
  content: IcoReportContent;
}

export interface Incident {
  id: string;
  /** ODS code: every alert of the incident is of this organisation. */
  organisation: string;
  title: string;
  description: string;
  status: IncidentStatus;
  alertIds: string[];
  /** When the organisation became aware of the breach: the 72-hour clock starts here. */
  awareAt: string;
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  notes: IncidentNote[];
  statusHistory: IncidentStatusChange[];
  assessment?: RecordedAssessment;
  decisions: ReportingDecision[];
  reports: IcoReportPhase[];
  /** 1 when opened, one more for every change; updates name the version they change. */
  version: number;
}

/** The Article 33(3) content of one report (one phase), plus what the grid said. */
export interface IcoReportContent {
  incidentId: string;
  organisation: string;
  title: string;
  /** (a) The nature of the breach, in words. */
  natureOfBreach: string;
  awareAt: string;
  icoDeadline: string;
  /** (a) Categories and approximate number of the people affected. */
  dataSubjects: { approximateNumber: number; categories: string[]; vulnerableGroups: string[] };
  /** (a) Categories and approximate number of the personal data records affected. */
  records: { approximateNumber: number; categories: string[] };
  /** (b) Who the ICO can ask for more. */
  contact: BreachContact;
  /** (c) The likely consequences. */
  likelyConsequences: string;
  /** (d) Measures taken or proposed, including those to lessen the effects. */
  measures: string;
  /** The DSPT grid position and what it means, in words. */
  assessment: {
    likelihood: GridScore;
    likelihoodWords: string;
    severity: GridScore;
    severityWords: string;
    reportableToIco: boolean;
    reportableReason: string;
    notifyDataSubjects: boolean;
    notifyReason: string;
  };
  /** The latest Caldicott guardian decision, when one has been recorded. */
  decision?: { report: boolean; reason: string; at: string; by: string };
  /** The first report was (or would be) sent 72 hours or more after becoming aware. */
  late: boolean;
  /** Why it is late (Article 33(1)); required when late. */
  reasonForDelay?: string;
  /** Which phase this is: 1 for the first report, more for later information (Article 33(4)). */
  phase: number;
  previousPhases: { phase: number; submittedAt: string; icoReference?: string }[];
  /** When this content was prepared (or, for a phase already sent, when it was sent). */
  preparedAt: string;
  /** What must be added before this can be sent (e.g. `reasonForDelay`); empty when ready. */
  missing: string[];
}

/** A change refused by the incident's rules (not a fault): its message is for the person. */
export class IncidentRuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IncidentRuleError';
  }
}

