import {
  BodyFormatError, describeJsonType, isJsonObject, jsonErrorMessage, type ParsedRecord,
} from './parsedRecord.js';

/**
 * application/fhir+json: one FHIR R4 AuditEvent, or a Bundle whose entries carry AuditEvents.
 * Each AuditEvent is mapped to a candidate canonical event as FHIR-MAPPING.md describes, and
 * kept as the record's `original`. Mapping problems are reported with FHIR field paths, relative
 * to the AuditEvent (the record's index says which Bundle entry it was).
 */
export function parseFhirEvents(body: string): ParsedRecord[] {
  let resource: unknown;
  try {
    resource = JSON.parse(body);
  } catch (error) {
    throw new BodyFormatError(`body is not valid JSON (${jsonErrorMessage(error)})`);
  }
  if (!isJsonObject(resource)) {
    throw new BodyFormatError(`body is ${describeJsonType(resource)}: expected a FHIR AuditEvent or a Bundle of AuditEvents`);
  }
  if (resource.resourceType === 'AuditEvent') return [auditEventRecord(0, resource)];
  if (resource.resourceType === 'Bundle') return bundleRecords(resource);
  const got = typeof resource.resourceType === 'string' ? `resourceType ${resource.resourceType}` : 'no resourceType';
  throw new BodyFormatError(`expected a FHIR AuditEvent or a Bundle of AuditEvents, got ${got}`);
}

function bundleRecords(bundle: Json): ParsedRecord[] {
  if (bundle.entry === undefined) return [];
  if (!Array.isArray(bundle.entry)) {
    throw new BodyFormatError(`entry: expected an array of Bundle entries, got ${describeJsonType(bundle.entry)}`);
  }
  return bundle.entry.map((entry: unknown, index): ParsedRecord => {
    if (!isJsonObject(entry)) return { index, errors: [`entry: not a JSON object (got ${describeJsonType(entry)})`] };
    const resource = entry.resource;
    if (!isJsonObject(resource)) {
      return { index, errors: ['resource: missing (each Bundle entry must carry an AuditEvent)'] };
    }
    if (resource.resourceType !== 'AuditEvent') {
      return { index, original: resource, errors: [`resourceType: expected AuditEvent, got ${String(resource.resourceType)}`] };
    }
    return auditEventRecord(index, resource, idFromFullUrl(entry.fullUrl));
  });
}

/** A transaction Bundle names new resources by `urn:uuid:` fullUrl instead of an id. */
function idFromFullUrl(fullUrl: unknown): string | undefined {
  const url = text(fullUrl);
  return url?.startsWith('urn:uuid:') ? url.slice('urn:uuid:'.length) : undefined;
}

function auditEventRecord(index: number, auditEvent: Json, fallbackId?: string): ParsedRecord {
  const { value, errors } = mapAuditEvent(auditEvent, fallbackId);
  return errors.length > 0 ? { index, original: auditEvent, errors } : { index, value, original: auditEvent };
}

export const ODS_ORGANISATION_SYSTEM = 'https://fhir.nhs.uk/Id/ods-organization-code';
export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
const DICOM_SYSTEM = 'http://dicom.nema.org/resources/ontology/DCM';

const ACTION_CODES = table({ C: 'create', R: 'view', U: 'update', D: 'delete', E: 'view' });
/** type / subtype codes that say more than the C/R/U/D/E action; checked before RESTFUL_SUBTYPES. */
const SPECIAL_ACTIONS = new Set(['print', 'export', 'disclose', 'emergency-access']);
/** FHIR RESTful interaction subtypes (http://hl7.org/fhir/restful-interaction). */
const RESTFUL_SUBTYPES = table({
  search: 'search', 'search-type': 'search', 'search-system': 'search',
  read: 'view', vread: 'view',
  create: 'create', update: 'update', patch: 'update', delete: 'delete',
});
const DICOM_ACTIONS = table({ '110106': 'export', '110112': 'search' });
/** HL7 v3 PurposeOfUse codes; any other code passes through for the validator to reject. */
const PURPOSE_CODES = table({
  TREAT: 'direct-care', ETREAT: 'emergency', BTG: 'emergency', HRESCH: 'research', HOPERAT: 'planning',
  HPAYMT: 'commissioning', LEGAL: 'legal', HSYSADMIN: 'audit',
});
const BREAK_THE_GLASS = 'BTG';
const OUTCOME_CODES = table({ '0': 'success', '4': 'error', '8': 'error', '12': 'error' });
/** The record part a non-patient entity's resource type reveals. */
const RECORD_PARTS = table({
  Observation: 'result', DiagnosticReport: 'result',
  MedicationRequest: 'medication', MedicationStatement: 'medication',
  MedicationAdministration: 'medication', MedicationDispense: 'medication',
  AllergyIntolerance: 'allergy', DocumentReference: 'document', Composition: 'document', Binary: 'document',
});

/** Maps one AuditEvent to a candidate canonical event, collecting every problem rather than stopping at the first. */
export function mapAuditEvent(auditEvent: Json, fallbackId?: string): { value: Json; errors: string[] } {
  const errors: string[] = [];
  const value: Json = {};

  const id = text(auditEvent.id) ?? fallbackId;
  if (id === undefined) errors.push('id: missing (the source system\'s stable id for the AuditEvent, so a retried post is not stored twice)');
  else value.id = id;

  const recorded = text(auditEvent.recorded);
  if (recorded === undefined) errors.push('recorded: missing');
  else value.occurredAt = recorded;

  const source = obj(auditEvent.source);
  const observer = obj(source?.observer);
  const observerIdentifier = obj(observer?.identifier);
  const system = observerIdentifier?.system === ODS_ORGANISATION_SYSTEM
    ? text(observer?.display)
    : text(observerIdentifier?.value) ?? text(observer?.display);
  if (system !== undefined) value.system = system;

  const agents = list(auditEvent.agent);
  const { index: requestorIndex, organisationIndex } = findRequestor(agents);
  const requestor = requestorIndex === -1 ? undefined : (agents[requestorIndex] as Json);
  const entities = list(auditEvent.entity);
  const site = text(source?.site);

  const organisation = odsCode(agents, entities, observerIdentifier) ?? site;
  if (organisation === undefined) {
    errors.push(
      `source.site: missing, and no agent, entity or source.observer has an identifier of system ${ODS_ORGANISATION_SYSTEM} (the organisation's ODS code)`,
    );
  } else {
    value.organisation = organisation;
  }

  if (requestor === undefined) {
    errors.push(organisationIndex === undefined
      ? 'agent: no agent with requestor true'
      : `agent: no agent with requestor true that is a user (agent[${organisationIndex}] is the organisation, identified by its ODS code)`);
  } else {
    const path = `agent[${requestorIndex}]`;
    const user: Json = {};
    const userId = text(identifierOf(requestor.who)?.value) ?? text(requestor.altId);
    if (userId === undefined) errors.push(`${path}.who.identifier.value: missing (the requestor's user id, e.g. their SDS user id)`);
    else user.id = userId;
    const role = firstCode(list(requestor.role)[0]) ?? firstCode(requestor.type);
    if (role === undefined) {
      errors.push(`${path}.role: missing (no role or type coding with a code; expected the requestor's role, e.g. a national RBAC code such as R8000)`);
    } else {
      user.role = sdsRoleCode(role);
    }
    value.user = user;
  }

  const patient = patientNhsNumber(entities);
  if ('error' in patient) errors.push(patient.error);
  else value.patient = { nhsNumber: patient.nhsNumber };

  const breakGlass = breakTheGlass(auditEvent, requestor);
  const action = mapAction(auditEvent, breakGlass !== undefined);
  if ('error' in action) errors.push(action.error);
  else value.action = action.action;

  const recordPart = recordPartOf(entities);
  if (recordPart !== undefined) value.recordPart = recordPart;

  const purposeConcept = list(auditEvent.purposeOfEvent)[0] ?? list(requestor?.purposeOfUse)[0];
  const purposeCode = firstCode(purposeConcept);
  if (purposeCode !== undefined) value.purpose = PURPOSE_CODES.get(purposeCode) ?? purposeCode;

  if (auditEvent.outcome !== undefined && auditEvent.outcome !== null) {
    const code = String(auditEvent.outcome).trim();
    const outcome = OUTCOME_CODES.get(code);
    if (outcome === undefined) errors.push(`outcome: unknown code "${code}" (expected 0, 4, 8 or 12)`);
    else value.outcome = outcome;
  }

  const network = obj(requestor?.network);
  const address = text(network?.address);
  if (address !== undefined) {
    // AuditEventAgentNetworkType: 1 machine name, 2 IP address (the usual case when type is absent).
    if (String(network?.type) === '1') value.workstation = address;
    else value.ip = address;
  }
  if (site !== undefined) value.site = site;
  if (breakGlass?.reason !== undefined) value.reason = breakGlass.reason;

  return { value, errors };
}

/**
 * The requestor: the first agent with requestor true that is not an organisation identified by its
 * ODS code (some systems flag the organisation as a requestor too). -1 with the organisation's
 * index when only an organisation is flagged, to say so in the error.
 */
function findRequestor(agents: unknown[]): { index: number; organisationIndex?: number } {
  let organisationIndex: number | undefined;
  for (let i = 0; i < agents.length; i++) {
    const agent = agents[i];
    if (!isJsonObject(agent) || agent.requestor !== true) continue;
    if (identifierOf(agent.who)?.system !== ODS_ORGANISATION_SYSTEM) return { index: i };
    organisationIndex ??= i;
  }
  return { index: -1, organisationIndex };
}

/** The first ODS organisation code on an agent, then on an entity, then on the observer. */
function odsCode(agents: unknown[], entities: unknown[], observerIdentifier: Json | undefined): string | undefined {
  const candidates = [
    ...agents.map((agent) => identifierOf(obj(agent)?.who)),
    ...entities.map((entity) => identifierOf(obj(entity)?.what)),
    observerIdentifier,
  ];
  for (const identifier of candidates) {
    if (identifier?.system === ODS_ORGANISATION_SYSTEM && text(identifier.value) !== undefined) return text(identifier.value);
  }
  return undefined;
}

function patientNhsNumber(entities: unknown[]): { nhsNumber: string } | { error: string } {
  const nhsNumbers = new Set<string>();
  let patientWithoutNhsNumber: number | undefined;
  entities.forEach((entity, i) => {
    const what = obj(obj(entity)?.what);
    if (what === undefined) return;
    const identifier = identifierOf(what);
    const nhsNumber = identifier?.system === NHS_NUMBER_SYSTEM ? text(identifier.value) : undefined;
    if (nhsNumber !== undefined) nhsNumbers.add(nhsNumber);
    else if (resourceTypeOf(what) === 'Patient') patientWithoutNhsNumber ??= i;
  });
  const missing = 'entity: no entity whose what is a Patient with an NHS number identifier';
  if (nhsNumbers.size === 1) return { nhsNumber: [...nhsNumbers][0] };
  if (nhsNumbers.size > 1) {
    return {
      error: `entity: entities name ${nhsNumbers.size} different patients by NHS number; an access event is about one patient, so post one AuditEvent per patient`,
    };
  }
  if (patientWithoutNhsNumber !== undefined) {
    return {
      error: `${missing} (entity[${patientWithoutNhsNumber}] refers to a Patient but its what.identifier is not of system ${NHS_NUMBER_SYSTEM})`,
    };
  }
  return { error: missing };
}

/** The break-glass purpose (BTG) on the event or its requestor, with the justification typed as its text. */
function breakTheGlass(auditEvent: Json, requestor: Json | undefined): { reason?: string } | undefined {
  const concepts = [...list(auditEvent.purposeOfEvent), ...list(requestor?.purposeOfUse)];
  const concept = concepts.find((candidate) => codesOf(candidate).includes(BREAK_THE_GLASS));
  return concept === undefined ? undefined : { reason: text(obj(concept)?.text) };
}

function mapAction(auditEvent: Json, breakGlass: boolean): { action: string } | { error: string } {
  const code = auditEvent.action === undefined || auditEvent.action === null ? undefined : String(auditEvent.action).trim();
  const base = code === undefined ? undefined : ACTION_CODES.get(code);
  if (code !== undefined && base === undefined) return { error: `action: unknown code "${code}" (expected C, R, U, D or E)` };
  if (breakGlass) return { action: 'emergency-access' };

  const codings = [obj(auditEvent.type), ...list(auditEvent.subtype).map(obj)];
  for (const coding of codings) {
    const special = text(coding?.code);
    if (special !== undefined && SPECIAL_ACTIONS.has(special)) return { action: special };
    const dicom = coding?.system === DICOM_SYSTEM && special !== undefined ? DICOM_ACTIONS.get(special) : undefined;
    if (dicom !== undefined) return { action: dicom };
  }
  for (const coding of list(auditEvent.subtype)) {
    const restful = RESTFUL_SUBTYPES.get(text(obj(coding)?.code) ?? '');
    if (restful !== undefined) return { action: restful };
  }
  if (base === undefined) return { error: 'action: missing (expected C, R, U, D or E)' };
  return { action: base };
}

/** The record part revealed by the non-patient entities, when they agree on one. */
function recordPartOf(entities: unknown[]): string | undefined {
  const parts = new Set<string>();
  for (const entity of entities) {
    const type = resourceTypeOf(obj(obj(entity)?.what));
    const part = type === undefined ? undefined : RECORD_PARTS.get(type);
    if (part !== undefined) parts.add(part);
  }
  return parts.size === 1 ? [...parts][0] : undefined;
}

/** "S8000:G8000:R8000" (SDS job role code with its hierarchy) → "R8000"; other codes unchanged. */
function sdsRoleCode(code: string): string {
  const match = /^S\d+:G\d+:(R\d+)$/.exec(code);
  return match === null ? code : match[1];
}

/** The resource type a Reference points at: `type`, else the `Type/id` of a relative or absolute reference. */
function resourceTypeOf(reference: Json | undefined): string | undefined {
  const type = text(reference?.type);
  if (type !== undefined) return type;
  const target = text(reference?.reference);
  const match = target === undefined ? null : /(?:^|\/)([A-Z][A-Za-z]+)\/[^/]+(?:\/_history\/[^/]+)?$/.exec(target);
  return match === null ? undefined : match[1];
}

type Json = Record<string, unknown>;

/** A code table as a Map, so codes such as "constructor" find nothing rather than Object's own properties. */
function table(entries: Record<string, string>): Map<string, string> {
  return new Map(Object.entries(entries));
}

function obj(value: unknown): Json | undefined {
  return isJsonObject(value) ? value : undefined;
}

function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** A non-empty string, trimmed. */
function text(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function identifierOf(reference: unknown): Json | undefined {
  return obj(obj(reference)?.identifier);
}

/** The codes of a CodeableConcept's codings, in order. */
function codesOf(concept: unknown): string[] {
  const codes: string[] = [];
  for (const coding of list(obj(concept)?.coding)) {
    const code = text(obj(coding)?.code);
    if (code !== undefined) codes.push(code);
  }
  return codes;
}

function firstCode(concept: unknown): string | undefined {
  return codesOf(concept)[0];
}
