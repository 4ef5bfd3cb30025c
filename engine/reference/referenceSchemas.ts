import { ODS_CODE_PATTERN } from '../schema/schemaValidator.js';
import type { RecordShape } from '../formats/index.js';
import { OPT_OUTS, PATIENT_FLAGS, ROLE_CLASSES, type ReferenceKind } from './referenceData.js';

/**
 * JSON Schemas (draft 2020-12) of the three kinds of reference data: the published contract that
 * posted records are validated against. Served at `GET /v1/schemas/staff`, `/patients`, `/relationships`.
 */

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength }) as const;
const odsCode = { type: 'string', pattern: ODS_CODE_PATTERN, description: 'ODS code.' } as const;
const nhsNumber = { type: 'string', format: 'nhs-number', description: 'Ten digits passing the modulus-11 check.' } as const;
const date = (description: string) =>
  ({ type: 'string', anyOf: [{ format: 'date' }, { format: 'date-time' }], description: `${description} YYYY-MM-DD or RFC 3339 with a time zone.` }) as const;
const address = {
  type: 'object',
  additionalProperties: false,
  required: ['line1', 'postcode'],
  properties: { line1: text(200), postcode: text(10) },
} as const;

export const staffSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://accesswatch.dev/schemas/staff.json',
  title: 'accesswatch staff record',
  description: 'A member of staff at one organisation, upserted by userId and organisation.',
  type: 'object',
  additionalProperties: false,
  required: ['userId', 'organisation', 'name', 'surname', 'role', 'roleClass', 'start'],
  properties: {
    userId: { ...text(200), description: 'The user id the source system puts in access events (user.id).' },
    organisation: odsCode,
    name: text(200),
    surname: text(200),
    role: { ...text(100), description: 'National RBAC code (e.g. R8000) or the local role.' },
    roleClass: { enum: [...ROLE_CLASSES] },
    team: text(200),
    address,
    nhsNumber: { ...nhsNumber, description: 'The member of staff\'s own NHS number (to spot access to their own record).' },
    start: date('First day in post:'),
    end: date('Last day in post (a leaver):'),
  },
} as const;

export const patientSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://accesswatch.dev/schemas/patient.json',
  title: 'accesswatch patient',
  description: 'A patient, upserted by NHS number.',
  type: 'object',
  additionalProperties: false,
  required: ['nhsNumber', 'surname', 'dateOfBirth', 'address'],
  properties: {
    nhsNumber,
    surname: text(200),
    dateOfBirth: date('Date of birth:'),
    address,
    dateOfDeath: date('Date of death:'),
    flags: { type: 'array', uniqueItems: true, items: { enum: [...PATIENT_FLAGS] }, description: 'Defaults to none.' },
    optOuts: { type: 'array', uniqueItems: true, items: { enum: [...OPT_OUTS] }, description: 'Defaults to none.' },
    registeredPractice: { ...odsCode, description: 'ODS code of the GP practice the patient is registered with.' },
  },
} as const;

export const relationshipSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'https://accesswatch.dev/schemas/relationship.json',
  title: 'accesswatch care relationship',
  description: 'A care relationship of a patient with an organisation (and a team or user), active from start to end. '
    + 'Upserted by id within its organisation when given, else by (nhsNumber, organisation, team, userId, type, start).',
  type: 'object',
  additionalProperties: false,
  required: ['nhsNumber', 'organisation', 'type', 'start'],
  properties: {
    id: { ...text(200), description: 'The source system\'s own id for the relationship.' },
    nhsNumber,
    organisation: odsCode,
    team: text(200),
    userId: text(200),
    type: {
      type: 'string',
      pattern: '^[a-z][a-z0-9-]{0,63}$',
      description: 'registration, appointment, admission, referral, care-team, social-care-allocation, prescription, test-order, or another lower-case dashed word.',
    },
    start: date('Start:'),
    end: date('End (absent while active):'),
  },
} as const;

export const REFERENCE_SCHEMAS = { staff: staffSchema, patients: patientSchema, relationships: relationshipSchema } as const;

function shape(kind: ReferenceKind, one: string, many: string, headerExample: string, listFields: string[] = []): RecordShape {
  return {
    one, many, title: many, wrapperKey: kind, headerExample,
    knownFields: new Set(Object.keys(REFERENCE_SCHEMAS[kind].properties)),
    listFields: new Set(listFields),
  };
}

/** How the body parsers read each kind (JSON wrapper key, CSV header, list cells). */
export const REFERENCE_SHAPES: Record<ReferenceKind, RecordShape> = {
  staff: shape('staff', 'staff record', 'staff records', 'userId,organisation,name,surname,role,roleClass,start'),
  patients: shape('patients', 'patient', 'patients', 'nhsNumber,surname,dateOfBirth,address.line1,address.postcode,flags', ['flags', 'optOuts']),
  relationships: shape('relationships', 'relationship', 'relationships', 'nhsNumber,organisation,userId,type,start,end'),
};
