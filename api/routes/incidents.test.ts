import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, eventually, startTestApp, type TestApp } from '../../test/harness.js';

// The walk from an alert to the ICO, and who may do what with incidents, through the real app
// over a fresh DuckDB file. Times are relative to the wall clock: the clock itself (exactly 72
// hours, hours left) is tested with an injected clock in engine/incidents.

const ALICE_NHS = '9434765013';
const UNRELATED_NHS = '9434765080';
const OTHER_NHS = '9434765021';
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();

type Json = Record<string, any>;
let t: TestApp;
const tokens: Record<'officer' | 'guardian' | 'auditor' | 'both' | 'elsewhere' | 'emis' | 'pas', string> = {} as never;

async function call(method: 'GET' | 'POST' | 'PUT' | 'PATCH', url: string, bearer: string, status: number, body?: unknown, headers: Record<string, string> = {}) {
  const response = await t.app.inject({
    method, url, headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  expect(response.statusCode, `${method} ${url}: ${response.body.slice(0, 500)}`).toBe(status);
  return response;
}
const json = async (...args: Parameters<typeof call>): Promise<Json> => (await call(...args)).json();

/** The alert of a rule (and patient) in A81001, as a guardian of A81001 and RRK sees it. */
async function alertOf(rule: string, patient?: string): Promise<Json> {
  const page = await json('GET', `/v1/alerts?organisation=A81001&rule=${rule}${patient ? `&patient=${patient}` : ''}`, tokens.both, 200);
  return page.alerts[0];
}

const assessment = {
  likelihood: 5, severity: 3, dataSubjects: 2, records: 14, categories: ['health records'], vulnerableGroups: [],
  consequences: 'Distress to the patients; loss of trust in the practice', measures: 'Smartcard access suspended; patients told; staff retrained',
  contact: { name: 'Dana Patel', role: 'Data Protection Officer', email: 'dpo@example.nhs.uk' },
};

beforeAll(async () => {
  t = await startTestApp();
  await call('POST', '/v1/reference/staff', ADMIN_TOKEN, 202, [
    { userId: 'alice', organisation: 'A81001', name: 'Alice', surname: 'Jones', role: 'R8000', roleClass: 'clinical', nhsNumber: ALICE_NHS, start: '2020-01-01' },
    { userId: 'bob', organisation: 'RRK', name: 'Bob', surname: 'Khan', role: 'R8000', roleClass: 'clinical', start: '2020-01-01' },
  ]);
  await call('POST', '/v1/reference/patients', ADMIN_TOKEN, 202, [
    { nhsNumber: ALICE_NHS, surname: 'Jones', dateOfBirth: '1985-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
    { nhsNumber: UNRELATED_NHS, surname: 'Lee', dateOfBirth: '2001-01-01', address: { line1: '6 Park View', postcode: 'NG4 4EE' }, registeredPractice: 'A81002' },
    { nhsNumber: OTHER_NHS, surname: 'Khan', dateOfBirth: '1990-01-01', address: { line1: '5 Bridge St', postcode: 'NG3 3DD' }, registeredPractice: 'A81002' },
  ]);
  tokens.emis = await t.sourceKey('emis', ['A81001']);
  tokens.pas = await t.sourceKey('pas', ['RRK']);
  tokens.officer = await t.personToken('ola', 'ig-officer', ['A81001']);
  tokens.guardian = await t.personToken('gina', 'caldicott-guardian', ['A81001']);
  tokens.auditor = await t.personToken('aud', 'auditor', ['A81001']);
  tokens.both = await t.personToken('bea', 'caldicott-guardian', ['A81001', 'RRK']);
  tokens.elsewhere = await t.personToken('eve', 'ig-officer', ['RRK']);
  const view = (user: string, nhsNumber: string, id: string, organisation = 'A81001') =>
    accessEvent({ id, system: organisation === 'RRK' ? 'pas' : 'emis', organisation, user: { id: user, role: 'R8000' }, patient: { nhsNumber }, occurredAt: hoursAgo(2) });
  await call('POST', '/v1/access-events', tokens.emis, 202, [view('alice', ALICE_NHS, 'own-1'), view('alice', UNRELATED_NHS, 'snoop-1'), view('alice', OTHER_NHS, 'snoop-2')]);
  await call('POST', '/v1/access-events', tokens.pas, 202, [view('bob', UNRELATED_NHS, 'rrk-1', 'RRK')]);
  await eventually(async () => (await json('GET', '/v1/alerts?limit=100', tokens.both, 200)).alerts.length >= 4, 'the alerts of both organisations');
}, 60_000);
afterAll(async () => t?.close());

describe('from a confirmed alert to a report to the ICO', () => {
  it('walks an alert through confirmation, an incident, its assessment and decision, and reports in phases', async () => {
    // The IG officer confirms the alert: the incident's clock starts at that confirmation.
    const alert = await alertOf('AW-LR-001', UNRELATED_NHS);
    const confirmed = await json('PATCH', `/v1/alerts/${alert.id}`, tokens.officer, 200, { version: alert.version, status: 'confirmed', resolution: { note: 'No reason to open the record' } });
    const confirmedAt = confirmed.history.at(-1).at;
    const own = await alertOf('AW-IA-001');

    const created = await json('POST', '/v1/incidents', tokens.officer, 201, {
      title: 'Clinician viewed records without a care relationship', description: 'Alice opened records of patients of another practice.', alertIds: [alert.id, own.id],
    });
    expect(created).toMatchObject({ organisation: 'A81001', status: 'open', alertIds: [alert.id, own.id], awareAt: confirmedAt, version: 1, clockRunning: true, overdue: false });
    expect(created.hoursLeft).toBeGreaterThan(71);
    expect(Date.parse(created.icoDeadline) - Date.parse(confirmedAt)).toBe(72 * 3_600_000);
    const url = `/v1/incidents/${created.id}`;

    // The officer assesses it; the grid says reportable; only the guardian may record the decision.
    const assessed = await json('PUT', `${url}/assessment`, tokens.officer, 200, assessment);
    expect(assessed).toMatchObject({ ...assessment, reportableToIco: true, notifyDataSubjects: false, overdue: false, version: 2 });
    expect(assessed.reportableReason).toMatch(/^Likelihood 5 \(occurred\) and severity 3 \(adverse\) reach the ICO reporting threshold/);
    expect(assessed.notifyReason).toMatch(/Article 34 does not require/);
    const refused = await json('PUT', `${url}/assessment`, tokens.officer, 403, { ...assessment, decision: { report: true, reason: 'Reportable' } });
    expect(refused.error.message).toMatch(/only a Caldicott guardian records the decision/);
    const decided = await json('PUT', `${url}/assessment`, tokens.guardian, 200, { ...assessment, decision: { report: true, reason: 'Two patients affected; reportable on the grid' }, version: 2 });
    expect(decided).toMatchObject({ version: 3, decision: { report: true, reason: 'Two patients affected; reportable on the grid', reportableToIco: true, likelihood: 5, severity: 3 } });

    // The report: JSON with the Article 33(3) content, and the same as a PDF.
    const report = await json('GET', `${url}/ico-report`, tokens.auditor, 200);
    expect(report).toMatchObject({
      incidentId: created.id, phase: 1, late: false, missing: [], dataSubjects: { approximateNumber: 2, categories: ['patients'] },
      records: { approximateNumber: 14, categories: ['health records'] }, contact: assessment.contact, measures: assessment.measures,
      likelyConsequences: assessment.consequences, decision: { report: true },
    });
    expect(report.natureOfBreach).toMatch(/^Clinician viewed records without a care relationship\. Alice opened records of patients of another practice\. Found by record-access audit: 2 alerts/);
    expect(report.natureOfBreach).not.toContain(UNRELATED_NHS);
    const pdf = await call('GET', `${url}/ico-report`, tokens.auditor, 200, undefined, { accept: 'application/pdf' });
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const parser = new PDFParse({ data: new Uint8Array(pdf.rawPayload) });
    const text = (await parser.getText()).text.replace(/\s+/g, ' ');
    await parser.destroy();
    for (const expected of ['Alice opened records of patients of another practice.', 'Approximately 2 data subjects.', 'Approximately 14 records.',
      'Dana Patel, Data Protection Officer', 'Email: dpo@example.nhs.uk', assessment.measures, assessment.consequences]) {
      expect(text).toContain(expected);
    }

    // Sent: the incident is reported and the first phase kept as sent; later information is phase 2.
    await json('POST', `${url}/ico-report`, tokens.officer, 409, { version: 2 });
    const reported = await json('POST', `${url}/ico-report`, tokens.officer, 201); // no body: sent now
    expect(reported).toMatchObject({ status: 'reported', version: 4, clockRunning: false, reports: [{ phase: 1, content: { phase: 1, natureOfBreach: report.natureOfBreach } }] });
    expect(reported.statusHistory).toMatchObject([{ from: 'open', to: 'reported' }]);
    expect((await json('GET', `${url}/ico-report`, tokens.officer, 200)).phase).toBe(2);
    await json('PUT', `${url}/assessment`, tokens.officer, 200, { ...assessment, dataSubjects: 3, measures: 'A third patient found and told' });
    const second = await json('POST', `${url}/ico-report`, tokens.guardian, 201, { icoReference: 'IC-417733-Q8K1' });
    expect(second.reports.map((r: Json) => [r.phase, r.icoReference ?? null, r.content.dataSubjects.approximateNumber])).toEqual([[1, null, 2], [2, 'IC-417733-Q8K1', 3]]);
    expect(await json('GET', `${url}/ico-report?phase=1`, tokens.auditor, 200)).toMatchObject({ phase: 1, dataSubjects: { approximateNumber: 2 } });
    await call('GET', `${url}/ico-report?phase=3`, tokens.auditor, 404);

    // A stale change is refused; the current version closes it. The decision and reports are kept.
    const stale = await json('PATCH', url, tokens.officer, 409, { version: 3, status: 'closed' });
    expect(stale.error.message).toMatch(/is at version 6, not 3/);
    const closed = await json('PATCH', url, tokens.officer, 200, { version: 6, status: 'closed', note: 'Lessons shared at the practice meeting' });
    expect(closed).toMatchObject({ status: 'closed', version: 7, notes: [{ text: 'Lessons shared at the practice meeting' }], decisions: [{ report: true }] });
    expect(closed.reports).toHaveLength(2);
    await call('PATCH', url, tokens.officer, 400, { version: 7, status: 'open' });
  });

  it('keeps a decision not to report with its reason, and only then closes an open incident', async () => {
    const own = await alertOf('AW-IA-001');
    const created = await json('POST', '/v1/incidents', tokens.guardian, 201, { title: 'Own record', description: 'Alice viewed her own record.', alertIds: [own.id] });
    const url = `/v1/incidents/${created.id}`;
    expect(Math.abs(Date.parse(created.awareAt) - Date.now())).toBeLessThan(60_000); // nothing confirmed: aware now
    const closing = await json('PATCH', url, tokens.officer, 400, { version: 1, status: 'closed' });
    expect(closing.error.message).toMatch(/decision not to report it, with the reason \(Article 33\(5\)\)/);
    const minor = { ...assessment, likelihood: 2, severity: 2, dataSubjects: 1, records: 1 };
    const assessed = await json('PUT', `${url}/assessment`, tokens.guardian, 200, { ...minor, decision: { report: false, reason: 'Her own record: no one else affected' } });
    expect(assessed).toMatchObject({ reportableToIco: false, decision: { report: false, reason: 'Her own record: no one else affected', reportableToIco: false } });
    expect(assessed.reportableReason).toMatch(/need not be reported to the ICO, but the breach and the reasons for not reporting it must be recorded/);
    const closed = await json('PATCH', url, tokens.officer, 200, { version: 2, status: 'closed' });
    expect(closed).toMatchObject({ status: 'closed', clockRunning: false, decisions: [{ report: false, by: expect.any(String) }] });
    expect((await json('GET', url, tokens.auditor, 200)).decisions[0].reason).toBe('Her own record: no one else affected');
  });

  it('lists overdue and nearly due incidents first, and asks why a late report is late', async () => {
    const own = await alertOf('AW-IA-001');
    const open = async (title: string, awareAt: string) =>
      (await json('POST', '/v1/incidents', tokens.officer, 201, { title, description: 'For the list', alertIds: [own.id], awareAt })).id as string;
    const fresh = await open('Fresh', hoursAgo(1));
    const overdue = await open('Overdue', hoursAgo(80));
    const dueSoon = await open('Due soon', hoursAgo(60));
    const listed = (await json('GET', '/v1/incidents?status=open', tokens.auditor, 200)).incidents as Json[];
    const ours = listed.filter((incident) => [fresh, overdue, dueSoon].includes(incident.id));
    expect(ours.map((incident) => [incident.title, incident.overdue, incident.dueSoon])).toEqual([['Overdue', true, false], ['Due soon', false, true], ['Fresh', false, false]]);
    expect(listed.slice(0, 2).map((incident) => incident.id)).toEqual([overdue, dueSoon]);
    expect(ours[0].hoursLeft).toBeLessThanOrEqual(-8);

    const url = `/v1/incidents/${overdue}`;
    await json('PUT', `${url}/assessment`, tokens.officer, 200, assessment);
    expect(await json('GET', `${url}/ico-report`, tokens.officer, 200)).toMatchObject({ late: true, missing: ['reasonForDelay'] });
    const refused = await json('PATCH', url, tokens.officer, 400, { version: 2, status: 'reported' });
    expect(refused.error.message).toMatch(/^reasonForDelay: the report is late/);
    await json('POST', `${url}/ico-report`, tokens.officer, 400, {});
    const reported = await json('POST', `${url}/ico-report`, tokens.officer, 201, { reasonForDelay: 'The alert was found after a long weekend' });
    expect(reported.reports[0].content).toMatchObject({ late: true, reasonForDelay: 'The alert was found after a long weekend', missing: [] });
    await json('POST', `/v1/incidents/${fresh}/ico-report`, tokens.officer, 400, {}); // not assessed yet
    await json('POST', '/v1/incidents', tokens.officer, 400, { title: 'Future', description: 'x', alertIds: [own.id], awareAt: new Date(Date.now() + 3_600_000).toISOString() });
  });
});

describe('who may see and change incidents', () => {
  let url: string;
  beforeAll(async () => {
    const own = await alertOf('AW-IA-001');
    url = `/v1/incidents/${(await json('POST', '/v1/incidents', tokens.officer, 201, { title: 'Scoped', description: 'x', alertIds: [own.id] })).id}`;
  });
  const writes = (version = 1): [method: 'POST' | 'PUT' | 'PATCH', path: string, body: unknown][] => [
    ['PATCH', '', { version, note: 'a note' }], ['PUT', '/assessment', assessment], ['POST', '/ico-report', {}],
  ];

  it('hides incidents from other organisations: not listed, and 404 for each endpoint', async () => {
    expect((await json('GET', '/v1/incidents', tokens.elsewhere, 200)).incidents.map((incident: Json) => incident.organisation)).not.toContain('A81001');
    await call('GET', url, tokens.elsewhere, 404);
    await call('GET', `${url}/ico-report`, tokens.elsewhere, 404);
    for (const [method, path, body] of writes()) await call(method, `${url}${path}`, tokens.elsewhere, 404, body);
  });

  it('lets auditors read but not change, and admins neither', async () => {
    await call('GET', url, tokens.auditor, 200);
    await call('GET', '/v1/incidents', tokens.auditor, 200);
    for (const [method, path, body] of writes()) await call(method, `${url}${path}`, tokens.auditor, 403, body);
    await call('POST', '/v1/incidents', tokens.auditor, 403, { title: 'x', description: 'x', alertIds: ['a'] });
    for (const path of ['', '/ico-report']) await call('GET', `${url}${path}`, ADMIN_TOKEN, 403);
    await call('GET', '/v1/incidents', ADMIN_TOKEN, 403);
    for (const [method, path, body] of writes()) await call(method, `${url}${path}`, ADMIN_TOKEN, 403, body);
    await call('POST', '/v1/incidents', ADMIN_TOKEN, 403, { title: 'x', description: 'x', alertIds: ['a'] });
    await call('GET', url, tokens.emis, 403);
  });

  it('opens an incident only from existing alerts of the caller\'s organisations, all of one', async () => {
    const ours = await alertOf('AW-IA-001');
    const theirs = (await json('GET', '/v1/alerts?organisation=RRK', tokens.both, 200)).alerts[0];
    const body = (alertIds: string[]) => ({ title: 'x', description: 'x', alertIds });
    expect((await json('POST', '/v1/incidents', tokens.officer, 404, body([ours.id, theirs.id]))).error.message).toBe(`alertIds: no alert ${theirs.id} in your organisations`);
    expect((await json('POST', '/v1/incidents', tokens.officer, 404, body(['no-such-alert']))).error.message).toBe('alertIds: no alert no-such-alert in your organisations');
    const mixed = await json('POST', '/v1/incidents', tokens.both, 400, body([ours.id, theirs.id]));
    expect(mixed.error.message).toMatch(new RegExp(`^alertIds: an incident is of one organisation, but these alerts are of 2 \\(A81001: ${ours.id}; RRK: ${theirs.id}\\)`));
    expect((await json('POST', '/v1/incidents', tokens.both, 201, body([theirs.id]))).organisation).toBe('RRK');
  });

  it('adds alerts of its organisation to an incident until it is closed, naming what is wrong otherwise', async () => {
    const own = await alertOf('AW-IA-001');
    const snoop = await alertOf('AW-LR-001', OTHER_NHS);
    const theirs = (await json('GET', '/v1/alerts?organisation=RRK', tokens.both, 200)).alerts[0];
    const opened = await json('POST', '/v1/incidents', tokens.both, 201, { title: 'Alice', description: 'Alice looked', alertIds: [own.id] });
    const added = await json('PATCH', `/v1/incidents/${opened.id}`, tokens.both, 200, { version: opened.version, addAlertIds: [snoop.id, own.id] });
    expect(added.alertIds).toEqual([own.id, snoop.id]);
    expect(added.version).toBe(opened.version + 1);
    expect((await json('GET', `/v1/incidents/${opened.id}`, tokens.both, 200)).alertIds).toEqual([own.id, snoop.id]);
    const other = await json('PATCH', `/v1/incidents/${opened.id}`, tokens.both, 400, { version: added.version, addAlertIds: [theirs.id] });
    expect(other.error.message).toBe(`addAlertIds: the incident is of A81001, but these alerts are of RRK`);
    const hidden = await json('PATCH', `/v1/incidents/${opened.id}`, tokens.officer, 404, { version: added.version, addAlertIds: ['no-such-alert'] });
    expect(hidden.error.message).toBe('addAlertIds: no alert no-such-alert in your organisations');
    await call('PATCH', `/v1/incidents/${opened.id}`, tokens.both, 409, { version: opened.version, addAlertIds: [snoop.id] });
    await call('PATCH', `/v1/incidents/${opened.id}`, tokens.auditor, 403, { version: added.version, addAlertIds: [snoop.id] });
  });
});

