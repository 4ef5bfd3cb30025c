import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { BodyFormatError, parseAccessEvents, type ParsedRecord } from './index.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const parse = (body: unknown) => parseAccessEvents('application/fhir+json', typeof body === 'string' ? body : JSON.stringify(body));

const ODS = 'https://fhir.nhs.uk/Id/ods-organization-code';
const NHS_NUMBER = 'https://fhir.nhs.uk/Id/nhs-number';
const SDS_USER = 'https://fhir.nhs.uk/Id/sds-user-id';
const JOB_ROLE = 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode';

type Json = Record<string, unknown>;

/** A minimal AuditEvent that maps cleanly: a clinician at RX1 reading one patient's record. */
function auditEvent(overrides: Json = {}): Json {
  return {
    resourceType: 'AuditEvent',
    id: 'ae-1',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    action: 'R',
    recorded: '2025-03-14T09:42:18Z',
    agent: [
      {
        role: [{ coding: [{ system: JOB_ROLE, code: 'R8000' }] }],
        who: { identifier: { system: SDS_USER, value: '555021935107' } },
        requestor: true,
      },
      { who: { identifier: { system: ODS, value: 'RX1' } }, requestor: false },
    ],
    source: { observer: { display: 'nuh-epr' } },
    entity: [{ what: { reference: 'Patient/p1', identifier: { system: NHS_NUMBER, value: '9434765919' } } }],
    ...overrides,
  };
}

/** The mapped event of a body holding one AuditEvent, failing loudly if it did not map. */
function mapped(resource: Json): Json {
  const [record] = parse(resource);
  expect(record.errors).toBeUndefined();
  return record.value as Json;
}

function errorsOf(resource: Json): string[] {
  const [record] = parse(resource);
  expect(record.value).toBeUndefined();
  return record.errors ?? [];
}

describe('application/fhir+json: an AuditEvent as an NHS EPR emits it', () => {
  it('maps to the canonical event and keeps the AuditEvent as the original', () => {
    const body = fixture('nhs-epr-audit-event.json');
    const records = parse(body);
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual({
      index: 0,
      value: {
        id: '5f8e2a7c-3b1d-4c9e-a6f0-91d2b7e4c813',
        occurredAt: '2025-03-14T09:42:18.300+00:00',
        system: '200000000119',
        organisation: 'RX1',
        user: { id: '555021935107', role: 'R8000' },
        patient: { nhsNumber: '9434765919' },
        action: 'view',
        recordPart: 'document',
        purpose: 'direct-care',
        outcome: 'success',
        ip: '10.212.36.41',
        site: 'RX1CC',
      },
      original: JSON.parse(body),
    });
  });

  it('maps a Bundle entry by entry, reporting a non-AuditEvent entry on its own', () => {
    const body = fixture('nhs-audit-bundle.json');
    const records = parse(body);
    expect(records.map((record) => record.index)).toEqual([0, 1, 2]);

    expect(records[0].value).toEqual({
      id: '2a9c7e1f-4b3d-4f6a-8e2c-9d0b1a7f5e34', // from the entry's urn:uuid fullUrl: the resource has no id
      occurredAt: '2025-03-14T10:05:02Z',
      system: 'nuh-epr',
      organisation: 'RX1',
      user: { id: '555021936109', role: 'R8001' }, // S8000:G8000:R8001 → R8001
      patient: { nhsNumber: '9434765870' },
      action: 'search',
      outcome: 'success',
      workstation: 'NUH-WS-04217', // network type 1 is a machine name
      site: 'RX1CC',
    });
    expect(records[0].original).toEqual(JSON.parse(body).entry[0].resource);

    expect(records[1].value).toMatchObject({
      id: 'epr-btg-000981',
      action: 'emergency-access',
      purpose: 'emergency',
      reason: 'Patient unconscious in ED, no legitimate relationship recorded yet',
      patient: { nhsNumber: '9000000009' },
      site: 'RX1QM',
    });

    expect(records[2]).toEqual({
      index: 2,
      original: JSON.parse(body).entry[2].resource,
      errors: ['resourceType: expected AuditEvent, got Patient'],
    });
  });
});

describe('application/fhir+json: body shape', () => {
  it('rejects a body that is not JSON, not an object, or not an AuditEvent or Bundle', () => {
    expect(() => parse('{"resourceType": "AuditEvent",')).toThrow(BodyFormatError);
    expect(() => parse('{"resourceType": "AuditEvent",')).toThrow(/^body is not valid JSON/);
    expect(() => parse([auditEvent()])).toThrow('body is an array: expected a FHIR AuditEvent or a Bundle of AuditEvents');
    expect(() => parse({ resourceType: 'Patient' })).toThrow(
      'expected a FHIR AuditEvent or a Bundle of AuditEvents, got resourceType Patient',
    );
    expect(() => parse({ id: 'x' })).toThrow('expected a FHIR AuditEvent or a Bundle of AuditEvents, got no resourceType');
  });

  it('reads a Bundle with no entries as no records', () => {
    expect(parse({ resourceType: 'Bundle', type: 'collection' })).toEqual([]);
    expect(parse({ resourceType: 'Bundle', type: 'collection', entry: [] })).toEqual([]);
  });

  it('reports Bundle entries without a resource, keeping the good entries', () => {
    const records = parse({
      resourceType: 'Bundle', type: 'batch',
      entry: [{ request: { method: 'POST', url: 'AuditEvent' } }, { resource: auditEvent({ id: 'ae-2' }) }, 'oops'],
    });
    expect(records[0]).toEqual({ index: 0, errors: ['resource: missing (each Bundle entry must carry an AuditEvent)'] });
    expect(records[1].value).toMatchObject({ id: 'ae-2', action: 'view' });
    expect(records[2]).toEqual({ index: 2, errors: ['entry: not a JSON object (got a string)'] });
  });
});

describe('application/fhir+json: action', () => {
  it.each([
    ['C', 'create'], ['R', 'view'], ['U', 'update'], ['D', 'delete'], ['E', 'view'],
  ])('maps action %s to %s', (code, action) => {
    expect(mapped(auditEvent({ action: code })).action).toBe(action);
  });

  it.each([
    ['R', 'search', 'search'], ['E', 'search', 'search'], ['E', 'search-type', 'search'],
    ['E', 'read', 'view'], ['R', 'vread', 'view'], ['E', 'patch', 'update'],
  ])('refines action %s by RESTful subtype %s to %s', (code, subtype, action) => {
    const resource = auditEvent({ action: code, subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: subtype }] });
    expect(mapped(resource).action).toBe(action);
  });

  it.each(['print', 'export', 'disclose', 'emergency-access'])('takes %s from a type or subtype code', (code) => {
    expect(mapped(auditEvent({ subtype: [{ system: 'https://example.nhs.uk/audit', code }] })).action).toBe(code);
    expect(mapped(auditEvent({ type: { system: 'https://example.nhs.uk/audit', code } })).action).toBe(code);
  });

  it('prefers print, export, disclose or emergency-access over a RESTful subtype', () => {
    const resource = auditEvent({ subtype: [{ code: 'read' }, { code: 'print' }] });
    expect(mapped(resource).action).toBe('print');
  });

  it('maps the DICOM Export and Query event types', () => {
    const dicom = 'http://dicom.nema.org/resources/ontology/DCM';
    expect(mapped(auditEvent({ type: { system: dicom, code: '110106' } })).action).toBe('export');
    expect(mapped(auditEvent({ type: { system: dicom, code: '110112' } })).action).toBe('search');
  });

  it('makes a break-the-glass purpose an emergency access, keeping its justification as the reason', () => {
    const resource = auditEvent({
      action: 'R',
      purposeOfEvent: [{ coding: [{ code: 'BTG' }], text: 'Collapsed in clinic' }],
    });
    expect(mapped(resource)).toMatchObject({ action: 'emergency-access', purpose: 'emergency', reason: 'Collapsed in clinic' });
  });

  it('finds break-the-glass on the requestor\'s purposeOfUse too', () => {
    const resource = auditEvent();
    (resource.agent as Json[])[0].purposeOfUse = [{ coding: [{ code: 'BTG' }] }];
    const event = mapped(resource);
    expect(event).toMatchObject({ action: 'emergency-access', purpose: 'emergency' });
    expect(event).not.toHaveProperty('reason');
  });

  it('reports a missing or unknown action code', () => {
    expect(errorsOf(auditEvent({ action: undefined }))).toEqual(['action: missing (expected C, R, U, D or E)']);
    expect(errorsOf(auditEvent({ action: 'X' }))).toEqual(['action: unknown code "X" (expected C, R, U, D or E)']);
  });

  it('accepts a subtype in place of a missing action code', () => {
    expect(mapped(auditEvent({ action: undefined, subtype: [{ code: 'search' }] })).action).toBe('search');
  });
});

describe('application/fhir+json: outcome and purpose', () => {
  it.each([
    ['0', 'success'], ['4', 'error'], ['8', 'error'], ['12', 'error'], [0, 'success'], [8, 'error'],
  ])('maps outcome %j to %s', (code, outcome) => {
    expect(mapped(auditEvent({ outcome: code })).outcome).toBe(outcome);
  });

  it('leaves outcome unset when absent, and reports an unknown code', () => {
    expect(mapped(auditEvent())).not.toHaveProperty('outcome');
    expect(errorsOf(auditEvent({ outcome: '3' }))).toEqual(['outcome: unknown code "3" (expected 0, 4, 8 or 12)']);
  });

  it.each([
    ['TREAT', 'direct-care'], ['ETREAT', 'emergency'], ['HRESCH', 'research'], ['HOPERAT', 'planning'],
    ['HPAYMT', 'commissioning'], ['LEGAL', 'legal'], ['HSYSADMIN', 'audit'],
  ])('maps PurposeOfUse %s to %s', (code, purpose) => {
    const event = mapped(auditEvent({ purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code }] }] }));
    expect(event.purpose).toBe(purpose);
    expect(event.action).toBe('view');
  });

  it('passes other purpose codes through for the validator to judge', () => {
    expect(mapped(auditEvent({ purposeOfEvent: [{ coding: [{ code: 'COC' }] }] })).purpose).toBe('COC');
    expect(mapped(auditEvent({ purposeOfEvent: [{ coding: [{ code: 'safeguarding' }] }] })).purpose).toBe('safeguarding');
  });

  it('falls back to the requestor\'s purposeOfUse', () => {
    const resource = auditEvent();
    (resource.agent as Json[])[0].purposeOfUse = [{ coding: [{ code: 'HRESCH' }] }];
    expect(mapped(resource).purpose).toBe('research');
  });
});

describe('application/fhir+json: who, where and which patient', () => {
  it('reports a missing requestor with the FHIR field name, alongside other problems', () => {
    const resource = auditEvent({ recorded: undefined });
    (resource.agent as Json[])[0].requestor = false;
    expect(errorsOf(resource)).toEqual(['recorded: missing', 'agent: no agent with requestor true']);
  });

  it('does not take an organisation flagged as requestor for the user', () => {
    const resource = auditEvent();
    const agents = resource.agent as Json[];
    agents[0].requestor = false;
    agents[1].requestor = true;
    expect(errorsOf(resource)).toEqual([
      'agent: no agent with requestor true that is a user (agent[1] is the organisation, identified by its ODS code)',
    ]);
    agents[0].requestor = true;
    expect(mapped(resource)).toMatchObject({ user: { id: '555021935107', role: 'R8000' }, organisation: 'RX1' });
  });

  it('treats codes that are names of object properties as unknown codes', () => {
    expect(errorsOf(auditEvent({ action: 'constructor' }))).toEqual(['action: unknown code "constructor" (expected C, R, U, D or E)']);
    expect(errorsOf(auditEvent({ outcome: 'toString' }))).toEqual(['outcome: unknown code "toString" (expected 0, 4, 8 or 12)']);
    expect(mapped(auditEvent({ purposeOfEvent: [{ coding: [{ code: 'constructor' }] }] })).purpose).toBe('constructor');
  });

  it('keeps the AuditEvent as the original of a record it could not map', () => {
    const resource = auditEvent({ agent: [{ who: { identifier: { system: ODS, value: 'RX1' } }, requestor: false }] });
    const [record] = parse(resource);
    expect(record).toEqual({ index: 0, original: resource, errors: ['agent: no agent with requestor true'] });
  });

  it('names the requestor\'s missing user id and role by their FHIR path', () => {
    const resource = auditEvent();
    const agents = resource.agent as Json[];
    agents.reverse(); // the requestor is now agent[1]
    agents[1].who = { display: 'Dr Priya Raman' };
    agents[1].role = [];
    expect(errorsOf(resource)).toEqual([
      'agent[1].who.identifier.value: missing (the requestor\'s user id, e.g. their SDS user id)',
      'agent[1].role: missing (no role or type coding with a code; expected the requestor\'s role, e.g. a national RBAC code such as R8000)',
    ]);
  });

  it('takes the role from agent.type when there is no agent.role, and the user id from altId', () => {
    const resource = auditEvent();
    const requestor = (resource.agent as Json[])[0];
    delete requestor.role;
    requestor.type = { coding: [{ code: 'R0260' }] };
    requestor.who = { display: 'Sam Patel' };
    requestor.altId = 'spatel';
    expect(mapped(resource).user).toEqual({ id: 'spatel', role: 'R0260' });
  });

  it('maps network addresses to ip, or to workstation for a machine name', () => {
    const withNetwork = (network: Json) => {
      const resource = auditEvent();
      (resource.agent as Json[])[0].network = network;
      return mapped(resource);
    };
    expect(withNetwork({ address: '10.1.2.3', type: '2' })).toMatchObject({ ip: '10.1.2.3' });
    expect(withNetwork({ address: '10.1.2.3' })).toMatchObject({ ip: '10.1.2.3' });
    const machine = withNetwork({ address: 'GP-RECEPTION-2', type: '1' });
    expect(machine).toMatchObject({ workstation: 'GP-RECEPTION-2' });
    expect(machine).not.toHaveProperty('ip');
  });

  it('takes the system from source.observer: identifier value, else display, else leaves it unset', () => {
    expect(mapped(auditEvent({ source: { observer: { identifier: { value: 'epr-01' }, display: 'EPR' } } })).system).toBe('epr-01');
    expect(mapped(auditEvent({ source: { observer: { display: 'EPR' } } })).system).toBe('EPR');
    expect(mapped(auditEvent({ source: { site: 'RX1CC' } }))).not.toHaveProperty('system');
  });

  it('finds the ODS code on an agent, an entity or the observer, else uses source.site', () => {
    const noOrgAgent = (overrides: Json) => {
      const resource = auditEvent(overrides);
      resource.agent = (resource.agent as Json[]).slice(0, 1);
      return resource;
    };
    const entities = (extra: Json) => [...(auditEvent().entity as Json[]), extra];
    expect(mapped(noOrgAgent({ entity: entities({ what: { identifier: { system: ODS, value: 'M85001' } } }) })).organisation).toBe('M85001');
    expect(mapped(noOrgAgent({ source: { observer: { identifier: { system: ODS, value: 'RRK' }, display: 'UHB EPR' } } }))).toMatchObject({
      organisation: 'RRK', system: 'UHB EPR',
    });
    expect(mapped(noOrgAgent({ source: { site: 'RX1', observer: { display: 'nuh-epr' } } }))).toMatchObject({
      organisation: 'RX1', site: 'RX1',
    });
    expect(mapped(auditEvent({ source: { site: 'RX1CC', observer: { display: 'nuh-epr' } } }))).toMatchObject({
      organisation: 'RX1', site: 'RX1CC',
    });
    expect(errorsOf(noOrgAgent({}))).toEqual([
      `source.site: missing, and no agent, entity or source.observer has an identifier of system ${ODS} (the organisation's ODS code)`,
    ]);
  });

  it('reports an AuditEvent with no patient entity', () => {
    expect(errorsOf(auditEvent({ entity: [] }))).toEqual(['entity: no entity whose what is a Patient with an NHS number identifier']);
    expect(errorsOf(auditEvent({ entity: [{ what: { reference: 'DocumentReference/d1' } }] }))).toEqual([
      'entity: no entity whose what is a Patient with an NHS number identifier',
    ]);
  });

  it('says which Patient entity lacks an NHS number', () => {
    const resource = auditEvent({ entity: [{ what: { reference: 'Patient/p1', identifier: { system: 'https://example.nhs.uk/mrn', value: 'MRN123' } } }] });
    expect(errorsOf(resource)).toEqual([
      `entity: no entity whose what is a Patient with an NHS number identifier (entity[0] refers to a Patient but its what.identifier is not of system ${NHS_NUMBER})`,
    ]);
  });

  it('finds the patient by what.type, or by an NHS number identifier alone', () => {
    const byType = auditEvent({ entity: [{ what: { type: 'Patient', identifier: { system: NHS_NUMBER, value: '9449306060' } } }] });
    expect(mapped(byType).patient).toEqual({ nhsNumber: '9449306060' });
    const byIdentifier = auditEvent({ entity: [{ what: { identifier: { system: NHS_NUMBER, value: '9000000009' } } }] });
    expect(mapped(byIdentifier).patient).toEqual({ nhsNumber: '9000000009' });
  });

  it('rejects an AuditEvent about two patients rather than dropping one', () => {
    const resource = auditEvent({
      entity: [
        { what: { reference: 'Patient/p1', identifier: { system: NHS_NUMBER, value: '9434765919' } } },
        { what: { reference: 'Patient/p2', identifier: { system: NHS_NUMBER, value: '9434765870' } } },
      ],
    });
    expect(errorsOf(resource)).toEqual([
      'entity: entities name 2 different patients by NHS number; an access event is about one patient, so post one AuditEvent per patient',
    ]);
  });

  it('takes the record part from the other entities\' resource types when they agree', () => {
    const withEntity = (what: Json) => mapped(auditEvent({ entity: [...(auditEvent().entity as Json[]), { what }] }));
    expect(withEntity({ reference: 'Observation/o1' }).recordPart).toBe('result');
    expect(withEntity({ reference: 'https://epr.example.nhs.uk/fhir/MedicationRequest/m1/_history/2' }).recordPart).toBe('medication');
    expect(withEntity({ type: 'AllergyIntolerance' }).recordPart).toBe('allergy');
    expect(withEntity({ reference: 'Encounter/e1' })).not.toHaveProperty('recordPart');
  });

  it('reports a missing id unless the Bundle entry names the resource by urn:uuid', () => {
    expect(errorsOf(auditEvent({ id: undefined }))).toEqual([
      'id: missing (the source system\'s stable id for the AuditEvent, so a retried post is not stored twice)',
    ]);
    const records: ParsedRecord[] = parse({
      resourceType: 'Bundle', type: 'transaction',
      entry: [{ fullUrl: 'urn:uuid:0b6f1c2e-9d4a-4e3b-8f7a-6c5d4e3b2a10', resource: auditEvent({ id: undefined }) }],
    });
    expect(records[0].value?.id).toBe('0b6f1c2e-9d4a-4e3b-8f7a-6c5d4e3b2a10');
  });
});
