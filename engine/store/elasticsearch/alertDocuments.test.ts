import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLikeServer, actionsIn, type Answer, type ReceivedRequest } from '../../../test/elasticsearchLikeServer.js';
import { subjectKey, type AlertUpdate, type EvidenceRef, type Suppression } from '../../alerts/alert.js';
import { eventDocId } from '../../events/canonical.js';
import { InvalidCursorError } from '../cursor.js';
import { MAX_ALERT_ROUNDS, alertDocumentId } from './alertDocuments.js';
import { BulkWriteError } from './bulkRetry.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';

// Alerts through the real client, against the stand-in server answering with Elasticsearch's own
// responses (fixtures/): how alerts are opened, merged under optimistic concurrency, and read back.

const fixtures = new URL('./fixtures/', import.meta.url);
const fixture = <T>(name: string): T => JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as T;

const subject = { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' };
const coWorker = (generation: number) => alertDocumentId('co-worker-record', subjectKey(subject), generation);
const NOW = '2026-11-21T02:00:00.000Z';

function evidence(n: number): EvidenceRef {
  return { docId: eventDocId('emis-a81001', `e${n}`), system: 'emis-a81001', id: `e${n}`, occurredAt: `2026-11-20T09:${String(n).padStart(2, '0')}:00Z` };
}

function update(events: number[], overrides: Partial<AlertUpdate> = {}): AlertUpdate {
  const refs = events.map(evidence);
  return {
    ruleId: 'co-worker-record', title: "Access to a co-worker's record", severity: 'medium', raises: 'alert', subject,
    firstSeenAt: refs[0].occurredAt, lastSeenAt: refs[refs.length - 1].occurredAt,
    explanation: { text: 'G1234567 viewed the record of a co-worker (same NHS number as a staff record).' }, evidence: refs, ...overrides,
  };
}

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

const MGET = '/accesswatch-alerts/_mget';
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

const reads = () => server!.requests.filter((request) => request.path === MGET).map((request) => request.lines[0].ids);

describe('recording alerts through the client', () => {
  it('opens new alerts with create, at ids derived from rule, subject and generation 0, and waits for them to be searchable', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alerts-not-found.json' }], '/_bulk': [{ fixture: 'bulk-response-alerts-created.json' }] });
    const family = alertDocumentId('family-record', subjectKey(subject), 0);

    const result = await es.recordAlerts([update([1, 2]), update([1], { ruleId: 'family-record' }), update([3])], NOW);

    expect(result).toEqual({ opened: 2, updated: 0 });
    expect(reads()).toEqual([[coWorker(0), family]]);
    const [bulk] = server!.bulkRequests();
    expect(bulk.query.get('refresh')).toBe('wait_for');
    expect(actionsIn(bulk)).toEqual([
      { action: 'create', index: 'accesswatch-alerts', id: coWorker(0) },
      { action: 'create', index: 'accesswatch-alerts', id: family },
    ]);
    expect(bulk.lines[1]).toMatchObject({
      id: coWorker(0), status: 'open', eventCount: 3, createdAt: NOW, subjectKey: subjectKey(subject), generation: 0,
      evidence: [evidence(1), evidence(2), evidence(3)],
    });
  });

  it('merges into the open alert it read, guarded by the sequence number it read it at', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-open.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-updated.json' }] });

    expect(await es.recordAlerts([update([5], { severity: 'high' })], NOW)).toEqual({ opened: 0, updated: 1 });

    const [bulk] = server!.bulkRequests();
    expect(bulk.lines[0]).toEqual({ index: { _index: 'accesswatch-alerts', _id: coWorker(0), if_seq_no: 12, if_primary_term: 1 } });
    expect(bulk.lines[1]).toMatchObject({ severity: 'high', eventCount: 2, evidence: [evidence(1), evidence(5)], createdAt: '2026-11-21T01:00:00.000Z', updatedAt: NOW });
  });

  it('reads again and merges again when another process changed the alert in between (409)', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-open.json' }, { fixture: 'mget-response-alert-changed.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }, { fixture: 'bulk-response-alert-updated.json' }],
    });

    expect(await es.recordAlerts([update([5])], NOW)).toEqual({ opened: 0, updated: 1 });

    expect(reads()).toEqual([[coWorker(0)], [coWorker(0)]]);
    const [, retry] = server!.bulkRequests();
    expect(retry.lines[0].index).toMatchObject({ if_seq_no: 13, if_primary_term: 1 });
    // Both our evidence and what the other process added in between.
    expect(retry.lines[1].evidence).toEqual([evidence(1), evidence(5), evidence(7)]);
    expect(retry.lines[1].eventCount).toBe(3);
  });

  it('merges into the alert another process opened first, rather than opening a second', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-not-found.json' }, { fixture: 'mget-response-alert-open.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-create-conflict.json' }, { fixture: 'bulk-response-alert-updated.json' }],
    });

    expect(await es.recordAlerts([update([5])], NOW)).toEqual({ opened: 0, updated: 1 });

    const [create, merge] = server!.bulkRequests();
    expect(actionsIn(create)).toEqual([{ action: 'create', index: 'accesswatch-alerts', id: coWorker(0) }]);
    expect(merge.lines[0].index).toMatchObject({ _id: coWorker(0), if_seq_no: 12 });
    expect(merge.lines[1].evidence).toEqual([evidence(1), evidence(5)]);
  });

  it('opens the next generation when the alert was closed, jumping to the latest one noted, and notes the new one', async () => {
    const es = await storeAnswering({
      [MGET]: [
        { fixture: 'mget-response-alert-closed.json' },
        { fixture: 'mget-response-alert-generation-2-closed.json' },
        { fixture: 'mget-response-alert-generation-3-missing.json' },
      ],
      '/_bulk': [{ fixture: 'bulk-response-alert-generation-3-created.json' }, { fixture: 'bulk-response-latest-generation-noted.json' }],
    });

    expect(await es.recordAlerts([update([8])], NOW)).toEqual({ opened: 1, updated: 0 });

    // Generation 2 was already marked with its successor, so nobody may reopen it: open 3 at once.
    expect(reads()).toEqual([[coWorker(0)], [coWorker(2)], [coWorker(3)]]);
    const [open, note] = server!.bulkRequests();
    expect(actionsIn(open)).toEqual([{ action: 'create', index: 'accesswatch-alerts', id: coWorker(3) }]);
    expect(open.lines[1]).toMatchObject({ id: coWorker(3), generation: 3, status: 'open', eventCount: 1, evidence: [evidence(8)] });
    expect(note.lines).toEqual([
      { update: { _index: 'accesswatch-alerts', _id: coWorker(0), retry_on_conflict: 3 } },
      { doc: { latestGeneration: 3 } },
    ]);
  });

  it('marks a closed alert with its successor, compare-and-set, before opening the next generation', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-dismissed.json' }, { fixture: 'mget-response-alert-generation-1-missing.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-claimed.json' }, { fixture: 'bulk-response-alert-generation-1-created.json' }],
    });

    expect(await es.recordAlerts([update([8])], NOW)).toEqual({ opened: 1, updated: 0 });

    expect(reads()).toEqual([[coWorker(0)], [coWorker(1)]]);
    const [claim, open] = server!.bulkRequests();
    expect(claim.lines[0]).toEqual({ index: { _index: 'accesswatch-alerts', _id: coWorker(0), if_seq_no: 40, if_primary_term: 1 } });
    // The closed alert is written back as it was, plus the mark: not an update of the alert.
    const { successor, ...unchanged } = claim.lines[1];
    expect(successor).toBe(1);
    expect(unchanged).toEqual(fixture<{ docs: { _source: object }[] }>('mget-response-alert-dismissed.json').docs[0]._source);
    expect(actionsIn(open)).toEqual([{ action: 'create', index: 'accesswatch-alerts', id: coWorker(1) }]);
    expect(open.lines[1]).toMatchObject({ generation: 1, status: 'open', version: 1, history: [], evidence: [evidence(8)] });
  });

  it('merges into the closed alert after all when a guardian reopened it while it was being marked', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-dismissed.json' }, { fixture: 'mget-response-alert-reopened.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }, { fixture: 'bulk-response-alert-updated.json' }],
    });

    expect(await es.recordAlerts([update([8])], NOW)).toEqual({ opened: 0, updated: 1 });

    expect(reads()).toEqual([[coWorker(0)], [coWorker(0)]]);
    const [, merge] = server!.bulkRequests();
    expect(merge.lines[0].index).toMatchObject({ _id: coWorker(0), if_seq_no: 41 });
    expect(merge.lines[1]).toMatchObject({ status: 'open', version: 3, eventCount: 2, evidence: [evidence(1), evidence(8)] });
    expect(merge.lines[1].history).toHaveLength(2);
    expect(merge.lines[1]).not.toHaveProperty('successor');
  });

  it('merges new evidence into an alert under investigation, keeping its version, assignee and history', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-investigating.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-updated.json' }] });

    expect(await es.recordAlerts([update([5])], NOW)).toEqual({ opened: 0, updated: 1 });

    const [bulk] = server!.bulkRequests();
    expect(bulk.lines[0].index).toMatchObject({ _id: coWorker(0), if_seq_no: 20 });
    expect(bulk.lines[1]).toMatchObject({ status: 'investigating', assignee: 'ola', version: 2, eventCount: 2, updatedAt: NOW });
    expect(bulk.lines[1].history).toEqual([{ at: '2026-11-21T01:30:00.000Z', by: 'person-ola', byName: 'ola', from: 'open', to: 'investigating', assignee: 'ola' }]);
  });

  it('writes nothing when the updates add nothing', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-open.json' }] });
    expect(await es.recordAlerts([update([1]), update([1])], NOW)).toEqual({ opened: 0, updated: 0 });
    expect(server!.bulkRequests()).toEqual([]);
    expect(await es.recordAlerts([], NOW)).toEqual({ opened: 0, updated: 0 });
    expect(server!.requests).toHaveLength(1);
  });

  it('gives up, saying why, when other writers keep changing the alert', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-open.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }] });
    const failure = await es.recordAlerts([update([5])], NOW).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BulkWriteError);
    expect((failure as Error).message).toBe(`Elasticsearch kept changing 1 of the alerts being recorded; gave up after ${MAX_ALERT_ROUNDS} rounds`);
    expect(server!.bulkRequests()).toHaveLength(MAX_ALERT_ROUNDS);
  });
});

describe('reading alerts through the client', () => {
  const page = fixture<{ hits: { hits: { _source: Record<string, unknown>; sort: unknown[] }[] } }>('search-response-alerts-page.json').hits.hits;

  it('lists alerts with one search filtered on every field asked, newest last seen first, and pages on with search_after', async () => {
    const es = await storeAnswering({ '/accesswatch-alerts/_search': [{ fixture: 'search-response-alerts-page.json' }] });

    const first = await es.queryAlerts({
      organisations: ['A81001', 'RRK'], status: 'open', ruleId: 'co-worker-record', severity: 'medium', userId: 'G1234567',
      nhsNumber: '9434765919', organisation: 'A81001', raises: 'alert', from: '2026-11-20T00:00:00Z', to: '2026-11-21T00:00:00+01:00', limit: 2,
    });
    expect(first.alerts.map((alert) => alert.ruleId)).toEqual(['family-record', 'co-worker-record']);
    const { subjectKey: _, generation: __, ...alert } = page[1]._source;
    expect(first.alerts[1]).toEqual(alert);
    await es.queryAlerts({ organisations: ['A81001'], limit: 2, cursor: first.nextCursor });

    const [search, next] = server!.requests;
    expect(search.query.get('ignore_unavailable')).toBe('true');
    expect(search.lines[0]).toEqual({
      size: 3,
      track_total_hits: false,
      query: { bool: { filter: [
        { terms: { organisation: ['A81001', 'RRK'] } }, { term: { status: 'open' } }, { term: { ruleId: 'co-worker-record' } },
        { term: { severity: 'medium' } }, { term: { nhsNumber: '9434765919' } },
        { term: { organisation: 'A81001' } }, { term: { raises: 'alert' } },
        // The user's own alerts and the team alerts naming them.
        { bool: { should: [{ term: { userId: 'G1234567' } }, { term: { users: 'G1234567' } }], minimum_should_match: 1 } },
        { range: { lastSeenAt: { gte: '2026-11-20T00:00:00Z' } } }, { range: { firstSeenAt: { lt: '2026-11-21T00:00:00+01:00' } } },
      ] } },
      sort: [{ lastSeenAt: { order: 'desc' } }, { id: { order: 'desc' } }],
    });
    expect(next.lines[0].search_after).toEqual(page[1].sort);
  });

  it('leaves the evidence out of the answer when asked to, and gives each alert an empty list of it', async () => {
    const es = await storeAnswering({ '/accesswatch-alerts/_search': [{ fixture: 'search-response-alerts-without-evidence.json' }] });
    const { alerts } = await es.queryAlerts({ organisations: ['A81001', 'RRK'], omitEvidence: true, limit: 2 });
    expect(server!.requests[0].query.get('_source_excludes')).toBe('evidence');
    const { subjectKey: _, generation: __, ...alert } = page[1]._source;
    expect(alerts[1]).toEqual({ ...alert, evidence: [] });
    expect(alerts.every((each) => each.eventCount > 0)).toBe(true);
  });

  it('asks nothing when the caller may see no organisation, and refuses a cursor it did not issue', async () => {
    const es = await storeAnswering({});
    expect(await es.queryAlerts({ organisations: [], limit: 10 })).toEqual({ alerts: [] });
    await expect(es.queryAlerts({ organisations: ['A81001'], limit: 10, cursor: 'not-a-cursor' })).rejects.toThrow(InvalidCursorError);
    await expect(es.queryAlerts({ organisations: ['A81001'], limit: 0 })).rejects.toThrow(RangeError);
    expect(server!.requests).toEqual([]);
  });

  it('gets one alert in real time, without the store\'s own fields (version 1 and no history when stored before triage), and nothing for an unknown id', async () => {
    const es = await storeAnswering({
      [`/accesswatch-alerts/_doc/${coWorker(0)}`]: [{ fixture: 'get-response-alert.json' }],
      '/accesswatch-alerts/_doc/no-such-alert': [{ status: 404, fixture: 'get-response-not-found.json' }],
    });
    const alert = await es.getAlert(coWorker(0));
    expect(alert).toMatchObject({ id: coWorker(0), eventCount: 3, evidence: [evidence(1), evidence(5), evidence(7)], version: 1, history: [] });
    expect(alert).not.toHaveProperty('subjectKey');
    expect(alert).not.toHaveProperty('generation');
    expect(await es.getAlert('no-such-alert')).toBeUndefined();
    expect(server!.requests.map((request) => `${request.method} ${request.path}`)).toEqual([
      `GET /accesswatch-alerts/_doc/${coWorker(0)}`, 'GET /accesswatch-alerts/_doc/no-such-alert',
    ]);
  });
});

describe('suppressions through the client', () => {
  const stored = fixture<{ hits: { hits: { _source: Suppression }[] } }>('search-response-suppressions.json').hits.hits[0]._source;

  it('stores a suppression under its id and waits for it to be searchable', async () => {
    const es = await storeAnswering({ [`/accesswatch-suppressions/_doc/${stored.id}`]: [{ status: 201, fixture: 'index-response-created.json' }] });
    await es.putSuppression({ ...stored, nhsNumber: undefined });
    const [put] = server!.requests;
    expect(`${put.method} ${put.path}`).toBe('PUT /accesswatch-suppressions/_doc/sup-7f3a');
    expect(put.query.get('refresh')).toBe('wait_for');
    expect(put.lines[0]).toEqual(stored);
  });

  it('finds the suppressions active now, of the organisations asked or all, and asks nothing for none', async () => {
    const es = await storeAnswering({ '/accesswatch-suppressions/_search': [{ fixture: 'search-response-suppressions.json' }] });
    expect(await es.activeSuppressions(['A81001'], NOW)).toEqual([stored]);
    await es.activeSuppressions('all', NOW);
    expect(await es.activeSuppressions([], NOW)).toEqual([]);

    const [scoped, all] = server!.requests;
    expect(server!.requests).toHaveLength(2);
    expect(scoped.lines[0]).toEqual({
      size: 10_000, track_total_hits: false, sort: [{ id: 'asc' }],
      query: { bool: { filter: [{ range: { expiresAt: { gt: NOW } } }, { terms: { organisation: ['A81001'] } }] } },
    });
    expect(all.lines[0].query).toEqual({ bool: { filter: [{ range: { expiresAt: { gt: NOW } } }] } });
  });
});
