import { afterEach, describe, expect, inject, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, eventually, startTestApp, type TestApp } from '../../test/harness.js';

async function postJson(t: TestApp, url: string, bearer: string, body: unknown) {
  const response = await t.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' } });
  expect(response.statusCode, response.body).toBe(202);
  return response.json();
}

async function loadCareSystem(t: TestApp) {
  await postJson(t, '/v1/reference/patients', ADMIN_TOKEN, [
    { nhsNumber: '9434765919', surname: 'Smith', dateOfBirth: '1950-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
    { nhsNumber: '9434765870', surname: 'Jones', dateOfBirth: '1960-01-01', address: { line1: '2 Low St', postcode: 'NG2 2BB' }, registeredPractice: 'A81002' },
  ]);
  await postJson(t, '/v1/reference/relationships', ADMIN_TOKEN, [
    { id: 'adm-1', nhsNumber: '9434765870', organisation: 'RRK', type: 'admission', start: '2026-11-18', end: '2026-11-21' },
  ]);
}

const events = [
  accessEvent({ id: 'gp-own', organisation: 'A81001', system: 'emis', patient: { nhsNumber: '9434765919' } }),
  accessEvent({ id: 'gp-other', organisation: 'A81001', system: 'emis', patient: { nhsNumber: '9434765870' } }),
];
const hospital = [
  accessEvent({ id: 'ward', organisation: 'RRK', system: 'pas', patient: { nhsNumber: '9434765870' }, occurredAt: '2026-11-20T10:00:00Z' }),
];

async function readAll(t: TestApp, token: string) {
  const response = await t.app.inject({ method: 'GET', url: '/v1/access-events?limit=100', headers: { authorization: `Bearer ${token}` } });
  return Object.fromEntries((response.json().events as { id: string; explanation?: unknown }[]).map((e) => [e.id, e.explanation]));
}

describe('every stored access carries its explanation', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  for (const mode of ['embedded', 'redis'] as const) {
    it(`explains by registration or relationship, or says why not (${mode})`, async () => {
      t = await startTestApp(mode === 'redis' ? { redisUrl: inject('redisUrl') } : {});
      await loadCareSystem(t);
      const gp = await t.sourceKey('emis', ['A81001']);
      const trust = await t.sourceKey('pas', ['RRK']);
      const officer = await t.personToken('ola', 'ig-officer', ['A81001', 'RRK']);
      await postJson(t, '/v1/access-events', gp, events);
      await postJson(t, '/v1/access-events', trust, hospital);
      const store = t.deployment.store;
      await eventually(async () => (await store.countEvents()) === 3, 'three stored events');
      const explanations = await readAll(t, officer);
      expect(explanations['gp-own']).toMatchObject({ explained: true, by: { type: 'registration', organisation: 'A81001' } });
      expect(explanations.ward).toMatchObject({ explained: true, by: { type: 'admission', level: 'organisation', relationshipId: 'adm-1' } });
      expect(explanations['gp-other']).toMatchObject({
        explained: false,
        why: "the patient is registered with A81002, not A81001; none of the patient's 1 care relationships is with A81001.",
      });
    });
  }
});
