import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import { ClaimRejected, oidcSettingsOf, personOfClaims } from './oidcClaims.js';

const oidcEnv = {
  ACCESSWATCH_OIDC_ISSUER: 'https://login.example.nhs.uk/realms/care',
  ACCESSWATCH_OIDC_AUDIENCE: 'accesswatch',
  ACCESSWATCH_OIDC_JWKS_URL: 'https://login.example.nhs.uk/realms/care/protocol/openid-connect/certs',
};

describe('OIDC configuration', () => {
  it('is off without settings, and on with the three required ones and default claim names', () => {
    expect(loadConfig({}).oidc).toBeUndefined();
    expect(loadConfig(oidcEnv).oidc).toEqual({
      issuer: oidcEnv.ACCESSWATCH_OIDC_ISSUER, audience: 'accesswatch', jwksUrl: oidcEnv.ACCESSWATCH_OIDC_JWKS_URL,
      idClaim: 'sub', nameClaim: 'name', roleClaim: 'accesswatch_role', organisationsClaim: 'accesswatch_organisations', roleMap: {},
    });
  });

  it('takes claim names and a role map', () => {
    const oidc = loadConfig({
      ...oidcEnv, ACCESSWATCH_OIDC_ROLE_CLAIM: 'roles', ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM: 'ods', ACCESSWATCH_OIDC_ID_CLAIM: 'oid',
      ACCESSWATCH_OIDC_NAME_CLAIM: 'preferred_username', ACCESSWATCH_OIDC_ROLE_MAP: '{"IG-Officer": "ig-officer", "CG": "caldicott-guardian"}',
    }).oidc;
    expect(oidc).toMatchObject({ roleClaim: 'roles', organisationsClaim: 'ods', idClaim: 'oid', nameClaim: 'preferred_username', roleMap: { 'IG-Officer': 'ig-officer', CG: 'caldicott-guardian' } });
  });

  it('names what is missing from a partial set', () => {
    expect(() => loadConfig({ ACCESSWATCH_OIDC_ISSUER: oidcEnv.ACCESSWATCH_OIDC_ISSUER })).toThrow(ConfigError);
    expect(() => loadConfig({ ACCESSWATCH_OIDC_ISSUER: oidcEnv.ACCESSWATCH_OIDC_ISSUER }))
      .toThrow(/ACCESSWATCH_OIDC_AUDIENCE, ACCESSWATCH_OIDC_JWKS_URL are missing/);
    const { ACCESSWATCH_OIDC_JWKS_URL: _url, ...noJwks } = oidcEnv;
    expect(() => loadConfig(noJwks)).toThrow(/ACCESSWATCH_OIDC_JWKS_URL is missing/);
    expect(() => loadConfig({ ACCESSWATCH_OIDC_ROLE_CLAIM: 'roles' })).toThrow(/ACCESSWATCH_OIDC_ROLE_CLAIM is set but OIDC is off/);
  });

  it('sets up the web app\'s sign-in through the provider with its three settings together, and the scope', () => {
    const web = { ACCESSWATCH_OIDC_CLIENT_ID: 'accesswatch-web', ACCESSWATCH_OIDC_AUTHORIZATION_URL: 'https://login.example.nhs.uk/auth', ACCESSWATCH_OIDC_TOKEN_URL: 'https://login.example.nhs.uk/token' };
    expect(loadConfig({ ...oidcEnv, ...web }).oidc?.webApp).toEqual({ clientId: 'accesswatch-web', authorizationUrl: web.ACCESSWATCH_OIDC_AUTHORIZATION_URL, tokenUrl: web.ACCESSWATCH_OIDC_TOKEN_URL, scope: 'openid profile' });
    expect(loadConfig({ ...oidcEnv, ...web, ACCESSWATCH_OIDC_SCOPE: 'openid accesswatch' }).oidc?.webApp?.scope).toBe('openid accesswatch');
    expect(loadConfig(oidcEnv).oidc?.webApp).toBeUndefined();
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_CLIENT_ID: 'accesswatch-web' }))
      .toThrow(/needs ACCESSWATCH_OIDC_CLIENT_ID, ACCESSWATCH_OIDC_AUTHORIZATION_URL, ACCESSWATCH_OIDC_TOKEN_URL together: ACCESSWATCH_OIDC_AUTHORIZATION_URL, ACCESSWATCH_OIDC_TOKEN_URL missing/);
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_SCOPE: 'openid' })).toThrow(/ACCESSWATCH_OIDC_SCOPE is set but the web app's OIDC sign-in is off/);
    expect(() => loadConfig({ ...web })).toThrow(/is set but OIDC is off|are set but OIDC is off/);
    expect(() => loadConfig({ ...oidcEnv, ...web, ACCESSWATCH_OIDC_TOKEN_URL: 'javascript:alert(1)' })).toThrow(/ACCESSWATCH_OIDC_TOKEN_URL/);
  });

  it('refuses URLs that are not http(s) and role maps that are not JSON objects of roles', () => {
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_JWKS_URL: 'file:///etc/keys.json' })).toThrow(/ACCESSWATCH_OIDC_JWKS_URL/);
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_ISSUER: 'not a url' })).toThrow(/ACCESSWATCH_OIDC_ISSUER/);
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_ROLE_MAP: '{IG: ig-officer}' })).toThrow(/ACCESSWATCH_OIDC_ROLE_MAP is not valid JSON/);
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_ROLE_MAP: '["ig-officer"]' })).toThrow(/must be a JSON object/);
    expect(() => loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_ROLE_MAP: '{"IG": "superuser"}' })).toThrow(/"IG" maps to "superuser", which is not a role/);
  });

  it('keeps "__proto__" in a role map as an ordinary entry', () => {
    const oidc = loadConfig({ ...oidcEnv, ACCESSWATCH_OIDC_ROLE_MAP: '{"__proto__": "admin"}' }).oidc!;
    expect(Object.hasOwn(oidc.roleMap, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(oidc.roleMap)).toBe(Object.prototype);
  });
});

describe('personOfClaims', () => {
  const settings = oidcSettingsOf({ ...oidcEnv, ACCESSWATCH_OIDC_ROLE_MAP: '{"IG": "ig-officer"}' })!;
  const claims = { sub: 'u-1', accesswatch_role: 'auditor', accesswatch_organisations: ['RRK'] };

  it('prefixes the id with the issuer host and falls back to it for the name', () => {
    expect(personOfClaims({ ...claims, sub: 12345 }, settings)).toEqual({
      id: 'oidc:login.example.nhs.uk:12345', name: 'oidc:login.example.nhs.uk:12345', role: 'auditor', organisations: ['RRK'],
    });
    expect(() => personOfClaims({ ...claims, sub: 'x'.repeat(200) }, settings)).toThrow(/"sub" claim is too long/);
    expect(() => personOfClaims({ ...claims, sub: ' ' }, settings)).toThrow(/"sub" claim must be a non-empty string/);
  });

  it('maps roles through the map, takes unmapped values as they are, and ignores unrelated list entries', () => {
    expect(personOfClaims({ ...claims, accesswatch_role: 'IG' }, settings).role).toBe('ig-officer');
    expect(personOfClaims({ ...claims, accesswatch_role: ['offline_access', 'auditor', 'auditor'] }, settings).role).toBe('auditor');
    expect(() => personOfClaims({ ...claims, accesswatch_role: 'constructor' }, settings)).toThrow(ClaimRejected);
    expect(() => personOfClaims({ ...claims, accesswatch_role: { role: 'admin' } }, settings)).toThrow(/must be a string or a list of strings/);
  });

  it('reads ODS codes from lists and separated strings, once each; only an admin may have none', () => {
    expect(personOfClaims({ ...claims, accesswatch_organisations: 'RRK,A81001 RRK' }, settings).organisations).toEqual(['RRK', 'A81001']);
    expect(personOfClaims({ sub: 'a', accesswatch_role: 'admin' }, settings).organisations).toEqual([]);
    expect(() => personOfClaims({ sub: 'a', accesswatch_role: 'auditor' }, settings)).toThrow(/"accesswatch_organisations" claim is missing/);
    expect(() => personOfClaims({ ...claims, accesswatch_organisations: ['RRK', 7] }, settings)).toThrow(/must be a list of ODS codes/);
  });
});
