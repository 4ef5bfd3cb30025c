import { ODS_CODE_PATTERN } from '../schema/schemaValidator.js';
import { ACTIONS, OUTCOMES, PURPOSES } from './accessEvent.js';

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;

/**
 * JSON Schema (draft 2020-12) of the canonical access event: the published contract that
 * posted events are validated against. Served at `GET /v1/schemas/access-event`.
 */
export const accessEventSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://accesswatch.dev/schemas/access-event.json',
  title: 'accesswatch access event',
  description: 'One access to a patient record, as a source system reports it.',
  type: 'object',
  additionalProperties: false,
  required: ['id', 'occurredAt', 'system', 'organisation', 'user', 'patient', 'action'],
  properties: {
    id: { ...text(200), description: 'The source system\'s own id for the event; (system, id) is its identity.' },
    occurredAt: { type: 'string', format: 'date-time', description: 'RFC 3339 with a time zone.' },
    system: { ...text(100), description: 'The source system; defaults to the posting key\'s system and must match it.' },
    organisation: { type: 'string', pattern: ODS_CODE_PATTERN, description: 'ODS code of the organisation.' },
    user: {
      type: 'object',
      additionalProperties: false,
      required: ['id', 'role'],
      properties: {
        id: text(200),
        role: { ...text(100), description: 'National RBAC code (e.g. R8000) or a role class.' },
        team: text(200),
      },
    },
    patient: {
      type: 'object',
      additionalProperties: false,
      required: ['nhsNumber'],
      properties: { nhsNumber: { type: 'string', format: 'nhs-number', description: 'Ten digits passing the modulus-11 check.' } },
    },
    action: { enum: [...ACTIONS] },
    recordPart: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$', description: 'e.g. summary, clinical-note, medication, result, mental-health, sexual-health, safeguarding.' },
    purpose: { enum: [...PURPOSES] },
    outcome: { enum: [...OUTCOMES] },
    workstation: text(200),
    ip: { type: 'string', anyOf: [{ format: 'ipv4' }, { format: 'ipv6' }] },
    site: text(200),
    reason: { ...text(2000), description: 'Break-glass justification.' },
    relationshipClaim: { enum: ['self-claimed'] },
  },
} as const;
