import { ALERT_STATUSES, DISMISSAL_REASONS, usersOf, SEVERITIES, type Alert } from '../alerts/alert.js';
import { userRisk } from '../alerts/userRisk.js';
import type { EventFigures } from '../store/port.js';

/**
 * The periodic report a Caldicott guardian reviews: how many accesses were processed and how
 * many the care system's own data explained, what the rules raised (by rule, severity,
 * organisation and role class), how alerts were closed, how fast they were triaged, how often each
 * rule was a false positive, who carries the most risk, and where incidents stand with the ICO.
 * Pure: the figures in, the report out.
 */

/** Accesses of the period, as the event store counts them (EventStore.eventFigures). */
export type AccessFigures = EventFigures;

/** An incident as the report shows it. */
export interface IncidentLine {
  id: string;
  title: string;
  organisation: string;
  status: string;
  awareAt: string;
  reportableToIco?: boolean;
  icoDeadline: string;
  overdue: boolean;
}

/** What the report is made from: the period, the scope, and what the stores hold for them. */
export interface CaldicottReportInput {
  from: string;
  to: string;
  organisations: string[];
  accesses: AccessFigures;
  /** Alerts (not signals) seen in the period. */
  alerts: readonly Alert[];
  /** Open alerts and recent signals, for the risk ranking. */
  riskAlerts: readonly Alert[];
  incidents: readonly IncidentLine[];
  /** Role class of each alert's user, by `organisation userId`. */
  roleClassOf: (alert: Alert) => string | undefined;
  now: number;
}

/** One rule's alerts in the period and how they were closed. */
export interface RuleLine {
  ruleId: string;
  title: string;
  alerts: number;
  confirmed: number;
  dismissed: number;
  /** Dismissed ÷ closed, when any were closed: how often the rule was wrong. */
  falsePositiveRate?: number;
}

/** The report as the API returns it (JSON) and the CSV and PDF render it. */
export interface CaldicottReport {
  from: string;
  to: string;
  organisations: string[];
  accesses: AccessFigures & { explainedRate?: number };
  alerts: {
    total: number;
    byRule: RuleLine[];
    bySeverity: Record<string, number>;
    byOrganisation: Record<string, number>;
    byRoleClass: Record<string, number>;
    byStatus: Record<string, number>;
  };
  outcomes: { confirmed: number; dismissed: number; dismissedByReason: Record<string, number> };
  /** Median hours from an alert being raised to its first triage change, when any was triaged. */
  medianHoursToTriage?: number;
  topUsersByRisk: { userId: string; organisation: string; score: number; level: string; openAlerts: number }[];
  incidents: IncidentLine[];
}

/** Items counted by key: `keys` first in their order (0 when none), then any others alphabetically, whatever order the items came in. */
function count<T>(items: readonly T[], keyOf: (item: T) => string, keys: readonly string[] = []): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const others = [...counts.keys()].filter((key) => !keys.includes(key)).sort();
  return Object.fromEntries([...keys, ...others].map((key) => [key, counts.get(key) ?? 0]));
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const round = (value: number, places = 3) => Math.round(value * 10 ** places) / 10 ** places;

/** Aggregates the figures into the report; incidents overdue first, then by deadline. */
export function caldicottReport(input: CaldicottReportInput): CaldicottReport {
  const { alerts } = input;
  const rules = new Map<string, RuleLine>();
  for (const alert of alerts) {
    const line = rules.get(alert.ruleId) ?? { ruleId: alert.ruleId, title: alert.title, alerts: 0, confirmed: 0, dismissed: 0 };
    line.alerts++;
    if (alert.status === 'confirmed') line.confirmed++;
    if (alert.status === 'dismissed') line.dismissed++;
    rules.set(alert.ruleId, line);
  }
  for (const line of rules.values()) {
    const closed = line.confirmed + line.dismissed;
    if (closed > 0) line.falsePositiveRate = round(line.dismissed / closed);
  }
  const dismissed = alerts.filter((alert) => alert.status === 'dismissed');
  const triageHours = alerts.flatMap((alert) => (alert.history.length > 0
    ? [(Date.parse(alert.history[0].at) - Date.parse(alert.createdAt)) / 3_600_000] : []));
  // Each user's alerts at each organisation, grouped once: a report may hold thousands of users and alerts.
  const users = new Map<string, { userId: string; organisation: string; alerts: Alert[] }>();
  for (const alert of input.riskAlerts) {
    // A team's alert about one patient counts for each of the users it names.
    for (const userId of usersOf(alert)) {
      const key = `${alert.organisation} ${userId}`;
      const user = users.get(key) ?? { userId, organisation: alert.organisation, alerts: [] };
      user.alerts.push(alert);
      users.set(key, user);
    }
  }
  const topUsersByRisk = [...users.values()].map(({ userId, organisation, alerts: ofUser }) => {
    const risk = userRisk(userId, ofUser, input.now);
    return { userId, organisation, score: risk.score, level: risk.level, openAlerts: risk.openAlerts };
  }).filter((user) => user.score > 0).sort((a, b) => b.score - a.score || a.userId.localeCompare(b.userId)).slice(0, 10);
  const hours = median(triageHours);
  return {
    from: input.from,
    to: input.to,
    organisations: input.organisations,
    accesses: { ...input.accesses, ...(input.accesses.total > 0 ? { explainedRate: round(input.accesses.explained / input.accesses.total) } : {}) },
    alerts: {
      total: alerts.length,
      byRule: [...rules.values()].sort((a, b) => b.alerts - a.alerts || a.ruleId.localeCompare(b.ruleId)),
      bySeverity: count(alerts, (alert) => alert.severity, SEVERITIES),
      byOrganisation: count(alerts, (alert) => alert.organisation),
      byRoleClass: count(alerts, (alert) => input.roleClassOf(alert) ?? 'unknown'),
      byStatus: count(alerts, (alert) => alert.status, ALERT_STATUSES),
    },
    outcomes: {
      confirmed: alerts.filter((alert) => alert.status === 'confirmed').length,
      dismissed: dismissed.length,
      dismissedByReason: count(dismissed, (alert) => alert.resolution?.reason ?? 'other', DISMISSAL_REASONS),
    },
    ...(hours !== undefined ? { medianHoursToTriage: round(hours, 1) } : {}),
    topUsersByRisk,
    incidents: [...input.incidents].sort((a, b) => Number(b.overdue) - Number(a.overdue) || a.icoDeadline.localeCompare(b.icoDeadline)),
  };
}
