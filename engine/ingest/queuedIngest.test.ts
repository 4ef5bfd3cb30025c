import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { accessEvent, eventually, startTestApp, type TestApp } from '../../test/harness.js';
import { createLogger } from '../log.js';
import { IngestQueue } from '../queue/bullmqQueue.js';
import { processBatch, processQueuedBatch, queuedBatchOf } from './processBatch.js';
import { prepareBatch } from './prepareBatch.js';

const redisUrl = inject('redisUrl');

function postAs(t: TestApp, key: string, events: object[]) {
  return t.app.inject({
    method: 'POST', url: '/v1/access-events', payload: JSON.stringify(events),
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
  });
}

describe('Redis mode: batches through BullMQ into the store', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  it('answers 202 once the batch is in Redis, and the worker stores it once', async () => {
    t = await startTestApp({ redisUrl });
    expect(t.deployment.mode).toBe('redis');
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    const events = Array.from({ length: 500 }, (_, i) => accessEvent({ id: `q-${i}` }));
    const first = await postAs(t, key, events);
    expect(first.statusCode).toBe(202);
    expect(first.json()).toEqual({ accepted: 500, duplicates: 0, rejected: [] });
    const store = t.deployment.store;
    await eventually(async () => (await store.countEvents()) === 500, '500 stored events');
    const again = await postAs(t, key, [...events.slice(0, 100), accessEvent({ id: 'q-new' })]);
    expect(again.json()).toEqual({ accepted: 1, duplicates: 100, rejected: [] });
    await eventually(async () => (await store.countEvents()) === 501, '501 stored events');
    const counts = await t.deployment.queue!.counts();
    expect(counts.failed).toBe(0);
  });

  it('stores each event with its own explanation, duplicates left out of the batch in between', async () => {
    t = await startTestApp({ redisUrl });
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    const event = (i: number) => accessEvent({ id: `x-${i}`, user: { id: `user-${i}`, role: 'R8000', team: `team-${i}` } });
    expect((await postAs(t, key, [1, 3, 5].map(event))).statusCode).toBe(202);
    const store = t.deployment.store;
    await eventually(async () => (await store.countEvents()) === 3, '3 stored events');
    // Already stored (1, 3, 5) and repeated within the batch (6) between new ones: every new one must keep its own explanation.
    expect((await postAs(t, key, [0, 1, 2, 3, 4, 5, 6, 6, 7].map(event))).json()).toMatchObject({ accepted: 5, duplicates: 4 });
    await eventually(async () => (await store.countEvents()) === 8, '8 stored events');
    const page = await store.queryEvents({ organisations: ['A81001'], limit: 20 });
    expect(page.events).toHaveLength(8);
    for (const { event: stored, explanation } of page.events) {
      expect(explanation?.checked).toEqual([
        'registration of the patient with A81001',
        expect.stringContaining(`care relationships of ${stored.user.id}, team ${stored.user.team} or A81001`),
      ]);
    }
  });

  it('puts one job on the queue per batch, whatever its size', async () => {
    t = await startTestApp({ redisUrl, runWorker: false });
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    await postAs(t, key, Array.from({ length: 2000 }, () => accessEvent()));
    await postAs(t, key, Array.from({ length: 3 }, () => accessEvent()));
    expect((await t.deployment.queue!.counts()).waiting).toBe(2);
  });

  it('answers 429 with Retry-After when too many batches are waiting', async () => {
    t = await startTestApp({ redisUrl, runWorker: false, env: { ACCESSWATCH_MAX_QUEUED_BATCHES: '2' } });
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    expect((await postAs(t, key, [accessEvent()])).statusCode).toBe(202);
    expect((await postAs(t, key, [accessEvent()])).statusCode).toBe(202);
    await new Promise((resolve) => setTimeout(resolve, 300)); // the waiting count is cached for 250 ms
    const busy = await postAs(t, key, [accessEvent()]);
    expect(busy.statusCode).toBe(429);
    expect(Number(busy.headers['retry-after'])).toBeGreaterThan(0);
    expect(busy.json().error.code).toBe('AW_ERR_BUSY');
  });

  it('answers 503 with Retry-After when Redis is unreachable, and readyz says why', async () => {
    t = await startTestApp({ redisUrl: 'redis://127.0.0.1:1', runWorker: false });
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    const down = await postAs(t, key, [accessEvent()]);
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.json().error.message).toMatch(/queue \(Redis\)/);
    const ready = await t.app.inject({ url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json().reason).toMatch(/Redis/);
    expect(await t.deployment.store.countEvents()).toBe(0);
  }, 20_000);

  it('keeps a batch the store keeps refusing in the failed set, reported to admins', async () => {
    t = await startTestApp({ redisUrl, runWorker: false });
    const queue = new IngestQueue({ redisUrl, prefix: t.config.queuePrefix, attempts: 2, backoffMs: 10, logger: createLogger('silent') });
    try {
      expect(await queue.connect()).toBe(true);
      await queue.startWorker(async () => { throw new Error('store refused the batch'); }, 1);
      const batch = prepareBatch([{ index: 0, value: accessEvent() }, { index: 1, value: accessEvent() }], { system: 'emis-a81001', organisations: ['A81001'] });
      await queue.enqueue(batch);
      await eventually(async () => (await queue.counts()).failed === 1, 'the batch in the failed set');
      const report = await t.app.inject({ url: '/v1/admin/queue', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
      expect(report.json()).toMatchObject({ counts: { failed: 1 }, failed: [{ events: 2, reason: 'store refused the batch', attempts: 2 }] });
    } finally {
      await queue.closeWorkers();
      await queue.close();
    }
  });
});

describe('processBatch', () => {
  it('stores a redelivered batch once', async () => {
    const t = await startTestApp();
    try {
      const batch = prepareBatch([{ index: 0, value: accessEvent() }, { index: 1, value: accessEvent() }], { system: 'emis-a81001', organisations: ['A81001'] });
      expect(await processBatch(batch, t.deployment.store)).toMatchObject({ inserted: 2, duplicates: 0 });
      expect(await processBatch(batch, t.deployment.store)).toMatchObject({ inserted: 0, duplicates: 2 });
      expect(await processQueuedBatch(queuedBatchOf(batch), t.deployment.store)).toMatchObject({ inserted: 0, duplicates: 2 });
      expect(await t.deployment.store.countEvents()).toBe(2);
    } finally {
      await t.close();
    }
  });
});

describe('two workers on one queue', () => {
  it('store every batch exactly once between them', async () => {
    const t = await startTestApp({ redisUrl, runWorker: false });
    const second = new IngestQueue({ redisUrl, prefix: t.config.queuePrefix });
    try {
      let handledByFirst = 0;
      let handledBySecond = 0;
      const store = t.deployment.store;
      await t.deployment.queue!.startWorker(async (b) => { handledByFirst++; return processQueuedBatch(b, store); }, 2);
      await second.startWorker(async (b) => { handledBySecond++; return processQueuedBatch(b, store); }, 2);
      const key = await t.sourceKey('emis-a81001', ['A81001']);
      const events = Array.from({ length: 40 }, () => accessEvent({ id: randomUUID() }));
      await Promise.all(Array.from({ length: 20 }, (_, i) => postAs(t, key, events.slice(i * 2, i * 2 + 2))));
      await eventually(async () => (await store.countEvents()) === 40, '40 stored events');
      expect(handledByFirst + handledBySecond).toBe(20);
    } finally {
      await second.closeWorkers();
      await second.close();
      await t.close();
    }
  });
});
