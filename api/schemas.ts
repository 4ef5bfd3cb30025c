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
