import { readdirSync, readFileSync } from 'node:fs';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonRole, SourceScope } from '../engine/store/port.js';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../test/harness.js';
import type { Authenticator } from './auth.js';
import { enforcePermissions, PERMISSIONS, registeredRoutes, type Permission } from './permissions.js';

// The permissions matrix, through the real app: every route in PERMISSIONS × every kind of caller
// × their own organisation (A81001, where the fixture's alert, incident and events are) or another
// (RRK). The cases come from the table, so a new route needs an entry there, a sample request
// here and a row in the README before this passes.

const OWN = 'A81001';
const OTHER = 'RRK';
const ALICE_NHS = '9434765013';
const PATIENT_NHS = '9434765080';

type Caller =
  | { name: string; kind: 'none' }
  | { name: string; kind: 'unknown' }
  | { name: string; kind: 'person'; role: PersonRole; own: boolean }
  | { name: string; kind: 'source'; scopes: SourceScope[]; own: boolean };

const CALLERS: Caller[] = [
  { name: 'no credentials', kind: 'none' },
  { name: 'an unknown key', kind: 'unknown' },
  ...(['ig-officer', 'caldicott-guardian', 'auditor'] as const).flatMap((role): Caller[] => [
    { name: `${role} of ${OWN}`, kind: 'person', role, own: true },
    { name: `${role} of ${OTHER}`, kind: 'person', role, own: false },
  ]),
  { name: 'admin', kind: 'person', role: 'admin', own: true },
  { name: 'admin token', kind: 'person', role: 'admin', own: true },
  { name: `events key of ${OWN}`, kind: 'source', scopes: ['events'], own: true },
  { name: `reference key of ${OWN}`, kind: 'source', scopes: ['reference'], own: true },
  { name: `key of ${OTHER}`, kind: 'source', scopes: ['events', 'reference'], own: false },
];

let t: TestApp;
const bearers = new Map<string, string>();
const fixture = { alertId: '', incidentId: '' };
let unique = 0;

async function call(method: string, url: string, bearer: string | undefined, payload?: unknown) {
  return t.app.inject({
    method: method as 'GET', url,
    headers: { ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(payload === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(payload === undefined ? {} : { payload: JSON.stringify(payload) }),
  });
}

/** As a guardian of A81001, who sees everything there; fails loudly if the fixture cannot be built. */
async function asGuardian(method: string, url: string, payload?: unknown) {
  const response = await call(method, url, bearers.get(`caldicott-guardian of ${OWN}`), payload);
  if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
  return response.json();
}

const inADay = () => new Date(Date.now() + 86_400_000).toISOString();
const assessment = {
  likelihood: 4, severity: 3, dataSubjects: 1, records: 1, categories: ['health records'], vulnerableGroups: [],
  consequences: 'Distress to the patient', measures: 'Access suspended; staff retrained',
  contact: { name: 'Dana Patel', role: 'Data Protection Officer', email: 'dpo@example.nhs.uk' },
};

/** A request each route would carry out for a caller it admits, naming A81001's data wherever it can. */
const SAMPLES: Record<string, () => Promise<{ url: string; payload?: unknown }> | { url: string; payload?: unknown }> = {
  'GET /healthz': () => ({ url: '/healthz' }),
  'GET /readyz': () => ({ url: '/readyz' }),
  'GET /openapi.json': () => ({ url: '/openapi.json' }),
  'GET /': () => ({ url: '/' }),
  'GET /v1/auth/oidc': () => ({ url: '/v1/auth/oidc' }),
  // A file of the built web app (`npm ci` builds it; unbuilt, this and `GET /` fail).
  'GET /assets/:file': () => ({ url: `/assets/${readdirSync(new URL('../dashboards/app/dist/assets', import.meta.url)).find((file) => file.endsWith('.js'))}` }),
  'GET /v1/schemas/access-event': () => ({ url: '/v1/schemas/access-event' }),
  'GET /v1/schemas/staff': () => ({ url: '/v1/schemas/staff' }),
  'GET /v1/schemas/patients': () => ({ url: '/v1/schemas/patients' }),
  'GET /v1/schemas/relationships': () => ({ url: '/v1/schemas/relationships' }),
  'GET /v1/schemas/rule': () => ({ url: '/v1/schemas/rule' }),
  'POST /v1/access-events': () => ({
    url: '/v1/access-events',
    payload: [accessEvent({ id: `matrix-${++unique}`, user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber: PATIENT_NHS }, occurredAt: new Date().toISOString() })],
  }),
  'GET /v1/access-events': () => ({ url: `/v1/access-events?organisation=${OWN}` }),
  'POST /v1/reference/staff': () => ({
    url: '/v1/reference/staff',
    payload: [{ userId: 'bob', organisation: OWN, name: 'Bob', surname: 'Ray', role: 'R8000', roleClass: 'clinical', start: '2020-01-01' }],
  }),
  'POST /v1/reference/patients': () => ({
    url: '/v1/reference/patients',
    payload: [{ nhsNumber: PATIENT_NHS, surname: 'Lee', dateOfBirth: '2001-01-01', address: { line1: '6 Park View', postcode: 'NG4 4EE' }, registeredPractice: OWN }],
  }),
  'POST /v1/reference/relationships': () => ({
    url: '/v1/reference/relationships',
    payload: [{ nhsNumber: PATIENT_NHS, organisation: OWN, type: 'referral', start: '2026-01-01' }],
  }),
  'POST /v1/admin/sources': () => ({ url: '/v1/admin/sources', payload: { system: 'matrix-sample', organisations: [OWN], rotate: true } }),
  'DELETE /v1/admin/sources/:system': async () => {
    await call('POST', '/v1/admin/sources', ADMIN_TOKEN, { system: 'matrix-revoked', organisations: [OWN], rotate: true });
    return { url: '/v1/admin/sources/matrix-revoked' };
  },
  'POST /v1/admin/users': () => ({ url: '/v1/admin/users', payload: { name: `matrix-${++unique}`, role: 'auditor', organisations: [OWN] } }),
  'GET /v1/admin/queue': () => ({ url: '/v1/admin/queue' }),
  'POST /v1/admin/queue/retry-failed': () => ({ url: '/v1/admin/queue/retry-failed' }),
  'GET /v1/admin/stats': () => ({ url: '/v1/admin/stats' }),
  'GET /v1/me': () => ({ url: '/v1/me' }),
  'GET /v1/rules': () => ({ url: '/v1/rules' }),
  'POST /v1/rules/:id/backtest': () => ({
    url: '/v1/rules/AW-IA-001/backtest',
    payload: { from: new Date(Date.now() - 86_400_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString(), organisation: OWN },
  }),
  'GET /v1/alerts': () => ({ url: `/v1/alerts?organisation=${OWN}` }),
  'GET /v1/alerts/counts': () => ({ url: `/v1/alerts/counts?organisation=${OWN}` }),
  'GET /v1/alerts/:id': () => ({ url: `/v1/alerts/${fixture.alertId}` }),
  'PATCH /v1/alerts/:id': async () => ({
    url: `/v1/alerts/${fixture.alertId}`,
    payload: { resolution: { note: 'looked again' }, version: (await asGuardian('GET', `/v1/alerts/${fixture.alertId}`)).version },
  }),
  'POST /v1/alerts/bulk': () => ({ url: '/v1/alerts/bulk', payload: { filter: { organisation: OWN }, action: 'assign', assignee: 'ola' } }),
  'POST /v1/suppressions': () => ({ url: '/v1/suppressions', payload: { organisation: OWN, userId: 'bob', expiresAt: inADay(), reason: 'on the ward rota' } }),
  'GET /v1/suppressions': () => ({ url: '/v1/suppressions' }),
  'GET /v1/users/:id/risk': () => ({ url: '/v1/users/alice/risk' }),
  'POST /v1/incidents': () => ({ url: '/v1/incidents', payload: { title: 'Own record', description: 'Alice read her own record', alertIds: [fixture.alertId] } }),
  'GET /v1/incidents': () => ({ url: '/v1/incidents' }),
  'GET /v1/incidents/:id': () => ({ url: `/v1/incidents/${fixture.incidentId}` }),
  'PATCH /v1/incidents/:id': async () => ({
    url: `/v1/incidents/${fixture.incidentId}`,
    payload: { note: 'spoke to Alice', version: (await asGuardian('GET', `/v1/incidents/${fixture.incidentId}`)).version },
  }),
  'PUT /v1/incidents/:id/assessment': () => ({ url: `/v1/incidents/${fixture.incidentId}/assessment`, payload: assessment }),
  'GET /v1/incidents/:id/ico-report': () => ({ url: `/v1/incidents/${fixture.incidentId}/ico-report` }),
  'POST /v1/incidents/:id/ico-report': () => ({ url: `/v1/incidents/${fixture.incidentId}/ico-report`, payload: {} }),
  'GET /v1/patients/:nhsNumber/accesses': () => ({ url: `/v1/patients/${ALICE_NHS}/accesses?organisation=${OWN}` }),
  'GET /v1/users/:userId/accesses': () => ({ url: `/v1/users/alice/accesses?organisation=${OWN}` }),
  'GET /v1/reports/caldicott': () => ({ url: `/v1/reports/caldicott?organisation=${OWN}` }),
};

type Outcome = 'allowed' | 'unauthenticated' | 'forbidden' | 'hidden' | 'rejected';

/** What the matrix says this caller gets from a route, and for a 403 what the refusal says. */
function outcomeOf(permission: Permission, caller: Caller): { outcome: Outcome; says?: RegExp } {
  if ('anyone' in permission) return { outcome: 'allowed' };
  if (caller.kind === 'none' || caller.kind === 'unknown') return { outcome: 'unauthenticated' };
  if (caller.kind === 'source' && !permission.source) return { outcome: 'forbidden', says: /^this endpoint takes a person token, not a source key$/ };
  if (caller.kind === 'source' && !caller.scopes.includes(permission.source!)) return { outcome: 'forbidden', says: new RegExp(`^this key has no "${permission.source}" scope`) };
  if (caller.kind === 'person' && !permission.people) return { outcome: 'forbidden', says: /^this endpoint takes a source system key, not a person token$/ };
  if (caller.kind === 'person' && !permission.people!.includes(caller.role)) return { outcome: 'forbidden', says: new RegExp(`^the ${caller.role} role may not `) };
  const scope = permission.organisations;
  if (caller.own || scope === 'none' || scope === 'listed') return { outcome: 'allowed' };
  if (scope === 'resource') return { outcome: 'hidden' };
  if (scope === 'key') return { outcome: 'rejected' };
  return { outcome: 'forbidden', says: /is not one of your organisations$/ };
}

beforeAll(async () => {
  t = await startTestApp();
  await call('POST', '/v1/reference/staff', ADMIN_TOKEN, [
    { userId: 'alice', organisation: OWN, name: 'Alice', surname: 'Jones', role: 'R8000', roleClass: 'clinical', nhsNumber: ALICE_NHS, start: '2020-01-01' },
  ]);
  await call('POST', '/v1/reference/patients', ADMIN_TOKEN, [
    { nhsNumber: ALICE_NHS, surname: 'Jones', dateOfBirth: '1985-01-01', address: { line1: '1 High St', postcode: 'NG1 1AA' }, registeredPractice: OWN },
  ]);
  for (const caller of CALLERS) {
    if (caller.kind === 'unknown') bearers.set(caller.name, 'awk_unknown-key');
    if (caller.name === 'admin token') bearers.set(caller.name, ADMIN_TOKEN);
    else if (caller.kind === 'person') {
      const name = caller.role === 'admin' ? 'root' : caller.own && caller.role === 'ig-officer' ? 'ola' : caller.name;
      bearers.set(caller.name, await t.personToken(name, caller.role, caller.role === 'admin' ? [] : [caller.own ? OWN : OTHER]));
    } else if (caller.kind === 'source') {
      bearers.set(caller.name, await t.sourceKey(`emis-${caller.scopes.join('-')}-${caller.own ? 'own' : 'other'}`, [caller.own ? OWN : OTHER], caller.scopes));
    }
  }
  // Alice reads her own record: an alert (AW-IA-001), then an incident of it, assessed.
  const own = accessEvent({ id: 'own-1', user: { id: 'alice', role: 'R8000' }, patient: { nhsNumber: ALICE_NHS }, occurredAt: new Date().toISOString() });
  expect((await call('POST', '/v1/access-events', bearers.get(`events key of ${OWN}`), [own])).statusCode).toBe(202);
  fixture.alertId = (await asGuardian('GET', `/v1/alerts?rule=AW-IA-001`)).alerts[0].id;
  fixture.incidentId = (await asGuardian('POST', '/v1/incidents', { title: 'Own record', description: 'Alice read her own record', alertIds: [fixture.alertId] })).id;
  await asGuardian('PUT', `/v1/incidents/${fixture.incidentId}/assessment`, assessment);
  await asGuardian('POST', '/v1/suppressions', { organisation: OWN, userId: 'bob', expiresAt: inADay(), reason: 'on the ward rota' });
});

afterAll(async () => { await t?.close(); });

describe('the permissions matrix', () => {
  it('has an entry and a sample request for every route the app registers, and nothing else', () => {
    const registered = [...registeredRoutes(t.app)].sort();
    expect(registered).toEqual(Object.keys(PERMISSIONS).sort());
    expect(Object.keys(SAMPLES).sort()).toEqual(registered);
  });

  for (const [route, permission] of Object.entries(PERMISSIONS)) {
    it(`${route}: every caller, in their organisation and another`, async () => {
      const [method] = route.split(' ');
      const wrong: string[] = [];
      for (const caller of CALLERS) {
        const { outcome, says } = outcomeOf(permission, caller);
        const sample = await SAMPLES[route]();
        const response = await call(method, sample.url, bearers.get(caller.name), sample.payload);
        const { statusCode: status, body } = response;
        const error = status >= 400 && response.headers['content-type']?.toString().includes('json') ? response.json().error : undefined;
        const expected = {
          allowed: status >= 200 && status < 300,
          unauthenticated: status === 401 && error?.code === (caller.kind === 'none' ? 'AW_ERR_UNAUTHENTICATED' : 'AW_ERR_UNKNOWN_SOURCE'),
          forbidden: status === 403 && error?.code === 'AW_ERR_FORBIDDEN' && says!.test(error.message),
          hidden: status === 404 && error?.code === 'AW_ERR_NOT_FOUND',
          rejected: status === 400 && response.json().accepted === 0,
        }[outcome];
        // Another organisation's caller, when let in, sees nothing of A81001's.
        const leaked = outcome === 'allowed' && !('anyone' in permission) && 'own' in caller && !caller.own
          && ([OWN, fixture.alertId, fixture.incidentId].some((marker) => body.includes(marker))
            || (route === 'GET /v1/alerts/counts' && JSON.parse(body).total !== 0));
        // Our own callers do see it, where the route reads an organisation's data.
        const missing = outcome === 'allowed' && caller.kind === 'person' && caller.own && caller.role !== 'admin' && method === 'GET'
          && permission.organisations !== 'none'
          && (route === 'GET /v1/alerts/counts' ? !(JSON.parse(body).total > 0) : !body.includes(OWN) && !body.includes('AW-IA-001'));
        if (!expected || leaked || missing) wrong.push(`${caller.name}: expected ${outcome}${leaked ? ' without A81001 data' : missing ? ' with A81001 data' : ''}, got ${status} ${body.slice(0, 300)}`);
      }
      expect(wrong).toEqual([]);
    });
  }

  it('guards HEAD as it guards GET', async () => {
    for (const [route, permission] of Object.entries(PERMISSIONS)) {
      if (!route.startsWith('GET ') || 'anyone' in permission) continue;
      const { url } = await SAMPLES[route]();
      expect((await t.app.inject({ method: 'HEAD', url })).statusCode, `HEAD ${url}`).toBe(401);
    }
  });

  it('keeps the roles as the issue defines them', () => {
    const admitting = (role: PersonRole) => Object.entries(PERMISSIONS).filter(([, p]) => 'people' in p && p.people?.includes(role));
    // Admins: keys, people, configuration, the queue; no patient data (they may post reference data, not read it).
    for (const [route, p] of admitting('admin')) expect(['none', 'key'], route).toContain(p.organisations);
    // Auditors read, and change nothing; a backtest raises and records nothing.
    for (const [route] of admitting('auditor')) expect(route.startsWith('GET ') || route === 'POST /v1/rules/:id/backtest', route).toBe(true);
    // Caldicott guardians may do everything IG officers and auditors may.
    const guardian = admitting('caldicott-guardian').map(([route]) => route);
    for (const [route] of [...admitting('ig-officer'), ...admitting('auditor')]) expect(guardian, route).toContain(route);
    // Source keys only post, for their own organisations.
    for (const [route, p] of Object.entries(PERMISSIONS)) if ('source' in p && p.source) expect([route.split(' ')[0], p.organisations], route).toEqual(['POST', 'key']);
    // What IG officers, guardians and auditors reach is kept to their organisations, but for the rules themselves.
    for (const [route, p] of [...admitting('ig-officer'), ...admitting('auditor')]) if (route !== 'GET /v1/rules' && route !== 'GET /v1/me') expect(p.organisations, route).not.toBe('none');
  });

  it('is the README\'s matrix', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### Permissions'), readme.indexOf('### Signing in with OIDC'));
    const rows = new Map<string, string[]>();
    for (const line of section.split('\n').filter((l) => l.startsWith('| `'))) {
      const [endpoints, ...cells] = line.split('|').slice(1, -1).map((cell) => cell.trim());
      const names = [...endpoints.matchAll(/`([^`]+)`/g)].map(([, name]) => name);
      for (const name of names) {
        const [first] = names;
        const route = name.startsWith('/') ? first.replace(/\/[^/]+$/, name) : name;
        rows.set(route.replace(/\{(\w+)\}/g, ':$1'), cells);
      }
    }
    expect([...rows.keys()].sort()).toEqual(Object.keys(PERMISSIONS).sort());
    for (const [route, p] of Object.entries(PERMISSIONS)) {
      const [ig, guardian, auditor, admin, source, notes] = rows.get(route)!;
      const says = (cell: string) => cell.startsWith('✓');
      const anyone = 'anyone' in p;
      expect([ig, guardian, auditor, admin].map(says), route).toEqual((['ig-officer', 'caldicott-guardian', 'auditor', 'admin'] as const).map((role) => anyone || ('people' in p && p.people?.includes(role) === true)));
      expect(source, route).toBe(anyone ? '✓' : 'source' in p && p.source ? `✓ \`${p.source}\`` : '✗');
      if (['listed', 'resource'].includes(p.organisations as string) || typeof p.organisations === 'object') expect(notes, route).toMatch(/^own organisations only/);
    }
  });

  it('stops the app from starting when a route has no entry', async () => {
    const app = Fastify();
    enforcePermissions(app, {} as Authenticator);
    void app.register(async (child) => { child.get('/v1/somewhere-new', async () => ({})); });
    await expect(app.ready()).rejects.toThrow('GET /v1/somewhere-new has no entry in PERMISSIONS (api/permissions.ts)');
  });
});
