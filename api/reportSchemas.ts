/**
 * Response schema of the Caldicott report (re-exported by schemas.ts, so it stays in one place
 * with the others). An allow-list like every response schema: the report holds counts, rule
 * ids, user ids and incident titles, never a patient's NHS number or name.
 */

const counts = (description: string) => ({ type: 'object', description, additionalProperties: { type: 'integer' } }) as const;

const organisationFiguresSchema = {
  type: 'object',
  properties: { organisation: { type: 'string' }, total: { type: 'integer' }, explained: { type: 'integer' } },
} as const;

/** GET /v1/reports/caldicott (JSON): the report of engine/reports/caldicottReport.ts and what was truncated. */
export const caldicottReportSchema = {
  type: 'object',
  required: ['from', 'to', 'organisations', 'accesses', 'alerts', 'outcomes', 'topUsersByRisk', 'incidents', 'truncated'],
  properties: {
    from: { type: 'string', description: 'Start of the period, inclusive.' },
    to: { type: 'string', description: 'End of the period, exclusive.' },
    organisations: { type: 'array', items: { type: 'string' } },
    accesses: {
      type: 'object',
      description: 'Access events stored for the period (by occurredAt), and how many the care system\'s own data explained.',
      properties: {
        total: { type: 'integer' },
        explained: { type: 'integer' },
        explainedRate: { type: 'number', description: 'explained ÷ total, to 3 places; absent when there were none.' },
        byOrganisation: { type: 'array', items: organisationFiguresSchema },
      },
    },
    alerts: {
      type: 'object',
      description: 'Alerts (not signals) seen in the period: first seen before its end and last seen within or after its start.',
      properties: {
        total: { type: 'integer' },
        byRule: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              ruleId: { type: 'string' }, title: { type: 'string' }, alerts: { type: 'integer' }, confirmed: { type: 'integer' }, dismissed: { type: 'integer' },
              falsePositiveRate: { type: 'number', description: 'dismissed ÷ (dismissed + confirmed); absent when none was closed.' },
            },
          },
        },
        bySeverity: counts('Alerts by severity.'),
        byOrganisation: counts('Alerts by organisation.'),
        byRoleClass: counts('Alerts by the role class of the user (from the staff record; for a team alert the class its users share, mixed when they differ; unknown when there is no staff record).'),
        byStatus: counts('Alerts by status now.'),
      },
    },
    outcomes: {
      type: 'object',
      properties: { confirmed: { type: 'integer' }, dismissed: { type: 'integer' }, dismissedByReason: counts('Dismissed alerts by the reason given.') },
    },
    medianHoursToTriage: { type: 'number', description: 'Median hours from an alert being raised to its first triage change; absent when none was triaged.' },
    topUsersByRisk: {
      type: 'array',
      description: 'The ten users with the highest risk now (open alerts and signals of the last 30 days).',
      items: {
        type: 'object',
        properties: { userId: { type: 'string' }, organisation: { type: 'string' }, score: { type: 'integer' }, level: { type: 'string' }, openAlerts: { type: 'integer' } },
      },
    },
    incidents: {
      type: 'array',
      description: 'Incidents the organisation became aware of in the period, and earlier ones not yet closed: overdue first, then by ICO deadline.',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' }, title: { type: 'string' }, organisation: { type: 'string' }, status: { type: 'string' }, awareAt: { type: 'string' },
          reportableToIco: { type: 'boolean', description: 'What the DSPT grid says; absent until the incident is assessed.' },
          icoDeadline: { type: 'string' },
          overdue: { type: 'boolean', description: 'The 72-hour clock runs and the deadline has passed.' },
        },
      },
    },
    truncated: {
      type: 'array',
      items: { type: 'string', enum: ['alerts', 'riskAlerts', 'incidents'] },
      description: 'Parts cut short by the reading limits (50,000 alerts, 5,000 incidents): their figures are lower bounds. Empty when complete.',
    },
  },
} as const;
