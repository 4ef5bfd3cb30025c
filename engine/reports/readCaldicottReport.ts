import { ALERT_STATUSES, usersOf, type Alert } from '../alerts/alert.js';
import { SELF_AUDIT_SYSTEM } from '../events/accessEvent.js';
import { OPEN_STATUSES } from '../alerts/triage.js';
import { SIGNAL_DAYS } from '../alerts/userRisk.js';
import type { BreachThresholds } from '../incidents/breachAssessment.js';
import type { Incident } from '../incidents/incident.js';
import { incidentView } from '../incidents/incidentChanges.js';
import { staffKey, type StaffKey } from '../reference/referenceData.js';
import type { AlertQuery, Store } from '../store/port.js';
import { caldicottReport, type CaldicottReport, type IncidentLine } from './caldicottReport.js';

/**
 * Reads what the Caldicott report is made of from the store and aggregates it: the access
 * figures (one aggregate query), the alerts seen in the period and the open alerts and recent
 * signals behind the risk ranking (paged, without their evidence), the role class of each alert's
 * user (one staff lookup) and the incidents with their ICO clock, all within the caller's scope.
 * Each alert is read once: the open ones (whenever seen: they count towards risk) and the closed
 * ones of the period; the period's alerts are the closed ones and the open ones seen in it.
 */

/** Alerts per page when reading them all (see BENCHMARKS.md, "Caldicott report"). */
const ALERT_PAGE = 5000;
/** Most alerts read for one report (and, separately, for the risk ranking); past it the report says it is truncated. */
export const MAX_REPORT_ALERTS = 50_000;
const INCIDENT_PAGE = 500;
/** Most incidents read for one report. */
export const MAX_REPORT_INCIDENTS = 5000;

/** What to report on. */
export interface CaldicottReportRequest {
  organisations: string[];
  /** Start of the period, inclusive (RFC 3339). */
  from: string;
  /** End of the period, exclusive (RFC 3339). */
  to: string;
  /** When the report is made: the ICO clocks and the risk ranking are read at this instant. */
  now: number;
  thresholds: BreachThresholds;
  /** Most alerts to read (default {@link MAX_REPORT_ALERTS}). */
  maxAlerts?: number;
}

/** What a report could not read whole: `alerts` (of the period), `riskAlerts` (open alerts and signals), `incidents`. */
export type TruncatedPart = 'alerts' | 'riskAlerts' | 'incidents';

/** The report, and which of its parts were cut short by the reading limits (empty when none). */
export interface CaldicottReportResult {
  report: CaldicottReport;
  truncated: TruncatedPart[];
}

/** Every alert a query matches, without evidence, page by page, up to `max`. */
async function readAlerts(store: Store, query: Omit<AlertQuery, 'limit' | 'cursor'>, max: number): Promise<{ alerts: Alert[]; truncated: boolean }> {
  const alerts: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryAlerts({ ...query, omitEvidence: true, limit: Math.min(ALERT_PAGE, max - alerts.length), cursor });
    alerts.push(...page.alerts);
    cursor = page.nextCursor;
  } while (cursor && alerts.length < max);
  return { alerts, truncated: cursor !== undefined };
}

const CLOSED_STATUSES = ALERT_STATUSES.filter((status) => !(OPEN_STATUSES as readonly string[]).includes(status));

/**
 * The alerts of the period and those user risk counts: open (and investigating) alerts whenever
 * seen, open signals of the last SIGNAL_DAYS, and alerts closed that were seen in the period.
 */
async function readPeriodAndRiskAlerts(store: Store, request: CaldicottReportRequest, max: number) {
  const { organisations, from, to } = request;
  const since = new Date(request.now - SIGNAL_DAYS * 86_400_000).toISOString();
  const [open, signals, closed] = await Promise.all([
    Promise.all(OPEN_STATUSES.map((status) => readAlerts(store, { organisations, status, raises: 'alert' }, max))),
    Promise.all(OPEN_STATUSES.map((status) => readAlerts(store, { organisations, status, raises: 'signal', from: since }, max))),
    Promise.all(CLOSED_STATUSES.map((status) => readAlerts(store, { organisations, status, raises: 'alert', from, to }, max))),
  ]);
  const openAlerts = open.flatMap((read) => read.alerts);
  const [start, end] = [Date.parse(from), Date.parse(to)];
  const seenInPeriod = (alert: Alert) => Date.parse(alert.lastSeenAt) >= start && Date.parse(alert.firstSeenAt) < end;
  const period = [...openAlerts.filter(seenInPeriod), ...closed.flatMap((read) => read.alerts)];
  return {
    period: { alerts: period.slice(0, max), truncated: period.length > max || closed.some((read) => read.truncated) || open.some((read) => read.truncated) },
    risk: { alerts: [...openAlerts, ...signals.flatMap((read) => read.alerts)], truncated: open.some((read) => read.truncated) || signals.some((read) => read.truncated) },
  };
}

/**
 * Incidents the guardian should see for the period: those the organisation became aware of
 * within it, and those aware of earlier that are still not closed.
 */
async function readIncidents(store: Store, request: CaldicottReportRequest): Promise<{ incidents: IncidentLine[]; truncated: boolean }> {
  const found: Incident[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryIncidents({ organisations: request.organisations, limit: INCIDENT_PAGE, cursor });
    found.push(...page.incidents);
    cursor = page.nextCursor;
  } while (cursor && found.length < MAX_REPORT_INCIDENTS);
  const from = Date.parse(request.from);
  const to = Date.parse(request.to);
  const incidents = found
    .filter((incident) => Date.parse(incident.awareAt) < to && (Date.parse(incident.awareAt) >= from || incident.status !== 'closed'))
    .map((incident): IncidentLine => {
      const view = incidentView(incident, new Date(request.now), request.thresholds);
      return {
        id: view.id, title: view.title, organisation: view.organisation, status: view.status, awareAt: view.awareAt,
        ...(view.assessment ? { reportableToIco: view.assessment.reportableToIco } : {}),
        icoDeadline: view.icoDeadline, overdue: view.overdue,
      };
    });
  return { incidents, truncated: cursor !== undefined };
}

/** The role class of each alert's users, from one staff lookup, by `organisation userId`. */
async function roleClasses(store: Store, alerts: readonly Alert[]): Promise<Map<string, string>> {
  const keys = new Map<string, StaffKey>();
  for (const alert of alerts) {
    for (const userId of usersOf(alert)) {
      const key = { userId, organisation: alert.organisation };
      keys.set(staffKey(key), key);
    }
  }
  const staff = keys.size === 0 ? [] : await store.findStaff([...keys.values()]);
  return new Map(staff.map(({ record }) => [staffKey(record), record.roleClass]));
}

/**
 * An alert's role class: its user's, or the one a team alert's users share; `mixed` when they
 * differ; none when no staff record is known for any of them.
 */
function roleClassOfAlert(alert: Alert, known: ReadonlyMap<string, string>): string | undefined {
  const classes = new Set<string>();
  for (const userId of usersOf(alert)) {
    const roleClass = known.get(staffKey({ userId, organisation: alert.organisation }));
    if (roleClass !== undefined) classes.add(roleClass);
  }
  if (classes.size > 1) return 'mixed';
  return classes.values().next().value;
}

/** Reads the period's figures from the store and makes the Caldicott report of them. */
export async function readCaldicottReport(store: Store, request: CaldicottReportRequest): Promise<CaldicottReportResult> {
  const { organisations, from, to, now } = request;
  const max = request.maxAlerts ?? MAX_REPORT_ALERTS;
  const [accesses, { period, risk }, incidents] = await Promise.all([
    // Accesses by the care systems; accesswatch's own audited reads would dilute the explained rate.
    store.eventFigures({ organisations, from, to, excludeSystems: [SELF_AUDIT_SYSTEM] }),
    readPeriodAndRiskAlerts(store, request, max),
    readIncidents(store, request),
  ]);
  const roleClassOf = await roleClasses(store, period.alerts);
  const report = caldicottReport({
    from, to, organisations, accesses, alerts: period.alerts, riskAlerts: risk.alerts, incidents: incidents.incidents, now,
    roleClassOf: (alert) => roleClassOfAlert(alert, roleClassOf),
  });
  const truncated: TruncatedPart[] = [];
  if (period.truncated) truncated.push('alerts');
  if (risk.truncated) truncated.push('riskAlerts');
  if (incidents.truncated) truncated.push('incidents');
  return { report, truncated };
}
