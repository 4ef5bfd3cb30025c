import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ElasticsearchLikeServer, type Answer, type ReceivedRequest } from '../../../test/elasticsearchLikeServer.js';
import { subjectKey, type TriageEntry } from '../../alerts/alert.js';
import type { AlertChange } from '../../alerts/triage.js';
import { MAX_ALERT_ROUNDS, alertDocumentId } from './alertDocuments.js';
import { BulkWriteError } from './bulkRetry.js';
import { createElasticsearchStore, type ElasticsearchStore } from './elasticsearchStore.js';

// Triage changes through the real client, against the stand-in server answering with
// Elasticsearch's own responses (fixtures/): compare-and-set on the version, retried on 409.

const fixtures = new URL('./fixtures/', import.meta.url);
const source = (name: string): Record<string, unknown> =>
  (JSON.parse(readFileSync(new URL(name, fixtures), 'utf8')) as { docs: { _source: Record<string, unknown> }[] }).docs[0]._source;

const subject = { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' };
const ALERT = alertDocumentId('co-worker-record', subjectKey(subject), 0);
const MGET = '/accesswatch-alerts/_mget';
const AT = '2026-11-21T06:00:00.000Z';

const entry = (from: TriageEntry['from'], to: TriageEntry['to'], extra: Partial<TriageEntry> = {}): TriageEntry =>
  ({ at: AT, by: 'person-gus', byName: 'gus', from, to, ...extra });
const change = (expectedVersion: number, triage: TriageEntry, id = ALERT): AlertChange => ({ id, expectedVersion, entry: triage });

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

describe('triage changes through the client', () => {
  it('writes the changed alert with index, guarded by the sequence number it was read at, and waits for it to be searchable', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-investigating.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-updated.json' }] });
    const confirm = entry('investigating', 'confirmed', { note: 'Ann looked up her colleague\'s results' });

    const [outcome] = await es.updateAlerts([change(2, confirm)]);

    const before = source('mget-response-alert-investigating.json');
    const { subjectKey: _, generation: __, ...alert } = before;
    expect(outcome).toEqual({
      id: ALERT, outcome: 'changed',
      alert: {
        ...alert, status: 'confirmed', version: 3, updatedAt: AT, history: [...(before.history as object[]), confirm],
        resolution: { note: 'Ann looked up her colleague\'s results', at: AT, by: 'person-gus', byName: 'gus' },
      },
    });
    const [read] = server!.requests;
    expect(read.lines[0]).toEqual({ ids: [ALERT] });
    const [bulk] = server!.bulkRequests();
    expect(bulk.query.get('refresh')).toBe('wait_for');
    expect(bulk.lines[0]).toEqual({ index: { _index: 'accesswatch-alerts', _id: ALERT, if_seq_no: 20, if_primary_term: 1 } });
    // The store's own fields go back with it.
    expect(bulk.lines[1]).toEqual({ ...(outcome as { alert: object }).alert, subjectKey: before.subjectKey, generation: 0 });
  });

  it('applies the change to the new read when only evidence was merged in between (409, same version)', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-open.json' }, { fixture: 'mget-response-alert-changed.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }, { fixture: 'bulk-response-alert-updated.json' }],
    });

    const [outcome] = await es.updateAlerts([change(1, entry('open', 'investigating', { assignee: 'gus' }))]);

    expect(outcome).toMatchObject({ outcome: 'changed', alert: { status: 'investigating', assignee: 'gus', version: 2, eventCount: 2 } });
    const [, retry] = server!.bulkRequests();
    expect(retry.lines[0].index).toMatchObject({ if_seq_no: 13 });
    expect(retry.lines[1].evidence.map((ref: { id: string }) => ref.id)).toEqual(['e1', 'e7']);
  });

  it('refuses a change at another version without writing, and says the current one', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-investigating.json' }] });
    expect(await es.updateAlerts([change(1, entry('open', 'dismissed', { reason: 'duplicate' }))])).toEqual([{ id: ALERT, outcome: 'stale', currentVersion: 2 }]);
    expect(server!.bulkRequests()).toEqual([]);
  });

  it('reopens a dismissed alert that no later generation follows, dropping its resolution', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-dismissed.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-updated.json' }] });
    const [outcome] = await es.updateAlerts([change(2, entry('dismissed', 'open', { note: 'The feed was fine' }))]);
    expect(outcome).toMatchObject({ outcome: 'changed', alert: { status: 'open', version: 3 } });
    const [bulk] = server!.bulkRequests();
    expect(bulk.lines[0].index).toMatchObject({ if_seq_no: 40 });
    expect(bulk.lines[1]).not.toHaveProperty('resolution');
    expect(bulk.lines[1].history).toHaveLength(2);
  });

  it('does not reopen an alert a later generation follows, noted or being opened', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-closed.json' }] });
    expect(await es.updateAlerts([change(1, entry('dismissed', 'open', { note: 'again' }))])).toEqual([{ id: ALERT, outcome: 'superseded' }]);
    expect(server!.bulkRequests()).toEqual([]);
  });

  it('does not reopen an alert a writer marked with its successor while the reopening was on its way (409)', async () => {
    const es = await storeAnswering({
      [MGET]: [{ fixture: 'mget-response-alert-dismissed.json' }, { fixture: 'mget-response-alert-dismissed-succeeded.json' }],
      '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }],
    });
    expect(await es.updateAlerts([change(2, entry('dismissed', 'open', { note: 'again' }))])).toEqual([{ id: ALERT, outcome: 'superseded' }]);
    expect(server!.bulkRequests()).toHaveLength(1);
  });

  it('answers each change of a batch in order, one mget for all, and not-found for an unknown alert', async () => {
    const es = await storeAnswering({
      [MGET]: [{ body: { docs: [
        ...(JSON.parse(readFileSync(new URL('mget-response-alert-open.json', fixtures), 'utf8')) as { docs: object[] }).docs,
        ...(JSON.parse(readFileSync(new URL('mget-response-alert-not-found.json', fixtures), 'utf8')) as { docs: object[] }).docs,
      ] } }],
      '/_bulk': [{ fixture: 'bulk-response-alert-updated.json' }],
    });
    const outcomes = await es.updateAlerts([change(1, entry('open', 'investigating')), change(1, entry('open', 'investigating'), 'no-such-alert')]);
    expect(outcomes.map((outcome) => outcome.outcome)).toEqual(['changed', 'not-found']);
    expect(server!.requests.filter((request) => request.path === MGET)).toHaveLength(1);
    expect(await es.updateAlerts([])).toEqual([]);
  });

  it('gives up, saying why, when other writers keep changing the alert', async () => {
    const es = await storeAnswering({ [MGET]: [{ fixture: 'mget-response-alert-open.json' }], '/_bulk': [{ fixture: 'bulk-response-alert-conflict.json' }] });
    const failure = await es.updateAlerts([change(1, entry('open', 'investigating'))]).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BulkWriteError);
    expect((failure as Error).message).toBe(`Elasticsearch kept changing 1 of the alerts being triaged; gave up after ${MAX_ALERT_ROUNDS} rounds`);
  });
});
