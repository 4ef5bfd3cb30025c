import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';

describe('GET /v1/access-events', () => {
  let t: TestApp;
  let alice: string;

  beforeEach(async () => {
    t = await startTestApp();
    const gp = await t.sourceKey('emis-a81001', ['A81001']);
    const trust = await t.sourceKey('pas-rrk', ['RRK']);
    alice = await t.personToken('alice', 'ig-officer', ['A81001']);
    const post = (bearer: string, events: object[]) => t.app.inject({
      method: 'POST', url: '/v1/access-events', payload: JSON.stringify(events),
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
    });
    await post(gp, Array.from({ length: 25 }, (_, i) => accessEvent({
      id: `gp-${i}`, occurredAt: new Date(Date.UTC(2026, 10, 20, 9, i)).toISOString(),
      user: { id: i % 2 ? 'G1' : 'G2', role: 'R8000' },
      patient: { nhsNumber: i < 5 ? '9434765870' : '9434765919' },
    })));
    await post(trust, [accessEvent({ id: 'rrk-1', organisation: 'RRK' })]);
  });
  afterEach(async () => t.close());

  const read = (query: string, bearer = alice) =>
    t.app.inject({ method: 'GET', url: `/v1/access-events?${query}`, headers: { authorization: `Bearer ${bearer}` } });

  it('shows only the reader\'s organisations, newest first, in pages', async () => {
    const first = await read('limit=10');
    expect(first.statusCode).toBe(200);
    const page1 = first.json();
    expect(page1.events).toHaveLength(10);
    expect(page1.events.every((e: { organisation: string }) => e.organisation === 'A81001')).toBe(true);
    expect(page1.events[0].id).toBe('gp-24');
    const ids: string[] = page1.events.map((e: { id: string }) => e.id);
    let cursor: string | undefined = page1.nextCursor;
    while (cursor) {
      const next = (await read(`limit=10&cursor=${cursor}`)).json();
      ids.push(...next.events.map((e: { id: string }) => e.id));
      cursor = next.nextCursor;
    }
    expect(ids.filter((id) => id.startsWith('gp-'))).toEqual(Array.from({ length: 25 }, (_, i) => `gp-${24 - i}`));
  });

  it('filters by patient, user and time', async () => {
    const byPatient = (await read('patient=943%20476%205870')).json();
    expect(byPatient.events.map((e: { id: string }) => e.id)).toEqual(['gp-4', 'gp-3', 'gp-2', 'gp-1', 'gp-0']);
    const byUser = (await read('user=G1&from=2026-11-20T09:00:00Z&to=2026-11-20T09:05:00Z')).json();
    expect(byUser.events.map((e: { id: string }) => e.id)).toEqual(['gp-3', 'gp-1']);
  });

  it('refuses another organisation, a bad NHS number and a forged cursor', async () => {
    expect((await read('organisation=RRK')).statusCode).toBe(403);
    const bad = await read('patient=9434765918');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^patient: is not a valid NHS number/);
    expect((await read('cursor=bm90LWEtY3Vyc29y')).statusCode).toBe(400);
    expect((await read('limit=0')).statusCode).toBe(400);
  });

  it('records every read of patient data as an access event from system accesswatch', async () => {
    await read('patient=9434765870');
    await read('patient=9449306060');
    const audit = (await read('limit=1000')).json().events.filter((e: { system: string }) => e.system === 'accesswatch');
    expect(audit).toEqual(expect.arrayContaining([
      expect.objectContaining({ action: 'view', purpose: 'audit', organisation: 'A81001', user: { id: expect.stringMatching(/^person-/), role: 'ig-officer' }, patient: { nhsNumber: '9434765870' } }),
      expect.objectContaining({ action: 'search', purpose: 'audit', patient: { nhsNumber: '9449306060' } }),
    ]));
  });

  it('refuses source keys, and admins see no patient data', async () => {
    const key = await t.sourceKey('other', ['A81001']);
    expect((await read('', key)).statusCode).toBe(403);
    expect((await read('', ADMIN_TOKEN)).statusCode).toBe(403);
    expect((await read('', 'awt_unknown')).statusCode).toBe(401);
  });

  it('answers 503 with Retry-After, not 500, when the store is gone', async () => {
    await t.deployment.store.close();
    const response = await read('limit=5', 'awt_not-cached-yet');
    expect(response.statusCode).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.json().error.code).toBe('AW_ERR_UNAVAILABLE');
  });

  it('gives the published JSON Schema of an access event', async () => {
    const schema = (await t.app.inject({ method: 'GET', url: '/v1/schemas/access-event' })).json();
    expect(schema.required).toEqual(['id', 'occurredAt', 'system', 'organisation', 'user', 'patient', 'action']);
  });
});

describe('admin: sources and users', () => {
  let t: TestApp;
  beforeEach(async () => { t = await startTestApp(); });
  afterEach(async () => t.close());

  const admin = (method: 'POST' | 'DELETE', url: string, payload?: object, bearer = ADMIN_TOKEN) =>
    t.app.inject({ method, url, payload, headers: { authorization: `Bearer ${bearer}` } });

  it('issues a key once and keeps only its hash', async () => {
    const created = await admin('POST', '/v1/admin/sources', { system: 'emis-a81001', organisations: ['A81001'], scopes: ['events', 'reference'] });
    expect(created.statusCode).toBe(201);
    const { key } = created.json();
    expect(key).toMatch(/^awk_[A-Za-z0-9_-]{43}$/);
    const source = await t.deployment.store.findSourceByKeyHash((await import('../../engine/auth/credentials.js')).credentialHash(key));
    expect(source).toMatchObject({ system: 'emis-a81001' });
    expect(JSON.stringify(source)).not.toContain(key);
  });

  it('refuses a second person with the same name, and replaces a source key only when asked to rotate it', async () => {
    const first = await admin('POST', '/v1/admin/users', { name: 'carol', role: 'auditor', organisations: ['A81001'] });
    expect(first.json().id).toMatch(/^person-[0-9a-f-]{36}$/);
    const again = await admin('POST', '/v1/admin/users', { name: 'carol', role: 'ig-officer', organisations: ['A81001'] });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.message).toMatch(/^name: "carol" is already taken/);
    const source = { system: 'emis-a81001', organisations: ['A81001'] };
    const oldKey = (await admin('POST', '/v1/admin/sources', source)).json().key;
    const clash = await admin('POST', '/v1/admin/sources', source);
    expect(clash.statusCode).toBe(409);
    expect(clash.json().error.code).toBe('AW_ERR_CONFLICT');
    const rotated = await admin('POST', '/v1/admin/sources', { ...source, rotate: true });
    expect(rotated.statusCode).toBe(201);
    const post = (key: string) => t.app.inject({ method: 'POST', url: '/v1/access-events', payload: '[]', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' } });
    expect((await post(oldKey)).statusCode).toBe(401);
    expect((await post(rotated.json().key)).statusCode).not.toBe(401);
  });

  it('validates requests and refuses non-admins', async () => {
    const bad = await admin('POST', '/v1/admin/sources', { system: 'emis', organisations: ['not an ods code'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/organisations/);
    const officer = await t.personToken('bob', 'ig-officer', ['A81001']);
    expect((await admin('POST', '/v1/admin/users', { name: 'eve', role: 'admin' }, officer)).statusCode).toBe(403);
    const noOrg = await admin('POST', '/v1/admin/users', { name: 'carol', role: 'caldicott-guardian' });
    expect(noOrg.statusCode).toBe(400);
    expect((await admin('DELETE', '/v1/admin/sources/nothing')).statusCode).toBe(404);
  });

  it('reports health and readiness without auth', async () => {
    expect((await t.app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok', mode: 'embedded' });
    expect((await t.app.inject({ url: '/readyz' })).json()).toEqual({ status: 'ready', mode: 'embedded' });
  });
});
