import { INCIDENT_STATUSES } from '../engine/incidents/incident.js';

/**
 * Request and response schemas of the incident routes (re-exported by schemas.ts, so they stay
 * in one place with the others). Response schemas are allow-lists, like every other.
 */

const text = (description?: string) => ({ type: 'string', ...(description ? { description } : {}) }) as const;
const strings = { type: 'array', items: { type: 'string' } } as const;
const score = (description: string) => ({ type: 'integer', minimum: 1, maximum: 5, description }) as const;

const contactSchema = {
  type: 'object',
  description: 'Who the ICO can ask for more (Article 33(3)(b)): usually the Data Protection Officer.',
  properties: { name: { type: 'string' }, role: { type: 'string' }, email: { type: 'string' }, phone: { type: 'string' } },
} as const;

const clockProperties = {
  icoDeadline: text('awareAt + 72 hours: when the report to the ICO is due.'),
  hoursLeft: { type: 'number', description: 'Hours to the deadline, in tenths; negative once passed.' },
  overdue: { type: 'boolean', description: 'The clock runs and the deadline has been reached.' },
  dueSoon: { type: 'boolean', description: 'The clock runs and less than 24 hours are left.' },
} as const;

/** The grid's answers about an assessment, each with its reason in words. */
const gridAnswerProperties = {
  reportableToIco: { type: 'boolean' },
  reportableReason: { type: 'string' },
  ...clockProperties,
  notifyDataSubjects: { type: 'boolean', description: 'High risk: tell the people affected (Article 34).' },
  notifyReason: { type: 'string' },
} as const;

const decisionSchema = {
  type: 'object',
  properties: {
    report: { type: 'boolean' }, reason: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' },
    reportableToIco: { type: 'boolean', description: 'What the grid said when the decision was made.' },
    likelihood: { type: 'integer' }, severity: { type: 'integer' },
  },
} as const;

const assessmentProperties = {
  likelihood: { type: 'integer' }, severity: { type: 'integer' }, dataSubjects: { type: 'integer' }, records: { type: 'integer' },
  categories: strings, dataSubjectCategories: strings, vulnerableGroups: strings, consequences: { type: 'string' }, measures: { type: 'string' },
  contact: contactSchema, reasonForDelay: { type: 'string' }, assessedAt: { type: 'string' }, assessedBy: { type: 'string' },
} as const;

/** An assessment as returned: what was assessed, and the grid's answers at the time of the request. */
export const assessmentResultSchema = {
  type: 'object',
  properties: { ...assessmentProperties, ...gridAnswerProperties, decision: decisionSchema, version: { type: 'integer', description: 'The incident\'s version after this change.' } },
} as const;

/** The Article 33(3) content of a report to the ICO. */
export const icoReportSchema = {
  type: 'object',
  properties: {
    incidentId: { type: 'string' }, organisation: { type: 'string' }, title: { type: 'string' },
    natureOfBreach: text('(a) The nature of the breach.'),
    awareAt: { type: 'string' }, icoDeadline: { type: 'string' },
    dataSubjects: { type: 'object', description: '(a) Categories and approximate number of people affected.', properties: { approximateNumber: { type: 'integer' }, categories: strings, vulnerableGroups: strings } },
    records: { type: 'object', description: '(a) Categories and approximate number of records affected.', properties: { approximateNumber: { type: 'integer' }, categories: strings } },
    contact: contactSchema,
    likelyConsequences: text('(c) The likely consequences of the breach.'),
    measures: text('(d) Measures taken or proposed.'),
    assessment: {
      type: 'object',
      properties: {
        likelihood: { type: 'integer' }, likelihoodWords: { type: 'string' }, severity: { type: 'integer' }, severityWords: { type: 'string' },
        reportableToIco: { type: 'boolean' }, reportableReason: { type: 'string' }, notifyDataSubjects: { type: 'boolean' }, notifyReason: { type: 'string' },
      },
    },
    decision: { type: 'object', properties: { report: { type: 'boolean' }, reason: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' } } },
    late: { type: 'boolean', description: 'The first report was, or would be, sent 72 hours or more after becoming aware.' },
    reasonForDelay: text('Why the report is late (Article 33(1)).'),
    phase: { type: 'integer', description: '1 for the first report; more for information sent later (Article 33(4)).' },
    previousPhases: { type: 'array', items: { type: 'object', properties: { phase: { type: 'integer' }, submittedAt: { type: 'string' }, icoReference: { type: 'string' } } } },
    preparedAt: { type: 'string' },
    missing: { ...strings, description: 'What must be added before the report can be sent; empty when it is ready.' },
  },
} as const;

const reportPhaseSchema = {
  type: 'object',
  properties: { phase: { type: 'integer' }, submittedAt: { type: 'string' }, submittedBy: { type: 'string' }, icoReference: { type: 'string' }, content: icoReportSchema },
} as const;

export const incidentSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, organisation: { type: 'string' }, title: { type: 'string' }, description: { type: 'string' },
    status: { type: 'string', enum: INCIDENT_STATUSES }, alertIds: strings,
    awareAt: text('When the organisation became aware: the 72-hour clock starts here.'),
    createdAt: { type: 'string' }, createdBy: { type: 'string' }, updatedAt: { type: 'string' },
    notes: { type: 'array', items: { type: 'object', properties: { at: { type: 'string' }, by: { type: 'string' }, text: { type: 'string' } } } },
    statusHistory: { type: 'array', items: { type: 'object', properties: { at: { type: 'string' }, by: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } } },
    assessment: { type: 'object', properties: { ...assessmentProperties, ...gridAnswerProperties } },
    decisions: { type: 'array', items: decisionSchema, description: 'Every decision to report or not, with its reason (Article 33(5)).' },
    reports: { type: 'array', items: reportPhaseSchema, description: 'Reports sent to the ICO, as sent: the first, then later phases (Article 33(4)).' },
    version: { type: 'integer', description: 'Name it in PATCH: a change based on an older version is refused with 409.' },
    ...clockProperties,
    clockRunning: { type: 'boolean', description: 'The 72-hour clock binds: open, and not decided or assessed as not reportable.' },
  },
} as const;

export const incidentListSchema = {
  type: 'object',
  required: ['incidents'],
  properties: {
    incidents: { type: 'array', items: incidentSchema, description: 'Overdue first, then due soon, then the rest.' },
    truncated: { type: 'boolean', description: 'More incidents match than were read; narrow by status.' },
  },
} as const;

/** PUT /v1/incidents/{id}/assessment */
export const assessmentBodySchema = {
  type: 'object',
  additionalProperties: false,
  required: ['likelihood', 'severity', 'dataSubjects', 'records', 'categories', 'vulnerableGroups', 'consequences', 'measures', 'contact'],
  properties: {
    likelihood: score('DSPT grid: 1 not occurred, 2 not likely, 3 likely, 4 highly likely, 5 occurred'),
    severity: score('DSPT grid: 1 no adverse effect, 2 minor, 3 adverse, 4 serious, 5 catastrophic'),
    dataSubjects: { type: 'integer', minimum: 0, description: 'Approximate number of people affected' },
    records: { type: 'integer', minimum: 0, description: 'Approximate number of records affected' },
    categories: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50, description: 'Categories of personal data affected' },
    dataSubjectCategories: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50, description: 'Categories of people affected (default: patients)' },
    vulnerableGroups: { type: 'array', items: { type: 'string', minLength: 1, maxLength: 200 }, maxItems: 50, description: 'Vulnerable groups among them; empty when none' },
    consequences: { type: 'string', minLength: 1, maxLength: 10_000 },
    measures: { type: 'string', minLength: 1, maxLength: 10_000 },
    contact: {
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      anyOf: [{ required: ['email'] }, { required: ['phone'] }],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 200 }, role: { type: 'string', maxLength: 200 },
        email: { type: 'string', format: 'email' }, phone: { type: 'string', minLength: 3, maxLength: 40 },
      },
    },
    reasonForDelay: { type: 'string', minLength: 1, maxLength: 10_000 },
    decision: {
      type: 'object',
      additionalProperties: false,
      required: ['report', 'reason'],
      description: 'A Caldicott guardian\'s decision to report or not, with the reason; kept for ever',
      properties: { report: { type: 'boolean' }, reason: { type: 'string', minLength: 3, maxLength: 10_000 } },
    },
    version: { type: 'integer', minimum: 1, description: 'When given, the change is refused with 409 unless the incident is still at this version' },
  },
} as const;
