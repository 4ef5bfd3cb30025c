import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ALERT_STATUSES, SEVERITIES, type Alert, type Suppression } from '../../engine/alerts/alert.js';
import { OPEN_STATUSES } from '../../engine/alerts/triage.js';
import { userRisk } from '../../engine/alerts/userRisk.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../../engine/events/nhsNumber.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { InvalidCursorError } from '../../engine/store/cursor.js';
import type { AlertQuery, Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { callerPerson, inCallersOrganisations } from '../permissions.js';
import { alertCountsSchema, alertPageSchema, alertSchema, errorResponses, suppressionSchema, userRiskSchema } from '../schemas.js';
import { recordPatientReads } from '../selfAudit.js';

export interface AlertRoutesOptions {
  store: Store;
  sink: BatchSink;
  /** Rule ids that exist (a suppression may only name one of these). */
  ruleIds: () => ReadonlySet<string>;
}

/** Longest a suppression may last: a year, so that none is forgotten for ever. */
const MAX_SUPPRESSION_DAYS = 366;

/** A suppression's expiry as stored, refused (naming `field`) unless it is in the future and within a year of `now`. */
export function suppressionExpiry(expiresAt: string, now: number, field = 'expiresAt'): string {
  const expires = Date.parse(expiresAt);
  if (expires <= now) throw new ApiError('AW_ERR_VALIDATION', `${field}: must be in the future`);
  if (expires > now + MAX_SUPPRESSION_DAYS * 86_400_000) throw new ApiError('AW_ERR_VALIDATION', `${field}: must be within ${MAX_SUPPRESSION_DAYS} days`);
  return new Date(expires).toISOString();
}

export function nhsNumberParam(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const nhsNumber = normaliseNhsNumber(value);
  if (!isValidNhsNumber(nhsNumber)) throw new ApiError('AW_ERR_VALIDATION', `${field}: is not a valid NHS number (10 digits with a correct check digit)`);
  return nhsNumber;
}

export function unavailable(err: unknown): never {
  if (err instanceof InvalidCursorError) throw new ApiError('AW_ERR_VALIDATION', err.message);
  throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
}

/** Reading an alert about a patient is a read of that patient's data, audited like any other. */
export function alertReads(alerts: Alert[]) {
  return alerts.filter((alert) => alert.nhsNumber !== undefined)
    .map((alert) => ({ organisation: alert.organisation, nhsNumber: alert.nhsNumber!, action: 'view' as const, recordPart: 'alert' as const }));
}

/** The filters of GET /v1/alerts, which bulk triage takes too. */
export interface AlertFilter {
  status?: Alert['status']; rule?: string; severity?: Alert['severity']; user?: string; patient?: string; organisation?: string; from?: string; to?: string;
}

export const alertFilterProperties = {
  status: { type: 'string', enum: ALERT_STATUSES },
  rule: { type: 'string', description: 'Rule id' },
  severity: { type: 'string', enum: SEVERITIES },
  user: { type: 'string' },
  patient: { type: 'string', description: 'NHS number' },
  organisation: { type: 'string' },
  from: { type: 'string', format: 'date-time', description: 'Alerts last seen at or after' },
  to: { type: 'string', format: 'date-time', description: 'Alerts first seen before' },
} as const;

/** The store's filter for a request's, within the person's organisations (api/permissions.ts refuses a filter's organisation not theirs). */
function storeFilterOf(person: { organisations: string[] }, filter: AlertFilter): Omit<AlertQuery, 'limit'> {
  return {
    organisations: person.organisations, status: filter.status, ruleId: filter.rule, severity: filter.severity, userId: filter.user,
    nhsNumber: nhsNumberParam(filter.patient, 'patient'), organisation: filter.organisation, from: filter.from, to: filter.to,
  };
}

/** The store query for a filter and a page (see storeFilterOf). */
export function alertQueryOf(person: { organisations: string[] }, filter: AlertFilter, page: Pick<AlertQuery, 'limit' | 'cursor' | 'raises'>): AlertQuery {
  return { ...storeFilterOf(person, filter), ...page };
}

export async function alertRoutes(app: FastifyInstance, options: AlertRoutesOptions): Promise<void> {
  app.get<{ Querystring: AlertFilter & { raises?: 'alert' | 'signal'; limit: number; cursor?: string } }>('/v1/alerts', {
    schema: {
      summary: 'List alerts of your organisations, most recently seen first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...alertFilterProperties,
          raises: { type: 'string', enum: ['alert', 'signal'], default: 'alert', description: 'signal lists the low-weight signals (after-hours access) instead' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string' },
        },
      },
      response: { 200: alertPageSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const { raises, limit, cursor } = request.query;
    const page = await options.store.queryAlerts(alertQueryOf(person, request.query, { raises, limit, cursor })).catch(unavailable);
    await recordPatientReads(person, alertReads(page.alerts), options.sink);
    return page;
  });

  app.get<{ Querystring: Omit<AlertFilter, 'status'> & { raises?: 'alert' | 'signal' } }>('/v1/alerts/counts', {
    schema: {
      summary: 'How many alerts of your organisations match the filters, by status (counted, not read: nothing is audited as a patient read)',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          ...Object.fromEntries(Object.entries(alertFilterProperties).filter(([name]) => name !== 'status')),
          raises: { type: 'string', enum: ['alert', 'signal'], default: 'alert' },
        },
      },
      response: { 200: alertCountsSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const byStatus = await options.store.countAlerts({ ...storeFilterOf(person, request.query), raises: request.query.raises }).catch(unavailable);
    return { byStatus, total: Object.values(byStatus).reduce((sum, n) => sum + n, 0) };
  });

  app.get<{ Params: { id: string } }>('/v1/alerts/:id', {
    schema: {
      summary: 'One alert, with its explanation and evidence',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: alertSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const alert = inCallersOrganisations(person, await options.store.getAlert(request.params.id).catch(unavailable), `no alert ${request.params.id} in your organisations`);
    await recordPatientReads(person, alertReads([alert]), options.sink);
    return alert;
  });

  app.post<{ Body: { organisation: string; ruleId?: string; userId?: string; nhsNumber?: string; expiresAt: string; reason: string } }>('/v1/suppressions', {
    schema: {
      summary: 'Stop a rule (or every rule) raising alerts about a user or patient until a time',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['organisation', 'expiresAt', 'reason'],
        anyOf: [{ required: ['userId'] }, { required: ['nhsNumber'] }],
        properties: {
          organisation: { type: 'string', minLength: 1 },
          ruleId: { type: 'string', minLength: 1, description: 'Absent: every rule' },
          userId: { type: 'string', minLength: 1 },
          nhsNumber: { type: 'string', minLength: 10 },
          expiresAt: { type: 'string', format: 'date-time' },
          reason: { type: 'string', minLength: 3, maxLength: 2000 },
        },
      },
      response: { 201: suppressionSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const person = callerPerson(request);
    const body = request.body;
    if (body.ruleId !== undefined && !options.ruleIds().has(body.ruleId)) throw new ApiError('AW_ERR_VALIDATION', `ruleId: no rule has the id ${body.ruleId}`);
    const now = Date.now();
    const expiresAt = suppressionExpiry(body.expiresAt, now);
    const suppression: Suppression = {
      id: randomUUID(),
      organisation: body.organisation,
      ...(body.ruleId !== undefined ? { ruleId: body.ruleId } : {}),
      ...(body.userId !== undefined ? { userId: body.userId } : {}),
      ...(body.nhsNumber !== undefined ? { nhsNumber: nhsNumberParam(body.nhsNumber, 'nhsNumber') } : {}),
      expiresAt,
      reason: body.reason,
      createdBy: person.id,
      createdAt: new Date(now).toISOString(),
    };
    await options.store.putSuppression(suppression).catch(unavailable);
    request.log.info({ module: 'alerts', suppressionId: suppression.id, ruleId: suppression.ruleId, organisation: suppression.organisation }, 'suppression created');
    return reply.code(201).send(suppression);
  });

  app.get('/v1/suppressions', {
    schema: {
      summary: 'Suppressions of your organisations that have not expired',
      response: { 200: { type: 'object', properties: { suppressions: { type: 'array', items: suppressionSchema } } }, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    return { suppressions: await options.store.activeSuppressions(person.organisations, new Date().toISOString()).catch(unavailable) };
  });

  app.get<{ Params: { id: string } }>('/v1/users/:id/risk', {
    schema: {
      summary: "A user's risk score across their open (or investigating) alerts and recent signals, within your organisations",
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: userRiskSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const alerts: Alert[] = [];
    let cursor: string | undefined;
    for (const status of OPEN_STATUSES) {
      for (const raises of ['alert', 'signal'] as const) {
        do {
          const page = await options.store.queryAlerts({ organisations: person.organisations, userId: request.params.id, status, raises, limit: 500, cursor }).catch(unavailable);
          alerts.push(...page.alerts);
          cursor = page.nextCursor;
        } while (cursor && alerts.length < 5000);
      }
    }
    return userRisk(request.params.id, alerts, Date.now());
  });
}
