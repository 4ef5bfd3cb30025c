import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLikeServer, type Answer, type ReceivedRequest } from '../../../test/elasticsearchLikeServer.js';
import type {
  BreachContact, Incident, IncidentNote, IcoReportPhase, IncidentStatusChange, RecordedAssessment, ReportingDecision,
} from '../../incidents/incident.js';
import { changeIncident } from '../../incidents/incidentChanges.js';
import { InvalidCursorError } from '../cursor.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';
import { incidentSearchRequest } from './incidentDocuments.js';
import { indexNamesFor } from './indexNames.js';
import { TEMPLATE_FILES } from './templates.js';

// Incidents through the real client, against the stand-in server answering with Elasticsearch's
// own responses (fixtures/): create once, compare-and-set updates, and listing by deadline.

const fixtures = new URL('./fixtures/', import.meta.url);
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as T;
const stored = fixture<{ _source: Incident }>('get-response-incident.json')._source;
const winner = fixture<{ _source: Incident }>('get-response-incident-changed.json')._source;
const DOC = `/accesswatch-incidents/_doc/${stored.id}`;

/** Answers each path's requests with its answers in order, repeating the last. */
function answering(byPath: Record<string, Answer[]>): (request: ReceivedRequest) => Answer {
  const next: Record<string, number> = {};
  return (request) => {
    const answers = byPath[request.path];
    if (!answers) return { status: 404, body: { error: { type: 'unexpected', reason: request.path }, status: 404 } };
    const position = (next[request.path] = (next[request.path] ?? -1) + 1);
    return answers[Math.min(position, answers.length - 1)];
  };
}

let server: ElasticsearchLikeServer | undefined;
let store: ElasticsearchStore | undefined;

async function storeAnswering(byPath: Record<string, Answer[]>): Promise<ElasticsearchStore> {
  server = await ElasticsearchLikeServer.start(answering(byPath), fixtures);
  store = createElasticsearchStore({ node: server.url, retry: { attempts: 3, initialDelayMs: 1, maxDelayMs: 4 } });
  return store;
}

afterEach(async () => {
  await store?.close();
  await server?.stop();
  store = server = undefined;
});

const sent = () => server!.requests.map((request) => `${request.method} ${request.path}`);
const next = (current: Incident, text: string) => changeIncident(current, { note: text, by: 'person-2', at: '2026-11-20T12:05:00.000Z' });

describe('incidents through the client', () => {
  it('creates an incident with create, waiting until it is searchable, and says false when the id is taken', async () => {
    const first = { ...stored, version: 1, notes: [] };
    const es = await storeAnswering({
      [`/accesswatch-incidents/_create/${stored.id}`]: [
        { status: 201, fixture: 'create-response-incident-created.json' }, { status: 409, fixture: 'error-response-incident-exists.json' },
      ],
    });
    expect(await es.createIncident(first)).toBe(true);
    expect(await es.createIncident(first)).toBe(false);
    const [create] = server!.requests;
    expect(`${create.method} ${create.path}`).toBe(`PUT /accesswatch-incidents/_create/${stored.id}`);
    expect(create.query.get('refresh')).toBe('wait_for');
    expect(create.lines[0]).toEqual(first);
  });

  it('gets an incident in real time, and nothing for an unknown id or before the index exists', async () => {
    const es = await storeAnswering({
      [DOC]: [{ fixture: 'get-response-incident.json' }],
      '/accesswatch-incidents/_doc/unknown': [{ status: 404, body: { _index: 'accesswatch-incidents', _id: 'unknown', found: false } }],
      '/accesswatch-incidents/_doc/no-index-yet': [{ status: 404, fixture: 'error-response-index-not-found.json' }],
    });
    expect(await es.getIncident(stored.id)).toEqual(stored);
    expect(await es.getIncident('unknown')).toBeUndefined();
    expect(await es.getIncident('no-index-yet')).toBeUndefined();
  });

  it('updates by compare-and-set: writes the next version guarded by the sequence number it read', async () => {
    const es = await storeAnswering({ [DOC]: [{ fixture: 'get-response-incident.json' }, { fixture: 'index-response-incident-updated.json' }] });
    const third = next(stored, 'Manager informed');
    expect(await es.updateIncident(third, 2)).toEqual({ updated: true, incident: third });
    expect(sent()).toEqual([`GET ${DOC}`, `PUT ${DOC}`]);
    const write = server!.requests[1];
    expect(Object.fromEntries(write.query)).toEqual({ if_seq_no: '7', if_primary_term: '1', refresh: 'wait_for' });
    expect(write.lines[0]).toEqual(third);
  });

  it('refuses, without writing, a change based on a version that is no longer stored', async () => {
    const es = await storeAnswering({ [DOC]: [{ fixture: 'get-response-incident.json' }] });
    const stale = { ...next(stored, 'late'), version: 2 };
    expect(await es.updateIncident(stale, 1)).toEqual({ updated: false, current: stored });
    expect(sent()).toEqual([`GET ${DOC}`]);
  });

  it('tells the loser of a race (409 on the guarded write) which version won', async () => {
    const es = await storeAnswering({
      [DOC]: [{ fixture: 'get-response-incident.json' }, { status: 409, fixture: 'error-response-incident-changed.json' }, { fixture: 'get-response-incident-changed.json' }],
    });
    expect(await es.updateIncident(next(stored, 'written at the same time'), 2)).toEqual({ updated: false, current: winner });
    expect(sent()).toEqual([`GET ${DOC}`, `PUT ${DOC}`, `GET ${DOC}`]);
  });

  it('refuses an update of an incident that does not exist, without writing one', async () => {
    const es = await storeAnswering({ [DOC]: [{ status: 404, body: { _index: 'accesswatch-incidents', _id: stored.id, found: false } }] });
    expect(await es.updateIncident(next(stored, 'nothing there'), 2)).toEqual({ updated: false });
    expect(sent()).toEqual([`GET ${DOC}`]);
  });

  it('lists the page of a search with a cursor from the last hit, and follows it with search_after', async () => {
    const es = await storeAnswering({ '/accesswatch-incidents/_search': [{ fixture: 'search-response-incidents-page.json' }] });
    const page = await es.queryIncidents({ organisations: ['A81001'], status: 'open', limit: 2 });
    expect(page.incidents.map((incident) => incident.awareAt)).toEqual(['2026-11-18T08:00:00.000Z', '2026-11-19T14:30:00.000Z']);
    expect(page.nextCursor).toBeDefined();
    await es.queryIncidents({ organisations: ['A81001'], limit: 2, cursor: page.nextCursor });
    const [first, second] = server!.requests;
    expect(first.lines[0]).toEqual({
      size: 3, track_total_hits: false, sort: [{ awareAt: { order: 'asc' } }, { id: { order: 'asc' } }],
      query: { bool: { filter: [{ terms: { organisation: ['A81001'] } }, { term: { status: 'open' } }] } },
    });
    expect(second.lines[0].search_after).toEqual([Date.parse('2026-11-19T14:30:00.000Z'), '8e7d6c5b-4a39-4281-b0c1-d2e3f4a5b6c7']);
  });

  it('asks nothing for no organisations, and refuses a bad limit or cursor before asking', async () => {
    const es = await storeAnswering({});
    expect(await es.queryIncidents({ organisations: [], limit: 10 })).toEqual({ incidents: [] });
    await expect(es.queryIncidents({ organisations: ['A81001'], limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    expect(() => incidentSearchRequest(indexNamesFor('accesswatch'), { organisations: ['A81001'], limit: 0 })).toThrow(RangeError);
    expect(server!.requests).toEqual([]);
  });
});

// Typed as Record<keyof ...>, so adding a field to an incident fails to compile here until listed, then fails until mapped.
const incidentFields: Record<Exclude<keyof Incident, 'notes' | 'statusHistory' | 'assessment' | 'decisions' | 'reports'>, true> = {
  id: true, organisation: true, title: true, description: true, status: true, alertIds: true, awareAt: true, createdAt: true,
  createdBy: true, updatedAt: true, version: true,
};
const noteFields: Record<keyof IncidentNote, true> = { at: true, by: true, text: true };
const statusChangeFields: Record<keyof IncidentStatusChange, true> = { at: true, by: true, from: true, to: true };
const assessmentFields: Record<Exclude<keyof RecordedAssessment, 'contact'>, true> = {
  likelihood: true, severity: true, dataSubjects: true, records: true, categories: true, dataSubjectCategories: true, vulnerableGroups: true,
  consequences: true, measures: true, reasonForDelay: true, assessedAt: true, assessedBy: true,
};
const contactFields: Record<keyof BreachContact, true> = { name: true, role: true, email: true, phone: true };
const decisionFields: Record<keyof ReportingDecision, true> = {
  report: true, reason: true, at: true, by: true, reportableToIco: true, likelihood: true, severity: true,
};
const phaseFields: Record<keyof IcoReportPhase, true> = { phase: true, submittedAt: true, submittedBy: true, icoReference: true, content: true };

interface FieldMapping { type?: string; enabled?: boolean; properties?: Record<string, FieldMapping> }

function leaves(mapping: FieldMapping, parent = ''): Map<string, FieldMapping> {
  const found = new Map<string, FieldMapping>();
  for (const [name, field] of Object.entries(mapping.properties ?? {})) {
    if (field.properties) for (const [path, leaf] of leaves(field, `${parent}${name}.`)) found.set(path, leaf);
    else found.set(parent + name, field);
  }
  return found;
}

describe('the incidents index template as data', () => {
  const fields = leaves((TEMPLATE_FILES.incidents as unknown as { template: { mappings: FieldMapping } }).template.mappings);
  const under = (prefix: string, keys: object) => Object.keys(keys).map((key) => `${prefix}.${key}`);

  it('maps exactly the fields of an incident, its notes, status changes, assessment, decisions and report phases', () => {
    expect([...fields.keys()].sort()).toEqual([
      ...Object.keys(incidentFields), ...under('notes', noteFields), ...under('statusHistory', statusChangeFields),
      ...under('assessment', assessmentFields), ...under('assessment.contact', contactFields), ...under('decisions', decisionFields),
      ...under('reports', phaseFields),
    ].sort());
  });

  it('maps times as date, scores and counts as numbers, prose as text, the report sent as stored-only, and the rest as keyword', () => {
    const special: Record<string, FieldMapping> = {
      title: { type: 'text' }, description: { type: 'text' }, awareAt: { type: 'date' }, createdAt: { type: 'date' }, updatedAt: { type: 'date' },
      version: { type: 'integer' }, 'notes.at': { type: 'date' }, 'notes.text': { type: 'text' }, 'statusHistory.at': { type: 'date' },
      'assessment.likelihood': { type: 'integer' }, 'assessment.severity': { type: 'integer' }, 'assessment.dataSubjects': { type: 'long' },
      'assessment.records': { type: 'long' }, 'assessment.consequences': { type: 'text' }, 'assessment.measures': { type: 'text' },
      'assessment.reasonForDelay': { type: 'text' }, 'assessment.assessedAt': { type: 'date' },
      'decisions.report': { type: 'boolean' }, 'decisions.reason': { type: 'text' }, 'decisions.at': { type: 'date' },
      'decisions.reportableToIco': { type: 'boolean' }, 'decisions.likelihood': { type: 'integer' }, 'decisions.severity': { type: 'integer' },
      'reports.phase': { type: 'integer' }, 'reports.submittedAt': { type: 'date' },
      // What was sent is kept exactly as sent, never searched, so a later change to the report's shape cannot be refused.
      'reports.content': { type: 'object', enabled: false },
    };
    for (const [path, field] of fields) expect({ path, field }).toEqual({ path, field: special[path] ?? { type: 'keyword' } });
  });
});
