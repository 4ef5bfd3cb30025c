import { useEffect, useState, type FormEvent } from 'react';
import { api, dateInput, download, startOfDay, when, type Json } from './api.js';
import { Bars, ErrorText } from './ui.js';

/**
 * The Caldicott guardian's periodic report (GET /v1/reports/caldicott) as figures and plain SVG
 * charts, for a period and one or all organisations, with its CSV and PDF.
 */

const percent = (value: number) => `${(value * 100).toFixed(1)}%`;
const entries = (counts: Record<string, number> | undefined) => Object.entries(counts ?? {});

type Period = { from: string; to: string; organisation: string };

/** The period's query: whole local days, `to` inclusive (the API's is exclusive). */
function queryOf(period: Period): URLSearchParams {
  const params = new URLSearchParams({ from: startOfDay(period.from), to: startOfDay(period.to, 1) });
  if (period.organisation.trim()) params.set('organisation', period.organisation.trim());
  return params;
}

export function CaldicottReport() {
  const [form, setForm] = useState<Period>({ from: dateInput(-30), to: dateInput(0), organisation: '' });
  const [asked, setAsked] = useState(form);
  const [report, setReport] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    setReport(undefined);
    api.get(`/v1/reports/caldicott?${queryOf(asked)}`).then((read) => { setReport(read); setError(undefined); }, setError);
  }, [asked]);
  const submit = (event: FormEvent) => { event.preventDefault(); setAsked({ ...form }); };
  const file = async (accept: string, extension: string) => {
    try {
      await download(`/v1/reports/caldicott?${queryOf(asked)}`, accept, `caldicott-report-${asked.from}-to-${asked.to}.${extension}`);
    } catch (failure) { setError(failure); }
  };
  const field = (key: keyof typeof form) => ({ id: `report-${key}`, value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">{report ? `Caldicott report, ${asked.from} to ${asked.to}` : 'Caldicott report'}</h2>
      <form className="filters" onSubmit={submit} aria-label="Period">
        <div><label htmlFor="report-from">From</label><input type="date" required {...field('from')} /></div>
        <div><label htmlFor="report-to">To (inclusive)</label><input type="date" required {...field('to')} /></div>
        <div><label htmlFor="report-organisation">Organisation (ODS code; empty for all yours)</label><input size={8} {...field('organisation')} /></div>
        <div><button type="submit">Show the report</button></div>
      </form>
      <p className="actions">
        <button type="button" onClick={() => file('application/pdf', 'pdf')}>Download as PDF</button>
        <button type="button" onClick={() => file('text/csv', 'csv')}>Download as CSV</button>
      </p>
      <ErrorText error={error} />
      {!report && !error && <p>Loading…</p>}
      {report && <Figures report={report} />}
    </section>
  );
}

function Figures({ report }: { report: Json }) {
  const rate = report.accesses.explainedRate;
  const closedRules = (report.alerts.byRule as Json[]).filter((rule) => rule.falsePositiveRate !== undefined);
  return (
    <>
      {report.truncated.length > 0 && <p role="status">Reading limits were reached for {report.truncated.join(', ')}: those figures are lower bounds; shorten the period.</p>}
      <dl className="card">
        <dt>Accesses</dt><dd>{report.accesses.total}</dd>
        <dt>Explained by the care system's own data</dt><dd>{rate === undefined ? 'no accesses' : percent(rate)}</dd>
        <dt>Alerts</dt><dd>{report.alerts.total}</dd>
        <dt>Confirmed / dismissed</dt><dd>{report.outcomes.confirmed} / {report.outcomes.dismissed}</dd>
        <dt>Median time to triage</dt><dd>{report.medianHoursToTriage === undefined ? 'none triaged' : `${report.medianHoursToTriage} hours`}</dd>
      </dl>
      <div className="charts">
        <Bars title="Explained rate, by organisation" format={percent} max={1}
          data={(report.accesses.byOrganisation as Json[]).filter((line) => line.total > 0).map((line) => [line.organisation, line.explained / line.total])} />
        <Bars title="Alerts by severity" data={entries(report.alerts.bySeverity)} />
        <Bars title="Alerts by status" data={entries(report.alerts.byStatus)} />
        <Bars title="Alerts by rule" data={(report.alerts.byRule as Json[]).map((rule) => [rule.ruleId, rule.alerts])} />
        <Bars title="Alerts by organisation" data={entries(report.alerts.byOrganisation)} />
        <Bars title="Alerts by role class" data={entries(report.alerts.byRoleClass)} />
        <Bars title="Dismissed, by reason" data={entries(report.outcomes.dismissedByReason)} />
        <Bars title="False-positive rate, by rule (dismissed of those closed)" format={percent} max={1}
          data={closedRules.map((rule) => [rule.ruleId, rule.falsePositiveRate])} />
      </div>
      <div className="card">
        <h3>Users with the highest risk now</h3>
        {report.topUsersByRisk.length === 0 ? <p>No user has open alerts or recent signals.</p> : (
          <table>
            <thead><tr><th scope="col">User</th><th scope="col">Organisation</th><th scope="col">Risk</th><th scope="col">Open alerts</th></tr></thead>
            <tbody>{report.topUsersByRisk.map((user: Json) => (
              <tr key={`${user.organisation}-${user.userId}`}><td>{user.userId}</td><td>{user.organisation}</td><td>{user.score} ({user.level})</td><td>{user.openAlerts}</td></tr>
            ))}</tbody>
          </table>
        )}
      </div>
      <div className="card">
        <h3>Incidents and the ICO</h3>
        {report.incidents.length === 0 ? <p>No incidents in the period.</p> : (
          <table>
            <thead><tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Reportable</th><th scope="col">ICO deadline</th></tr></thead>
            <tbody>{report.incidents.map((incident: Json) => (
              <tr key={incident.id}>
                <td>{incident.title}</td><td>{incident.status}</td>
                <td>{incident.reportableToIco === undefined ? 'not assessed' : incident.reportableToIco ? 'yes' : 'no'}</td>
                <td className={incident.overdue ? 'overdue' : ''}>{when(incident.icoDeadline)}{incident.overdue ? ' (overdue)' : ''}</td>
              </tr>
            ))}</tbody>
          </table>
        )}
      </div>
    </>
  );
}
