import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { ALERT_STATUSES, DISMISSAL_REASONS, type Alert, type DismissalReason, type Suppression, type TriageEntry } from '../../engine/alerts/alert.js';
import { decideTriage, type AlertChange, type AlertChangeOutcome, type Triager, type TriageRequest } from '../../engine/alerts/triage.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import type { Person, Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { TRIAGERS, callerPerson, inCallersOrganisations } from '../permissions.js';
import { alertSchema, errorResponses, suppressionSchema } from '../schemas.js';
import { recordPatientReads } from '../selfAudit.js';
import { alertFilterProperties, alertQueryOf, alertReads, suppressionExpiry, unavailable, type AlertFilter } from './alerts.js';

/**
 * Triage: PATCH /v1/alerts/{id} moves one alert (status, assignee, resolution, optionally a
 * suppression of similar alerts), POST /v1/alerts/bulk assigns or dismisses as duplicates the
 * alerts a filter matches. The rules of who may move what are engine/alerts/triage.ts; the store
 * applies each change only at the version the caller saw (409 otherwise).
 */

export interface AlertTriageRoutesOptions {
  store: Store;
  sink: BatchSink;
}

/** Most alerts one bulk call changes; a filter matching more is refused, to be narrowed. */
export const MAX_BULK_ALERTS = 1000;

const noteSchema = { type: 'string', minLength: 1, maxLength: 4000 } as const;

interface PatchBody extends TriageRequest {
  suppress?: { expiresAt: string; scope: 'user' | 'user-patient' };
  version: number;
}

interface BulkBody {
  filter: AlertFilter;
  action: 'assign' | 'dismiss-duplicate';
  assignee?: string;
  note?: string;
}

const REFUSALS = { invalid: 'AW_ERR_VALIDATION', forbidden: 'AW_ERR_FORBIDDEN', transition: 'AW_ERR_INVALID_TRANSITION' } as const;

const stale = (id: string, sent: number, current: number) =>
  new ApiError('AW_ERR_CONFLICT', `version: alert ${id} is at version ${current}, not ${sent}: someone changed it since you read it; reload it and apply your change again`);

/** Who may be assigned alerts: a name and the organisations they work for. */
type Assignee = Pick<Person, 'name' | 'organisations'>;

/**
 * The caller themselves (so that people signed in with OIDC can take alerts), or a local IG
 * officer or Caldicott guardian named `name` whose token is not revoked.
 */
async function assigneeNamed(store: Store, name: string, caller: Triager & Assignee): Promise<Assignee> {
  if (name === caller.name) return caller;
  const person = await store.findPersonByName(name).catch(unavailable);
  if (!person || person.revokedAt || !(TRIAGERS as readonly string[]).includes(person.role)) {
    throw new ApiError('AW_ERR_VALIDATION', `assignee: no IG officer or Caldicott guardian is named ${name}`);
  }
  return person;
}

/** The suppression a dismissal asks for: the alert's rule and user, and its patient for `user-patient`. */
function suppressionFor(alert: Alert, suppress: NonNullable<PatchBody['suppress']>, entry: TriageEntry, now: number): Suppression {
  if (alert.team !== undefined) {
    throw new ApiError('AW_ERR_VALIDATION', `suppress: this alert is about team ${alert.team}'s accesses to one patient, not one user; suppress for a user or the patient with POST /v1/suppressions`);
  }
  if (alert.userId === undefined) throw new ApiError('AW_ERR_VALIDATION', 'suppress: this alert is about no user (a source system), so there is no one to suppress it for');
  if (suppress.scope === 'user-patient' && alert.nhsNumber === undefined) {
    throw new ApiError('AW_ERR_VALIDATION', 'suppress.scope: this alert is about no one patient; use scope user');
  }
  return {
    id: randomUUID(),
    organisation: alert.organisation,
    ruleId: alert.ruleId,
    userId: alert.userId,
    ...(suppress.scope === 'user-patient' ? { nhsNumber: alert.nhsNumber } : {}),
    expiresAt: suppressionExpiry(suppress.expiresAt, now, 'suppress.expiresAt'),
    reason: `alert ${alert.id} dismissed (${entry.reason})${entry.note ? `: ${entry.note}` : ''}`,
    createdBy: entry.by,
    createdAt: new Date(now).toISOString(),
  };
}

/** Why a bulk change did not apply, in words. */
function skippedReason(outcome: Exclude<AlertChangeOutcome, { outcome: 'changed' }>): string {
  if (outcome.outcome === 'stale') return `changed by someone else meanwhile (now version ${outcome.currentVersion})`;
  if (outcome.outcome === 'superseded') return 'a later alert of the same rule and subject has been opened';
  return 'no longer exists';
}

export async function alertTriageRoutes(app: FastifyInstance, options: AlertTriageRoutesOptions): Promise<void> {
  const { store } = options;

  app.patch<{ Params: { id: string }; Body: PatchBody }>('/v1/alerts/:id', {
    schema: {
      summary: 'Triage one alert: its status, assignee and resolution, at the version you read',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string', minLength: 1, maxLength: 200 } } },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['version'],
        properties: {
          status: { type: 'string', enum: ALERT_STATUSES },
          assignee: { type: ['string', 'null'], minLength: 1, maxLength: 200, description: "A person's name: an IG officer or Caldicott guardian of the alert's organisation; null unassigns." },
          resolution: {
            type: 'object',
            additionalProperties: false,
            properties: { reason: { type: 'string', enum: DISMISSAL_REASONS, description: 'Required to dismiss.' }, note: noteSchema },
          },
          suppress: {
            type: 'object',
            additionalProperties: false,
            required: ['expiresAt', 'scope'],
            description: 'Only when dismissing: hold back similar alerts (the same rule and user, and patient for user-patient) until expiresAt.',
            properties: { expiresAt: { type: 'string', format: 'date-time' }, scope: { type: 'string', enum: ['user', 'user-patient'] } },
          },
          version: { type: 'integer', minimum: 1, description: 'The version of the alert you read.' },
        },
      },
      response: { 200: { ...alertSchema, properties: { ...alertSchema.properties, suppression: suppressionSchema } }, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const { id } = request.params;
    const body = request.body;
    const alert = inCallersOrganisations(person, await store.getAlert(id).catch(unavailable), `no alert ${id} in your organisations`);
    if (body.version !== alert.version) throw stale(id, body.version, alert.version);
    if (body.suppress && body.status !== 'dismissed') throw new ApiError('AW_ERR_VALIDATION', 'suppress: only when dismissing (status: dismissed)');
    if (body.assignee) {
      const assignee = await assigneeNamed(store, body.assignee, person);
      if (!assignee.organisations.includes(alert.organisation)) throw new ApiError('AW_ERR_VALIDATION', `assignee: ${body.assignee} does not work for ${alert.organisation}`);
    }
    const now = Date.now();
    const decision = decideTriage(alert, body, person, new Date(now).toISOString());
    if ('refused' in decision) throw new ApiError(REFUSALS[decision.refused], decision.message);
    if ('unchanged' in decision) {
      await recordPatientReads(person, alertReads([alert]), options.sink);
      return alert;
    }
    const suppression = body.suppress ? suppressionFor(alert, body.suppress, decision.entry, now) : undefined;
    const [outcome] = await store.updateAlerts([{ id, expectedVersion: body.version, entry: decision.entry }]).catch(unavailable);
    if (outcome.outcome === 'stale') throw stale(id, body.version, outcome.currentVersion);
    if (outcome.outcome === 'superseded') {
      throw new ApiError('AW_ERR_INVALID_TRANSITION', `alert ${id} cannot be reopened: a later alert of the same rule and subject has been opened since; triage that one`);
    }
    if (outcome.outcome === 'not-found') throw new ApiError('AW_ERR_NOT_FOUND', `no alert ${id} in your organisations`);
    if (suppression) await store.putSuppression(suppression).catch(unavailable);
    request.log.info({ module: 'alerts', alertId: id, from: decision.entry.from, to: decision.entry.to, version: outcome.alert.version, suppressionId: suppression?.id }, 'alert triaged');
    await recordPatientReads(person, alertReads([outcome.alert]), options.sink);
    return suppression ? { ...outcome.alert, suppression } : outcome.alert;
  });

  app.post<{ Body: BulkBody }>('/v1/alerts/bulk', {
    schema: {
      summary: `Assign, or dismiss as duplicates, the alerts a filter matches (at most ${MAX_BULK_ALERTS} per call)`,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['filter', 'action'],
        properties: {
          filter: { type: 'object', additionalProperties: false, properties: alertFilterProperties },
          action: { type: 'string', enum: ['assign', 'dismiss-duplicate'] },
          assignee: { type: 'string', minLength: 1, maxLength: 200, description: 'With assign: a person\'s name.' },
          note: { ...noteSchema, description: 'Kept in each history entry.' },
        },
      },
      response: {
        200: {
          type: 'object',
          properties: {
            matched: { type: 'integer', description: 'Alerts the filter matched.' },
            changed: { type: 'integer' },
            skipped: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, reason: { type: 'string' } } } },
          },
        },
        ...errorResponses,
      },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const body = request.body;
    if (body.action === 'assign' && body.assignee === undefined) throw new ApiError('AW_ERR_VALIDATION', 'assignee: required to assign');
    if (body.action !== 'assign' && body.assignee !== undefined) throw new ApiError('AW_ERR_VALIDATION', 'assignee: only with action assign');
    const query = alertQueryOf(person, body.filter, { limit: MAX_BULK_ALERTS + 1, raises: 'alert' });
    const { alerts } = await store.queryAlerts(query).catch(unavailable);
    if (alerts.length > MAX_BULK_ALERTS) {
      throw new ApiError('AW_ERR_VALIDATION', `filter: matches more than ${MAX_BULK_ALERTS} alerts, the most one call changes; narrow it (from, to, rule, user, patient)`);
    }
    const assignee = body.assignee === undefined ? undefined : await assigneeNamed(store, body.assignee, person);
    const plan = planBulk(alerts, body, person, assignee, new Date().toISOString());
    const outcomes = await store.updateAlerts(plan.changes).catch(unavailable);
    let changed = 0;
    for (const outcome of outcomes) {
      if (outcome.outcome === 'changed') changed++;
      else plan.skipped.push({ id: outcome.id, reason: skippedReason(outcome) });
    }
    request.log.info({ module: 'alerts', action: body.action, matched: alerts.length, changed }, 'alerts triaged in bulk');
    return { matched: alerts.length, changed, skipped: plan.skipped };
  });
}

/** Each matched alert's change (one history entry each), or why it is skipped. */
function planBulk(alerts: Alert[], body: BulkBody, person: Triager, assignee: Assignee | undefined, at: string) {
  const changes: AlertChange[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const reason: DismissalReason = 'duplicate';
  for (const alert of alerts) {
    if (assignee && !assignee.organisations.includes(alert.organisation)) {
      skipped.push({ id: alert.id, reason: `${assignee.name} does not work for ${alert.organisation}` });
      continue;
    }
    if (assignee && alert.assignee === assignee.name) {
      skipped.push({ id: alert.id, reason: `already assigned to ${assignee.name}` });
      continue;
    }
    const request: TriageRequest = assignee
      ? { assignee: assignee.name, ...(body.note ? { resolution: { note: body.note } } : {}) }
      : { status: 'dismissed', resolution: { reason, ...(body.note ? { note: body.note } : {}) } };
    const decision = decideTriage(alert, request, person, at);
    if ('refused' in decision) skipped.push({ id: alert.id, reason: decision.message });
    else if ('unchanged' in decision) skipped.push({ id: alert.id, reason: 'nothing to change' });
    else changes.push({ id: alert.id, expectedVersion: alert.version, entry: decision.entry });
  }
  return { changes, skipped };
}
