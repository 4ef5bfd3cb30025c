import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';
import { pdfText } from '../../test/pdfText.js';

const PATIENT = '9434765919';
const OTHER = '9434765870';

async function post(t: TestApp, url: string, bearer: string, body: unknown) {
  const response = await t.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' } });
  expect(response.statusCode, response.body).toBe(202);
}

async function setUp(t: TestApp) {
  await post(t, '/v1/reference/staff', ADMIN_TOKEN, [
    { userId: 'G1', organisation: 'A81001', name: 'Gill', surname: 'Ward', role: 'R8000', roleClass: 'clinical', team: 'PRACTICE', start: '2020-01-01' },
  ]);
  await post(t, '/v1/reference/patients', ADMIN_TOKEN, [
    { nhsNumber: PATIENT, surname: 'Smith', dateOfBirth: '1950-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
  ]);
  const gp = await t.sourceKey('emis', ['A81001']);
  const trust = await t.sourceKey('pas', ['RRK']);
  await post(t, '/v1/access-events', gp, [
    accessEvent({ id: 'a1', system: 'emis', user: { id: 'G1', role: 'R8000' }, patient: { nhsNumber: PATIENT }, occurredAt: '2026-11-20T09:00:00Z', purpose: 'direct-care' }),
    accessEvent({ id: 'a2', system: 'emis', user: { id: 'G1', role: 'R8000' }, patient: { nhsNumber: OTHER }, occurredAt: '2026-11-20T10:00:00Z', action: 'print' }),
  ]);
  await post(t, '/v1/access-events', trust, [
    accessEvent({ id: 'b1', system: 'pas', organisation: 'RRK', user: { id: 'N7', role: 'R0260' }, patient: { nhsNumber: PATIENT }, occurredAt: '2026-11-21T09:00:00Z' }),
  ]);
}

describe('access reports', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  it("answers who looked at a patient's record, within the reader's organisations, as JSON and CSV", async () => {
    t = await startTestApp();
    await setUp(t);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001', 'RRK']);
    const gpOnly = await t.personToken('gia', 'caldicott-guardian', ['A81001']);
    const get = (url: string, token: string, accept = 'application/json') => t!.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}`, accept } });

    const json = (await get(`/v1/patients/${PATIENT}/accesses`, officer)).json();
    expect(json.accesses).toEqual([
      { occurredAt: '2026-11-21T09:00:00Z', organisation: 'RRK', system: 'pas', userId: 'N7', role: 'R0260', nhsNumber: PATIENT, action: 'view', explained: false },
      { occurredAt: '2026-11-20T09:00:00Z', organisation: 'A81001', system: 'emis', userId: 'G1', role: 'R8000', roleClass: 'clinical', team: 'PRACTICE', nhsNumber: PATIENT, action: 'view', purpose: 'direct-care', explained: true, explainedBy: 'registration' },
    ]);
    // The guardian of A81001 sees A81001's accesses only, including the officer's reading of the report just now.
    const seen = (await get(`/v1/patients/${PATIENT}/accesses`, gpOnly)).json().accesses as { organisation: string; system: string; userId: string }[];
    expect(seen.map((a) => [a.organisation, a.system])).toEqual([['A81001', 'accesswatch'], ['A81001', 'emis']]);

    const csv = await get(`/v1/patients/${PATIENT}/accesses?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`, officer, 'text/csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = parse(csv.body, { columns: true }) as Record<string, string>[];
    expect(rows.filter((r) => r.system !== 'accesswatch').map((r) => [r.userId, r.organisation, r.explained])).toEqual([['N7', 'RRK', 'false'], ['G1', 'A81001', 'true']]);

    // Reading the report is itself an access to the patient's record, by the reader.
    const audit = await t.deployment.store.queryEvents({ organisations: ['A81001', 'RRK'], system: 'accesswatch', nhsNumber: PATIENT, limit: 20 });
    expect(audit.events.length).toBeGreaterThanOrEqual(2);

    expect((await get('/v1/patients/1234567890/accesses', officer)).statusCode).toBe(400);
    expect((await get(`/v1/patients/${PATIENT}/accesses?organisation=RXX`, gpOnly)).statusCode).toBe(403);
  });

  it("gives a patient's report as a PDF a patient can read: a title, what the columns mean, a row per access", async () => {
    t = await startTestApp();
    await setUp(t);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001', 'RRK']);
    const response = await t.app.inject({
      method: 'GET', url: `/v1/patients/${PATIENT}/accesses?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`,
      headers: { authorization: `Bearer ${officer}`, accept: 'application/pdf' },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    expect(response.headers['content-disposition']).toBe(`attachment; filename="accesses-${PATIENT}.pdf"`);
    const text = await pdfText(response.rawPayload);
    expect(text).toContain('Who has accessed your health and care record');
    expect(text).toContain(`NHS number ${PATIENT}. Organisations A81001, RRK, from 2026-11-01 00:00 to 2026-12-01 00:00 UTC`);
    expect(text).toContain('What the columns mean');
    expect(text).toContain('Explained: "yes" when the organisation\'s own records show why the access happened');
    expect(text).toContain('There are 2.');
    expect(text).toContain('2026-11-21 09:00 RRK pas N7 R0260');
    expect(text).toContain('2026-11-20 09:00 A81001 emis G1 R8000 clinical PRACTICE view direct-care yes (registration)');
    expect(text).not.toContain(OTHER);
    // A PDF is a read of the patient's record like any other.
    const audit = await t.deployment.store.queryEvents({ organisations: ['RRK'], system: 'accesswatch', nhsNumber: PATIENT, limit: 20 });
    expect(audit.events.map((e) => e.event.recordPart)).toEqual(['access-log']);
  });

  it("gives a user's actions as a PDF with the patient of each", async () => {
    t = await startTestApp();
    await setUp(t);
    const guardian = await t.personToken('gia', 'caldicott-guardian', ['A81001']);
    const response = await t.app.inject({ method: 'GET', url: '/v1/users/G1/accesses', headers: { authorization: `Bearer ${guardian}`, accept: 'application/pdf' } });
    expect(response.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(response.rawPayload);
    expect(text).toContain('Record accesses by user G1');
    expect(text).toContain('2 accesses, newest first');
    expect(text).toContain(`2026-11-20 10:00 A81001 emis R8000 PRACTICE ${OTHER} print`);
    expect(text).toContain(`2026-11-20 09:00 A81001 emis R8000 PRACTICE ${PATIENT} view`);
    expect(text).not.toContain('What the columns mean');
  });

  it('lists everything a user did, and refuses people without the role', async () => {
    t = await startTestApp();
    await setUp(t);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    const admin = ADMIN_TOKEN;
    const response = await t.app.inject({ method: 'GET', url: '/v1/users/G1/accesses', headers: { authorization: `Bearer ${officer}` } });
    expect(response.json().accesses.map((a: { nhsNumber: string; action: string }) => [a.nhsNumber, a.action])).toEqual([[OTHER, 'print'], [PATIENT, 'view']]);
    expect((await t.app.inject({ method: 'GET', url: '/v1/users/G1/accesses', headers: { authorization: `Bearer ${admin}` } })).statusCode).toBe(403);
  });
});
