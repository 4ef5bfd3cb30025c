import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAppRoutes } from '../../api/webApp.js';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';
import { startIdentityProvider, type LocalIdentityProvider } from '../../test/identityProvider.js';

/**
 * The dashboards web app end to end: the real API on a free port over a fresh DuckDB folder,
 * alerts raised by posting events through it, and a real headless Chromium signing in and
 * triaging. AW_SCREENSHOTS=1 also writes the main screens to docs/screenshots/.
 */
const CHROMIUM = '/usr/bin/chromium';
const DIST = join(import.meta.dirname, 'dist');
const SCREENSHOTS = process.env.AW_SCREENSHOTS ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots') : undefined;

const ALICE_NHS = '9434765013';
const UNRELATED_NHS = '9434765080';
const OTHER_NHS = '9434765021';

type Json = Record<string, any>;

/** A valid NHS number (modulus 11 check digit) from nine digits, or undefined when none exists. */
export function nhsNumberOf(nine: string): string | undefined {
  const sum = [...nine].reduce((total, digit, i) => total + Number(digit) * (10 - i), 0);
  const check = (11 - (sum % 11)) % 11;
  return check === 10 ? undefined : `${nine}${check}`;
}
/** `count` valid NHS numbers of patients no one has a relationship with, spread out (not sequential). */
const strangers = (count: number, start: number) => {
  const numbers: string[] = [];
  for (let n = start; numbers.length < count; n += 7919) {
    const nhs = nhsNumberOf(String(n).padStart(9, '0'));
    if (nhs) numbers.push(nhs);
  }
  return numbers;
};
const BOB_PATIENTS = strangers(12, 610_000_003);
const [LATE_NHS, SOON_NHS] = strangers(2, 720_000_011);
const hoursAgo = (hours: number) => new Date(Date.now() - hours * 3_600_000).toISOString();
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const views = (user: string, nhsNumber: string, id: string, minutes = 5) =>
  accessEvent({ id, system: 'emis', user: { id: user, role: 'R8000' }, patient: { nhsNumber }, occurredAt: minutesAgo(minutes) });
const aliceViews = (nhsNumber: string, id: string) => views('alice', nhsNumber, id);

describe('the dashboards web app', () => {
  let t: TestApp;
  let idp: LocalIdentityProvider;
  let base: string;
  let browser: Browser;
  /** Ola: IG officer at A81001; Gus: Caldicott guardian at A81001; Eve: IG officer at RRK; Audrey: auditor at A81001. */
  let ola: string, gus: string, eve: string, audrey: string;

  const api = async (method: 'GET' | 'POST' | 'PATCH', url: string, bearer: string, body?: unknown): Promise<Json> => {
    const response = await fetch(`${base}${url}`, {
      method, headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${method} ${url}: ${response.status} ${await response.text()}`);
    return response.json() as Promise<Json>;
  };
  const shoot = async (page: Page, name: string) => {
    if (SCREENSHOTS) await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const signIn = async (bearer: string): Promise<Page> => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.setDefaultTimeout(8000);
    await page.goto(base);
    await page.getByLabel('Access token').fill(bearer);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    return page;
  };
  const rowOf = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (.ci/run does)`);
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('dashboards/app/dist is missing: run `npm run build`');
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    // People sign in with local tokens, or with their identity provider's tokens.
    idp = await startIdentityProvider();
    t = await startTestApp({
      env: {
        ACCESSWATCH_OIDC_ISSUER: idp.issuer, ACCESSWATCH_OIDC_AUDIENCE: idp.audience, ACCESSWATCH_OIDC_JWKS_URL: idp.jwksUrl,
        ACCESSWATCH_OIDC_CLIENT_ID: 'accesswatch-web', ACCESSWATCH_OIDC_AUTHORIZATION_URL: idp.authorizationUrl, ACCESSWATCH_OIDC_TOKEN_URL: idp.tokenUrl,
      },
    });
    base = await t.app.listen({ port: 0, host: '127.0.0.1' });
    await api('POST', '/v1/reference/staff', ADMIN_TOKEN, [
      { userId: 'alice', organisation: 'A81001', name: 'Alice', surname: 'Jones', role: 'R8000', roleClass: 'clinical', nhsNumber: ALICE_NHS, start: '2020-01-01' },
    ]);
    await api('POST', '/v1/reference/patients', ADMIN_TOKEN, [
      { nhsNumber: ALICE_NHS, surname: 'Jones', dateOfBirth: '1985-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: 'A81001' },
      { nhsNumber: UNRELATED_NHS, surname: 'Lee', dateOfBirth: '2001-01-01', address: { line1: '6 Park View', postcode: 'NG4 4EE' }, registeredPractice: 'A81002' },
      { nhsNumber: OTHER_NHS, surname: 'Khan', dateOfBirth: '1990-01-01', address: { line1: '5 Bridge St', postcode: 'NG3 3DD' }, registeredPractice: 'A81002' },
    ]);
    const emis = await t.sourceKey('emis', ['A81001']);
    ola = await t.personToken('ola', 'ig-officer', ['A81001']);
    audrey = await t.personToken('audrey', 'auditor', ['A81001']);
    gus = await t.personToken('gus', 'caldicott-guardian', ['A81001']);
    eve = await t.personToken('eve', 'ig-officer', ['RRK']);
    await api('POST', '/v1/access-events', emis, [aliceViews(UNRELATED_NHS, 'snoop-1'), aliceViews(OTHER_NHS, 'snoop-2'), aliceViews(ALICE_NHS, 'own-1')]);
    // Bob looks at a dozen strangers' records (enough alerts to page and to triage in bulk);
    // Carol at two, whose incidents have been running for a while.
    await api('POST', '/v1/access-events', emis, [
      ...BOB_PATIENTS.map((nhs, i) => views('bob', nhs, `bob-${i}`, 30 + i)),
      views('carol', LATE_NHS, 'carol-1', 60), views('carol', SOON_NHS, 'carol-2', 60),
    ]);
    const carols = (await api('GET', '/v1/alerts?user=carol', ola)).alerts as Json[];
    const carolAlert = (nhs: string) => carols.find((alert) => alert.nhsNumber === nhs)!.id;
    await api('POST', '/v1/incidents', ola, { title: 'Carol: a record read 80 hours ago', description: 'Found late', alertIds: [carolAlert(LATE_NHS)], awareAt: hoursAgo(80) });
    await api('POST', '/v1/incidents', ola, { title: 'Carol: a record read 60 hours ago', description: 'Found at audit', alertIds: [carolAlert(SOON_NHS)], awareAt: hoursAgo(60) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await idp?.stop();
  }, 60_000);

  it('is served at / without credentials, and stays out of the OpenAPI document', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${base}/assets/..%2Fpackage.json`)).status).toBe(404);
    const openapi = await (await fetch(`${base}/openapi.json`)).json() as Json;
    expect(Object.keys(openapi.paths)).not.toContain('/');
    expect(Object.keys(openapi.paths).some((path) => path.startsWith('/assets'))).toBe(false);
    // The provider sign-in's public settings, and the one outside origin the page may call: the token endpoint.
    expect(await (await fetch(`${base}/v1/auth/oidc`)).json()).toEqual({ enabled: true, clientId: 'accesswatch-web', authorizationUrl: idp.authorizationUrl, tokenUrl: idp.tokenUrl, scope: 'openid profile' });
    expect(page.headers.get('content-security-policy')).toContain(`connect-src 'self' ${new URL(idp.tokenUrl).origin};`);
  });

  it('answers 503 saying to build when the app is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'accesswatch-nodist-'));
    const app = Fastify();
    await app.register(webAppRoutes, { distDir: empty });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatch(/npm run build/);
    // Without OIDC set up for the web app, it offers no provider sign-in.
    expect((await app.inject({ method: 'GET', url: '/v1/auth/oidc' })).json()).toEqual({ enabled: false });
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('refuses an unknown token at sign-in, from the keyboard', async () => {
    const page = await browser.newPage();
    await page.goto(base);
    await page.getByLabel('Access token').waitFor();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('token');
    await page.keyboard.type('awt_not-a-real-token');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That token was not recognised.');
    expect(await page.getByRole('heading', { name: 'Alert queue' }).count()).toBe(0);
    await page.close();
  });

  it('lets an IG officer sign in, read an alert, dismiss one with a reason, confirm another and open an incident', async () => {
    const expected = (await api('GET', '/v1/alerts', ola)).alerts as Json[];
    const unrelated = expected.find((alert) => alert.nhsNumber === UNRELATED_NHS)!;
    const other = expected.find((alert) => alert.nhsNumber === OTHER_NHS)!;
    expect(unrelated && other).toBeTruthy();

    const page = await signIn(ola);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    expect(page.url()).not.toContain(ola);
    expect(await page.evaluate(() => sessionStorage.getItem('accesswatch.token'))).toBe(ola);
    await rowOf(page, UNRELATED_NHS).waitFor();
    // Every alert raised is listed (reading alerts is itself audited, so more may follow), and counted.
    for (const alert of expected) expect(await rowOf(page, alert.ruleId).filter({ hasText: alert.userId }).count()).toBeGreaterThan(0);
    const rows = await page.locator('tbody tr').count();
    expect(await page.getByLabel('This page').textContent()).toContain(`Alerts 1 to ${rows}`);
    // Most severe first.
    const shown = await page.locator('tbody tr td:first-child').allTextContents();
    const order = ['critical', 'high', 'medium', 'low'];
    expect(shown.map((s) => order.indexOf(s))).toEqual([...shown.map((s) => order.indexOf(s))].sort((a, b) => a - b));
    await shoot(page, 'alert-queue');

    // Filter by rule: only that rule's alerts remain.
    await page.getByLabel('Rule').selectOption(unrelated.ruleId);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(expected.filter((alert) => alert.ruleId === unrelated.ruleId).length);

    // Read one and dismiss it.
    await rowOf(page, UNRELATED_NHS).getByRole('button').click();
    await page.getByRole('heading', { name: 'Why this was raised' }).waitFor();
    expect(await page.locator('.explanation').textContent()).toBe(unrelated.explanation.text);
    await page.getByRole('heading', { name: 'About the rule' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Evidence' }).isVisible()).toBe(true);
    expect(await page.getByRole('list', { name: 'Evidence timeline' }).getByText('event snoop-1').count()).toBe(1);
    await shoot(page, 'alert-detail');
    await page.getByLabel('Reason').selectOption('explained-by-care');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('Status: dismissed').waitFor();
    expect(await page.getByText('ola moved it from open to dismissed (explained-by-care)').count()).toBe(1);

    // Confirm the other, then open an incident from it.
    await page.getByRole('button', { name: 'Back to the queue' }).click();
    // The queue is as it was left.
    await expect.poll(() => page.getByLabel('Rule').inputValue()).toBe(unrelated.ruleId);
    await page.getByLabel('Rule').selectOption(other.ruleId);
    await rowOf(page, OTHER_NHS).getByRole('button').click();
    await page.getByRole('button', { name: 'Investigate' }).click();
    await page.getByText('Status: investigating').waitFor();
    await page.getByLabel('What was found (required)').fill('Alice looked up a neighbour; she admitted it at interview');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await page.getByText('Status: confirmed').waitFor();
    expect(await page.getByRole('button', { name: 'Dismiss' }).count()).toBe(0);
    await page.getByLabel('Title').fill('Alice looked up a neighbour');
    await page.getByRole('button', { name: 'Open incident' }).click();
    await page.getByRole('heading', { name: 'Alice looked up a neighbour' }).waitFor();
    expect(await page.getByLabel('Time left').textContent()).toMatch(/^7[12] h \d+ min \d+ s left$/);

    // Assess it: the grid says reportable, with its reason.
    await page.getByLabel('Likelihood').selectOption('5');
    await page.getByLabel('Severity').selectOption('3');
    expect(await page.locator('table.grid caption').textContent()).toBe('The grid: likelihood 5 (occurred), severity 3 (adverse)');
    expect(await page.locator('table.grid tr').filter({ has: page.locator('td.chosen') }).locator('th').textContent()).toBe('5: Occurred');
    expect(await page.locator('table.grid td').allTextContents()).toEqual(Array.from({ length: 25 }, (_, i) => (i === 2 ? 'chosen' : '')));
    await page.getByLabel('Likely consequences').fill('Distress to the patient');
    await page.getByLabel('Measures taken or proposed').fill('Access suspended; retraining');
    await page.getByLabel('Contact name (usually the DPO)').fill('Dee Peo');
    await page.getByLabel('Contact email').fill('dpo@example.nhs.uk');
    await page.getByRole('button', { name: 'Save assessment' }).click();
    await page.getByText('Reportable to the ICO', { exact: true }).waitFor();
    await shoot(page, 'incident');
    await page.getByRole('button', { name: 'Back to incidents' }).click();
    await rowOf(page, 'Alice looked up a neighbour').waitFor();
    await shoot(page, 'incidents');
    await page.close();

    const after = await api('GET', `/v1/alerts/${unrelated.id}`, ola);
    expect(after).toMatchObject({ status: 'dismissed', resolution: { reason: 'explained-by-care', byName: 'ola' } });
    expect((await api('GET', `/v1/alerts/${other.id}`, ola)).status).toBe('confirmed');
    const incidents = (await api('GET', '/v1/incidents', ola)).incidents as Json[];
    const opened = incidents.filter((incident) => incident.title === 'Alice looked up a neighbour');
    expect(opened.map((incident) => [incident.alertIds, incident.assessment?.reportableToIco])).toEqual([[[other.id], true]]);
  });

  it('adds another confirmed alert to the open incident', async () => {
    const newcomer = '9434765102';
    const emis2 = await t.sourceKey('emis2', ['A81001']);
    await api('POST', '/v1/access-events', emis2, [accessEvent({ id: 'snoop-3', system: 'emis2', user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber: newcomer }, occurredAt: minutesAgo(4) })]);
    const alert = ((await api('GET', `/v1/alerts?patient=${newcomer}`, ola)).alerts as Json[])[0];
    const investigating = await api('PATCH', `/v1/alerts/${alert.id}`, ola, { status: 'investigating', version: alert.version });
    const confirmed = await api('PATCH', `/v1/alerts/${alert.id}`, ola, { status: 'confirmed', resolution: { note: 'Alice admitted it' }, version: investigating.version });
    expect(confirmed.status).toBe('confirmed');
    const incident = ((await api('GET', '/v1/incidents', ola)).incidents as Json[]).find((i) => i.title === 'Alice looked up a neighbour')!;

    const page = await signIn(ola);
    await page.getByRole('button', { name: /^confirmed: / }).click();
    await rowOf(page, newcomer).getByRole('button').click();
    await page.getByText('Status: confirmed').waitFor();
    // Open incidents of A81001 that do not hold it yet.
    await page.getByLabel('Incident').locator('option', { hasText: 'Alice looked up a neighbour (open, 1 alert)' }).waitFor({ state: 'attached' });
    await page.getByLabel('Incident').selectOption({ label: 'Alice looked up a neighbour (open, 1 alert)' });
    await page.getByRole('button', { name: 'Add to incident' }).click();
    await page.getByRole('heading', { name: 'Alice looked up a neighbour' }).waitFor();
    await page.close();
    expect((await api('GET', `/v1/incidents/${incident.id}`, ola)).alertIds).toEqual([...incident.alertIds, alert.id]);
  });

  it('filters the queue by user, patient and dates, counts by status, pages by the cursor, and triages in bulk', async () => {
    const bobs = (await api('GET', '/v1/alerts?user=bob&limit=500', ola)).alerts as Json[];
    expect(bobs.length).toBeGreaterThanOrEqual(BOB_PATIENTS.length);
    const page = await signIn(ola);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    await page.getByLabel('User', { exact: true }).fill('bob');
    await page.getByLabel('User', { exact: true }).press('Enter'); // from the keyboard
    await expect.poll(() => page.getByLabel('Counts by status').textContent()).toBe(`open: ${bobs.length}investigating: 0dismissed: 0confirmed: 0`);
    await expect.poll(() => page.locator('tbody tr').count()).toBe(bobs.length);
    expect(new Set(await page.locator('tbody tr td:nth-child(3)').allTextContents())).toEqual(new Set(['bob']));

    // Ten a page: the API's cursor leads to the next page and back.
    await page.getByLabel('Alerts per page').selectOption('10');
    await expect.poll(() => page.locator('tbody tr').count()).toBe(10);
    expect(await page.getByLabel('This page').textContent()).toMatch(/^Alerts 1 to 10, more on the next page/);
    const firstPage = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    await page.getByRole('button', { name: 'Next page' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(bobs.length - 10);
    expect(await page.getByLabel('This page').textContent()).toMatch(new RegExp(`^Alerts 11 to ${bobs.length}[^,]`));
    const secondPage = await page.locator('tbody tr td:nth-child(4)').allTextContents();
    expect(secondPage.filter((nhs) => nhs && firstPage.includes(nhs))).toEqual([]);
    expect(await page.getByRole('button', { name: 'Next page' }).isDisabled()).toBe(true);
    await page.getByRole('button', { name: 'Previous page' }).click();
    await expect.poll(() => page.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual(firstPage);
    await page.getByLabel('Alerts per page').selectOption('50');

    // One patient; dates that hold no alert.
    await page.getByLabel('Patient NHS number').fill(BOB_PATIENTS[3]);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr td:nth-child(4)').allTextContents()).toEqual([BOB_PATIENTS[3]]);
    expect(page.url()).not.toContain(BOB_PATIENTS[3]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    await page.getByLabel('Seen from').fill(tomorrow);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No alerts match.').waitFor();
    await page.getByLabel('Seen from').fill('');
    await page.getByLabel('Patient NHS number').fill('');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(bobs.length);

    // Bulk: assign all of Bob's to Ola, then again (nothing to change), then dismiss one patient's as a duplicate.
    await page.getByLabel('Assign to (name)').fill('ola');
    await page.getByRole('button', { name: 'Apply to the matching alerts' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe(`Matched ${bobs.length}, changed ${bobs.length}, skipped 0.`);
    await expect.poll(() => page.locator('tbody tr td:nth-child(6)').allTextContents()).toEqual(bobs.map(() => 'ola'));
    await page.getByRole('button', { name: 'Apply to the matching alerts' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toMatch(new RegExp(`^Matched ${bobs.length}, changed 0, skipped ${bobs.length}\\.`));
    expect(await page.getByRole('list', { name: 'Skipped' }).getByText('already assigned to ola').count()).toBe(bobs.length);
    await page.getByLabel('Patient NHS number').fill(BOB_PATIENTS[0]);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByLabel('Action').selectOption('dismiss-duplicate');
    await page.getByRole('button', { name: 'Apply to the matching alerts' }).click();
    await expect.poll(() => page.getByRole('status').textContent()).toBe('Matched 1, changed 1, skipped 0.');
    await page.getByText('No alerts match.').waitFor();
    await expect.poll(() => page.getByLabel('Counts by status').textContent()).toBe('open: 0investigating: 0dismissed: 1confirmed: 0');
    await shoot(page, 'bulk-triage');
    await page.close();
    const dismissed = (await api('GET', `/v1/alerts?user=bob&patient=${BOB_PATIENTS[0]}&status=dismissed`, ola)).alerts as Json[];
    expect(dismissed.map((alert) => [alert.assignee, alert.resolution.reason])).toEqual([['ola', 'duplicate']]);
  });

  it('shows an alert with the user\'s risk and activity, the patient\'s history and the evidence in time; assigns it, and dismisses it with a suppression', async () => {
    const page = await signIn(ola);
    await page.getByLabel('Patient NHS number').fill(BOB_PATIENTS[2]);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr button').click();
    await page.getByRole('heading', { name: /^bob's risk: \d+ of 100 \((low|medium|high|critical)\)$/ }).waitFor();
    expect(await page.getByText('Assigned to ola').count()).toBe(1);
    const timeline = page.getByRole('list', { name: 'Evidence timeline' });
    expect(await timeline.getByRole('listitem').textContent()).toMatch(/first · emis · event bob-2$/);
    await page.getByRole('button', { name: 'Show what each event was' }).click();
    await expect.poll(() => timeline.getByRole('listitem').textContent()).toMatch(new RegExp(`first · emis · event bob-2 · view · patient ${BOB_PATIENTS[2]} · unexplained$`));

    await page.getByRole('button', { name: "Show bob's recent activity" }).click();
    const activity = page.locator('.card').filter({ hasText: 'What bob did recently' }).getByRole('table');
    await activity.waitFor();
    for (const nhs of BOB_PATIENTS.slice(0, 5)) expect(await activity.getByRole('row').filter({ hasText: nhs }).count()).toBe(1);
    await page.getByRole('button', { name: "Show who accessed this patient's record" }).click();
    // Bob's one look, without the reads accesswatch recorded of Ola triaging it.
    const history = page.locator('.card').filter({ hasText: "The patient's recent access history" });
    await expect.poll(() => history.getByRole('row').count()).toBe(2);
    expect(await history.getByRole('row').nth(1).textContent()).toMatch(/emisbob/);
    expect(await history.getByText(/read\(s\) recorded by accesswatch itself/).count()).toBe(1);

    await page.getByLabel('Assign to (the name of an IG officer or Caldicott guardian)').fill('gus');
    await page.getByRole('button', { name: 'Assign', exact: true }).click();
    await page.getByText('Assigned to gus').waitFor();
    await page.getByText('ola assigned it to gus').waitFor();
    await shoot(page, 'alert-investigation');

    await page.getByLabel('Reason').selectOption('authorised-by-policy');
    await page.getByLabel('Also suppress similar alerts of this rule').check();
    await page.getByLabel('For', { exact: true }).selectOption('user-patient');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('Status: dismissed').waitFor();
    await page.getByText(/^Similar alerts of this rule for bob and this patient are suppressed until /).waitFor();
    await page.close();
    const suppressions = (await api('GET', '/v1/suppressions', ola)).suppressions as Json[];
    expect(suppressions.filter((s) => s.userId === 'bob').map((s) => s.nhsNumber)).toEqual([BOB_PATIENTS[2]]);
  });

  it('runs an incident to the ICO: a live clock, the urgent first, the report downloaded, a note against a stale version', async () => {
    const page = await signIn(ola);
    await page.getByRole('button', { name: 'Incidents' }).click();
    await rowOf(page, 'Alice looked up a neighbour').waitFor();
    // Overdue first, then under 24 hours left, then the rest.
    const titles = await page.locator('tbody tr td:first-child button').allTextContents();
    expect(titles.slice(0, 3)).toEqual(['Carol: a record read 80 hours ago', 'Carol: a record read 60 hours ago', 'Alice looked up a neighbour']);
    expect(await rowOf(page, '80 hours ago').locator('td.overdue').textContent()).toMatch(/^overdue by 8 h \d+ min \d+ s$/);
    expect(await rowOf(page, '60 hours ago').locator('td.dueSoon').textContent()).toMatch(/^11 h \d+ min \d+ s left$/);
    // The clock ticks without a reload.
    const clock = rowOf(page, 'Alice looked up a neighbour').locator('td').last();
    const before = await clock.textContent();
    expect(before).toMatch(/^7\d h \d+ min \d+ s left$/);
    await expect.poll(() => clock.textContent(), { timeout: 5000 }).not.toBe(before);

    await rowOf(page, 'Alice looked up a neighbour').getByRole('button').click();
    await page.getByRole('heading', { name: 'Alice looked up a neighbour' }).waitFor();
    // Only a Caldicott guardian decides whether to report.
    await page.getByText('Signed in as IG officer').waitFor();
    expect(await page.getByRole('heading', { name: /^Decision on reporting/ }).count()).toBe(0);
    const incident = (await api('GET', '/v1/incidents', ola)).incidents.find((found: Json) => found.title === 'Alice looked up a neighbour');
    await page.getByText('It holds what Article 33(3) asks for.').waitFor();

    // The report, as the DPO would send it: a PDF, and the same as JSON.
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the ICO report (PDF)' }).click()]);
    expect(pdf.suggestedFilename()).toBe(`ico-report-${incident.id}.pdf`);
    expect(readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
    const [json] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the ICO report (JSON)' }).click()]);
    const report = JSON.parse(readFileSync(await json.path(), 'utf8'));
    expect(report).toMatchObject({ incidentId: incident.id, title: 'Alice looked up a neighbour', measures: 'Access suspended; retraining', assessment: { reportableToIco: true } });

    // Someone else adds a note meanwhile: saving against the version read is refused, says why, and reloads.
    await api('PATCH', `/v1/incidents/${incident.id}`, gus, { version: incident.version, note: 'Practice manager informed' });
    await page.getByLabel('Add a note').fill('Alice interviewed; she admitted it');
    await page.getByRole('button', { name: 'Save note and status' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toMatch(/^Someone else changed this incident while you were looking at it/);
    await page.getByText('Practice manager informed').waitFor();
    await page.getByRole('button', { name: 'Save note and status' }).click();
    await page.getByRole('list', { name: 'Notes' }).getByText('Alice interviewed; she admitted it').waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  });

  it('lets a Caldicott guardian decide to report, record the report as sent and close the incident', async () => {
    const page = await signIn(gus);
    await page.getByRole('button', { name: 'Incidents' }).click();
    await rowOf(page, 'Alice looked up a neighbour').getByRole('button').click();
    await page.getByRole('heading', { name: 'Decision on reporting (Caldicott guardian)' }).waitFor();
    await page.getByLabel('Report it', { exact: true }).check();
    await page.getByLabel('Reason for the decision').fill('A neighbour read on purpose: distress is likely');
    await page.getByRole('button', { name: 'Record the decision' }).click();
    await page.getByText('report to the ICO, because A neighbour read on purpose: distress is likely').waitFor();

    await page.getByLabel('ICO case reference').fill('IC-123456-A1B2');
    await page.getByRole('button', { name: 'Record as sent to the ICO' }).click();
    await rowOf(page, 'IC-123456-A1B2').waitFor();
    await page.getByRole('list', { name: 'Status history' }).getByText(/moved from open to reported/).waitFor();
    await shoot(page, 'incident-reported');

    await page.getByLabel('Status', { exact: true }).selectOption('closed');
    await page.getByLabel('Add a note').fill('Closed: retraining done');
    await page.getByRole('button', { name: 'Save note and status' }).click();
    await page.getByRole('list', { name: 'Status history' }).getByText(/moved from reported to closed/).waitFor();
    expect(await page.getByText('clock stopped').count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Record as sent to the ICO' }).count()).toBe(0);
    await page.close();

    const incident = (await api('GET', '/v1/incidents', gus)).incidents.find((found: Json) => found.title === 'Alice looked up a neighbour');
    expect(incident).toMatchObject({ status: 'closed', decisions: [{ report: true, reportableToIco: true }], reports: [{ phase: 1, icoReference: 'IC-123456-A1B2' }] });
    expect(incident.notes.map((note: Json) => note.text)).toEqual(['Practice manager informed', 'Alice interviewed; she admitted it', 'Closed: retraining done']);
  });

  it('shows a Caldicott guardian the report with its charts, as PDF and CSV too', async () => {
    const page = await signIn(gus);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    await page.getByRole('button', { name: 'Caldicott report' }).click();
    await page.getByRole('heading', { name: /^Caldicott report, / }).waitFor();
    const report = await api('GET', '/v1/reports/caldicott', gus);
    expect(await page.getByRole('img', { name: /^Alerts by severity: / }).count()).toBe(1);
    expect(await page.getByRole('img', { name: 'Alerts by organisation: A81001 ' + report.alerts.byOrganisation.A81001 }).count()).toBe(1);
    const explained = report.accesses.byOrganisation.find((line: Json) => line.organisation === 'A81001');
    expect(await page.getByRole('img', { name: `Explained rate, by organisation: A81001 ${(explained.explained / explained.total * 100).toFixed(1)}%` }).count()).toBe(1);
    const byStatus = report.alerts.byStatus as Json;
    expect(byStatus.confirmed).toBe(2);
    expect(await page.getByRole('img', { name: `Alerts by status: open ${byStatus.open}, investigating ${byStatus.investigating}, dismissed ${byStatus.dismissed}, confirmed 2` }).count()).toBe(1);
    expect(await page.getByRole('img', { name: /^False-positive rate, by rule/ }).count()).toBe(1);
    await rowOf(page, 'Alice looked up a neighbour').waitFor();
    await rowOf(page, 'bob').first().waitFor();
    await shoot(page, 'caldicott-report');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as PDF' }).click()]);
    expect(readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as CSV' }).click()]);
    expect(readFileSync(await csv.path(), 'utf8')).toMatch(/^Metric,Value\r?\n/);
    // Another organisation's report is not theirs.
    await page.getByLabel('Organisation (ODS code; empty for all yours)').fill('RRK');
    await page.getByRole('button', { name: 'Show the report' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('organisation: RRK is not one of your organisations');
    await page.close();
  });

  it('answers "who looked at my record?" from an NHS number typed in, never kept in the address or storage, with CSV and PDF', async () => {
    const page = await signIn(ola);
    await page.getByText('Signed in as IG officer').waitFor();
    expect(await page.getByRole('button', { name: 'Caldicott report' }).count()).toBe(0); // not an IG officer's
    await page.getByRole('button', { name: 'Access reports' }).click();
    await page.getByLabel('NHS number').fill(UNRELATED_NHS);
    await page.getByRole('button', { name: 'Show the accesses' }).click();
    const table = page.getByRole('table', { name: /to the record, newest first$/ });
    await table.getByRole('row').filter({ hasText: 'alice' }).waitFor();
    expect(await table.getByRole('row').filter({ hasText: 'alice' }).textContent()).toMatch(/A81001emisaliceR8000, clinicalview.*no$/);
    // Ola's own reads of alerts about the patient are audited too: left out unless asked for.
    expect(await table.getByRole('row').filter({ hasText: 'accesswatch' }).count()).toBe(0);
    await page.getByLabel('Leave out the reads accesswatch records of its own users').uncheck();
    await expect.poll(() => table.getByRole('row').filter({ hasText: /accesswatch.*ig-officer.*alertaudit/ }).count()).toBeGreaterThan(0);
    await page.getByLabel('Leave out the reads accesswatch records of its own users').check();
    expect(page.url()).not.toContain(UNRELATED_NHS);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }))).not.toContain(UNRELATED_NHS);
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the whole period (CSV)' }).click()]);
    const lines = readFileSync(await csv.path(), 'utf8').trim().split(/\r?\n/);
    expect(lines[0]).toBe('occurredAt,organisation,system,userId,role,roleClass,team,nhsNumber,action,recordPart,purpose,outcome,explained,explainedBy');
    expect(lines.filter((line) => line.includes(',emis,alice,'))).toHaveLength(1);
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download the whole period (PDF)' }).click()]);
    expect(readFileSync(await pdf.path()).subarray(0, 5).toString()).toBe('%PDF-');
    await shoot(page, 'patient-access-report');

    // A user's activity, for an investigation: Bob's twelve looks.
    await page.getByRole('button', { name: "A user's activity" }).click();
    await page.getByLabel('User id').fill('bob');
    await page.getByRole('button', { name: 'Show the accesses' }).click();
    const activity = page.getByRole('table', { name: 'Accesses 1 to 12 by bob, newest first' });
    await activity.waitFor();
    expect((await activity.locator('tbody tr td:nth-child(4)').allTextContents()).sort()).toEqual([...BOB_PATIENTS].sort());
    await page.close();
  });

  it('lists the rules with their parameters and rationale, and backtests one over a period', async () => {
    const page = await signIn(ola);
    await page.getByRole('button', { name: 'Rules' }).click();
    const rules = (await api('GET', '/v1/rules', ola)).rules as Json[];
    const unexplained = rules.find((rule) => rule.id === 'AW-LR-001')!;
    await page.locator('summary').filter({ hasText: 'AW-LR-001' }).click();
    await page.getByText(unexplained.rationale.slice(0, 60)).waitFor();
    expect(await page.locator('details[open] pre.params').textContent()).toBe(JSON.stringify(unexplained.params, null, 2));
    await page.getByRole('button', { name: 'Backtest AW-LR-001' }).click();
    expect(await page.getByLabel('Rule', { exact: true }).inputValue()).toBe('AW-LR-001');
    await page.getByRole('button', { name: 'Run the backtest' }).click();
    const result = page.getByRole('status', { name: 'Backtest result' });
    await result.waitFor();
    const raised = Number(/AW-LR-001 would have raised (\d+) alert\(s\)/.exec((await result.textContent())!)?.[1]);
    expect(await result.locator('tbody tr').count()).toBe(raised);
    expect(raised).toBeGreaterThan(BOB_PATIENTS.length);
    for (const nhs of BOB_PATIENTS) expect(await result.getByRole('row').filter({ hasText: nhs }).count()).toBe(1);
    await shoot(page, 'rules');
    await page.close();
  });

  it('lets an auditor read alerts and incidents but offers no triage, and signs in a guardian with a token from the identity provider', async () => {
    const auditor = await signIn(audrey);
    await auditor.getByText('Signed in as auditor').waitFor();
    await auditor.getByLabel('Rule').selectOption('AW-IA-001');
    await rowOf(auditor, ALICE_NHS).getByRole('button').click();
    await auditor.getByRole('heading', { name: 'Why this was raised' }).waitFor();
    expect(await auditor.getByRole('heading', { name: 'Triage' }).count()).toBe(0);
    expect(await auditor.getByRole('button', { name: 'Assign' }).count()).toBe(0);
    await auditor.getByRole('button', { name: 'Back to the queue' }).click();
    await auditor.getByRole('heading', { name: 'Alert queue' }).waitFor();
    expect(await auditor.getByRole('heading', { name: 'Bulk triage' }).count()).toBe(0);
    await auditor.close();

    const jwt = await idp.sign({ sub: 'iggy', name: 'Iggy Guardian', accesswatch_role: 'caldicott-guardian', accesswatch_organisations: ['A81001'] });
    const page = await signIn(jwt);
    await page.getByText('Signed in as Caldicott guardian').waitFor();
    await rowOf(page, ALICE_NHS).waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('accesswatch.token'))).toBe(jwt);
    expect(await page.getByRole('button', { name: 'Caldicott report' }).count()).toBe(1);
    await page.close();
  });

  it('signs a guardian in through the identity provider\'s page (authorization code with PKCE), leaving nothing of it in the address', async () => {
    idp.signInNext({ sub: 'ivy', name: 'Ivy Guardian', accesswatch_role: 'caldicott-guardian', accesswatch_organisations: ['A81001'] }, 'accesswatch-web');
    const before = idp.exchanges();
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base);
    await page.getByRole('button', { name: "Sign in with your organisation's account" }).click();
    await page.getByText('Signed in as Caldicott guardian').waitFor();
    expect(idp.exchanges()).toBe(before + 1);
    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate(() => sessionStorage.getItem('accesswatch.oidc'))).toBeNull();
    expect((await api('GET', '/v1/me', (await page.evaluate(() => sessionStorage.getItem('accesswatch.token')))!))).toMatchObject({ name: 'Ivy Guardian', role: 'caldicott-guardian' });
    await rowOf(page, ALICE_NHS).waitFor();
    // A return that did not start in this tab is refused.
    await page.evaluate(() => sessionStorage.clear());
    await page.goto(`${base}/?code=stolen&state=forged`);
    await expect.poll(() => page.getByRole('alert').textContent()).toBe('That sign-in did not start here (its state does not match): sign in again.');
    expect(new URL(page.url()).search).toBe('');
    await page.close();
  });

  it('shows a team\'s alert with each event\'s user once the events are read', async () => {
    // Last, so that the other tests' counts do not see it. Two of ward 7 open a stranger's record.
    const [wardPatient] = strangers(1, 830_000_017);
    const emis = await t.sourceKey('emis-ward', ['A81001']);
    await api('POST', '/v1/access-events', emis, [
      accessEvent({ id: 'ward-1', system: 'emis-ward', user: { id: 'dan', role: 'R8000', team: 'WARD-7' }, patient: { nhsNumber: wardPatient }, occurredAt: minutesAgo(9) }),
      accessEvent({ id: 'ward-2', system: 'emis-ward', user: { id: 'fay', role: 'R8000', team: 'WARD-7' }, patient: { nhsNumber: wardPatient }, occurredAt: minutesAgo(8) }),
    ]);
    const page = await signIn(ola);
    await page.getByLabel('Patient NHS number').fill(wardPatient);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(() => page.locator('tbody tr').count()).toBe(1);
    await page.locator('tbody tr button').click();
    await page.getByText(/^Staff of team WARD-7 opened a record at A81001 that no registration or care relationship explains \(the latest: fay\)\.$/).waitFor();
    const timeline = page.getByRole('list', { name: 'Evidence timeline' });
    await page.getByRole('button', { name: 'Show what each event was' }).click();
    await expect.poll(() => timeline.getByRole('listitem').allTextContents()).toEqual([
      expect.stringMatching(new RegExp(`first · emis-ward · event ward-1 · view · by dan · patient ${wardPatient} · unexplained$`)),
      expect.stringMatching(new RegExp(`\\+1 min · emis-ward · event ward-2 · view · by fay · patient ${wardPatient} · unexplained$`)),
    ]);
    await page.close();
  });

  it('shows a person of another organisation no alerts', async () => {
    const page = await signIn(eve);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.getByText('No alerts match.').waitFor();
    await expect.poll(() => page.getByLabel('Counts by status').textContent()).toBe('open: 0investigating: 0dismissed: 0confirmed: 0');
    expect(await page.getByText(UNRELATED_NHS).count()).toBe(0);
    await page.close();
  });
});
