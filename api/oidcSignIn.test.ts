import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessEvent, ADMIN_TOKEN, startTestApp, type TestApp } from '../test/harness.js';
import { forgedTokens, startIdentityProvider, type LocalIdentityProvider } from '../test/identityProvider.js';
import { freePort } from '../test/localRedis.js';

const officer = { sub: 'alice', name: 'Alice Smith', accesswatch_role: 'ig-officer', accesswatch_organisations: ['A81001'] };

function oidcEnv(idp: LocalIdentityProvider, jwksUrl = idp.jwksUrl): Record<string, string> {
  return { ACCESSWATCH_OIDC_ISSUER: idp.issuer, ACCESSWATCH_OIDC_AUDIENCE: idp.audience, ACCESSWATCH_OIDC_JWKS_URL: jwksUrl };
}

const read = (t: TestApp, bearer: string, query = '') =>
  t.app.inject({ method: 'GET', url: `/v1/access-events?${query}`, headers: { authorization: `Bearer ${bearer}` } });

describe('signing in with an OIDC token', () => {
  let idp: LocalIdentityProvider;
  let t: TestApp;
  let sourceKey: string;
  let oidcId: string;

  beforeAll(async () => {
    idp = await startIdentityProvider();
    oidcId = `oidc:${new URL(idp.issuer).host}:alice`;
    t = await startTestApp({ env: oidcEnv(idp) });
    sourceKey = await t.sourceKey('pas-shared', ['A81001', 'RRK']);
    const posted = await t.app.inject({
      method: 'POST', url: '/v1/access-events', headers: { authorization: `Bearer ${sourceKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify([
        accessEvent({ id: 'gp-1', patient: { nhsNumber: '9434765870' } }),
        accessEvent({ id: 'gp-2' }),
        accessEvent({ id: 'rrk-1', organisation: 'RRK' }),
      ]),
    });
    expect(posted.statusCode).toBe(202);
  });
  afterAll(async () => {
    await t?.close();
    await idp?.stop();
  });

  it('lets an IG officer read the events of their organisations only, and audits the reads under the OIDC id', async () => {
    const token = await idp.sign(officer);
    const own = await read(t, token);
    expect(own.statusCode).toBe(200);
    const ids = own.json().events.filter((e: { system: string }) => e.system !== 'accesswatch').map((e: { id: string }) => e.id);
    expect(ids.sort()).toEqual(['gp-1', 'gp-2']);
    expect((await read(t, token, 'organisation=RRK')).statusCode).toBe(403);

    expect((await read(t, token, 'patient=9434765870')).statusCode).toBe(200);
    const guardian = await t.personToken('grace', 'caldicott-guardian', ['A81001']);
    const audit = (await read(t, guardian, `user=${encodeURIComponent(oidcId)}`)).json().events;
    expect(audit.length).toBeGreaterThan(0);
    expect(audit).toEqual(expect.arrayContaining([expect.objectContaining({
      system: 'accesswatch', purpose: 'audit', organisation: 'A81001', action: 'view',
      user: { id: oidcId, role: 'ig-officer' }, patient: { nhsNumber: '9434765870' },
    })]));
  });

  it('answers 401 AW_ERR_INVALID_TOKEN naming the failed check, never echoing the token', async () => {
    const cases: [string, RegExp][] = [
      [await idp.sign(officer, { expiresIn: -300 }), /expired/],
      [await idp.sign(officer, { notBefore: 300 }), /not valid yet/],
      [await idp.sign(officer, { issuer: 'https://elsewhere.example' }), /issuer/],
      [await idp.sign(officer, { audience: 'someone-else' }), /audience/],
      [(await forgedTokens(idp, officer)).none, /algorithm/],
      [(await forgedTokens(idp, officer)).hs256, /algorithm/],
    ];
    for (const [token, reason] of cases) {
      const response = await read(t, token);
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('AW_ERR_INVALID_TOKEN');
      expect(response.json().error.message).toMatch(reason);
      expect(response.body).not.toContain(token.split('.')[1]);
    }
  });

  it('answers 403 for a genuine token with an unknown role or no organisations, naming the claim', async () => {
    const unknownRole = await read(t, await idp.sign({ ...officer, accesswatch_role: 'receptionist' }));
    expect(unknownRole.statusCode).toBe(403);
    expect(unknownRole.json().error).toEqual({ code: 'AW_ERR_FORBIDDEN', message: expect.stringContaining('"accesswatch_role" claim') });
    const noOrganisations = await read(t, await idp.sign({ ...officer, accesswatch_organisations: '' }));
    expect(noOrganisations.statusCode).toBe(403);
    expect(noOrganisations.json().error.message).toContain('"accesswatch_organisations" claim');
  });

  it('keeps the roles: an OIDC admin sees no patient data, and a person token cannot post events', async () => {
    const admin = await idp.sign({ sub: 'root', accesswatch_role: 'admin' });
    expect((await read(t, admin)).statusCode).toBe(403);
    const stats = await t.app.inject({ method: 'GET', url: '/v1/admin/stats', headers: { authorization: `Bearer ${admin}` } });
    expect(stats.statusCode).toBe(200);
    const post = await t.app.inject({
      method: 'POST', url: '/v1/access-events', headers: { authorization: `Bearer ${await idp.sign(officer)}`, 'content-type': 'application/json' },
      payload: JSON.stringify([accessEvent()]),
    });
    expect(post.statusCode).toBe(403);
  });

  it('still accepts local person tokens, source keys and the bootstrap admin token', async () => {
    const local = await t.personToken('lucy', 'auditor', ['RRK']);
    const events = (await read(t, local)).json().events.filter((e: { system: string }) => e.system !== 'accesswatch');
    expect(events.map((e: { id: string }) => e.id)).toEqual(['rrk-1']);
    expect((await read(t, ADMIN_TOKEN)).statusCode).toBe(403);
    const unknown = await read(t, 'awt_not-a-token');
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().error.code).toBe('AW_ERR_UNKNOWN_SOURCE');
  });
});

describe('OIDC failures around the deployment', () => {
  it('answers 503 with Retry-After when the JWKS cannot be fetched', async () => {
    const idp = await startIdentityProvider();
    const t = await startTestApp({ env: oidcEnv(idp, `http://127.0.0.1:${await freePort()}/jwks.json`) });
    try {
      const response = await read(t, await idp.sign(officer));
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toMatch(/^\d+$/);
      expect(response.json().error.code).toBe('AW_ERR_UNAVAILABLE');
    } finally {
      await t.close();
      await idp.stop();
    }
  });

  it('treats a JWT as an unknown local token when OIDC is off', async () => {
    const idp = await startIdentityProvider();
    const t = await startTestApp();
    try {
      const response = await read(t, await idp.sign(officer));
      expect(response.statusCode).toBe(401);
      expect(response.json().error.code).toBe('AW_ERR_UNKNOWN_SOURCE');
      expect(idp.fetches()).toBe(0);
    } finally {
      await t.close();
      await idp.stop();
    }
  });
});
