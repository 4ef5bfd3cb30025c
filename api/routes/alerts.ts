import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ALERT_STATUSES, SEVERITIES, type Alert, type Suppression } from '../../engine/alerts/alert.js';
import { userRisk } from '../../engine/alerts/userRisk.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../../engine/events/nhsNumber.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { InvalidCursorError } from '../../engine/store/cursor.js';
import type { Store } from '../../engine/store/port.js';
import { requirePerson, type Principal } from '../auth.js';
import { ApiError } from '../errors.js';
import { alertPageSchema, alertSchema, errorResponses, suppressionSchema, userRiskSchema } from '../schemas.js';
import { recordPatientReads } from '../selfAudit.js';

export interface AlertRoutesOptions {
  store: Store;
  sink: BatchSink;
  /** Rule ids that exist (a suppression may only name one of these). */
  ruleIds: () => ReadonlySet<string>;
  principalOf: (request: FastifyRequest) => Promise<Principal>;
}

/** Who triages: IG officers and Caldicott guardians; auditors read. */
const READERS = ['ig-officer', 'caldicott-guardian', 'auditor'] as const;
const TRIAGERS = ['ig-officer', 'caldicott-guardian'] as const;

/** Longest a suppression may last: a year, so that none is forgotten for ever. */
const MAX_SUPPRESSION_DAYS = 366;

function nhsNumberParam(value: string | undefined, field: string): string | undefined {
  if (value === undefined) return undefined;
  const nhsNumber = normaliseNhsNumber(value);
  if (!isValidNhsNumber(nhsNumber)) throw new ApiError('AW_ERR_VALIDATION', `${field}: is not a valid NHS number (10 digits with a correct check digit)`);
  return nhsNumber;
}

function unavailable(err: unknown): never {
  if (err instanceof InvalidCursorError) throw new ApiError('AW_ERR_VALIDATION', err.message);
  throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
}

/** Reading an alert about a patient is a read of that patient's data, audited like any other. */
function alertReads(alerts: Alert[]) {
  return alerts.filter((alert) => alert.nhsNumber !== undefined)
    .map((alert) => ({ organisation: alert.organisation, nhsNumber: alert.nhsNumber!, action: 'view' as const, recordPart: 'alert' as const }));
}

export async function alertRoutes(app: FastifyInstance, options: AlertRoutesOptions): Promise<void> {
  app.get<{ Querystring: { status?: Alert['status']; rule?: string; severity?: Alert['severity']; user?: string; patient?: string; organisation?: string; raises?: 'alert' | 'signal'; from?: string; to?: string; limit: number; cursor?: string } }>('/v1/alerts', {
    schema: {
      summary: 'List alerts of your organisations, most recently seen first',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ALERT_STATUSES },
          rule: { type: 'string', description: 'Rule id' },
          severity: { type: 'string', enum: SEVERITIES },
          user: { type: 'string' },
          patient: { type: 'string', description: 'NHS number' },
          organisation: { type: 'string' },
          raises: { type: 'string', enum: ['alert', 'signal'], default: 'alert', description: 'signal lists the low-weight signals (after-hours access) instead' },
          from: { type: 'string', format: 'date-time', description: 'Alerts last seen at or after' },
          to: { type: 'string', format: 'date-time', description: 'Alerts first seen before' },
          limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
          cursor: { type: 'string' },
        },
      },
      response: { 200: alertPageSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = requirePerson(await options.principalOf(request), READERS);
    const query = request.query;
    if (query.organisation !== undefined && !person.organisations.includes(query.organisation)) {
      throw new ApiError('AW_ERR_FORBIDDEN', `organisation: ${query.organisation} is not one of your organisations`);
    }
    const page = await options.store.queryAlerts({
      organisations: person.organisations, status: query.status, ruleId: query.rule, severity: query.severity, userId: query.user,
      nhsNumber: nhsNumberParam(query.patient, 'patient'), organisation: query.organisation, raises: query.raises,
      from: query.from, to: query.to, limit: query.limit, cursor: query.cursor,
    }).catch(unavailable);
    await recordPatientReads(person, alertReads(page.alerts), options.sink);
    return page;
  });

  app.get<{ Params: { id: string } }>('/v1/alerts/:id', {
    schema: {
      summary: 'One alert, with its explanation and evidence',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: alertSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = requirePerson(await options.principalOf(request), READERS);
    const alert = await options.store.getAlert(request.params.id).catch(unavailable);
    // Another organisation's alert is not found, not forbidden: its existence is not the caller's to know.
    if (!alert || !person.organisations.includes(alert.organisation)) throw new ApiError('AW_ERR_NOT_FOUND', `no alert ${request.params.id} in your organisations`);
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
    const person = requirePerson(await options.principalOf(request), TRIAGERS);
    const body = request.body;
    if (!person.organisations.includes(body.organisation)) {
      throw new ApiError('AW_ERR_FORBIDDEN', `organisation: ${body.organisation} is not one of your organisations`);
    }
    if (body.ruleId !== undefined && !options.ruleIds().has(body.ruleId)) throw new ApiError('AW_ERR_VALIDATION', `ruleId: no rule has the id ${body.ruleId}`);
    const now = Date.now();
    const expires = Date.parse(body.expiresAt);
    if (expires <= now) throw new ApiError('AW_ERR_VALIDATION', 'expiresAt: must be in the future');
    if (expires > now + MAX_SUPPRESSION_DAYS * 86_400_000) throw new ApiError('AW_ERR_VALIDATION', `expiresAt: must be within ${MAX_SUPPRESSION_DAYS} days`);
    const suppression: Suppression = {
      id: randomUUID(),
      organisation: body.organisation,
      ...(body.ruleId !== undefined ? { ruleId: body.ruleId } : {}),
      ...(body.userId !== undefined ? { userId: body.userId } : {}),
      ...(body.nhsNumber !== undefined ? { nhsNumber: nhsNumberParam(body.nhsNumber, 'nhsNumber') } : {}),
      expiresAt: new Date(expires).toISOString(),
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
    const person = requirePerson(await options.principalOf(request), READERS);
    return { suppressions: await options.store.activeSuppressions(person.organisations, new Date().toISOString()).catch(unavailable) };
  });

  app.get<{ Params: { id: string } }>('/v1/users/:id/risk', {
    schema: {
      summary: "A user's risk score across their open alerts and recent signals, within your organisations",
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      response: { 200: userRiskSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = requirePerson(await options.principalOf(request), READERS);
    const alerts: Alert[] = [];
    let cursor: string | undefined;
    for (const raises of ['alert', 'signal'] as const) {
      do {
        const page = await options.store.queryAlerts({ organisations: person.organisations, userId: request.params.id, status: 'open', raises, limit: 500, cursor }).catch(unavailable);
        alerts.push(...page.alerts);
        cursor = page.nextCursor;
      } while (cursor && alerts.length < 5000);
    }
    return userRisk(request.params.id, alerts, Date.now());
  });
}
