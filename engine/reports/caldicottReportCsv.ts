import { stringify } from 'csv-stringify/sync';
import type { CaldicottReport } from './caldicottReport.js';
import type { TruncatedPart } from './readCaldicottReport.js';

/**
 * The Caldicott report as one CSV file for a spreadsheet: a block per table, each starting with
 * its own header row (whose first cell names the table) and separated by an empty row. The first
 * block is the summary as `Metric,Value` pairs; rates are fractions (0.95), times UTC.
 */

type Row = (string | number | boolean | undefined)[];

const block = (header: string[], rows: Row[]): Row[] => [header, ...rows, []];

/** The per-table blocks of a report, in the order a reader goes through it. */
export function caldicottReportRows(report: CaldicottReport, truncated: readonly TruncatedPart[] = []): Row[] {
  const { accesses, alerts, outcomes } = report;
  const alertsOf = (organisation: string) => alerts.byOrganisation[organisation] ?? 0;
  const organisations = [...new Set([...accesses.byOrganisation.map((line) => line.organisation), ...Object.keys(alerts.byOrganisation)])].sort();
  const accessesOf = new Map(accesses.byOrganisation.map((line) => [line.organisation, line]));
  const counts = (name: string, record: Record<string, number>) => block([name, 'Alerts'], Object.entries(record).map(([key, value]) => [key, value]));
  return [
    ...block(['Metric', 'Value'], [
      ['From', report.from],
      ['To', report.to],
      ['Organisations', report.organisations.join(' ')],
      ['Accesses processed', accesses.total],
      ['Accesses explained', accesses.explained],
      ['Explained rate', accesses.explainedRate],
      ['Alerts', alerts.total],
      ['Confirmed', outcomes.confirmed],
      ['Dismissed', outcomes.dismissed],
      ['Median hours to triage', report.medianHoursToTriage],
      ['Incidents', report.incidents.length],
      ['Incidents overdue for the ICO', report.incidents.filter((incident) => incident.overdue).length],
      ...(truncated.length > 0 ? [['Truncated (reading limits reached)', truncated.join(' ')]] : []),
    ]),
    ...block(['Rule', 'Title', 'Alerts', 'Confirmed', 'Dismissed', 'False-positive rate'],
      alerts.byRule.map((line) => [line.ruleId, line.title, line.alerts, line.confirmed, line.dismissed, line.falsePositiveRate])),
    ...block(['Organisation', 'Accesses', 'Explained', 'Explained rate', 'Alerts'], organisations.map((organisation) => {
      const line = accessesOf.get(organisation);
      const rate = line && line.total > 0 ? Math.round((line.explained / line.total) * 1000) / 1000 : undefined;
      return [organisation, line?.total ?? 0, line?.explained ?? 0, rate, alertsOf(organisation)];
    })),
    ...counts('Severity', alerts.bySeverity),
    ...counts('Role class', alerts.byRoleClass),
    ...counts('Status', alerts.byStatus),
    ...counts('Dismissal reason', outcomes.dismissedByReason),
    ...block(['User', 'Organisation', 'Risk score', 'Risk level', 'Open alerts'],
      report.topUsersByRisk.map((user) => [user.userId, user.organisation, user.score, user.level, user.openAlerts])),
    ...block(['Incident', 'Title', 'Organisation', 'Status', 'Aware at', 'Reportable to the ICO', 'ICO deadline', 'Overdue'],
      report.incidents.map((incident) => [
        incident.id, incident.title, incident.organisation, incident.status, incident.awareAt,
        incident.reportableToIco === undefined ? 'not assessed' : incident.reportableToIco, incident.icoDeadline, incident.overdue,
      ])),
  ].slice(0, -1);
}

/** The report as CSV text (see the module comment). */
export function caldicottReportCsv(report: CaldicottReport, truncated: readonly TruncatedPart[] = []): string {
  return stringify(caldicottReportRows(report, truncated), { cast: { boolean: (value) => (value ? 'yes' : 'no') } });
}
