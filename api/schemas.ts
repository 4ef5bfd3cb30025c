import { accessEventSchema } from '../engine/events/accessEventSchema.js';
import { errorBodySchema } from './errors.js';

/**
 * Response schemas, in one place. They are allow-lists: fastify serialises only the properties
 * listed, so nothing unlisted (patient data from a store row) can leak into a response.
 */
const rejectedSchema = {
  type: 'array',
  items: {
    type: 'object',
    required: ['index', 'errors'],
    properties: {
      index: { type: 'integer', description: 'Position in the posted body, from 0.' },
      id: { type: 'string' },
      errors: { type: 'array', items: { type: 'string' } },
    },
  },
} as const;

export const ingestResultSchema = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Events newly accepted by this request.' },
    duplicates: { type: 'integer', description: 'Events already held: (system, id) seen before.' },
    rejected: rejectedSchema,
  },
} as const;

export const referenceResultSchema = {
  type: 'object',
  required: ['accepted', 'rejected'],
  properties: {
    accepted: { type: 'integer', description: 'Records stored (upserted) by this request.' },
    rejected: rejectedSchema,
  },
} as const;

const { $schema: _ignored, $id: _id, ...eventProperties } = accessEventSchema;

export const storedEventSchema = {
  type: 'object',
  properties: {
    ...eventProperties.properties,
    // Responses are serialised, not validated: the custom format only matters on the way in.
    patient: { type: 'object', properties: { nhsNumber: { type: 'string' } } },
    sha256: { type: 'string', description: 'SHA-256 of the canonical event (RFC 8785 JSON).' },
    explanation: {
      type: 'object',
      description: 'Whether the care system\'s own data explains the access, what was checked, and by what or why not.',
      properties: {
        explained: { type: 'boolean' },
        by: {
          type: 'object',
          properties: {
            type: { type: 'string' }, level: { type: 'string' }, organisation: { type: 'string' }, relationshipId: { type: 'string' },
            start: { type: 'string' }, end: { type: 'string' }, withinMargin: { type: 'boolean' },
          },
        },
        checked: { type: 'array', items: { type: 'string' } },
        why: { type: 'string' },
      },
    },
    receivedAt: { type: 'string' },
  },
} as const;

export const eventPageSchema = {
  type: 'object',
  required: ['events'],
  properties: {
    events: { type: 'array', items: storedEventSchema },
    nextCursor: { type: 'string' },
  },
} as const;

export const errorResponses = {
  400: errorBodySchema,
  401: errorBodySchema,
  403: errorBodySchema,
  404: errorBodySchema,
  409: errorBodySchema,
  413: errorBodySchema,
  415: errorBodySchema,
  429: errorBodySchema,
  500: errorBodySchema,
  503: errorBodySchema,
} as const;

const evidenceSchema = {
  type: 'object',
  properties: { docId: { type: 'string' }, system: { type: 'string' }, id: { type: 'string' }, occurredAt: { type: 'string' } },
} as const;

const alertExplanationSchema = {
  type: 'object',
  description: 'Why the alert was raised: words (text, checked, why) and structure (details).',
  properties: {
    text: { type: 'string' },
    checked: { type: 'array', items: { type: 'string' } },
    why: { type: 'string' },
    details: {
      type: 'object',
      additionalProperties: { anyOf: [{ type: 'string' }, { type: 'number' }, { type: 'boolean' }, { type: 'array', items: { type: 'string' } }] },
    },
  },
} as const;

const triageEntrySchema = {
  type: 'object',
  description: 'One triage change, never edited or removed.',
  properties: {
    at: { type: 'string' }, by: { type: 'string', description: "The person's stable id." }, byName: { type: 'string' },
    from: { type: 'string' }, to: { type: 'string' },
    assignee: { type: ['string', 'null'], description: 'Present when the change (re)assigned the alert; null: unassigned.' },
    reason: { type: 'string' }, note: { type: 'string' },
  },
} as const;

export const alertSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    ruleId: { type: 'string' },
    title: { type: 'string' },
    severity: { type: 'string', enum: ['low', 'medium', 'high', 'critical'] },
    status: { type: 'string' },
    raises: { type: 'string', enum: ['alert', 'signal'] },
    userId: { type: 'string' },
    team: { type: 'string', description: 'For an alert about a team\'s accesses to one patient (rules with subject team-patient), in place of userId.' },
    users: { type: 'array', items: { type: 'string' }, description: 'For a team alert: the users whose accesses are behind it, in the order they came (at most 50).' },
    nhsNumber: { type: 'string' },
    organisation: { type: 'string' },
    system: { type: 'string', description: 'The source system, for alerts about a source (audit gap).' },
    firstSeenAt: { type: 'string' },
    lastSeenAt: { type: 'string' },
    eventCount: { type: 'integer' },
    explanation: alertExplanationSchema,
    evidence: { type: 'array', items: evidenceSchema, description: 'References to the access events behind the alert (earliest first, at most 500).' },
    score: { type: 'integer', description: '0-100: severity weight plus the size of the pattern.' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    version: { type: 'integer', description: '1 when opened, +1 on every triage change (not on new evidence); a PATCH names it.' },
    assignee: { type: 'string', description: 'The name of the person working the alert.' },
    resolution: {
      type: 'object',
      description: 'How the alert was closed (dismissed or confirmed).',
      properties: { reason: { type: 'string' }, note: { type: 'string' }, at: { type: 'string' }, by: { type: 'string' }, byName: { type: 'string' } },
    },
    history: { type: 'array', items: triageEntrySchema, description: 'Every triage change, oldest first.' },
  },
} as const;

export const alertPageSchema = {
  type: 'object',
  required: ['alerts'],
  properties: { alerts: { type: 'array', items: alertSchema }, nextCursor: { type: 'string' } },
} as const;

export const suppressionSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' }, organisation: { type: 'string' }, ruleId: { type: 'string' }, userId: { type: 'string' },
    nhsNumber: { type: 'string' }, expiresAt: { type: 'string' }, reason: { type: 'string' }, createdBy: { type: 'string' },
    createdAt: { type: 'string' },
  },
} as const;

export const userRiskSchema = {
  type: 'object',
  properties: {
    userId: { type: 'string' },
    score: { type: 'integer', description: '0-100, combining the user\'s open alerts and signals of the last 30 days.' },
    level: { type: 'string', enum: ['none', 'low', 'medium', 'high', 'critical'] },
    openAlerts: { type: 'integer' },
    signals: { type: 'integer' },
    byRule: {
      type: 'array',
      items: {
        type: 'object',
        properties: { ruleId: { type: 'string' }, title: { type: 'string' }, raises: { type: 'string' }, count: { type: 'integer' }, score: { type: 'integer' } },
      },
    },
  },
} as const;

export const ruleListSchema = {
  type: 'object',
  properties: {
    rules: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' }, title: { type: 'string' }, family: { type: 'string' }, severity: { type: 'string' }, kind: { type: 'string' },
          subject: { type: 'string' }, raises: { type: 'string' }, enabled: { type: 'boolean' }, rationale: { type: 'string' },
          falsePositives: { type: 'array', items: { type: 'string' } },
          params: { type: 'object', additionalProperties: true, description: 'The kind\'s parameters, as configured.' },
        },
      },
    },
  },
} as const;

export const backtestResultSchema = {
  type: 'object',
  properties: {
    ruleId: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' },
    eventsScanned: { type: 'integer' }, truncated: { type: 'boolean' },
    alerts: { type: 'array', items: alertSchema, description: 'What the rule would raise; nothing was recorded.' },
  },
} as const;

export { assessmentBodySchema, assessmentResultSchema, icoReportSchema, incidentListSchema, incidentSchema } from './incidentSchemas.js';
export { caldicottReportSchema } from './reportSchemas.js';

/** GET /v1/alerts/counts: alerts matching the filters, by status, and in all. */
export const alertCountsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['byStatus', 'total'],
  properties: {
    byStatus: {
      type: 'object',
      additionalProperties: false,
      required: ['open', 'investigating', 'dismissed', 'confirmed'],
      properties: { open: { type: 'integer' }, investigating: { type: 'integer' }, dismissed: { type: 'integer' }, confirmed: { type: 'integer' } },
    },
    total: { type: 'integer' },
  },
} as const;
