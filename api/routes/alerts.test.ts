import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, eventually, startTestApp, type TestApp } from '../../test/harness.js';

/** The care system of these tests: Alice works at A81001 and is also a patient; two other patients. */
const ALICE_NHS = '9434765013';
const UNRELATED_NHS = '9434765080';
const OTHER_NHS = '9434765021';

async function post(t: TestApp, url: string, bearer: string, body: unknown, status = 202) {
  const response = await t.app.inject({ method: 'POST', url, payload: JSON.stringify(body), headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' } });
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

async function get(t: TestApp, url: string, bearer: string, status = 200) {
  const response = await t.app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${bearer}` } });
  expect(response.statusCode, response.body).toBe(status);
  return response.json();
}

async function loadCareSystem(t: TestApp) {
  await post(t, '/v1/reference/staff', ADMIN_TOKEN, [
    { userId: 'alice', organisation: 'A81001', name: 'Alice', surname: 'Jones', role: 'R8000', roleClass: 'clinical', nhsNumber: ALICE_NHS, start: '2020-01-01' },
  ]);
  await post(t, '/v1/reference/patients', ADMIN_TOKEN, [
    { nhsNumber: ALICE_NHS, surname: 'Jones', dateOfBirth: '1985-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
    { nhsNumber: UNRELATED_NHS, surname: 'Lee', dateOfBirth: '2001-01-01', address: { line1: '6 Park View', postcode: 'NG4 4EE' }, registeredPractice: 'A81002' },
    { nhsNumber: OTHER_NHS, surname: 'Khan', dateOfBirth: '1990-01-01', address: { line1: '5 Bridge St', postcode: 'NG3 3DD' }, registeredPractice: 'A81002' },
  ]);
}

const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const aliceViews = (nhsNumber: string, id: string, minutes = 5) =>
  accessEvent({ id, system: 'emis', user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber }, occurredAt: minutesAgo(minutes) });

describe('alerts raised from posted access events', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  for (const mode of ['embedded', 'redis'] as const) {
    it(`raises one alert per rule and subject, explains it, and accumulates evidence (${mode})`, async () => {
      t = await startTestApp(mode === 'redis' ? { redisUrl: inject('redisUrl') } : {});
      await loadCareSystem(t);
      const emis = await t.sourceKey('emis', ['A81001']);
      const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
      const elsewhere = await t.personToken('eve', 'ig-officer', ['RRK']);
      const first = [aliceViews(ALICE_NHS, 'own-1'), aliceViews(UNRELATED_NHS, 'snoop-1')];
      await post(t, '/v1/access-events', emis, first);
      const alertsOf = async (query = '') => (await get(t!, `/v1/alerts?limit=100${query}`, officer)).alerts as Record<string, unknown>[];
      await eventually(async () => (await alertsOf()).length >= 2, 'two alerts');

      const own = (await alertsOf('&rule=AW-IA-001'))[0];
      expect(own).toMatchObject({ ruleId: 'AW-IA-001', severity: 'high', status: 'open', raises: 'alert', userId: 'alice', nhsNumber: ALICE_NHS, organisation: 'A81001', eventCount: 1 });
      const [unexplained] = await alertsOf(`&rule=AW-LR-001&patient=${UNRELATED_NHS}`);
      expect(unexplained).toMatchObject({ userId: 'alice', nhsNumber: UNRELATED_NHS, eventCount: 1, evidence: [{ system: 'emis', id: 'snoop-1' }] });
      expect((unexplained.explanation as { why: string }).why).toBe("the patient is registered with A81002, not A81001; the patient has no care relationships on record.");
      expect(await get(t, `/v1/alerts/${String(unexplained.id)}`, officer)).toMatchObject({ id: unexplained.id, ruleId: 'AW-LR-001' });

      // The same events again change nothing; a new access of the same patient adds to the open alert.
      await post(t, '/v1/access-events', emis, first);
      await post(t, '/v1/access-events', emis, [aliceViews(UNRELATED_NHS, 'snoop-2', 3)]);
      await eventually(async () => (await alertsOf(`&rule=AW-LR-001&patient=${UNRELATED_NHS}`))[0]?.eventCount === 2, 'the second access added');
      const [merged] = await alertsOf(`&rule=AW-LR-001&patient=${UNRELATED_NHS}`);
      expect(merged.id).toBe(unexplained.id);
      expect((merged.evidence as { id: string }[]).map((e) => e.id)).toEqual(['snoop-1', 'snoop-2']);

      // Another organisation's officer sees none of it.
      expect((await get(t, '/v1/alerts', elsewhere)).alerts).toEqual([]);
      await get(t, `/v1/alerts/${String(unexplained.id)}`, elsewhere, 404);
    });
  }

  it('audits reading alerts about a patient as an access by the reader', async () => {
    t = await startTestApp();
    await loadCareSystem(t);
    const emis = await t.sourceKey('emis', ['A81001']);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    await post(t, '/v1/access-events', emis, [aliceViews(ALICE_NHS, 'own-1')]);
    await get(t, '/v1/alerts?rule=AW-IA-001', officer);
    const page = await t.deployment.store.queryEvents({ organisations: ['A81001'], system: 'accesswatch', limit: 10 });
    expect(page.events.map((e) => [e.event.action, e.event.recordPart, e.event.patient.nhsNumber])).toContainEqual(['view', 'alert', ALICE_NHS]);
  });

  it('counts alerts by status with the list\'s filters, without reading (or auditing) any', async () => {
    t = await startTestApp();
    await loadCareSystem(t);
    const emis = await t.sourceKey('emis', ['A81001']);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    const other = await t.personToken('eve', 'ig-officer', ['RRK']);
    await post(t, '/v1/access-events', emis, [aliceViews(UNRELATED_NHS, 'snoop-1'), aliceViews(OTHER_NHS, 'snoop-2'), aliceViews(ALICE_NHS, 'own-1')]);
    const listed = (await t.deployment.store.queryAlerts({ organisations: ['A81001'], raises: 'alert', limit: 100 })).alerts;
    const counts = await get(t, '/v1/alerts/counts', officer);
    expect(counts).toEqual({ byStatus: { open: listed.length, investigating: 0, dismissed: 0, confirmed: 0 }, total: listed.length });
    expect(listed.length).toBeGreaterThan(2);
    const ownRecord = await get(t, `/v1/alerts/counts?rule=AW-IA-001&patient=${ALICE_NHS}`, officer);
    expect(ownRecord.byStatus.open).toBe(listed.filter((a) => a.ruleId === 'AW-IA-001').length);
    expect((await get(t, '/v1/alerts/counts', other)).total).toBe(0);
    await get(t, '/v1/alerts/counts?organisation=A81001', other, 403);
    await get(t, '/v1/alerts/counts?status=open', officer, 400);
    const audit = await t.deployment.store.queryEvents({ organisations: ['A81001'], system: 'accesswatch', limit: 10 });
    expect(audit.events).toEqual([]);
  });

  it('holds back what a suppression covers until it expires, and refuses bad suppressions', async () => {
    t = await startTestApp();
    await loadCareSystem(t);
    const emis = await t.sourceKey('emis', ['A81001']);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    const auditor = await t.personToken('aud', 'auditor', ['A81001']);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString();
    const created = await post(t, '/v1/suppressions', officer, { organisation: 'A81001', ruleId: 'AW-LR-001', userId: 'alice', expiresAt: tomorrow, reason: 'Alice covers the walk-in clinic this week' }, 201);
    expect(created).toMatchObject({ organisation: 'A81001', ruleId: 'AW-LR-001', userId: 'alice', reason: 'Alice covers the walk-in clinic this week' });
    expect((await get(t, '/v1/suppressions', auditor)).suppressions).toHaveLength(1);

    await post(t, '/v1/access-events', emis, [aliceViews(OTHER_NHS, 'walk-in'), aliceViews(ALICE_NHS, 'own')]);
    const rules = ((await get(t, '/v1/alerts', officer)).alerts as { ruleId: string }[]).map((a) => a.ruleId);
    expect(rules).toEqual(['AW-IA-001']);

    const refused = async (body: Record<string, unknown>, status: number, message: RegExp) => {
      const response = await post(t!, '/v1/suppressions', officer, { organisation: 'A81001', userId: 'alice', expiresAt: tomorrow, reason: 'because', ...body }, status);
      expect(response.error.message).toMatch(message);
    };
    await refused({ ruleId: 'AW-XX-999' }, 400, /ruleId: no rule has the id AW-XX-999/);
    await refused({ expiresAt: '2020-01-01T00:00:00Z' }, 400, /expiresAt: must be in the future/);
    await refused({ organisation: 'RRK' }, 403, /RRK is not one of your organisations/);
    await post(t, '/v1/suppressions', auditor, { organisation: 'A81001', userId: 'alice', expiresAt: tomorrow, reason: 'because' }, 403);
  });

  it('scores a user\'s risk across their open alerts', async () => {
    t = await startTestApp();
    await loadCareSystem(t);
    const emis = await t.sourceKey('emis', ['A81001']);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    expect(await get(t, '/v1/users/alice/risk', officer)).toMatchObject({ userId: 'alice', score: 0, level: 'none', openAlerts: 0 });
    await post(t, '/v1/access-events', emis, [aliceViews(ALICE_NHS, 'own'), aliceViews(UNRELATED_NHS, 'snoop')]);
    const risk = await get(t, '/v1/users/alice/risk', officer);
    expect(risk).toMatchObject({ userId: 'alice', openAlerts: 2 });
    expect(risk.score).toBeGreaterThan(60);
    // (An after-hours signal joins them when the suite runs outside working hours.)
    expect(risk.byRule.filter((r: { raises: string }) => r.raises === 'alert').map((r: { ruleId: string }) => r.ruleId)).toEqual(['AW-IA-001', 'AW-LR-001']);
  });
});

describe('windowed rules across a restart', () => {
  it('keep their state: a print burst split by a restart of the embedded server still raises one alert with all of it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'accesswatch-restart-'));
    const prints = (from: number) => Array.from({ length: 15 }, (_, i) => accessEvent({
      id: `print-${from + i}`, system: 'emis', action: 'print', user: { id: 'alice', role: 'R8000' }, occurredAt: minutesAgo(30 - (from + i)),
    }));
    let t = await startTestApp({ env: { ACCESSWATCH_DATA_DIR: dataDir } });
    try {
      await loadCareSystem(t);
      const emis = await t.sourceKey('emis', ['A81001']);
      const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
      await post(t, '/v1/access-events', emis, prints(0));
      expect((await get(t, '/v1/alerts?rule=AW-BP-003', officer)).alerts).toEqual([]);
      await t.close();
      t = await startTestApp({ env: { ACCESSWATCH_DATA_DIR: dataDir } });
      await post(t, '/v1/access-events', emis, prints(15));
      const [alert] = (await get(t, '/v1/alerts?rule=AW-BP-003', officer)).alerts;
      expect(alert).toMatchObject({ ruleId: 'AW-BP-003', userId: 'alice', eventCount: 30, severity: 'high' });
    } finally {
      await t.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('rules through the API', () => {
  let t: TestApp | undefined;
  afterEach(async () => { await t?.close(); t = undefined; });

  it('lists every rule with its parameters, and backtests one without raising anything', async () => {
    t = await startTestApp();
    await loadCareSystem(t);
    const officer = await t.personToken('ola', 'ig-officer', ['A81001']);
    const { rules } = await get(t, '/v1/rules', officer);
    expect(rules.find((r: { id: string }) => r.id === 'AW-LR-001')).toMatchObject({ kind: 'unexplained', family: 'legitimate-relationship', enabled: true, params: { text: expect.any(String) } });

    // Events stored while the rule was suppressed for everyone: the backtest shows what it would have raised.
    const emis = await t.sourceKey('emis', ['A81001']);
    await post(t, '/v1/suppressions', officer, { organisation: 'A81001', ruleId: 'AW-LR-001', userId: 'alice', expiresAt: new Date(Date.now() + 3_600_000).toISOString(), reason: 'backtest demo' }, 201);
    await post(t, '/v1/access-events', emis, [aliceViews(UNRELATED_NHS, 'a', 30), aliceViews(UNRELATED_NHS, 'b', 20), aliceViews(OTHER_NHS, 'c', 10)]);
    expect((await get(t, '/v1/alerts?rule=AW-LR-001', officer)).alerts).toEqual([]);
    const result = await post(t, '/v1/rules/AW-LR-001/backtest', officer, { from: minutesAgo(60), to: minutesAgo(0) }, 200);
    expect(result).toMatchObject({ ruleId: 'AW-LR-001', eventsScanned: 3, truncated: false });
    expect(result.alerts.map((a: { nhsNumber: string; eventCount: number }) => [a.nhsNumber, a.eventCount]).sort()).toEqual([[OTHER_NHS, 1], [UNRELATED_NHS, 2]]);
    expect((await get(t, '/v1/alerts?rule=AW-LR-001', officer)).alerts).toEqual([]);

    await post(t, '/v1/rules/AW-XX-001/backtest', officer, { from: minutesAgo(60), to: minutesAgo(0) }, 404);
    await post(t, '/v1/rules/AW-LR-001/backtest', officer, { from: minutesAgo(0), to: minutesAgo(60) }, 400);
  });
});
