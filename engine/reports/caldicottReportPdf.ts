import type { CaldicottReport } from './caldicottReport.js';
import { barChart, heading, paragraph, shareBar, startPdf, table } from './pdfLayout.js';
import type { TruncatedPart } from './readCaldicottReport.js';

/**
 * The Caldicott report as a PDF for the guardian's file and the IG committee's papers: the
 * summary, the explained rate and the alerts by rule as charts, then the tables the JSON holds.
 */

const count = (n: number) => n.toLocaleString('en-GB');
const percent = (rate: number | undefined) => (rate === undefined ? '-' : `${(rate * 100).toFixed(1)}%`);
const minute = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const when = (iso: string) => `${minute(iso)} UTC`;
/** Most rules drawn in the chart; the table under it lists them all. */
const CHART_RULES = 15;

const TRUNCATED_WORDS: Record<TruncatedPart, string> = {
  alerts: 'alerts of the period',
  riskAlerts: 'open alerts and signals for the risk ranking',
  incidents: 'incidents',
};

/** Renders the report; `preparedAt` is when it was made (the ICO clocks are read then). */
export function caldicottReportPdf(report: CaldicottReport, options: { preparedAt: string; truncated?: readonly TruncatedPart[] }): Promise<Buffer> {
  const { doc, finished } = startPdf({
    title: 'Caldicott guardian report: record access audit',
    subject: `${report.organisations.join(', ')}: ${report.from} to ${report.to}`,
    createdAt: new Date(options.preparedAt),
  });
  const { accesses, alerts, outcomes } = report;

  doc.font('Helvetica-Bold').fontSize(16).text('Caldicott guardian report: record access audit');
  paragraph(doc, `Organisations ${report.organisations.join(', ')}. Period ${when(report.from)} to ${when(report.to)}. Prepared ${when(options.preparedAt)} by accesswatch.`, { muted: true });
  const truncated = options.truncated ?? [];
  if (truncated.length > 0) {
    paragraph(doc, `Not every record could be read for this report (reading limits reached for ${truncated.map((part) => TRUNCATED_WORDS[part]).join('; ')}): the figures for these are lower bounds. Ask for a shorter period.`);
  }

  heading(doc, 'Summary');
  table(doc, [{ header: 'Measure', width: 3 }, { header: 'Value', width: 1, align: 'right' }], [
    ['Accesses processed', count(accesses.total)],
    ['Accesses explained by a legitimate relationship', count(accesses.explained)],
    ['Explained rate', percent(accesses.explainedRate)],
    ['Alerts raised or seen in the period', count(alerts.total)],
    ['Alerts confirmed', count(outcomes.confirmed)],
    ['Alerts dismissed', count(outcomes.dismissed)],
    ['Median time to triage', report.medianHoursToTriage === undefined ? '-' : `${report.medianHoursToTriage} hours`],
    ['Incidents', count(report.incidents.length)],
    ['Incidents overdue for the ICO', count(report.incidents.filter((incident) => incident.overdue).length)],
  ]);

  heading(doc, 'Accesses explained');
  shareBar(doc, accesses.explained, accesses.total, accesses.total === 0
    ? 'No accesses were recorded in the period.'
    : `${percent(accesses.explainedRate)} explained: ${count(accesses.explained)} of ${count(accesses.total)} accesses were explained by the care system's own data (registration, admission, referral, care team...). The rest were checked by the rules.`);
  if (accesses.byOrganisation.length > 1) {
    doc.moveDown(0.5);
    table(doc, [{ header: 'Organisation', width: 2 }, { header: 'Accesses', width: 1, align: 'right' }, { header: 'Explained', width: 1, align: 'right' }, { header: 'Explained rate', width: 1, align: 'right' }],
      accesses.byOrganisation.map((line) => [line.organisation, count(line.total), count(line.explained), percent(line.total > 0 ? line.explained / line.total : undefined)]));
  }

  heading(doc, 'Alerts by rule');
  if (alerts.byRule.length === 0) paragraph(doc, 'No alerts in the period.');
  barChart(doc, alerts.byRule.slice(0, CHART_RULES).map((line) => ({ label: `${line.ruleId} ${line.title}`, value: line.alerts })));
  if (alerts.byRule.length > 0) {
    table(doc, [
      { header: 'Rule', width: 1.3 }, { header: 'Title', width: 3.6 }, { header: 'Alerts', width: 0.8, align: 'right' }, { header: 'Confirmed', width: 1, align: 'right' },
      { header: 'Dismissed', width: 1, align: 'right' }, { header: 'False positives', width: 1.3, align: 'right' },
    ], alerts.byRule.map((line) => [line.ruleId, line.title, count(line.alerts), count(line.confirmed), count(line.dismissed), percent(line.falsePositiveRate)]));
    paragraph(doc, 'False positives: of the alerts of a rule that were closed, the share dismissed.', { muted: true });
  }

  const counts = (title: string, record: Record<string, number>) => {
    heading(doc, title);
    table(doc, [{ header: '', width: 3 }, { header: 'Alerts', width: 1, align: 'right' }], Object.entries(record).map(([key, value]) => [key, count(value)]));
  };
  counts('Alerts by severity', alerts.bySeverity);
  counts('Alerts by role class of the user', alerts.byRoleClass);
  counts('Alerts by organisation', alerts.byOrganisation);
  counts('Alerts by status', alerts.byStatus);
  counts('Dismissed alerts by reason', outcomes.dismissedByReason);

  heading(doc, 'Users with the highest risk');
  if (report.topUsersByRisk.length === 0) paragraph(doc, 'No user has open alerts or recent signals.');
  else {
    table(doc, [{ header: 'User', width: 2 }, { header: 'Organisation', width: 1.5 }, { header: 'Risk score', width: 1, align: 'right' }, { header: 'Level', width: 1 }, { header: 'Open alerts', width: 1, align: 'right' }],
      report.topUsersByRisk.map((user) => [user.userId, user.organisation, String(user.score), user.level, count(user.openAlerts)]));
  }

  heading(doc, 'Incidents and the ICO');
  if (report.incidents.length === 0) paragraph(doc, 'No incidents in the period, and none still open.');
  else {
    table(doc, [
      { header: 'Incident', width: 3.5 }, { header: 'Organisation', width: 1.3 }, { header: 'Status', width: 0.8 }, { header: 'Aware', width: 1.6 },
      { header: 'Reportable', width: 1.4 }, { header: 'ICO deadline', width: 1.7 }, { header: 'Overdue', width: 1 },
    ], report.incidents.map((incident) => [
      incident.title, incident.organisation, incident.status, minute(incident.awareAt),
      incident.reportableToIco === undefined ? 'not assessed' : incident.reportableToIco ? 'yes' : 'no', minute(incident.icoDeadline), incident.overdue ? 'OVERDUE' : 'no',
    ]), { fontSize: 8 });
    paragraph(doc, 'Times UTC. Overdue: the 72-hour clock still runs (not reported, and no decision not to report) and the deadline has passed.', { muted: true });
  }
  doc.end();
  return finished;
}
