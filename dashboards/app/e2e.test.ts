import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webAppRoutes } from '../../api/webApp.js';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../../test/harness.js';

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
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000).toISOString();
const aliceViews = (nhsNumber: string, id: string) =>
  accessEvent({ id, system: 'emis', user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber }, occurredAt: minutesAgo(5) });

describe('the dashboards web app', () => {
  let t: TestApp;
  let base: string;
  let browser: Browser;
  /** Ola: IG officer at A81001; Gus: Caldicott guardian at A81001; Eve: IG officer at RRK. */
  let ola: string, gus: string, eve: string;

  const api = async (method: 'GET' | 'POST', url: string, bearer: string, body?: unknown): Promise<Json> => {
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
    await page.goto(base);
    await page.getByLabel('Access token').fill(bearer);
    await page.getByRole('button', { name: 'Sign in' }).click();
    return page;
  };
  const rowOf = (page: Page, text: string) => page.getByRole('row').filter({ hasText: text });

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install the Debian package chromium (.ci/run does)`);
    if (!existsSync(join(DIST, 'index.html'))) throw new Error('dashboards/app/dist is missing: run `npm run build`');
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
    t = await startTestApp();
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
    gus = await t.personToken('gus', 'caldicott-guardian', ['A81001']);
    eve = await t.personToken('eve', 'ig-officer', ['RRK']);
    await api('POST', '/v1/access-events', emis, [aliceViews(UNRELATED_NHS, 'snoop-1'), aliceViews(OTHER_NHS, 'snoop-2'), aliceViews(ALICE_NHS, 'own-1')]);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

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
  });

  it('answers 503 saying to build when the app is not built', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'accesswatch-nodist-'));
    const app = Fastify();
    await app.register(webAppRoutes, { distDir: empty });
    const response = await app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(503);
    expect(response.body).toMatch(/npm run build/);
    await app.close();
    rmSync(empty, { recursive: true, force: true });
  });

  it('refuses an unknown token at sign-in', async () => {
    const page = await signIn('awt_not-a-real-token');
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
    expect(await page.getByLabel('Counts').textContent()).toContain(`${rows} alerts`);
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
    expect(await rowOf(page, 'snoop-1').count()).toBe(1);
    await shoot(page, 'alert-detail');
    await page.getByLabel('Reason').selectOption('explained-by-care');
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.getByText('Status: dismissed').waitFor();
    expect(await page.getByText('ola moved it from open to dismissed (explained-by-care)').count()).toBe(1);

    // Confirm the other, then open an incident from it.
    await page.getByRole('button', { name: 'Back to the queue' }).click();
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
    expect(await page.getByText(/\d+ h \d+ min left/).count()).toBe(1);

    // Assess it: the grid says reportable, with its reason.
    await page.getByLabel('Likelihood').selectOption('5');
    await page.getByLabel('Severity').selectOption('3');
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
    expect(incidents.map((incident) => [incident.title, incident.alertIds, incident.assessment?.reportableToIco])).toEqual([['Alice looked up a neighbour', [other.id], true]]);
  });

  it('shows a Caldicott guardian the report with its charts', async () => {
    const page = await signIn(gus);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    await page.getByRole('button', { name: 'Caldicott report' }).click();
    await page.getByRole('heading', { name: /^Caldicott report, / }).waitFor();
    expect(await page.getByRole('img', { name: /^Alerts by severity: / }).count()).toBe(1);
    await shoot(page, 'caldicott-report');
    await page.close();
  });

  it('shows a person of another organisation no alerts', async () => {
    const page = await signIn(eve);
    await page.getByRole('heading', { name: 'Alert queue' }).waitFor();
    await page.getByLabel('Status').selectOption('');
    await page.getByText('No alerts match.').waitFor();
    expect(await page.getByLabel('Counts').textContent()).toContain('0 alerts');
    expect(await page.getByText(UNRELATED_NHS).count()).toBe(0);
    await page.close();
  });
});
