import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessEvent, startTestApp, type TestApp } from '../../test/harness.js';

const fhirEvent = readFileSync(new URL('../../engine/formats/fixtures/nhs-epr-audit-event.json', import.meta.url), 'utf8');
const fhirBundle = readFileSync(new URL('../../engine/formats/fixtures/nhs-audit-bundle.json', import.meta.url), 'utf8');

describe('POST /v1/access-events (embedded mode)', () => {
  let t: TestApp;
  let key: string;
  let reader: string;

  beforeEach(async () => {
    t = await startTestApp();
    key = await t.sourceKey('emis-a81001', ['A81001']);
    reader = await t.personToken('alice', 'ig-officer', ['A81001', 'RX1']);
  });
  afterEach(async () => t.close());

  const post = (payload: string | object, contentType = 'application/json', bearer = key) =>
    t.app.inject({
      method: 'POST', url: '/v1/access-events',
      headers: { authorization: `Bearer ${bearer}`, 'content-type': contentType },
      payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });

  const stored = async (query = '') => {
    const response = await t.app.inject({ method: 'GET', url: `/v1/access-events?limit=1000${query}`, headers: { authorization: `Bearer ${reader}` } });
    expect(response.statusCode).toBe(200);
    return (response.json().events as Record<string, unknown>[]).filter((e) => e.system !== 'accesswatch');
  };

  it('accepts a JSON array and stores the events with their fingerprint and receipt time', async () => {
    const response = await post([accessEvent({ id: 'e1' }), accessEvent({ id: 'e2', action: 'print', purpose: 'direct-care' })]);
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const events = await stored();
    expect(events.map((e) => e.id).sort()).toEqual(['e1', 'e2']);
    const e2 = events.find((e) => e.id === 'e2')!;
    expect(e2).toMatchObject({ system: 'emis-a81001', action: 'print', purpose: 'direct-care', patient: { nhsNumber: '9434765919' } });
    expect(e2.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(Date.parse(String(e2.receivedAt))).not.toBeNaN();
  });

  it('accepts {"events": [...]}', async () => {
    const response = await post({ events: [accessEvent(), accessEvent()] });
    expect(response.json()).toMatchObject({ accepted: 2 });
  });

  it('accepts NDJSON and reports a bad line by its index while keeping the rest', async () => {
    const body = [JSON.stringify(accessEvent({ id: 'n1' })), '{not json', JSON.stringify(accessEvent({ id: 'n3' }))].join('\n');
    const response = await post(body, 'application/x-ndjson');
    expect(response.statusCode).toBe(202);
    const result = response.json();
    expect(result.accepted).toBe(2);
    expect(result.rejected).toHaveLength(1);
    expect(result.rejected[0].index).toBe(1);
    expect(result.rejected[0].errors[0]).toMatch(/JSON/);
  });

  it('accepts CSV with dotted nested field names', async () => {
    const csv = [
      'id,occurredAt,organisation,user.id,user.role,patient.nhsNumber,action,reason',
      'c1,2026-11-20T09:00:00Z,A81001,G1,R8000,9434765919,view,',
      'c2,2026-11-20T09:05:00+00:00,A81001,G1,R8000,943 476 5870,emergency-access,"Collapsed in waiting room, unconscious"',
    ].join('\n');
    const response = await post(csv, 'text/csv');
    expect(response.json()).toEqual({ accepted: 2, duplicates: 0, rejected: [] });
    const c2 = (await stored()).find((e) => e.id === 'c2')!;
    expect(c2).toMatchObject({ patient: { nhsNumber: '9434765870' }, reason: 'Collapsed in waiting room, unconscious', user: { id: 'G1', role: 'R8000' } });
  });

  it('accepts a FHIR R4 AuditEvent and a Bundle of them, mapped to canonical events', async () => {
    const hospital = await t.sourceKey('200000000119', ['RX1']);
    const single = await post(fhirEvent, 'application/fhir+json', hospital);
    expect(single.json()).toEqual({ accepted: 1, duplicates: 0, rejected: [] });
    const [event] = await stored('&organisation=RX1');
    expect(event).toMatchObject({
      id: '5f8e2a7c-3b1d-4c9e-a6f0-91d2b7e4c813', system: '200000000119', organisation: 'RX1',
      occurredAt: '2025-03-14T09:42:18.300+00:00', action: 'view', purpose: 'direct-care',
      user: { id: '555021935107', role: 'R8000' }, patient: { nhsNumber: '9434765919' },
    });
    const epr = await t.sourceKey('nuh-epr', ['RX1']);
    const bundle = await post(fhirBundle, 'application/fhir+json', epr);
    expect(bundle.statusCode).toBe(202);
    const result = bundle.json();
    expect(result.accepted).toBe(2);
    expect(result.rejected).toEqual([{ index: 2, errors: [expect.stringMatching(/^resourceType: expected AuditEvent, got Patient/)] }]);
    const fromBundle = (await stored('&organisation=RX1')).filter((e) => e.system === 'nuh-epr');
    expect(fromBundle.map((e) => e.action).sort()).toEqual(['emergency-access', 'search']);
    expect(fromBundle.find((e) => e.action === 'search')).toMatchObject({
      id: '2a9c7e1f-4b3d-4f6a-8e2c-9d0b1a7f5e34', user: { id: '555021936109', role: 'R8001' }, workstation: 'NUH-WS-04217', site: 'RX1CC',
    });
  });

  it('rejects each bad record with its index, id and field-level reasons, keeping the good ones', async () => {
    const response = await post([
      accessEvent({ id: 'good' }),
      accessEvent({ id: 'check', patient: { nhsNumber: '9434765918' } }),
      accessEvent({ id: 'short', patient: { nhsNumber: '12345' } }),
      accessEvent({ id: 'zone', occurredAt: '2026-11-20T09:30:00' }),
      accessEvent({ id: 'action', action: 'peek' }),
      accessEvent({ id: 'role', user: { id: 'G1' } }),
      accessEvent({ id: 'extra', colour: 'blue' }),
      accessEvent({ id: 'system', system: 'tpp-a81002' }),
      accessEvent({ id: 'org', organisation: 'A81002' }),
      { occurredAt: '2026-11-20T09:30:00Z' },
      'not an object',
    ]);
    expect(response.statusCode).toBe(202);
    const { accepted, rejected } = response.json() as { accepted: number; rejected: { index: number; id?: string; errors: string[] }[] };
    expect(accepted).toBe(1);
    const reasons = Object.fromEntries(rejected.map((r) => [r.index, r.errors.join(' | ')]));
    expect(rejected.find((r) => r.index === 1)?.id).toBe('check');
    expect(reasons[1]).toBe('patient.nhsNumber: fails the NHS number check digit');
    expect(reasons[2]).toBe('patient.nhsNumber: must be 10 digits');
    expect(reasons[3]).toMatch(/^occurredAt: must be an RFC 3339 date-time with a time zone/);
    expect(reasons[4]).toMatch(/^action: must be one of view, search, .*; got "peek"/);
    expect(reasons[5]).toBe('user.role: is required');
    expect(reasons[6]).toBe('colour: is not a field of an access event');
    expect(reasons[7]).toMatch(/^system: "tpp-a81002" is not this key's system/);
    expect(reasons[8]).toMatch(/^organisation: "A81002" is outside this key's organisations \(A81001\)/);
    expect(reasons[9]).toMatch(/id: is required/);
    expect(reasons[10]).toMatch(/not a JSON object/);
    expect(await stored()).toHaveLength(1);
  });

  it('answers 400 with the same shape when no event is valid', async () => {
    const response = await post([accessEvent({ action: 'peek' })]);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ accepted: 0, duplicates: 0, rejected: [{ index: 0 }] });
  });

  it('stores a reposted event once and counts it as a duplicate', async () => {
    const batch = [accessEvent({ id: 'd1' }), accessEvent({ id: 'd2' })];
    await post(batch);
    const again = await post([...batch, accessEvent({ id: 'd3' })]);
    expect(again.json()).toEqual({ accepted: 1, duplicates: 2, rejected: [] });
    const inOne = await post([accessEvent({ id: 'd4' }), accessEvent({ id: 'd4' })]);
    expect(inOne.json()).toEqual({ accepted: 1, duplicates: 1, rejected: [] });
    expect((await stored()).map((e) => e.id).sort()).toEqual(['d1', 'd2', 'd3', 'd4']);
  });

  it('refuses unknown, missing and revoked keys with 401', async () => {
    expect((await post([accessEvent()], 'application/json', 'awk_not-a-key')).statusCode).toBe(401);
    const none = await t.app.inject({ method: 'POST', url: '/v1/access-events', headers: { 'content-type': 'application/json' }, payload: '[]' });
    expect(none.statusCode).toBe(401);
    expect(none.json().error.code).toBe('AW_ERR_UNAUTHENTICATED');
    const revoke = await t.app.inject({ method: 'DELETE', url: '/v1/admin/sources/emis-a81001', headers: { authorization: 'Bearer test-admin-token-0123456789' } });
    expect(revoke.statusCode).toBe(204);
    const after = await post([accessEvent()]);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.code).toBe('AW_ERR_UNKNOWN_SOURCE');
  });

  it('refuses a key without the events scope and a person token with 403', async () => {
    const referenceOnly = await t.sourceKey('ref-loader', ['A81001'], ['reference']);
    const scoped = await post([accessEvent({ system: 'ref-loader' })], 'application/json', referenceOnly);
    expect(scoped.statusCode).toBe(403);
    expect(scoped.json().error.message).toMatch(/no "events" scope/);
    expect((await post([accessEvent()], 'application/json', reader)).statusCode).toBe(403);
  });

  it('refuses a post whose declared system is not the key\'s', async () => {
    const response = await t.app.inject({
      method: 'POST', url: '/v1/access-events', payload: JSON.stringify([accessEvent()]),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-accesswatch-system': 'tpp-a81002' },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json().error.message).toBe('this key belongs to system "emis-a81001", not "tpp-a81002"');
  });

  it('answers 415 for an unknown content type and 400 for an unreadable body', async () => {
    const xml = await post('<AuditEvent/>', 'application/xml');
    expect(xml.statusCode).toBe(415);
    expect(xml.json().error.message).toMatch(/application\/json, application\/x-ndjson, application\/fhir\+json, text\/csv/);
    const broken = await post('[{"id": ', 'application/json');
    expect(broken.statusCode).toBe(400);
    expect(broken.json().error.code).toBe('AW_ERR_BODY_UNREADABLE');
  });
});

describe('request limits', () => {
  let t: TestApp;
  afterEach(async () => t.close());

  it('answers 413 over the body limit and over the per-request event limit', async () => {
    t = await startTestApp({ env: { ACCESSWATCH_BODY_LIMIT: '4096', ACCESSWATCH_MAX_EVENTS: '3' } });
    const key = await t.sourceKey('emis-a81001', ['A81001']);
    const send = (events: object[]) => t.app.inject({
      method: 'POST', url: '/v1/access-events', payload: JSON.stringify(events),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    });
    const tooMany = await send([accessEvent(), accessEvent(), accessEvent(), accessEvent()]);
    expect(tooMany.statusCode).toBe(413);
    expect(tooMany.json().error).toMatchObject({ code: 'AW_ERR_TOO_MANY_EVENTS' });
    expect(tooMany.json().error.message).toMatch(/holds 4 events; the limit is 3/);
    const tooBig = await send([accessEvent({ reason: 'x'.repeat(5000) })]);
    expect(tooBig.statusCode).toBe(413);
    const stranger = await t.app.inject({
      method: 'POST', url: '/v1/access-events', payload: JSON.stringify([accessEvent({ reason: 'x'.repeat(5000) })]),
      headers: { authorization: 'Bearer awk_unknown', 'content-type': 'application/json' },
    });
    expect(stranger.statusCode).toBe(401);
    expect(tooBig.json().error.code).toBe('AW_ERR_BODY_TOO_LARGE');
    expect((await send([accessEvent()])).statusCode).toBe(202);
  });
});
