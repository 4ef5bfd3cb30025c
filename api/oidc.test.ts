import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { oidcSettingsOf, type OidcSettings } from '../engine/auth/oidcClaims.js';
import { UnavailableError } from '../engine/ingest/errors.js';
import { forgedTokens, startIdentityProvider, type LocalIdentityProvider } from '../test/identityProvider.js';
import { ApiError } from './errors.js';
import { looksLikeJwt, OidcVerifier } from './oidc.js';

const officer = { sub: 'alice', name: 'Alice Smith', accesswatch_role: 'ig-officer', accesswatch_organisations: ['A81001'] };

/** The error a promise rejects with (and fails the test if it resolves). */
async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

async function rejected(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const err = await failure(promise);
  expect(err).toBeInstanceOf(ApiError);
  expect({ code: (err as ApiError).code, message: err.message }).toEqual({ code, message: expect.stringMatching(message) });
}

describe('OidcVerifier', () => {
  let idp: LocalIdentityProvider;
  let settings: OidcSettings;
  let verifier: OidcVerifier;

  beforeEach(async () => {
    idp = await startIdentityProvider();
    settings = oidcSettingsOf({
      ACCESSWATCH_OIDC_ISSUER: idp.issuer, ACCESSWATCH_OIDC_AUDIENCE: idp.audience, ACCESSWATCH_OIDC_JWKS_URL: idp.jwksUrl,
    })!;
    verifier = new OidcVerifier(settings, { cooldownMs: 0 });
  });
  afterEach(async () => {
    vi.useRealTimers();
    await idp.stop();
  });

  it('accepts RS256, ES256 and PS256 tokens and maps their claims to a person', async () => {
    const host = new URL(idp.issuer).host;
    expect(await verifier.personOf(await idp.sign(officer))).toEqual({
      id: `oidc:${host}:alice`, name: 'Alice Smith', role: 'ig-officer', organisations: ['A81001'],
    });
    for (const alg of ['ES256', 'PS256'] as const) {
      const kid = await idp.addKey(alg);
      const person = await verifier.personOf(await idp.sign({ ...officer, sub: `bob-${alg}` }, { kid }));
      expect(person.id).toBe(`oidc:${host}:bob-${alg}`);
    }
  });

  it('tells expired, not yet valid, wrong issuer, wrong audience and no expiry apart, without echoing the token', async () => {
    const expired = await idp.sign(officer, { expiresIn: -120 });
    await rejected(verifier.personOf(expired), 'AW_ERR_INVALID_TOKEN', /expired \(exp\)/);
    expect((await failure(verifier.personOf(expired))).message).not.toContain(expired.split('.')[1]);
    await rejected(verifier.personOf(await idp.sign(officer, { notBefore: 120 })), 'AW_ERR_INVALID_TOKEN', /not valid yet \(nbf\)/);
    await rejected(verifier.personOf(await idp.sign(officer, { issuer: 'https://evil.example' })), 'AW_ERR_INVALID_TOKEN', /issuer \(iss\) is not http:\/\/127\.0\.0\.1/);
    await rejected(verifier.personOf(await idp.sign(officer, { audience: 'another-app' })), 'AW_ERR_INVALID_TOKEN', /audience \(aud\) does not include accesswatch/);
    await rejected(verifier.personOf(await idp.sign(officer, { noExpiry: true })), 'AW_ERR_INVALID_TOKEN', /no expiry \(exp\)/);
  });

  it('tolerates 60 seconds of clock difference, but no more', async () => {
    expect((await verifier.personOf(await idp.sign(officer, { expiresIn: -30 }))).role).toBe('ig-officer');
    expect((await verifier.personOf(await idp.sign(officer, { notBefore: 30 }))).role).toBe('ig-officer');
    await rejected(verifier.personOf(await idp.sign(officer, { expiresIn: -61 })), 'AW_ERR_INVALID_TOKEN', /expired/);
  });

  it('never serves a cached person past the token\'s expiry', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
    const nearlyStale = await idp.sign(officer, { expiresIn: -58 });
    expect((await verifier.personOf(nearlyStale)).id).toMatch(/:alice$/);
    vi.setSystemTime(Date.now() + 3_000);
    await rejected(verifier.personOf(nearlyStale), 'AW_ERR_INVALID_TOKEN', /expired/);
  });

  it('refuses alg none, HS256, a key it does not publish, and a tampered signature', async () => {
    const { none, hs256 } = await forgedTokens(idp, officer);
    expect(looksLikeJwt(none)).toBe(true);
    await rejected(verifier.personOf(none), 'AW_ERR_INVALID_TOKEN', /not signed with an allowed algorithm \(RS256, ES256, PS256\)/);
    await rejected(verifier.personOf(hs256), 'AW_ERR_INVALID_TOKEN', /not signed with an allowed algorithm/);
    const stranger = await idp.addKey('RS256', { kid: 'stranger', publish: false });
    await rejected(verifier.personOf(await idp.sign(officer, { kid: stranger })), 'AW_ERR_INVALID_TOKEN', /no key of the identity provider matches its key id/);
    const impostor = await startIdentityProvider();
    try {
      // Same kid as the real key, different key pair: the signature cannot verify.
      const forged = await impostor.sign(officer, { issuer: idp.issuer });
      await rejected(verifier.personOf(forged), 'AW_ERR_INVALID_TOKEN', /signature does not verify/);
    } finally {
      await impostor.stop();
    }
    const [header, payload] = (await idp.sign(officer)).split('.');
    const otherSignature = (await idp.sign({ ...officer, sub: 'mallory' })).split('.')[2];
    await rejected(verifier.personOf(`${header}.${payload}.${otherSignature}`), 'AW_ERR_INVALID_TOKEN', /signature does not verify/);
  });

  it('fetches the new key when the provider rotates, and drops the retired one', async () => {
    const before = await idp.sign(officer);
    await verifier.personOf(before);
    const fetched = idp.fetches();
    const next = await idp.addKey('ES256', { kid: 'ec-2' });
    idp.publish([next]);
    expect((await verifier.personOf(await idp.sign({ ...officer, sub: 'carol' }, { kid: next }))).id).toMatch(/:carol$/);
    expect(idp.fetches()).toBe(fetched + 1);
    await rejected(verifier.personOf(await idp.sign({ ...officer, sub: 'dave' })), 'AW_ERR_INVALID_TOKEN', /no key of the identity provider/);
  });

  it('answers 503 with a retry time when the provider\'s keys cannot be fetched', async () => {
    const token = await idp.sign(officer);
    await idp.stop();
    const err = await failure(new OidcVerifier(settings).personOf(token));
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toMatch(/signing keys \(ACCESSWATCH_OIDC_JWKS_URL\) could not be fetched/);
    expect((err as UnavailableError).retryAfterSeconds).toBeGreaterThan(0);
  });

  it('refuses genuine tokens whose role or organisations are unusable, naming the claim (403)', async () => {
    const { accesswatch_role: _role, ...noRole } = officer;
    await rejected(verifier.personOf(await idp.sign(noRole)), 'AW_ERR_FORBIDDEN', /no "accesswatch_role" claim/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_role: 'IG-Officer' })), 'AW_ERR_FORBIDDEN', /"accesswatch_role" claim holds no accesswatch role \("IG-Officer"\)/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_role: ['ig-officer', 'admin'] })), 'AW_ERR_FORBIDDEN', /several accesswatch roles/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_organisations: ['a81001'] })), 'AW_ERR_FORBIDDEN', /"accesswatch_organisations" claim holds values that are not ODS codes.*"a81001"/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_organisations: [] })), 'AW_ERR_FORBIDDEN', /"accesswatch_organisations" claim is empty: a ig-officer needs at least one/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_organisations: 'A81001 ok!' })), 'AW_ERR_FORBIDDEN', /not ODS codes/);
    await rejected(verifier.personOf(await idp.sign({ ...officer, accesswatch_organisations: 42 })), 'AW_ERR_FORBIDDEN', /must be a list of ODS codes/);
    const { sub: _sub, ...noSubject } = officer;
    await rejected(verifier.personOf(await idp.sign(noSubject)), 'AW_ERR_FORBIDDEN', /no "sub" claim/);
  });

  it('reads configurable claims: a mapped role from a list, organisations from a string, a nested path', async () => {
    const custom = new OidcVerifier(oidcSettingsOf({
      ACCESSWATCH_OIDC_ISSUER: idp.issuer, ACCESSWATCH_OIDC_AUDIENCE: idp.audience, ACCESSWATCH_OIDC_JWKS_URL: idp.jwksUrl,
      ACCESSWATCH_OIDC_ID_CLAIM: 'employee_id', ACCESSWATCH_OIDC_NAME_CLAIM: 'preferred_username',
      ACCESSWATCH_OIDC_ROLE_CLAIM: 'realm_access.roles', ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM: 'https://nhs.example/ods',
      ACCESSWATCH_OIDC_ROLE_MAP: '{"Caldicott": "caldicott-guardian"}',
    })!);
    const person = await custom.personOf(await idp.sign({
      sub: 'ignored', employee_id: 'E-77', preferred_username: 'cg',
      realm_access: { roles: ['offline_access', 'Caldicott'] }, 'https://nhs.example/ods': 'A81001, B82002  A81001',
    }));
    expect(person).toEqual({ id: `oidc:${new URL(idp.issuer).host}:E-77`, name: 'cg', role: 'caldicott-guardian', organisations: ['A81001', 'B82002'] });
    const admin = await custom.personOf(await idp.sign({ employee_id: 'E-1', realm_access: { roles: ['admin'] } }));
    expect(admin).toMatchObject({ name: admin.id, role: 'admin', organisations: [] });
  });

  it('recognises only compact JWS shapes, never local keys or tokens', () => {
    expect(looksLikeJwt('awt_abcDEF012-_')).toBe(false);
    expect(looksLikeJwt('awk_abc.def')).toBe(false);
    expect(looksLikeJwt('a.b.c.d.e')).toBe(false);
    expect(looksLikeJwt('eyJh.eyJz.c2ln')).toBe(true);
  });
});
