import { useEffect, useState } from 'react';
import { api, type Json } from './api.js';
import { Bars, ErrorText } from './ui.js';

export function CaldicottReport() {
  const [report, setReport] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  useEffect(() => { api.get('/v1/reports/caldicott').then(setReport, setError); }, []);
  if (error) return <section><h2>Caldicott report</h2><ErrorText error={error} /></section>;
  if (!report) return <p>Loading…</p>;
  const rate = report.accesses.explainedRate;
  return (
    <section aria-labelledby="report-title">
      <h2 id="report-title">Caldicott report, {report.from.slice(0, 10)} to {report.to.slice(0, 10)}</h2>
      <dl className="card">
        <dt>Accesses</dt><dd>{report.accesses.total}</dd>
        <dt>Explained by the care system's own data</dt><dd>{rate === undefined ? 'no accesses' : `${(rate * 100).toFixed(1)}%`}</dd>
        <dt>Alerts</dt><dd>{report.alerts.total}</dd>
        <dt>Confirmed / dismissed</dt><dd>{report.outcomes.confirmed} / {report.outcomes.dismissed}</dd>
        <dt>Median hours to triage</dt><dd>{report.medianHoursToTriage ?? 'none triaged'}</dd>
      </dl>
      <Bars title="Alerts by severity" data={Object.entries(report.alerts.bySeverity as Record<string, number>)} />
      <Bars title="Alerts by rule" data={(report.alerts.byRule as Json[]).map((rule) => [rule.ruleId, rule.alerts])} />
      <Bars title="Dismissed, by reason" data={Object.entries(report.outcomes.dismissedByReason as Record<string, number>)} />
    </section>
  );
}
