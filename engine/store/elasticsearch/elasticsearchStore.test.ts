import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLikeServer, actionsIn, type Answer, type Script } from '../../../test/elasticsearchLikeServer.js';
import type { StoredEvent } from '../../events/accessEvent.js';
import { InvalidCursorError } from '../cursor.js';
import type { Source } from '../port.js';
import type { Patient, Stored } from '../../reference/referenceData.js';
import { BulkWriteError } from './bulkRetry.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';

// The real @elastic/elasticsearch client talks HTTP to a stand-in server (test/elasticsearchLikeServer.ts)
// that answers with Elasticsearch's own response bodies (fixtures/).

const fixtures = new URL('./fixtures/', import.meta.url);

function fixtureText(name: string): string {
  return readFileSync(new URL(name, fixtures), 'utf8');
}
function fixture<T>(name: string): T {
  return JSON.parse(fixtureText(name)) as T;
}

const events = fixture<StoredEvent[]>('stored-events.json');
const ids = events.map((event) => event.docId);

/** Answers successive _bulk requests with these fixtures, in order. */
function bulkAnswers(...answers: Answer[]): Script {
  let next = 0;
  return (request) => {
    if (request.path !== '/_bulk') return { status: 404, body: { error: { type: 'unexpected', reason: request.path }, status: 404 } };
    const answer = answers[next++];
    if (!answer) throw new Error('more bulk requests than the test expected');
    return answer;
  };
}

let server: ElasticsearchLikeServer | undefined;
let store: ElasticsearchStore | undefined;

async function storeAnswering(script: Script, attempts = 3): Promise<ElasticsearchStore> {
  server = await ElasticsearchLikeServer.start(script, fixtures);
  store = createElasticsearchStore({ node: server.url, retry: { attempts, initialDelayMs: 1, maxDelayMs: 4 } });
  return store;
}

afterEach(async () => {
  await store?.close();
  await server?.stop();
  store = undefined;
  server = undefined;
});

describe('writing a batch of events through the client', () => {
  it('resends only the busy item, counts the duplicate and quarantines the refused ones', async () => {
    const es = await storeAnswering(
      bulkAnswers(
        { fixture: 'bulk-response-mixed.json' },
        { fixture: 'bulk-response-resend-created.json' },
        { fixture: 'bulk-response-quarantine-indexed.json' },
      ),
    );

    const result = await es.insertEvents(events);

    expect(result.inserted).toBe(3);
    expect(result.insertedDocIds).toEqual([ids[0], ids[5], ids[2]]);
    expect(result.duplicates).toBe(1);
    expect(result.quarantined).toEqual([
      {
        docId: ids[3],
        reason:
          'strict_dynamic_mapping_exception: [1:367] mapping set to strict, dynamic introduction of [consentDirective] within [_doc] is not allowed',
      },
      { docId: ids[4], reason: expect.stringMatching(/^document_parsing_exception: \[1:206\] failed to parse field \[user\.team\]/) },
    ]);

    const [first, resend, quarantine] = server!.bulkRequests();
    expect(server!.bulkRequests()).toHaveLength(3);
    for (const request of [first, resend, quarantine]) expect(request.query.get('refresh')).toBe('false');

    expect(actionsIn(first).map(({ action, id }) => [action, id])).toEqual(ids.map((id) => ['create', id]));
    expect(actionsIn(resend)).toEqual([{ action: 'create', index: 'accesswatch-events-2024.03.01', id: ids[2] }]);
    expect(resend.lines[1]).toMatchObject({ id: 'evt-0003', docId: ids[2], action: 'print' });

    expect(actionsIn(quarantine)).toEqual([
      { action: 'index', index: 'accesswatch-quarantine', id: ids[3] },
      { action: 'index', index: 'accesswatch-quarantine', id: ids[4] },
    ]);
    expect(quarantine.lines[1]).toMatchObject({
      docId: ids[3],
      index: 'accesswatch-events-2024.03.01',
      errorType: 'strict_dynamic_mapping_exception',
      system: 'emis-web',
    });
    expect(JSON.parse(quarantine.lines[3].document)).toMatchObject({ id: 'evt-0005', user: { team: { code: 'T1' } } });
  });

  it('gives up after the configured attempts and says how many events failed and why', async () => {
    const es = await storeAnswering(
      bulkAnswers(
        { fixture: 'bulk-response-mixed.json' },
        { fixture: 'bulk-response-resend-busy.json' },
        { fixture: 'bulk-response-resend-busy.json' },
      ),
    );

    const failure = await es.insertEvents(events).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BulkWriteError);
    expect((failure as BulkWriteError).notStored).toBe(1);
    expect((failure as Error).message).toMatch(
      /^Elasticsearch did not store 1 of 6 events after 3 attempts: 1 × es_rejected_execution_exception \[429\]: rejected execution/,
    );
    // Three attempts, each resending only the busy event; nothing is quarantined when the batch fails.
    expect(server!.bulkRequests().map((request) => actionsIn(request).length)).toEqual([6, 1, 1]);
  });

  it('sends the whole batch again when the request itself is rejected with 429', async () => {
    const es = await storeAnswering(
      bulkAnswers({ status: 429, fixture: 'error-response-coordinating-rejected.json' }, { fixture: 'bulk-response-all-created.json' }),
    );

    expect(await es.insertEvents(events)).toEqual({ inserted: 6, duplicates: 0, quarantined: [], insertedDocIds: ids });
    expect(server!.bulkRequests().map((request) => actionsIn(request).length)).toEqual([6, 6]);
  });

  it('says why when the request is rejected every time', async () => {
    const es = await storeAnswering(() => ({ status: 429, fixture: 'error-response-coordinating-rejected.json' }), 2);

    await expect(es.insertEvents(events)).rejects.toThrow(
      /did not store 6 of 6 events after 2 attempts: the bulk request failed: 429 es_rejected_execution_exception: rejected execution of coordinating operation/,
    );
    expect(server!.bulkRequests()).toHaveLength(2);
  });

  it('fails at once, without retrying, when an index is blocked', async () => {
    const es = await storeAnswering(bulkAnswers({ fixture: 'bulk-response-index-blocked.json' }));

    await expect(es.insertEvents(events)).rejects.toThrow(
      /^Elasticsearch did not store 5 of 6 events: 4 × cluster_block_exception \[403\]: index \[accesswatch-events-2024\.03\.01\] blocked by: \[FORBIDDEN\/8\/index write \(api\)\];; 1 × es_rejected_execution_exception \[429\]/,
    );
    expect(server!.bulkRequests()).toHaveLength(1);
  });

  it('sends nothing for an empty batch', async () => {
    const es = await storeAnswering(bulkAnswers());
    expect(await es.insertEvents([])).toEqual({ inserted: 0, duplicates: 0, quarantined: [], insertedDocIds: [] });
    expect(server!.requests).toEqual([]);
  });

  it('retries and then fails with the reason when nothing listens', async () => {
    const stopped = await ElasticsearchLikeServer.start(bulkAnswers(), fixtures);
    await stopped.stop();
    store = createElasticsearchStore({ node: stopped.url, retry: { attempts: 2, initialDelayMs: 1, maxDelayMs: 2 } });

    await expect(store.insertEvents(events)).rejects.toThrow(/did not store 6 of 6 events after 2 attempts: the bulk request failed: ConnectionError/);
    await expect(store.ping()).rejects.toThrow(`Elasticsearch at ${stopped.url} cannot be reached`);
  });
});

describe('reading events through the client', () => {
  it('searches every monthly index for one extra event and pages on with search_after', async () => {
    const es = await storeAnswering((request) =>
      request.lines[0]?.search_after ? { fixture: 'search-response-last-page.json' } : { fixture: 'search-response-events-page.json' },
    );

    const first = await es.queryEvents({ organisations: ['B82005'], nhsNumber: '9434765919', limit: 2 });
    expect(first.events.map((stored) => stored.event.id)).toEqual(['evt-0003', 'evt-0002']);
    const second = await es.queryEvents({ organisations: ['B82005'], nhsNumber: '9434765919', limit: 2, cursor: first.nextCursor });
    expect(second).toEqual({ events: [events[5]] });

    const [firstSearch, secondSearch] = server!.requests;
    expect(firstSearch.method).toBe('POST');
    expect(firstSearch.path).toBe('/accesswatch-events-*/_search');
    expect(firstSearch.query.get('ignore_unavailable')).toBe('true');
    expect(firstSearch.query.get('allow_no_indices')).toBe('true');
    expect(firstSearch.lines[0]).toMatchObject({
      size: 3,
      query: { bool: { filter: [{ terms: { organisation: ['B82005'] } }, { term: { 'patient.nhsNumber': '9434765919' } }] } },
    });
    const lastHit = fixture<{ hits: { hits: { sort: unknown[] }[] } }>('search-response-events-page.json').hits.hits[1];
    expect(secondSearch.lines[0].search_after).toEqual(lastHit.sort);
  });

  it('asks nothing when the caller may see no organisation', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-events-page.json' }));
    expect(await es.queryEvents({ organisations: [], limit: 10 })).toEqual({ events: [] });
    expect(server!.requests).toEqual([]);
  });

  it('finds already stored docIds in one search', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-existing-ids.json' }));
    expect(await es.existingEventIds(ids)).toEqual(new Set([ids[0], ids[5]]));
    expect(server!.requests).toHaveLength(1);
    expect(server!.requests[0].lines[0]).toEqual({ size: 6, track_total_hits: false, _source: false, query: { ids: { values: ids } } });
    expect(await es.existingEventIds([])).toEqual(new Set());
    expect(server!.requests).toHaveLength(1);
  });

  it('splits a lookup of more docIds than one search returns into searches of 10 000', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-existing-ids.json' }));
    const many = Array.from({ length: 10_001 }, (_, n) => `doc-${n}`);
    expect(await es.existingEventIds(many)).toEqual(new Set([ids[0], ids[5]]));
    expect(server!.requests.map((request) => request.lines[0].size)).toEqual([10_000, 1]);
  });

  it('refuses a cursor it did not issue before asking Elasticsearch', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-events-page.json' }));
    await expect(es.queryEvents({ organisations: ['B82005'], limit: 2, cursor: 'not-a-cursor' })).rejects.toThrow(
      InvalidCursorError,
    );
    expect(server!.requests).toEqual([]);
  });

  it('counts events with _count', async () => {
    const es = await storeAnswering(() => ({ fixture: 'count-response.json' }));
    expect(await es.countEvents()).toBe(1523);
    expect(server!.requests[0].path).toBe('/accesswatch-events-*/_count');
  });
});

describe('setting up and checking the cluster', () => {
  it('puts the retention policy and the ten templates, named after the prefix', async () => {
    server = await ElasticsearchLikeServer.start(() => ({ body: { acknowledged: true } }), fixtures);
    store = createElasticsearchStore({ node: server.url, indexPrefix: 'aw-test' });

    await store.init();

    expect(server.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      'PUT /_ilm/policy/aw-test-events-retention',
      'PUT /_index_template/aw-test-events',
      'PUT /_index_template/aw-test-quarantine',
      'PUT /_index_template/aw-test-sources',
      'PUT /_index_template/aw-test-people',
      'PUT /_index_template/aw-test-staff',
      'PUT /_index_template/aw-test-patients',
      'PUT /_index_template/aw-test-relationships',
      'PUT /_index_template/aw-test-alerts',
      'PUT /_index_template/aw-test-suppressions',
      'PUT /_index_template/aw-test-incidents',
      'HEAD /aw-test-alerts',
      'PUT /aw-test-alerts/_mapping',
    ]);
    expect(server.requests[0].lines[0].policy.phases.delete).toBeDefined();
    const events = server.requests[1].lines[0];
    expect(events.index_patterns).toEqual(['aw-test-events-*']);
    expect(events.template.mappings.dynamic).toBe('strict');
    expect(events.template.settings.index.translog.durability).toBe('request');
    // An alerts index an earlier version made is given the fields added since.
    const mapping = server.requests[12];
    expect(mapping.lines[0].properties.team).toEqual({ type: 'keyword' });
    expect(mapping.lines[0].properties.users).toEqual({ type: 'keyword' });
  });

  it('puts no mapping when there is no alerts index yet (the template makes it)', async () => {
    server = await ElasticsearchLikeServer.start((request) => (request.method === 'HEAD' ? { status: 404 } : { body: { acknowledged: true } }), fixtures);
    store = createElasticsearchStore({ node: server.url, indexPrefix: 'aw-test' });
    await store.init();
    expect(server.requests.map((request) => `${request.method} ${request.path}`).slice(-2)).toEqual(['PUT /_index_template/aw-test-incidents', 'HEAD /aw-test-alerts']);
  });

  it('pings the node', async () => {
    const es = await storeAnswering(() => ({}));
    await es.ping();
    expect(server!.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['HEAD /']);
  });
});

describe('sources and people through the client', () => {
  const source = fixture<{ hits: { hits: { _source: Source }[] } }>('search-response-source.json').hits.hits[0]._source;

  it('registers a source under its system and waits for it to be searchable', async () => {
    const es = await storeAnswering(() => ({ status: 201, fixture: 'index-response-created.json' }));
    await es.putSource({ ...source, revokedAt: undefined });
    const [put] = server!.requests;
    expect(`${put.method} ${put.path}`).toBe('PUT /accesswatch-sources/_doc/emis-web');
    expect(put.query.get('refresh')).toBe('wait_for');
    expect(put.lines[0]).toEqual(source);
  });

  it('finds a source by the hash of its key', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-source.json' }));
    expect(await es.findSourceByKeyHash(source.keyHash)).toEqual(source);
    expect(server!.requests[0].path).toBe('/accesswatch-sources/_search');
    expect(server!.requests[0].lines[0].query).toEqual({ term: { keyHash: source.keyHash } });
  });

  it('revokes a source, and says false when there is none', async () => {
    const es = await storeAnswering((request) =>
      request.path.endsWith('/emis-web')
        ? { fixture: 'update-response-updated.json' }
        : { status: 404, fixture: 'update-response-document-missing.json' },
    );
    expect(await es.revokeSource('emis-web', '2024-03-12T18:00:00.000Z')).toBe(true);
    expect(await es.revokeSource('no-such-system', '2024-03-12T18:00:00.000Z')).toBe(false);
    expect(server!.requests[0].lines[0]).toEqual({ doc: { revokedAt: '2024-03-12T18:00:00.000Z' } });
    expect(server!.requests[0].query.get('refresh')).toBe('wait_for');
  });

  it('gets a source by its system in real time, and none when it is missing', async () => {
    const es = await storeAnswering((request) =>
      request.path.endsWith('/emis-web')
        ? { body: { _index: 'accesswatch-sources', _id: 'emis-web', _version: 1, _seq_no: 0, _primary_term: 1, found: true, _source: source } }
        : { status: 404, fixture: 'get-response-not-found.json' },
    );
    expect(await es.findSource('emis-web')).toEqual(source);
    expect(await es.findSource('nobody')).toBeUndefined();
    expect(`${server!.requests[0].method} ${server!.requests[0].path}`).toBe('GET /accesswatch-sources/_doc/emis-web');
  });

  it('finds a person by name, the newest first', async () => {
    const person = { id: 'person-1', name: 'alice', role: 'ig-officer', organisations: ['A81001'], tokenHash: 'ab12', createdAt: '2024-03-12T09:00:00.000Z' };
    const es = await storeAnswering(() => ({
      body: { took: 2, timed_out: false, _shards: { total: 1, successful: 1, skipped: 0, failed: 0 }, hits: { max_score: null, hits: [{ _index: 'accesswatch-people', _id: 'ab12', _score: null, _source: person, sort: [1710234000000] }] } },
    }));
    expect(await es.findPersonByName('alice')).toEqual(person);
    const [search] = server!.requests;
    expect(search.path).toBe('/accesswatch-people/_search');
    expect(search.lines[0].query).toEqual({ term: { name: 'alice' } });
    expect(search.lines[0].sort).toEqual([{ createdAt: 'desc' }]);
  });

  it('finds no person for an unknown token', async () => {
    const es = await storeAnswering(() => ({ status: 404, fixture: 'get-response-not-found.json' }));
    expect(await es.findPersonByTokenHash('0c7d4b0e')).toBeUndefined();
    expect(`${server!.requests[0].method} ${server!.requests[0].path}`).toBe('GET /accesswatch-people/_doc/0c7d4b0e');
  });
});

describe('reference data through the client', () => {
  const patient = (nhsNumber: string, surname: string): Stored<Patient> => ({
    record: { nhsNumber, surname, dateOfBirth: '1970-05-01', address: { line1: '1 High Street', postcode: 'LS1 4AP' }, flags: ['vip'], optOuts: [] },
    receivedAt: '2026-11-20T09:00:00.000Z',
  });

  it('upserts with index actions keyed on the natural key, sends a repeated key once (its last record) and resends only busy items', async () => {
    const es = await storeAnswering(
      bulkAnswers({ fixture: 'bulk-response-patients-mixed.json' }, { fixture: 'bulk-response-patients-resend-updated.json' }),
    );

    await es.upsertPatients([
      patient('9434765870', 'Old'), patient('9434765919', 'Smith'), patient('9434765870', 'Brown'), patient('9449306060', 'Jones'),
    ]);

    const [first, resend] = server!.bulkRequests();
    expect(server!.bulkRequests()).toHaveLength(2);
    expect(first.query.get('refresh')).toBe('wait_for'); // read back by search at once
    expect(actionsIn(first)).toEqual([
      { action: 'index', index: 'accesswatch-patients', id: '9434765919' },
      { action: 'index', index: 'accesswatch-patients', id: '9434765870' },
      { action: 'index', index: 'accesswatch-patients', id: '9449306060' },
    ]);
    expect(first.lines[3]).toEqual({ ...patient('9434765870', 'Brown').record, receivedAt: '2026-11-20T09:00:00.000Z' });
    expect(actionsIn(resend)).toEqual([{ action: 'index', index: 'accesswatch-patients', id: '9449306060' }]);
    expect(resend.lines[1]).toMatchObject({ surname: 'Jones' });
  });

  it('fails, without quarantining, when the mapping refuses a record', async () => {
    const es = await storeAnswering(bulkAnswers({ fixture: 'bulk-response-staff-mapping-refused.json' }));
    const staff = { userId: 'G1234567', organisation: 'A81001', name: 'Ann', surname: 'Lee', role: 'R8000', roleClass: 'clinical' as const, start: '2020-01-06' };

    const failure = await es.upsertStaff([{ record: staff, receivedAt: '2026-11-20T09:00:00.000Z' }]).catch((error: unknown) => error);

    expect(failure).toBeInstanceOf(BulkWriteError);
    expect((failure as Error).message).toBe(
      'Elasticsearch refused 1 of 1 staff records: strict_dynamic_mapping_exception: [1:152] mapping set to strict, dynamic introduction of [grade] within [_doc] is not allowed',
    );
    expect(actionsIn(server!.bulkRequests()[0])).toEqual([
      { action: 'index', index: 'accesswatch-staff', id: 'z-yPERtpc3sSAghY0C8OONtRm8FsfxCWoZQocMfx624' },
    ]);
    expect(server!.bulkRequests()).toHaveLength(1);
  });

  it('finds staff with one mget by the hash of userId and organisation, and returns the records as stored', async () => {
    const es = await storeAnswering(() => ({ fixture: 'mget-response-staff.json' }));
    const found = await es.findStaff([{ userId: 'G1234567', organisation: 'A81001' }, { userId: 'G7654321', organisation: 'A81001' }]);

    const stored = fixture<{ docs: { _source?: Record<string, unknown> }[] }>('mget-response-staff.json').docs[0]._source!;
    const { receivedAt, ...record } = stored;
    expect(found).toEqual([{ record, receivedAt }]);
    expect(server!.requests).toHaveLength(1);
    expect(`${server!.requests[0].method} ${server!.requests[0].path}`).toBe('POST /accesswatch-staff/_mget');
    expect(server!.requests[0].lines[0]).toEqual({
      ids: ['z-yPERtpc3sSAghY0C8OONtRm8FsfxCWoZQocMfx624', 'WDctb7UHm-_HhTQW1eYOXYffmV-QqTS_-6KXIzJohE8'],
    });
  });

  it('finds no patients before the patients index exists', async () => {
    const es = await storeAnswering(() => ({ fixture: 'mget-response-index-missing.json' }));
    expect(await es.findPatients(['9434765919', '9434765919'])).toEqual([]);
    expect(server!.requests[0].path).toBe('/accesswatch-patients/_mget');
    expect(server!.requests[0].lines[0]).toEqual({ ids: ['9434765919'] });
  });

  it('finds every relationship of a batch\'s patients with one terms search', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-relationships.json' }));
    const found = await es.findRelationships(['9434765919', '9434765870']);

    expect(found).toEqual([
      {
        record: { id: 'enc-1', nhsNumber: '9434765919', organisation: 'A81001', team: 'ward-7', type: 'admission', start: '2026-01-01T08:00:00Z', end: '2026-01-09' },
        receivedAt: '2026-11-20T09:00:00.000Z',
      },
      {
        record: { nhsNumber: '9434765919', organisation: 'A81001', userId: 'G1234567', type: 'care-team', start: '2026-01-01' },
        receivedAt: '2026-11-21T09:00:00.000Z',
      },
    ]);
    const [search] = server!.requests;
    expect(server!.requests).toHaveLength(1);
    expect(search.path).toBe('/accesswatch-relationships/_search');
    expect(search.query.get('ignore_unavailable')).toBe('true');
    expect(search.lines[0]).toEqual({
      size: 10_000, track_total_hits: false, query: { terms: { nhsNumber: ['9434765919', '9434765870'] } }, sort: [{ naturalKey: 'asc' }],
    });
  });

  it('finds staff by their own NHS number with one terms search, in an order a full page can continue from', async () => {
    const es = await storeAnswering(() => ({ fixture: 'search-response-staff-by-nhs-number.json' }));
    const found = await es.findStaffByNhsNumbers(['9434765870', '9434765870']);

    expect(found.map((staff) => [staff.record.userId, staff.record.organisation])).toEqual([['G1234567', 'A81001'], ['G1234567', 'RRK']]);
    expect(found[1]).toEqual({
      record: { userId: 'G1234567', organisation: 'RRK', name: 'Ann', surname: 'Lee', role: 'R0260', roleClass: 'admin', nhsNumber: '9434765870', start: '2023-04-01' },
      receivedAt: '2026-11-21T09:00:00.000Z',
    });
    const [search] = server!.requests;
    expect(server!.requests).toHaveLength(1);
    expect(search.path).toBe('/accesswatch-staff/_search');
    expect(search.lines[0]).toEqual({
      size: 10_000, track_total_hits: false, query: { terms: { nhsNumber: ['9434765870'] } }, sort: [{ userId: 'asc' }, { organisation: 'asc' }],
    });
  });

  it('asks nothing for empty batches and lookups', async () => {
    const es = await storeAnswering(() => ({ status: 500, body: {} }));
    await es.upsertStaff([]);
    await es.upsertRelationships([]);
    expect(await es.findStaff([])).toEqual([]);
    expect(await es.findPatients([])).toEqual([]);
    expect(await es.findRelationships([])).toEqual([]);
    expect(await es.findStaffByNhsNumbers([])).toEqual([]);
    expect(server!.requests).toEqual([]);
  });
});
