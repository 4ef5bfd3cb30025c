import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Alert } from '../../engine/alerts/alert.js';
import { INCIDENT_STATUSES, type Incident, type IncidentStatus } from '../../engine/incidents/incident.js';
import { byUrgency, changeIncident, firstConfirmation, incidentView, openIncident } from '../../engine/incidents/incidentChanges.js';
import type { Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { callerPerson, inCallersOrganisations } from '../permissions.js';
import { errorResponses, incidentListSchema, incidentSchema } from '../schemas.js';
import {
  byTheRules, checkVersion, idParamsSchema, incidentInScope, nowOf, reportToSend, saveIncident,
  storeUnavailable, type IncidentRoutesOptions, type Person,
} from './incidentRequests.js';
import { icoReportRoutes } from './icoReports.js';

/** Most incidents read for one list: enough for years of a large trust's incidents. */
const MAX_LISTED = 5000;
const PAGE = 500;

/**
 * The incident's alerts: each must exist in the caller's organisations (404 naming it otherwise),
 * all of one organisation, and none dismissed.
 */
async function alertsOfNewIncident(store: Store, alertIds: string[], person: Person, field = 'alertIds'): Promise<Alert[]> {
  const alerts = await Promise.all(alertIds.map((id) => store.getAlert(id))).catch(storeUnavailable);
  const found = alerts.map((alert, position) => inCallersOrganisations(person, alert, `${field}: no alert ${alertIds[position]} in your organisations`));
  const organisations = [...new Set(found.map((alert) => alert.organisation))];
  if (organisations.length > 1) {
    const which = organisations.map((organisation) => `${organisation}: ${found.filter((a) => a.organisation === organisation).map((a) => a.id).join(', ')}`);
    throw new ApiError('AW_ERR_VALIDATION', `${field}: an incident is of one organisation, but these alerts are of ${organisations.length} (${which.join('; ')})`);
  }
  const dismissed = found.find((alert) => alert.status === 'dismissed');
  if (dismissed) throw new ApiError('AW_ERR_VALIDATION', `${field}: alert ${dismissed.id} was dismissed; reopen and confirm it first, or leave it out`);
  return found;
}

/** Every incident of the caller's organisations (with this status), up to {@link MAX_LISTED}. */
async function readIncidents(store: Store, person: Person, status?: IncidentStatus): Promise<{ incidents: Incident[]; truncated: boolean }> {
  const incidents: Incident[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryIncidents({ organisations: person.organisations, status, limit: PAGE, cursor }).catch(storeUnavailable);
    incidents.push(...page.incidents);
    cursor = page.nextCursor;
  } while (cursor && incidents.length < MAX_LISTED);
  return { incidents, truncated: cursor !== undefined };
}

/** Incidents: open one from confirmed alerts, list them by urgency, read one, move it on. See also icoReports.ts. */
export async function incidentRoutes(app: FastifyInstance, options: IncidentRoutesOptions): Promise<void> {
  const { store, thresholds } = options;

  app.post<{ Body: { title: string; description: string; alertIds: string[]; awareAt?: string } }>('/v1/incidents', {
    schema: {
      summary: 'Open an incident from alerts of one of your organisations; the ICO\'s 72-hour clock runs from awareAt',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['title', 'description', 'alertIds'],
        properties: {
          title: { type: 'string', minLength: 1, maxLength: 300 },
          description: { type: 'string', minLength: 1, maxLength: 10_000 },
          alertIds: { type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 } },
          awareAt: { type: 'string', format: 'date-time', description: 'Default: when the first of the alerts was confirmed, else now' },
        },
      },
      response: { 201: incidentSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const person = callerPerson(request);
    const body = request.body;
    const now = nowOf(options);
    if (body.awareAt !== undefined && Date.parse(body.awareAt) > Date.parse(now)) {
      throw new ApiError('AW_ERR_VALIDATION', 'awareAt: cannot be in the future');
    }
    const alerts = await alertsOfNewIncident(store, body.alertIds, person);
    const incident = openIncident({
      id: randomUUID(), organisation: alerts[0].organisation, title: body.title, description: body.description, alertIds: body.alertIds,
      awareAt: body.awareAt ?? firstConfirmation(alerts) ?? now, createdBy: person.id,
    }, now);
    if (!(await store.createIncident(incident).catch(storeUnavailable))) throw new ApiError('AW_ERR_CONFLICT', `incident ${incident.id} exists`);
    request.log.info({ module: 'incidents', incidentId: incident.id, organisation: incident.organisation, alerts: incident.alertIds.length }, 'incident opened');
    return reply.code(201).send(incidentView(incident, now, thresholds));
  });

  app.get<{ Querystring: { status?: IncidentStatus; limit: number } }>('/v1/incidents', {
    schema: {
      summary: 'Incidents of your organisations: overdue first, then due within 24 hours, then the rest',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: INCIDENT_STATUSES },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
        },
      },
      response: { 200: incidentListSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const now = nowOf(options);
    const read = await readIncidents(store, person, request.query.status);
    const views = read.incidents.map((incident) => incidentView(incident, now, thresholds)).sort(byUrgency);
    const truncated = read.truncated || views.length > request.query.limit;
    return { incidents: views.slice(0, request.query.limit), ...(truncated ? { truncated } : {}) };
  });

  app.get<{ Params: { id: string } }>('/v1/incidents/:id', {
    schema: {
      summary: 'One incident: its alerts, notes, assessment with the grid\'s answers, decisions, reports sent and its clock',
      params: idParamsSchema,
      response: { 200: incidentSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    return incidentView(await incidentInScope(store, request.params.id, person), nowOf(options), thresholds);
  });

  app.patch<{ Params: { id: string }; Body: { version: number; status?: IncidentStatus; note?: string; addAlertIds?: string[] } }>('/v1/incidents/:id', {
    schema: {
      summary: 'Move an incident on (open → reported → closed), add a note or add alerts; name the version you read (409 if it changed)',
      params: idParamsSchema,
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['version'],
        anyOf: [{ required: ['status'] }, { required: ['note'] }, { required: ['addAlertIds'] }],
        properties: {
          version: { type: 'integer', minimum: 1 },
          addAlertIds: {
            type: 'array', minItems: 1, maxItems: 200, uniqueItems: true, items: { type: 'string', minLength: 1, maxLength: 200 },
            description: 'Alerts of the incident\'s organisation to add to it (not dismissed; until it is closed)',
          },
          status: { type: 'string', enum: INCIDENT_STATUSES, description: 'reported records the ICO report as it stands now (as POST .../ico-report does)' },
          note: { type: 'string', minLength: 1, maxLength: 10_000 },
        },
      },
      response: { 200: incidentSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const { version, status, note, addAlertIds } = request.body;
    const incident = await incidentInScope(store, request.params.id, person);
    checkVersion(incident, version);
    if (addAlertIds) {
      const added = await alertsOfNewIncident(store, addAlertIds, person, 'addAlertIds');
      if (added[0].organisation !== incident.organisation) {
        throw new ApiError('AW_ERR_VALIDATION', `addAlertIds: the incident is of ${incident.organisation}, but these alerts are of ${added[0].organisation}`);
      }
    }
    const now = nowOf(options);
    // Reporting from PATCH records the report as it stands now, as POST .../ico-report would.
    const report = status === 'reported' && incident.status === 'open'
      ? { submittedAt: now, submittedBy: person.id, content: await reportToSend(options, incident, now) }
      : undefined;
    const next = byTheRules(() => changeIncident(incident, { status: report ? undefined : status, note, report, addAlertIds, by: person.id, at: now }));
    const saved = await saveIncident(store, incident, next);
    request.log.info({ module: 'incidents', incidentId: saved.id, status: saved.status, version: saved.version }, 'incident changed');
    return incidentView(saved, now, thresholds);
  });

  await app.register(icoReportRoutes, options);
}
