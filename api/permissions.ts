import type { FastifyInstance, FastifyRequest, onRequestHookHandler, preHandlerHookHandler, RouteOptions } from 'fastify';
import type { PersonRole, Source, SourceScope } from '../engine/store/port.js';
import type { Authenticator, Principal } from './auth.js';
import { ApiError } from './errors.js';

/**
 * Who may call each route, in one table, enforced in one place: as each route is registered its
 * entry is attached (a route without one stops the app from starting), and before anything else
 * runs for a request (the body is not even read) the caller is authenticated and checked against
 * it. Handlers take the caller from the request ({@link callerPerson}, {@link callerSource}).
 * The README's permissions matrix is this table in users' words.
 */

type Person = Extract<Principal, { kind: 'person' }>;

/**
 * How a route keeps callers to their organisations:
 * - `none`: it holds nothing of an organisation (keys, people, queue, rules, schemas, health);
 * - `key`: a source key posts records of its own organisations only; each other record is
 *   rejected (400 when none is left). An admin may post for any organisation;
 * - `listed`: its answer holds only the caller's organisations;
 * - `resource`: the alert or incident it names (for a new incident, its alerts) must be of the
 *   caller's organisations, else 404; the handler checks with {@link inCallersOrganisations};
 * - a field: that query or body field, when sent, must be one of the caller's organisations
 *   (403, checked here once the request is validated); the answer holds only theirs.
 */
export type OrganisationScope = 'none' | 'key' | 'listed' | 'resource' | { field: `query.${string}` | `body.${string}` };

type Callers =
  | { anyone: true }
  | { people: readonly PersonRole[]; source?: SourceScope }
  | { source: SourceScope; people?: readonly PersonRole[] };

/** Who may call a route: anyone without credentials, or people with these roles and/or source keys with this scope. */
export type Permission = Callers & {
  /** In users' words, for refusals: "the auditor role may not <action>". */
  action: string;
  organisations: OrganisationScope;
};

/** Read patient data of their organisations: access events, alerts, incidents and access reports. */
export const READERS = ['ig-officer', 'caldicott-guardian', 'auditor'] as const;
/** Work alerts and incidents of their organisations (and may be assigned alerts). */
export const TRIAGERS = ['ig-officer', 'caldicott-guardian'] as const;
const ADMINS = ['admin'] as const;
const PEOPLE = [...READERS, 'admin'] as const;

const open = (action: string): Permission => ({ anyone: true, action, organisations: 'none' });
const admin = (action: string): Permission => ({ people: ADMINS, action, organisations: 'none' });
const reference = (kind: string): Permission => ({ source: 'reference', people: ADMINS, action: `post reference data (${kind})`, organisations: 'key' });

/** Every route, as registered (method and path), and who may call it. HEAD follows GET. */
export const PERMISSIONS: Readonly<Record<string, Permission>> = {
  'GET /healthz': open('check that the process is up'),
  'GET /readyz': open('check readiness'),
  'GET /openapi.json': open('read the OpenAPI document'),
  'GET /': open('load the dashboards web app'),
  'GET /assets/:file': open('load the web app\'s files'),
  'GET /v1/auth/oidc': open('read how the web app signs in through the identity provider'),
  'GET /v1/schemas/access-event': open('read the access event schema'),
  'GET /v1/schemas/staff': open('read the staff schema'),
  'GET /v1/schemas/patients': open('read the patient schema'),
  'GET /v1/schemas/relationships': open('read the relationship schema'),
  'GET /v1/schemas/rule': open('read the rule schema'),

  'POST /v1/access-events': { source: 'events', action: 'post access events', organisations: 'key' },
  'GET /v1/access-events': { people: READERS, action: 'read access events', organisations: { field: 'query.organisation' } },
  'POST /v1/reference/staff': reference('staff'),
  'POST /v1/reference/patients': reference('patients'),
  'POST /v1/reference/relationships': reference('relationships'),

  'POST /v1/admin/sources': admin('register source systems'),
  'DELETE /v1/admin/sources/:system': admin('revoke source keys'),
  'POST /v1/admin/users': admin('create people'),
  'GET /v1/admin/queue': admin('read the ingest queue'),
  'POST /v1/admin/queue/retry-failed': admin('retry failed batches'),
  'GET /v1/admin/stats': admin('read the stored event count'),

  'GET /v1/me': { people: PEOPLE, action: 'read who they are', organisations: 'none' },
  'GET /v1/rules': { people: PEOPLE, action: 'read the rules', organisations: 'none' },
  // A backtest raises and records nothing: a read, so auditors may run one.
  'POST /v1/rules/:id/backtest': { people: READERS, action: 'backtest rules', organisations: { field: 'body.organisation' } },

  'GET /v1/alerts': { people: READERS, action: 'read alerts', organisations: { field: 'query.organisation' } },
  'GET /v1/alerts/counts': { people: READERS, action: 'count alerts', organisations: { field: 'query.organisation' } },
  'GET /v1/alerts/:id': { people: READERS, action: 'read alerts', organisations: 'resource' },
  'PATCH /v1/alerts/:id': { people: TRIAGERS, action: 'triage alerts', organisations: 'resource' },
  'POST /v1/alerts/bulk': { people: TRIAGERS, action: 'triage alerts', organisations: { field: 'body.filter.organisation' } },
  'POST /v1/suppressions': { people: TRIAGERS, action: 'suppress alerts', organisations: { field: 'body.organisation' } },
  'GET /v1/suppressions': { people: READERS, action: 'read suppressions', organisations: 'listed' },
  'GET /v1/users/:id/risk': { people: READERS, action: "read a user's risk", organisations: 'listed' },

  'POST /v1/incidents': { people: TRIAGERS, action: 'open incidents', organisations: 'resource' },
  'GET /v1/incidents': { people: READERS, action: 'read incidents', organisations: 'listed' },
  'GET /v1/incidents/:id': { people: READERS, action: 'read incidents', organisations: 'resource' },
  'PATCH /v1/incidents/:id': { people: TRIAGERS, action: 'change incidents', organisations: 'resource' },
  // Recording the decision to report to the ICO or not is a Caldicott guardian's: the handler refuses it to others.
  'PUT /v1/incidents/:id/assessment': { people: TRIAGERS, action: 'assess incidents', organisations: 'resource' },
  'GET /v1/incidents/:id/ico-report': { people: READERS, action: 'read ICO reports', organisations: 'resource' },
  'POST /v1/incidents/:id/ico-report': { people: TRIAGERS, action: 'record ICO reports', organisations: 'resource' },

  'GET /v1/patients/:nhsNumber/accesses': { people: READERS, action: "read who accessed a patient's record", organisations: { field: 'query.organisation' } },
  'GET /v1/users/:userId/accesses': { people: READERS, action: 'read what a user did', organisations: { field: 'query.organisation' } },
  // The periodic report is the Caldicott guardian's (DESIGN: guardians review reports); auditors read everything read-only.
  'GET /v1/reports/caldicott': { people: ['caldicott-guardian', 'auditor'], action: 'read the Caldicott report', organisations: { field: 'query.organisation' } },
};

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; unset on routes anyone may call. */
    principal?: Principal;
  }
}

/** Why this caller may not call a route with this permission, or undefined when they may. */
export function refusalOf(principal: Principal, permission: Permission): string | undefined {
  if ('anyone' in permission) return undefined;
  const { people, source } = permission;
  if (principal.kind === 'source') {
    if (!source) return 'this endpoint takes a person token, not a source key';
    if (!principal.source.scopes.includes(source)) return `this key has no "${source}" scope (it has: ${principal.source.scopes.join(', ')})`;
    return undefined;
  }
  if (!people) return 'this endpoint takes a source system key, not a person token';
  if (people.includes(principal.role)) return undefined;
  const allowed = [people.join(', '), source && `a source key with the "${source}" scope`].filter(Boolean).join(', or ');
  return `the ${principal.role} role may not ${permission.action} (allowed: ${allowed})`;
}

/** The permission of a route as registered, or undefined when the table has none. */
export function permissionOf(method: string, url: string): Permission | undefined {
  return PERMISSIONS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
}

/** The value at a dotted `query.` or `body.` path of a validated request. */
function fieldOf(request: FastifyRequest, field: string): unknown {
  const [where, ...path] = field.split('.');
  let value: unknown = where === 'query' ? request.query : request.body;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function organisationsOf(principal: Principal): readonly string[] {
  return principal.kind === 'person' ? principal.organisations : principal.source.organisations;
}

function hooksOf<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : [hooks].flat() as T[];
}

const registered = new WeakMap<FastifyInstance, string[]>();

/**
 * Attaches PERMISSIONS to every route registered on `app` from now on (call it before the
 * routes): authentication and the role or scope check on request, before the body is read; the
 * organisation field check once the request is validated.
 */
export function enforcePermissions(app: FastifyInstance, authenticator: Authenticator): void {
  const routes: string[] = [];
  registered.set(app, routes);
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route: RouteOptions) => {
    const methods = [route.method].flat();
    const permissions = methods.map((method) => permissionOf(method, route.url));
    permissions.forEach((permission, i) => {
      if (!permission) throw new Error(`${methods[i]} ${route.url} has no entry in PERMISSIONS (api/permissions.ts): say who may call it, and add it to the README's permissions matrix`);
    });
    const permission = permissions[0]!;
    if (permissions.some((other) => other !== permission)) throw new Error(`${methods.join(', ')} ${route.url}: one route, several permissions; register the methods separately`);
    for (const method of methods) if (method !== 'HEAD') routes.push(`${method} ${route.url}`);
    if ('anyone' in permission) return;

    const authorise: onRequestHookHandler = async (request) => {
      const principal = await authenticator.principalOf(request);
      const refusal = refusalOf(principal, permission);
      if (refusal) throw new ApiError('AW_ERR_FORBIDDEN', refusal);
      request.principal = principal;
    };
    route.onRequest = [authorise, ...hooksOf(route.onRequest)];

    const scope = permission.organisations;
    if (typeof scope === 'object') {
      const label = scope.field.slice(scope.field.indexOf('.') + 1);
      const checkField: preHandlerHookHandler = async (request) => {
        const value = fieldOf(request, scope.field);
        if (value !== undefined && !organisationsOf(callerOf(request)).includes(String(value))) {
          throw new ApiError('AW_ERR_FORBIDDEN', `${label}: ${String(value)} is not one of your organisations`);
        }
      };
      route.preHandler = [checkField, ...hooksOf(route.preHandler)];
    }
  });
}

/** Every route registered on `app` since {@link enforcePermissions}, as `METHOD /path` (no HEAD). */
export function registeredRoutes(app: FastifyInstance): readonly string[] {
  return registered.get(app) ?? [];
}

/** The caller of a route that takes credentials. */
export function callerOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error(`${request.method} ${request.routeOptions.url}: no caller; its permission lets anyone in`);
  return request.principal;
}

/** The person calling: for routes whose permission admits people only. */
export function callerPerson(request: FastifyRequest): Person {
  const principal = callerOf(request);
  if (principal.kind !== 'person') throw new Error(`${request.method} ${request.routeOptions.url}: its handler needs a person, but its permission admits source keys`);
  return principal;
}

/** The source system calling: for routes whose permission admits source keys only. */
export function callerSource(request: FastifyRequest): Source {
  const principal = callerOf(request);
  if (principal.kind !== 'source') throw new Error(`${request.method} ${request.routeOptions.url}: its handler needs a source key, but its permission admits people`);
  return principal.source;
}

/**
 * The alert or incident, if it is of one of the caller's organisations; otherwise 404 with
 * `notFound`: another organisation's is not the caller's to know of, so it is not "forbidden".
 */
export function inCallersOrganisations<T extends { organisation: string }>(person: Person, thing: T | undefined, notFound: string): T {
  if (!thing || !person.organisations.includes(thing.organisation)) throw new ApiError('AW_ERR_NOT_FOUND', notFound);
  return thing;
}
