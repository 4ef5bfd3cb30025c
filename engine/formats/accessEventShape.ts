import type { RecordShape } from './parsedRecord.js';

/** Access events as the body parsers see them (the canonical event's top-level fields). */
export const ACCESS_EVENT_SHAPE: RecordShape = {
  one: 'event',
  many: 'events',
  title: 'access events',
  wrapperKey: 'events',
  knownFields: new Set([
    'id', 'occurredAt', 'system', 'organisation', 'user', 'patient', 'action', 'recordPart', 'purpose',
    'outcome', 'workstation', 'ip', 'site', 'reason', 'relationshipClaim',
  ]),
  headerExample: 'id,occurredAt,organisation,user.id,user.role,patient.nhsNumber,action',
  fhir: true,
};
