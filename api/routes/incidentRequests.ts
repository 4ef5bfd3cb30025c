import type { Alert } from '../../engine/alerts/alert.js';
import type { BreachThresholds } from '../../engine/incidents/breachAssessment.js';
import { IncidentRuleError, type IcoReportContent, type Incident } from '../../engine/incidents/incident.js';
import { checkReadyToSend, icoReport, type AlertSummary } from '../../engine/incidents/icoReport.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { InvalidCursorError } from '../../engine/store/cursor.js';
import type { Store } from '../../engine/store/port.js';
import type { Principal } from '../auth.js';
import { ApiError } from '../errors.js';
import { inCallersOrganisations } from '../permissions.js';

/**
 * What every incident route shares: finding an incident within the caller's organisations, and
 * saving a change by compare-and-set (409 when someone else changed it first).
 */

/** Options of the incident routes. */
export interface IncidentRoutesOptions {
  store: Store;
  /** Where the DSPT grid turns (configuration). */
  thresholds: BreachThresholds;
  /** The clock (tests pass their own); defaults to the wall clock. */
  now?: () => Date;
}

/** Who decides whether to report to the ICO (who may read and work incidents at all: api/permissions.ts). */
export const REPORTING_DECIDERS = ['caldicott-guardian'] as const;

export type Person = Extract<Principal, { kind: 'person' }>;

export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 100 } },
} as const;

/** A store failure is the caller's 503 (or 400 for a cursor that is not ours), never a 500. */
export function storeUnavailable(err: unknown): never {
  if (err instanceof InvalidCursorError) throw new ApiError('AW_ERR_VALIDATION', err.message);
  if (err instanceof ApiError) throw err;
  throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
}

/** Runs a step of the incident's rules; a refusal is the caller's 400 with the rule's own words. */
export function byTheRules<T>(step: () => T): T {
  try {
    return step();
  } catch (err) {
    if (err instanceof IncidentRuleError) throw new ApiError('AW_ERR_VALIDATION', err.message);
    throw err;
  }
}

/** The incident, if it is in one of the caller's organisations; otherwise 404 (its existence is not theirs to know). */
export async function incidentInScope(store: Store, id: string, person: Person): Promise<Incident> {
  return inCallersOrganisations(person, await store.getIncident(id).catch(storeUnavailable), `no incident ${id} in your organisations`);
}

/** Refuses a change based on another version than the one stored, before any work is done. */
export function checkVersion(incident: Incident, version: number | undefined): void {
  if (version !== undefined && version !== incident.version) {
    throw new ApiError('AW_ERR_CONFLICT', `version: incident ${incident.id} is at version ${incident.version}, not ${version}: someone changed it; reload it and try again`);
  }
}

/** Saves the next version if the stored one is still `current`'s; 409 if someone changed it in between. */
export async function saveIncident(store: Store, current: Incident, next: Incident): Promise<Incident> {
  const result = await store.updateIncident(next, current.version).catch(storeUnavailable);
  if (result.updated) return result.incident;
  if (!result.current) throw new ApiError('AW_ERR_NOT_FOUND', `no incident ${current.id}`);
  throw new ApiError('AW_ERR_CONFLICT', `version: incident ${current.id} changed while this was being saved (it is now at version ${result.current.version}); reload it and try again`);
}

/** The incident's alerts that still exist, as the report describes them (no patient data). */
export async function alertSummaries(store: Store, incident: Incident): Promise<AlertSummary[]> {
  const alerts = await Promise.all(incident.alertIds.map((id) => store.getAlert(id))).catch(storeUnavailable);
  return alerts
    .filter((alert): alert is Alert => alert !== undefined && alert.organisation === incident.organisation)
    .map(({ id, ruleId, title, eventCount, firstSeenAt, lastSeenAt }) => ({ id, ruleId, title, eventCount, firstSeenAt, lastSeenAt }));
}

/** The report as it would be sent at `at`; 400 when the incident is not assessed or the report lacks what it needs. */
export async function reportToSend(options: IncidentRoutesOptions, incident: Incident, at: string, reasonForDelay?: string): Promise<IcoReportContent> {
  const alerts = await alertSummaries(options.store, incident);
  const content = byTheRules(() => icoReport(incident, { alerts, now: at, thresholds: options.thresholds, reasonForDelay }));
  byTheRules(() => checkReadyToSend(content));
  return content;
}

/** The caller's clock reading as RFC 3339 UTC. */
export function nowOf(options: IncidentRoutesOptions): string {
  return (options.now?.() ?? new Date()).toISOString();
}
