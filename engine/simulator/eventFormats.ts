import type { AccessEvent } from '../events/accessEvent.js';
import { londonOffsetMs } from '../explain/londonTime.js';
import { NHS_NUMBER_SYSTEM, ODS_ORGANISATION_SYSTEM } from '../formats/fhir.js';
import type { AccessDraft } from './labels.js';
import type { EventFormat } from './organisations.js';
import { mix } from './random.js';

/**
 * How each simulated system writes its access log: the GP clinical system and the pharmacy
 * system as CSV with dotted headers (the GP system in UK local time with its offset), the
 * hospital EPR as FHIR R4 AuditEvents (FHIR-MAPPING.md, read backwards), social care and
 * community as canonical JSON. Pure: events in, text out.
 */

/** CSV columns, in order; `system` is left out (the posting key names it). */
export const CSV_COLUMNS = [
  'id', 'occurredAt', 'organisation', 'user.id', 'user.role', 'user.team', 'patient.nhsNumber', 'action', 'recordPart',
  'purpose', 'outcome', 'workstation', 'site', 'reason', 'relationshipClaim',
] as const;

/** The id an event gets from its system, in that system's style. */
export function eventIdOf(format: EventFormat, systemSeed: number, n: number): string {
  switch (format) {
    case 'fhir': return uuidOf(systemSeed, n);
    case 'csv': return `EV${String(n).padStart(10, '0')}`;
    case 'ndjson': return `audit-${n}`;
    case 'json': return String(1_000_000 + n);
  }
}

/** A version-4-shaped UUID made from two numbers (deterministic, not random). */
export function uuidOf(seed: number, n: number): string {
  const hex = [mix(seed, n, 1), mix(seed, n, 2), mix(seed, n, 3), mix(seed, n, 4)].map((word) => word.toString(16).padStart(8, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${'89ab'[parseInt(hex[16], 16) & 3]}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** An instant as RFC 3339 in UK local time with its offset (`2026-07-01T09:30:00+01:00`), as a GP system exports it. */
export function localTime(at: number): string {
  const offset = londonOffsetMs(at);
  return `${new Date(at + offset).toISOString().slice(0, 19)}${offset === 0 ? '+00:00' : '+01:00'}`;
}

/** The canonical access event of a draft, with the id its system gave it. */
export function canonicalEvent(draft: AccessDraft, id: string): AccessEvent {
  return {
    id,
    occurredAt: new Date(draft.at).toISOString(),
    system: draft.system,
    organisation: draft.organisation,
    user: { ...draft.user },
    patient: { nhsNumber: draft.nhsNumber },
    action: draft.action,
    ...(draft.recordPart !== undefined ? { recordPart: draft.recordPart } : {}),
    ...(draft.purpose !== undefined ? { purpose: draft.purpose } : {}),
    ...(draft.outcome !== undefined ? { outcome: draft.outcome } : {}),
    ...(draft.workstation !== undefined ? { workstation: draft.workstation } : {}),
    ...(draft.ip !== undefined ? { ip: draft.ip } : {}),
    ...(draft.site !== undefined ? { site: draft.site } : {}),
    ...(draft.reason !== undefined ? { reason: draft.reason } : {}),
    ...(draft.relationshipClaim !== undefined ? { relationshipClaim: draft.relationshipClaim } : {}),
  };
}

function csvCell(value: string | undefined): string {
  if (value === undefined) return '';
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** One CSV row (no line end); `local` writes the time in UK local time with its offset. */
export function csvRowOf(event: AccessEvent, local: boolean): string {
  return [
    event.id, local ? localTime(Date.parse(event.occurredAt)) : event.occurredAt, event.organisation, event.user.id, event.user.role,
    event.user.team, event.patient.nhsNumber, event.action, event.recordPart, event.purpose, event.outcome, event.workstation,
    event.site, event.reason, event.relationshipClaim,
  ].map(csvCell).join(',');
}

const PURPOSE_CODES: Record<string, string> = {
  'direct-care': 'TREAT', emergency: 'ETREAT', research: 'HRESCH', planning: 'HOPERAT', commissioning: 'HPAYMT', legal: 'LEGAL', audit: 'HSYSADMIN',
};
const RESTFUL: Record<string, [action: string, subtype: string]> = {
  view: ['R', 'read'], search: ['E', 'search-type'], create: ['C', 'create'], update: ['U', 'update'], delete: ['D', 'delete'],
};
/** The FHIR resource that reveals a record part (FHIR has none for the other parts). */
const PART_RESOURCES: Record<string, string> = { result: 'Observation', medication: 'MedicationStatement', allergy: 'AllergyIntolerance', document: 'DocumentReference' };
const SDS_ROLE_HIERARCHY: Record<string, string> = { R8000: 'S8000:G8000:R8000', R8001: 'S8001:G8001:R8001' };

/** The FHIR R4 AuditEvent an EPR writes for an access (FHIR-MAPPING.md maps it back to the same event, bar unmappable parts). */
export function auditEventOf(event: AccessEvent): Record<string, unknown> {
  const local = `https://${event.system}.example.nhs.uk/CodeSystem/audit-action`;
  const restful = RESTFUL[event.action];
  const type = event.action === 'export'
    ? { system: 'http://dicom.nema.org/resources/ontology/DCM', code: '110106', display: 'Export' }
    : { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' };
  const subtype = restful
    ? [{ system: 'http://hl7.org/fhir/restful-interaction', code: restful[1] }]
    : event.action === 'print' || event.action === 'disclose' ? [{ system: local, code: event.action }] : [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }];
  const breakGlass = event.action === 'emergency-access';
  const purposeCode = breakGlass ? 'BTG' : event.purpose ? PURPOSE_CODES[event.purpose] ?? event.purpose : undefined;
  const part = event.recordPart ? PART_RESOURCES[event.recordPart] : undefined;
  return {
    resourceType: 'AuditEvent',
    id: event.id,
    type,
    subtype,
    action: restful?.[0] ?? 'R',
    recorded: event.occurredAt,
    ...(event.outcome ? { outcome: event.outcome === 'success' ? '0' : '4' } : {}),
    ...(purposeCode ? {
      purposeOfEvent: [{
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: purposeCode }],
        ...(breakGlass && event.reason ? { text: event.reason } : {}),
      }],
    } : {}),
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
        who: { identifier: { system: 'https://fhir.nhs.uk/Id/sds-user-id', value: event.user.id } },
        requestor: true,
        role: [{ coding: [{ system: 'https://fhir.nhs.uk/CodeSystem/NHSDigital-SDS-JobRoleCode', code: SDS_ROLE_HIERARCHY[event.user.role] ?? event.user.role }] }],
        ...(event.workstation ? { network: { address: event.workstation, type: '1' } } : {}),
      },
      { who: { identifier: { system: ODS_ORGANISATION_SYSTEM, value: event.organisation } }, requestor: false },
    ],
    source: {
      ...(event.site ? { site: event.site } : {}),
      observer: { display: event.system },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [
      {
        what: { type: 'Patient', identifier: { system: NHS_NUMBER_SYSTEM, value: event.patient.nhsNumber } },
        type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
        role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
      },
      ...(part ? [{ what: { type: part }, type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' } }] : []),
    ],
  };
}

/** A small stable number for a system's name, so each system's ids differ. */
export function systemSeed(seed: number, system: string): number {
  let h = 0;
  for (let i = 0; i < system.length; i++) h = Math.imul(h ^ system.charCodeAt(i), 0x01000193) >>> 0;
  return mix(seed, h);
}
