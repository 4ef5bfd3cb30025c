import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AccessEvent, StoredEvent } from '../../events/accessEvent.js';
import type { Person, Source } from '../port.js';
import type { ExplainedBy, Explanation } from '../../explain/explanation.js';
import type { Address, Patient, Relationship, Staff } from '../../reference/referenceData.js';
import type { Alert, AlertExplanation, EvidenceRef, Resolution, Suppression, TriageEntry } from '../../alerts/alert.js';
import type { AlertDocument } from './alertDocuments.js';
import type { QuarantineDocument } from './bulkRequest.js';
import { eventsIndexFor, indexNamesFor } from './indexNames.js';
import { TEMPLATE_FILES, eventsRetentionPolicyFor, indexTemplatesFor, type TemplateName } from './templates.js';

const templatesDir = new URL('./templates/', import.meta.url);

// Typed as Record<keyof ...>, so adding a field to AccessEvent (or the stored metadata, a source,
// a person) fails to compile here until the field is listed, and then fails the test until mapped.
const accessEventFields: Record<keyof AccessEvent, true> = {
  id: true, occurredAt: true, system: true, organisation: true, user: true, patient: true, action: true,
  recordPart: true, purpose: true, outcome: true, workstation: true, ip: true, site: true, reason: true,
  relationshipClaim: true,
};
const userFields: Record<keyof AccessEvent['user'], true> = { id: true, role: true, team: true };
const patientFields: Record<keyof AccessEvent['patient'], true> = { nhsNumber: true };
const storedMetadataFields: Record<Exclude<keyof StoredEvent, 'event'>, true> = {
  docId: true, sha256: true, receivedAt: true, batchId: true, original: true, explanation: true,
};
const explanationFields: Record<keyof Explanation, true> = { explained: true, by: true, checked: true, why: true };
const explainedByFields: Record<keyof ExplainedBy, true> = {
  type: true, level: true, organisation: true, relationshipId: true, start: true, end: true, withinMargin: true,
};
const quarantineFields: Record<keyof QuarantineDocument, true> = {
  docId: true, index: true, errorType: true, reason: true, document: true, system: true, batchId: true,
  quarantinedAt: true,
};
const sourceFields: Record<keyof Source, true> = {
  system: true, organisations: true, scopes: true, keyHash: true, createdAt: true, revokedAt: true,
};
const personFields: Record<keyof Person, true> = {
  id: true,
  name: true, role: true, organisations: true, tokenHash: true, createdAt: true, revokedAt: true,
};

const addressFields: Record<keyof Address, true> = { line1: true, postcode: true };
const staffFields: Record<Exclude<keyof Staff, 'address'>, true> = {
  userId: true, organisation: true, name: true, surname: true, role: true, roleClass: true, team: true, nhsNumber: true, start: true, end: true,
};
const patientRecordFields: Record<Exclude<keyof Patient, 'address'>, true> = {
  nhsNumber: true, surname: true, dateOfBirth: true, dateOfDeath: true, flags: true, optOuts: true, registeredPractice: true,
};
const relationshipFields: Record<keyof Relationship, true> = {
  id: true, nhsNumber: true, organisation: true, team: true, userId: true, type: true, start: true, end: true,
};
const addressPaths = Object.keys(addressFields).map((field) => `address.${field}`);

const alertFields: Record<Exclude<keyof Alert, 'explanation' | 'evidence' | 'resolution' | 'history'>, true> = {
  id: true, ruleId: true, title: true, severity: true, status: true, raises: true, organisation: true, userId: true, team: true, users: true, nhsNumber: true,
  system: true, firstSeenAt: true, lastSeenAt: true, eventCount: true, score: true, createdAt: true, updatedAt: true, version: true,
  assignee: true,
};
const resolutionFields: Record<keyof Resolution, true> = { reason: true, note: true, at: true, by: true, byName: true };
const triageEntryFields: Record<keyof TriageEntry, true> = {
  at: true, by: true, byName: true, from: true, to: true, assignee: true, reason: true, note: true,
};
const alertExplanationFields: Record<keyof AlertExplanation, true> = { text: true, checked: true, why: true, details: true };
const evidenceFields: Record<keyof EvidenceRef, true> = { docId: true, system: true, id: true, occurredAt: true };
const alertStoreFields: Record<Exclude<keyof AlertDocument, keyof Alert>, true> = {
  subjectKey: true, generation: true, latestGeneration: true, successor: true,
};
const suppressionFields: Record<keyof Suppression, true> = {
  id: true, organisation: true, ruleId: true, userId: true, nhsNumber: true, expiresAt: true, reason: true, createdBy: true, createdAt: true,
};

interface FieldMapping {
  type?: string;
  index?: boolean;
  enabled?: boolean;
  dynamic?: string;
  properties?: Record<string, FieldMapping>;
}

function readJson(name: string): unknown {
  return JSON.parse(readFileSync(new URL(name, templatesDir), 'utf8'));
}

function mappingOf(name: TemplateName): FieldMapping {
  return (readJson(`${name}.json`) as { template: { mappings: FieldMapping } }).template.mappings;
}

/** Every mapped leaf field as a dotted path with its type, e.g. `user.id` → keyword. */
function mappedFields(mapping: FieldMapping, parent = ''): Map<string, FieldMapping> {
  const fields = new Map<string, FieldMapping>();
  for (const [name, field] of Object.entries(mapping.properties ?? {})) {
    const path = parent + name;
    if (field.properties) for (const [child, leaf] of mappedFields(field, `${path}.`)) fields.set(child, leaf);
    else fields.set(path, field);
  }
  return fields;
}

describe('index templates and retention policy as data', () => {
  const files = readdirSync(templatesDir).filter((file) => file.endsWith('.json'));

  it('keeps the ten templates and the retention policy in templates/', () => {
    expect(files.sort()).toEqual([
      'alerts.json', 'events-retention-policy.json', 'events.json', 'incidents.json', 'patients.json', 'people.json', 'quarantine.json',
      'relationships.json', 'sources.json', 'staff.json', 'suppressions.json',
    ]);
  });

  it.each(files)('%s is valid JSON and is what the store loads', (file) => {
    const loaded =
      file === 'events-retention-policy.json'
        ? eventsRetentionPolicyFor(indexNamesFor('accesswatch')) // the policy names no index
        : TEMPLATE_FILES[file.replace('.json', '') as TemplateName];
    expect(loaded).toEqual(readJson(file));
  });

  it.each(Object.keys(TEMPLATE_FILES) as TemplateName[])('%s mapping is strict all the way down', (name) => {
    const mapping = mappingOf(name);
    expect(mapping.dynamic).toBe('strict');
    // No object may loosen it: a nested `dynamic: true` would let unknown fields in silently.
    const loosened = JSON.stringify(mapping.properties).match(/"dynamic":"(?!strict)[^"]*"/g);
    expect(loosened).toBeNull();
  });

  it.each(Object.keys(TEMPLATE_FILES) as TemplateName[])('%s writes the translog on every request', (name) => {
    const settings = (readJson(`${name}.json`) as { template: { settings: { index: { translog: { durability: string } } } } })
      .template.settings;
    expect(settings.index.translog.durability).toBe('request');
  });

  it('maps exactly the fields of AccessEvent plus the stored metadata', () => {
    const expected = [
      ...Object.keys(accessEventFields).filter((field) => field !== 'user' && field !== 'patient'),
      ...Object.keys(userFields).map((field) => `user.${field}`),
      ...Object.keys(patientFields).map((field) => `patient.${field}`),
      ...Object.keys(storedMetadataFields).filter((field) => field !== 'explanation'),
      ...Object.keys(explanationFields).filter((field) => field !== 'by').map((field) => `explanation.${field}`),
      ...Object.keys(explainedByFields).map((field) => `explanation.by.${field}`),
    ];
    expect([...mappedFields(mappingOf('events')).keys()].sort()).toEqual(expected.sort());
  });

  it('maps dates as date, free text as text, original as stored-only and every other field as keyword', () => {
    const fields = mappedFields(mappingOf('events'));
    expect(fields.get('occurredAt')).toEqual({ type: 'date' });
    expect(fields.get('receivedAt')).toEqual({ type: 'date' });
    expect(fields.get('reason')).toEqual({ type: 'text' });
    expect(fields.get('original')).toEqual({ type: 'object', enabled: false });
    expect(fields.get('explanation.explained')).toEqual({ type: 'boolean' });
    expect(fields.get('explanation.by.withinMargin')).toEqual({ type: 'boolean' });
    expect(fields.get('explanation.why')).toEqual({ type: 'text' });
    expect(fields.get('explanation.checked')).toEqual({ type: 'text', index: false });
    const notKeyword = ['occurredAt', 'receivedAt', 'reason', 'original', 'explanation.explained', 'explanation.by.withinMargin', 'explanation.why', 'explanation.checked'];
    const others = [...fields].filter(([path]) => !notKeyword.includes(path));
    expect(others.length).toBeGreaterThan(10);
    for (const [path, field] of others) expect({ path, type: field.type }).toEqual({ path, type: 'keyword' });
  });

  it('maps exactly the fields of a quarantine entry, a source and a person', () => {
    expect([...mappedFields(mappingOf('quarantine')).keys()].sort()).toEqual(Object.keys(quarantineFields).sort());
    expect(mappedFields(mappingOf('quarantine')).get('document')).toEqual({ type: 'text', index: false });
    expect([...mappedFields(mappingOf('sources')).keys()].sort()).toEqual(Object.keys(sourceFields).sort());
    expect([...mappedFields(mappingOf('people')).keys()].sort()).toEqual(Object.keys(personFields).sort());
  });

  it('maps exactly the fields of staff, patients and relationships plus what the store adds', () => {
    const fields = (name: TemplateName) => [...mappedFields(mappingOf(name)).keys()].sort();
    expect(fields('staff')).toEqual([...Object.keys(staffFields), ...addressPaths, 'receivedAt'].sort());
    expect(fields('patients')).toEqual([...Object.keys(patientRecordFields), ...addressPaths, 'receivedAt'].sort());
    expect(fields('relationships')).toEqual([...Object.keys(relationshipFields), 'naturalKey', 'receivedAt'].sort());
  });

  it('maps exactly the fields of an alert, its explanation and evidence, plus what the store adds', () => {
    expect([...mappedFields(mappingOf('alerts')).keys()].sort()).toEqual([
      ...Object.keys(alertFields),
      ...Object.keys(alertExplanationFields).map((field) => `explanation.${field}`),
      ...Object.keys(evidenceFields).map((field) => `evidence.${field}`),
      ...Object.keys(resolutionFields).map((field) => `resolution.${field}`),
      ...Object.keys(triageEntryFields).map((field) => `history.${field}`),
      ...Object.keys(alertStoreFields),
    ].sort());
  });

  it('maps alert times as date, counts and versions as integer, words and notes as text, details as stored-only and every other alert field as keyword', () => {
    const special: Record<string, FieldMapping> = {
      firstSeenAt: { type: 'date' }, lastSeenAt: { type: 'date' }, createdAt: { type: 'date' }, updatedAt: { type: 'date' },
      'evidence.occurredAt': { type: 'date' }, eventCount: { type: 'integer' }, score: { type: 'integer' },
      generation: { type: 'integer' }, latestGeneration: { type: 'integer' }, successor: { type: 'integer' }, version: { type: 'integer' },
      'resolution.at': { type: 'date' }, 'history.at': { type: 'date' }, 'resolution.note': { type: 'text' }, 'history.note': { type: 'text' },
      'explanation.text': { type: 'text' }, 'explanation.why': { type: 'text' }, 'explanation.checked': { type: 'text', index: false },
      // Details are a rule's own figures (any names): kept in _source, never mapped, so strict mapping cannot refuse them.
      'explanation.details': { type: 'object', enabled: false },
    };
    for (const [path, field] of mappedFields(mappingOf('alerts'))) expect({ path, field }).toEqual({ path, field: special[path] ?? { type: 'keyword' } });
  });

  it('maps exactly the fields of a suppression: expiry and creation as date, the reason as text, the rest as keyword', () => {
    const fields = mappedFields(mappingOf('suppressions'));
    expect([...fields.keys()].sort()).toEqual(Object.keys(suppressionFields).sort());
    const special: Record<string, FieldMapping> = { expiresAt: { type: 'date' }, createdAt: { type: 'date' }, reason: { type: 'text' } };
    for (const [path, field] of fields) expect({ path, field }).toEqual({ path, field: special[path] ?? { type: 'keyword' } });
  });

  it('maps reference dates as date (YYYY-MM-DD and date-times both fit) and every other reference field as keyword', () => {
    const dates = new Set(['start', 'end', 'dateOfBirth', 'dateOfDeath', 'receivedAt']);
    for (const name of ['staff', 'patients', 'relationships'] as const) {
      for (const [path, field] of mappedFields(mappingOf(name))) {
        expect({ name, path, type: field.type }).toEqual({ name, path, type: dates.has(path) ? 'date' : 'keyword' });
      }
    }
  });
});

describe('templates for a prefix', () => {
  const names = indexNamesFor('test-3f1c');
  const templates = indexTemplatesFor(names);

  it('names one template per index family after the prefix, with no placeholder left', () => {
    expect([...templates.keys()]).toEqual([
      'test-3f1c-events', 'test-3f1c-quarantine', 'test-3f1c-sources', 'test-3f1c-people', 'test-3f1c-staff', 'test-3f1c-patients',
      'test-3f1c-relationships', 'test-3f1c-alerts', 'test-3f1c-suppressions', 'test-3f1c-incidents',
    ]);
    expect(templates.get('test-3f1c-relationships')?.index_patterns).toEqual([names.relationships]);
    expect(JSON.stringify([...templates.values()])).not.toContain('{prefix}');
    expect(templates.get('test-3f1c-quarantine')?.index_patterns).toEqual(['test-3f1c-quarantine']);
  });

  it('matches the monthly events indices and puts them under the retention policy', () => {
    const events = templates.get('test-3f1c-events');
    expect(events?.index_patterns).toEqual([names.eventsPattern]);
    expect(events?.template?.settings).toMatchObject({
      index: { lifecycle: { name: names.eventsRetentionPolicy, parse_origination_date: true } },
    });
    const pattern = new RegExp(`^${names.eventsPattern.replace(/[.]/g, '\\.').replace('*', '.*')}$`);
    expect(eventsIndexFor(names, '2024-03-11T09:15:02Z')).toMatch(pattern);
  });

  it('names monthly indices so ILM can read their origination date', () => {
    // The pattern IndexLifecycleOriginationDateParser applies; a name that fails it makes index creation fail.
    const ilmOriginationDate = /^.*-(\d{4}.\d{2}.\d{2})(-[\d]+)?$/;
    const index = eventsIndexFor(names, '2024-03-11T09:15:02Z');
    expect(index.match(ilmOriginationDate)?.[1]).toBe('2024.03.01');
  });

  it('keeps events for a retention period, then deletes them', () => {
    const policy = eventsRetentionPolicyFor(names);
    expect(policy.phases.delete?.actions).toEqual({ delete: {} });
    expect(policy.phases.delete?.min_age).toBe('2922d');
    // No phase may make an index read-only: late events for an old month must still be written.
    expect(JSON.stringify(policy.phases)).not.toMatch(/readonly|forcemerge|shrink|searchable_snapshot/);
  });

  it('gives priority above the built-in logs-*-* and metrics-*-* templates (100)', () => {
    for (const template of templates.values()) expect(template.priority).toBeGreaterThan(100);
  });
});
