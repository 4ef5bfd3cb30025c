import { ODS_CODE_PATTERN } from '../schema/schemaValidator.js';
import type { PersonRole } from '../store/port.js';

/** Every role a person can hold, in the order the README lists them. */
export const PERSON_ROLES: readonly PersonRole[] = ['ig-officer', 'caldicott-guardian', 'admin', 'auditor'];

/**
 * How people sign in with an identity provider's JWTs (OpenID Connect access or ID tokens):
 * whom to trust, and which claims carry the person's id, name, role and organisations.
 */
export interface OidcSettings {
  /** The `iss` every token must carry (`ACCESSWATCH_OIDC_ISSUER`). */
  issuer: string;
  /** A value the token's `aud` must hold (`ACCESSWATCH_OIDC_AUDIENCE`). */
  audience: string;
  /** Where the provider publishes its public signing keys (`ACCESSWATCH_OIDC_JWKS_URL`). */
  jwksUrl: string;
  /** The claim holding the person's stable id (`ACCESSWATCH_OIDC_ID_CLAIM`, default `sub`). */
  idClaim: string;
  /** The claim holding a display name (`ACCESSWATCH_OIDC_NAME_CLAIM`, default `name`). */
  nameClaim: string;
  /** The claim holding the role, a string or a list (`ACCESSWATCH_OIDC_ROLE_CLAIM`, default `accesswatch_role`). */
  roleClaim: string;
  /** The claim holding ODS codes, a list or a space/comma-separated string (`ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM`). */
  organisationsClaim: string;
  /** The provider's role values and the accesswatch role each stands for (`ACCESSWATCH_OIDC_ROLE_MAP`, JSON). */
  roleMap: Readonly<Record<string, PersonRole>>;
  /** The web app's sign-in through the provider's own page (authorization code with PKCE), when set up. */
  webApp?: OidcWebApp;
}

/** What the web app needs to send people to the provider and back (a public client: no secret). */
export interface OidcWebApp {
  /** `ACCESSWATCH_OIDC_CLIENT_ID`: the web app's client at the provider, with accesswatch's `/` as a redirect URI. */
  clientId: string;
  /** `ACCESSWATCH_OIDC_AUTHORIZATION_URL`: the provider's `authorization_endpoint`. */
  authorizationUrl: string;
  /** `ACCESSWATCH_OIDC_TOKEN_URL`: the provider's `token_endpoint` (the browser calls it: it must allow CORS from accesswatch). */
  tokenUrl: string;
  /** `ACCESSWATCH_OIDC_SCOPE`, default `openid profile`. */
  scope: string;
}

/** The web app's settings: all three or none. */
const WEB_APP = ['ACCESSWATCH_OIDC_CLIENT_ID', 'ACCESSWATCH_OIDC_AUTHORIZATION_URL', 'ACCESSWATCH_OIDC_TOKEN_URL'] as const;

/** The three settings without which no token can be checked. */
const REQUIRED = ['ACCESSWATCH_OIDC_ISSUER', 'ACCESSWATCH_OIDC_AUDIENCE', 'ACCESSWATCH_OIDC_JWKS_URL'] as const;

/** Variables that only mean something when the three above are set. */
const OPTIONAL = [
  'ACCESSWATCH_OIDC_ID_CLAIM', 'ACCESSWATCH_OIDC_NAME_CLAIM', 'ACCESSWATCH_OIDC_ROLE_CLAIM',
  'ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM', 'ACCESSWATCH_OIDC_ROLE_MAP', ...WEB_APP, 'ACCESSWATCH_OIDC_SCOPE',
] as const;

/**
 * The OIDC settings from (already schema-checked) environment values, or undefined when OIDC is
 * off. Throws an Error naming the variables when the set is partial or the role map is not valid;
 * the caller turns it into a configuration error.
 */
export function oidcSettingsOf(env: Readonly<Record<string, unknown>>): OidcSettings | undefined {
  const given = (name: string) => typeof env[name] === 'string' && env[name] !== '';
  const missing = REQUIRED.filter((name) => !given(name));
  if (missing.length === REQUIRED.length) {
    const stray = OPTIONAL.filter(given);
    if (stray.length > 0) throw new Error(`${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but OIDC is off: also set ${REQUIRED.join(', ')}`);
    return undefined;
  }
  if (missing.length > 0) {
    throw new Error(`OIDC needs ${REQUIRED.join(', ')} together: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
  }
  const value = (name: string, fallback: string) => (given(name) ? String(env[name]) : fallback);
  const webAppGiven = WEB_APP.filter(given);
  if (webAppGiven.length > 0 && webAppGiven.length < WEB_APP.length) {
    throw new Error(`the web app's OIDC sign-in needs ${WEB_APP.join(', ')} together: ${WEB_APP.filter((name) => !given(name)).join(', ')} missing`);
  }
  if (webAppGiven.length === 0 && given('ACCESSWATCH_OIDC_SCOPE')) throw new Error(`ACCESSWATCH_OIDC_SCOPE is set but the web app's OIDC sign-in is off: also set ${WEB_APP.join(', ')}`);
  return {
    ...(webAppGiven.length > 0 ? {
      webApp: {
        clientId: String(env.ACCESSWATCH_OIDC_CLIENT_ID), authorizationUrl: String(env.ACCESSWATCH_OIDC_AUTHORIZATION_URL),
        tokenUrl: String(env.ACCESSWATCH_OIDC_TOKEN_URL), scope: value('ACCESSWATCH_OIDC_SCOPE', 'openid profile'),
      },
    } : {}),
    issuer: String(env.ACCESSWATCH_OIDC_ISSUER),
    audience: String(env.ACCESSWATCH_OIDC_AUDIENCE),
    jwksUrl: String(env.ACCESSWATCH_OIDC_JWKS_URL),
    idClaim: value('ACCESSWATCH_OIDC_ID_CLAIM', 'sub'),
    nameClaim: value('ACCESSWATCH_OIDC_NAME_CLAIM', 'name'),
    roleClaim: value('ACCESSWATCH_OIDC_ROLE_CLAIM', 'accesswatch_role'),
    organisationsClaim: value('ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM', 'accesswatch_organisations'),
    roleMap: given('ACCESSWATCH_OIDC_ROLE_MAP') ? roleMapOf(String(env.ACCESSWATCH_OIDC_ROLE_MAP)) : {},
  };
}

function roleMapOf(json: string): Record<string, PersonRole> {
  const where = 'ACCESSWATCH_OIDC_ROLE_MAP';
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new Error(`${where} is not valid JSON: write it as {"IdP value": "accesswatch role"}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`${where} must be a JSON object such as {"IG-Officer": "ig-officer"}`);
  }
  for (const [from, to] of Object.entries(parsed)) {
    if (!PERSON_ROLES.includes(to as PersonRole)) {
      throw new Error(`${where}: "${from}" maps to ${JSON.stringify(to)}, which is not a role (${PERSON_ROLES.join(', ')})`);
    }
  }
  // Own data properties only (fromEntries never sets a prototype, even for "__proto__").
  return Object.fromEntries(Object.entries(parsed)) as Record<string, PersonRole>;
}

/** A person as a verified identity provider token describes them. */
export interface OidcPerson {
  /** `oidc:<issuer host>:<id claim>`: recorded as `user.id` of their reads, never equal to a local person's id (`person-<uuid>`). */
  id: string;
  name: string;
  role: PersonRole;
  organisations: string[];
}

/** The token is genuine but its claims do not make an accesswatch person; the message names the claim. */
export class ClaimRejected extends Error {}

/** Longest `user.id` an access event may carry (the event schema's limit). */
const MAX_ID_LENGTH = 200;
const odsCode = new RegExp(ODS_CODE_PATTERN);

/**
 * Maps the claims of a token whose signature, issuer, audience and dates have already been
 * checked to the person it stands for. Pure: no I/O and no clock.
 */
export function personOfClaims(claims: Readonly<Record<string, unknown>>, settings: OidcSettings): OidcPerson {
  const id = idOf(claimValue(claims, settings.idClaim), settings);
  const name = claimValue(claims, settings.nameClaim);
  const role = roleOf(claimValue(claims, settings.roleClaim), settings);
  const organisations = organisationsOf(claimValue(claims, settings.organisationsClaim), settings.organisationsClaim, role);
  return { id, name: typeof name === 'string' && name.trim() !== '' ? name.trim() : id, role, organisations };
}

/** The prefix of every OIDC person id from this issuer. */
export function oidcIdPrefix(settings: Pick<OidcSettings, 'issuer'>): string {
  let host: string;
  try {
    host = new URL(settings.issuer).host;
  } catch {
    host = settings.issuer;
  }
  return `oidc:${host}:`;
}

/**
 * A claim by name; a dotted name that is not itself a claim is followed as a path
 * (`realm_access.roles`), so namespaced claims such as `https://example.org/role` still work.
 */
function claimValue(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  if (Object.hasOwn(claims, name)) return claims[name];
  if (!name.includes('.')) return undefined;
  let value: unknown = claims;
  for (const part of name.split('.')) {
    if (typeof value !== 'object' || value === null || !Object.hasOwn(value, part)) return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function idOf(value: unknown, settings: OidcSettings): string {
  const claim = settings.idClaim;
  if (value === undefined) throw new ClaimRejected(`the token has no "${claim}" claim, which must hold the person's stable id`);
  if ((typeof value !== 'string' && typeof value !== 'number') || String(value).trim() === '') {
    throw new ClaimRejected(`the "${claim}" claim must be a non-empty string (the person's stable id)`);
  }
  const id = `${oidcIdPrefix(settings)}${String(value).trim()}`;
  if (id.length > MAX_ID_LENGTH) {
    throw new ClaimRejected(`the "${claim}" claim is too long: with its prefix the id must fit in ${MAX_ID_LENGTH} characters`);
  }
  return id;
}

/**
 * One role from a string or a list: values are mapped through the role map (values not in it are
 * taken as they are), unknown values in a list are ignored, and exactly one role must remain.
 */
function roleOf(value: unknown, settings: OidcSettings): PersonRole {
  const claim = settings.roleClaim;
  const expected = `one of ${PERSON_ROLES.join(', ')}, or a value mapped to one in ACCESSWATCH_OIDC_ROLE_MAP`;
  if (value === undefined) throw new ClaimRejected(`the token has no "${claim}" claim, which must hold the person's role (${expected})`);
  const values = typeof value === 'string' ? [value] : stringsOf(value);
  if (!values) throw new ClaimRejected(`the "${claim}" claim must be a string or a list of strings (${expected})`);
  const mapped = values.map((given) => (Object.hasOwn(settings.roleMap, given) ? settings.roleMap[given] : given));
  const roles = [...new Set(mapped.filter((role): role is PersonRole => PERSON_ROLES.includes(role as PersonRole)))];
  if (roles.length === 0) throw new ClaimRejected(`the "${claim}" claim holds no accesswatch role (${shown(values)}); expected ${expected}`);
  if (roles.length > 1) throw new ClaimRejected(`the "${claim}" claim holds several accesswatch roles (${roles.join(', ')}); a person has exactly one`);
  return roles[0];
}

/** ODS codes from a list or a space/comma-separated string. Only an admin may have none (as for local people). */
function organisationsOf(value: unknown, claim: string, role: PersonRole): string[] {
  let codes: string[];
  if (value === undefined) codes = [];
  else if (typeof value === 'string') codes = value.split(/[\s,]+/).filter((code) => code !== '');
  else {
    const list = stringsOf(value);
    if (!list) throw new ClaimRejected(`the "${claim}" claim must be a list of ODS codes or a space- or comma-separated string of them`);
    codes = list.map((code) => code.trim());
  }
  const bad = codes.filter((code) => !odsCode.test(code));
  if (bad.length > 0) {
    throw new ClaimRejected(`the "${claim}" claim holds values that are not ODS codes (3 to 10 capital letters or digits): ${shown(bad)}`);
  }
  if (codes.length === 0 && role !== 'admin') {
    throw new ClaimRejected(`the "${claim}" claim is ${value === undefined ? 'missing' : 'empty'}: a ${role} needs at least one organisation (ODS code)`);
  }
  return [...new Set(codes)];
}

function stringsOf(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((item) => typeof item === 'string') ? value : undefined;
}

/** A few claim values for a message, quoted and cut short. */
function shown(values: readonly string[]): string {
  const listed = values.slice(0, 5).map((value) => JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value));
  return `${listed.join(', ')}${values.length > 5 ? `, and ${values.length - 5} more` : ''}`;
}
