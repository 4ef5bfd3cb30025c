import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';
import { pdfText } from '../../test/pdfText.js';

/** A81001 (a practice) and RRK (a trust); March 2025 is the period reported on. */
const REGISTERED = '9434765919';
const UNREGISTERED = '9434765870';
const NEIGHBOUR = '9434765080';
const MARCH = 'from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z';
const UNEXPLAINED = 'AW-LR-001';

type Json = Record<string, any>;

describe('the Caldicott report', () => {
  let t: TestApp;
  let gus: string, aud: string, ola: string, rita: string;

  async function send(method: 'GET' | 'POST' | 'PATCH', url: string, bearer: string, body?: unknown, accept = 'application/json') {
    return t.app.inject({
      method, url,
      headers: { authorization: `Bearer ${bearer}`, accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
  }
  async function ok(method: 'GET' | 'POST' | 'PATCH', url: string, bearer: string, body?: unknown, status = 200): Promise<Json> {
    const response = await send(method, url, bearer, body);
    expect(response.statusCode, response.body).toBe(status);
    return response.json();
  }
  const view = (id: string, user: string, nhsNumber: string, occurredAt: string, extra: Json = {}) =>
    accessEvent({ id, system: 'emis', user: { id: user, role: user === 'G1' ? 'R8000' : 'R8003' }, patient: { nhsNumber }, occurredAt, ...extra });
  /** The one unexplained-access alert about a user and patient. */
  const unexplained = async (user: string, nhsNumber: string): Promise<Json> => {
    const { alerts } = await ok('GET', `/v1/alerts?rule=${UNEXPLAINED}&user=${user}&patient=${nhsNumber}`, ola);
    expect(alerts).toHaveLength(1);
    return alerts[0];
  };

  beforeEach(async () => {
    t = await startTestApp();
    await ok('POST', '/v1/reference/staff', ADMIN_TOKEN, [
      { userId: 'G1', organisation: 'A81001', name: 'Gill', surname: 'Ward', role: 'R8000', roleClass: 'clinical', start: '2020-01-01' },
      { userId: 'R1', organisation: 'A81001', name: 'Rob', surname: 'Hale', role: 'R8003', roleClass: 'non-clinical', start: '2020-01-01' },
      { userId: 'N7', organisation: 'RRK', name: 'Nia', surname: 'Cole', role: 'R0260', roleClass: 'clinical', start: '2020-01-01' },
    ], 202);
    await ok('POST', '/v1/reference/patients', ADMIN_TOKEN, [
      { nhsNumber: REGISTERED, surname: 'Smith', dateOfBirth: '1950-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
    ], 202);
    const emis = await t.sourceKey('emis', ['A81001']);
    const pas = await t.sourceKey('pas', ['RRK']);
    // A81001 in March: two explained views, three unexplained (three alerts); one view in April.
    await ok('POST', '/v1/access-events', emis, [
      view('e1', 'G1', REGISTERED, '2025-03-04T10:00:00Z'),
      view('e2', 'G1', REGISTERED, '2025-03-05T10:00:00Z'),
      view('e3', 'R1', UNREGISTERED, '2025-03-04T11:00:00Z'),
      view('e4', 'R1', NEIGHBOUR, '2025-03-04T11:30:00Z'),
      view('e5', 'G1', UNREGISTERED, '2025-03-06T10:00:00Z'),
      view('e6', 'G1', REGISTERED, '2025-04-02T10:00:00Z'),
    ], 202);
    await ok('POST', '/v1/access-events', pas, [
      accessEvent({ id: 'r1', system: 'pas', organisation: 'RRK', user: { id: 'N7', role: 'R0260' }, patient: { nhsNumber: UNREGISTERED }, occurredAt: '2025-03-04T10:00:00Z' }),
    ], 202);
    gus = await t.personToken('gus', 'caldicott-guardian', ['A81001']);
    aud = await t.personToken('aud', 'auditor', ['A81001', 'RRK']);
    ola = await t.personToken('ola', 'ig-officer', ['A81001']);
    rita = await t.personToken('rita', 'caldicott-guardian', ['RRK']);
  });
  afterEach(async () => { await t.close(); });

  /** Ola confirms R1's look at the unregistered patient and opens an incident; dismisses G1's as explained by care. */
  async function triage(): Promise<Json> {
    const confirmed = await unexplained('R1', UNREGISTERED);
    await ok('PATCH', `/v1/alerts/${confirmed.id}`, ola, { status: 'confirmed', resolution: { note: 'no reason to look' }, version: confirmed.version });
    const dismissed = await unexplained('G1', UNREGISTERED);
    await ok('PATCH', `/v1/alerts/${dismissed.id}`, ola, { status: 'dismissed', resolution: { reason: 'explained-by-care' }, version: dismissed.version });
    return ok('POST', '/v1/incidents', ola, {
      title: 'Receptionist looked up a patient', description: 'No care relationship', alertIds: [confirmed.id], awareAt: '2025-03-10T09:00:00Z',
    }, 201);
  }

  it('gives the explained rate, alerts by rule with outcomes after triage, role classes, risk and incidents, for the guardian\'s organisation only', async () => {
    const incident = await triage();
    const report = await ok('GET', `/v1/reports/caldicott?${MARCH}`, gus);
    expect(report).toMatchObject({
      from: '2025-03-01T00:00:00.000Z', to: '2025-04-01T00:00:00.000Z', organisations: ['A81001'], truncated: [],
      accesses: { total: 5, explained: 2, explainedRate: 0.4, byOrganisation: [{ organisation: 'A81001', total: 5, explained: 2 }] },
      outcomes: { confirmed: 1, dismissed: 1, dismissedByReason: { 'explained-by-care': 1, duplicate: 0 } },
    });
    expect(report.alerts.byRule).toContainEqual({ ruleId: UNEXPLAINED, title: expect.any(String), alerts: 3, confirmed: 1, dismissed: 1, falsePositiveRate: 0.5 });
    expect(report.alerts.byOrganisation).toEqual({ A81001: report.alerts.total });
    expect(report.alerts.byRoleClass).toMatchObject({ 'non-clinical': 2, clinical: 1 });
    expect(report.alerts.byStatus).toMatchObject({ open: 1, confirmed: 1, dismissed: 1 });
    expect(report.medianHoursToTriage).toBeGreaterThanOrEqual(0);
    expect(report.topUsersByRisk).toContainEqual(expect.objectContaining({ userId: 'R1', organisation: 'A81001', openAlerts: 1 }));
    expect(report.topUsersByRisk.map((user: Json) => user.userId)).not.toContain('N7');
    // Not assessed, so the clock runs; it is long past 72 hours after 10 March 2025.
    expect(report.incidents).toEqual([{
      id: incident.id, title: 'Receptionist looked up a patient', organisation: 'A81001', status: 'open', awareAt: '2025-03-10T09:00:00.000Z',
      icoDeadline: '2025-03-13T09:00:00.000Z', overdue: true,
    }]);
    expect(JSON.stringify(report)).not.toMatch(new RegExp(`${UNREGISTERED}|${REGISTERED}|${NEIGHBOUR}`));

    // RRK's guardian sees RRK only; an auditor of both sees both, or one when asked.
    const rrk = await ok('GET', `/v1/reports/caldicott?${MARCH}`, rita);
    expect(rrk.accesses).toEqual({ total: 1, explained: 0, explainedRate: 0, byOrganisation: [{ organisation: 'RRK', total: 1, explained: 0 }] });
    expect(rrk.incidents).toEqual([]);
    expect(Object.keys(rrk.alerts.byOrganisation)).toEqual(['RRK']);
    const both = await ok('GET', `/v1/reports/caldicott?${MARCH}`, aud);
    expect(both.accesses).toMatchObject({ total: 6, explained: 2 });
    expect((await ok('GET', `/v1/reports/caldicott?${MARCH}&organisation=RRK`, aud)).accesses.total).toBe(1);
    // April holds the one later view and none of March's alerts.
    const april = await ok('GET', '/v1/reports/caldicott?from=2025-04-01T00:00:00Z&to=2025-05-01T00:00:00Z', gus);
    expect(april.accesses).toMatchObject({ total: 1, explained: 1 });
    expect(april.alerts.total).toBe(0);
  });

  it('counts a team\'s alert under the role class its users share, or mixed when they differ', async () => {
    await ok('POST', '/v1/reference/staff', ADMIN_TOKEN, [
      { userId: 'T1', organisation: 'RRK', name: 'Tess', surname: 'Lane', role: 'R8003', roleClass: 'non-clinical', team: 'DESK', start: '2020-01-01' },
      { userId: 'T2', organisation: 'RRK', name: 'Tom', surname: 'Reed', role: 'R8003', roleClass: 'non-clinical', team: 'DESK', start: '2020-01-01' },
      { userId: 'T3', organisation: 'RRK', name: 'Ty', surname: 'Moss', role: 'R0260', roleClass: 'clinical', team: 'DESK', start: '2020-01-01' },
    ], 202);
    const pas = await t.sourceKey('pas-2', ['RRK']);
    const at = (id: string, user: string, nhsNumber: string, occurredAt: string) => accessEvent({
      id, system: 'pas-2', organisation: 'RRK', user: { id: user, role: 'R8003' }, patient: { nhsNumber }, occurredAt,
    });
    await ok('POST', '/v1/access-events', pas, [
      at('d1', 'T1', NEIGHBOUR, '2025-03-07T10:00:00Z'), at('d2', 'T2', NEIGHBOUR, '2025-03-07T10:05:00Z'),
      at('d3', 'T1', REGISTERED, '2025-03-07T11:00:00Z'), at('d4', 'T3', REGISTERED, '2025-03-07T11:05:00Z'),
    ], 202);
    const { alerts } = await ok('GET', `/v1/alerts?rule=${UNEXPLAINED}&organisation=RRK&limit=100`, rita);
    expect(alerts.filter((alert: Json) => alert.team === 'DESK').map((alert: Json) => alert.users)).toEqual(expect.arrayContaining([['T1', 'T2'], ['T1', 'T3']]));
    const report = await ok('GET', `/v1/reports/caldicott?${MARCH}`, rita);
    // N7's alert (clinical), DESK's about the neighbour (non-clinical), DESK's about the registered patient (mixed).
    expect(report.alerts.byRoleClass).toMatchObject({ clinical: 1, 'non-clinical': 1, mixed: 1 });
    expect(report.alerts.byRoleClass.unknown ?? 0).toBe(0);
  });

  it('gives a CSV with a block per table, including a row per rule, readable by a CSV parser', async () => {
    await triage();
    const response = await send('GET', `/v1/reports/caldicott?${MARCH}`, gus, undefined, 'text/csv');
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/csv/);
    expect(response.headers['content-disposition']).toBe('attachment; filename="caldicott-report-2025-03-01-to-2025-04-01.csv"');
    const rows = parse(response.body, { relax_column_count: true, skip_empty_lines: true }) as string[][];
    const summary = Object.fromEntries(rows.filter((row) => row.length === 2));
    expect(summary).toMatchObject({ 'Accesses processed': '5', 'Accesses explained': '2', 'Explained rate': '0.4', Confirmed: '1', Dismissed: '1', Incidents: '1' });
    expect(rows.find((row) => row[0] === 'Rule')).toEqual(['Rule', 'Title', 'Alerts', 'Confirmed', 'Dismissed', 'False-positive rate']);
    expect(rows.find((row) => row[0] === UNEXPLAINED)).toEqual([UNEXPLAINED, expect.any(String), '3', '1', '1', '0.5']);
    expect(rows.find((row) => row[0] === 'A81001')).toEqual(['A81001', '5', '2', '0.4', expect.any(String)]);
    expect(rows.find((row) => row[1] === 'Receptionist looked up a patient')).toEqual(expect.arrayContaining(['A81001', 'open', 'not assessed', 'yes']));
  });

  it('gives a PDF with the headings and figures, readable by a PDF parser', async () => {
    await triage();
    const response = await send('GET', `/v1/reports/caldicott?${MARCH}`, gus, undefined, 'application/pdf');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/pdf');
    const text = await pdfText(response.rawPayload);
    for (const expected of [
      'Caldicott guardian report: record access audit', 'Organisations A81001. Period 2025-03-01 00:00 UTC to 2025-04-01 00:00 UTC',
      'Accesses processed 5', 'Explained rate 40.0%', '40.0% explained: 2 of 5 accesses', 'Alerts by rule', `${UNEXPLAINED} `,
      'Alerts confirmed 1', 'Alerts dismissed 1', 'Alerts by role class of the user', 'non-clinical 2', 'Users with the highest risk',
      'Incidents and the ICO', 'Receptionist looked up a patient A81001 open 2025-03-10 09:00 not assessed 2025-03-13 09:00 OVERDUE',
    ]) expect(text).toContain(expected);
  });

  it('is for Caldicott guardians and auditors of their own organisations, over a period that makes sense', async () => {
    const status = async (bearer: string, query = MARCH) => (await send('GET', `/v1/reports/caldicott?${query}`, bearer)).statusCode;
    expect(await status(gus)).toBe(200);
    expect(await status(aud)).toBe(200);
    expect(await status(ola)).toBe(403);
    expect(await status(ADMIN_TOKEN)).toBe(403);
    expect(await status(await t.sourceKey('tpp', ['A81001']))).toBe(403);
    expect((await send('GET', '/v1/reports/caldicott', '')).statusCode).toBe(401);
    expect(await status(gus, `${MARCH}&organisation=RRK`)).toBe(403);
    expect(await status(gus, 'from=2025-04-01T00:00:00Z&to=2025-03-01T00:00:00Z')).toBe(400);
    expect(await status(gus, 'from=yesterday')).toBe(400);
    // Reading patient data is recorded as accesses from system accesswatch; the report counts the care systems' accesses only.
    await ok('GET', '/v1/alerts', ola);
    const audited = await ok('GET', '/v1/access-events?limit=100', gus);
    expect(audited.events.filter((event: Json) => event.system === 'accesswatch').length).toBeGreaterThan(0);
    // With no period, the 30 days up to now.
    const recent = await ok('GET', '/v1/reports/caldicott', gus);
    expect(Date.parse(recent.to) - Date.parse(recent.from)).toBe(30 * 86_400_000);
    expect(recent.accesses.total).toBe(0);
  });
});
