import { useEffect, useState } from 'react';
import { api, type Json } from './api.js';
import { ErrorText } from './App.js';

/** Horizontal bars in plain SVG, with the figures also given as text for screen readers. */
function Bars({ title, data }: { title: string; data: [string, number][] }) {
  const max = Math.max(1, ...data.map(([, value]) => value));
  const row = 24;
  return (
    <figure className="card">
      <figcaption><strong>{title}</strong></figcaption>
      {data.length === 0 ? <p>None in the period.</p> : (
        <svg className="bars" role="img" aria-label={`${title}: ${data.map(([label, value]) => `${label} ${value}`).join(', ')}`}
          width="560" height={data.length * row + 4} viewBox={`0 0 560 ${data.length * row + 4}`}>
          {data.map(([label, value], i) => (
            <g key={label} transform={`translate(0 ${i * row})`}>
              <text x="0" y="16">{label}</text>
              <rect x="200" y="4" height="16" width={Math.max(2, (value / max) * 300)} fill="#005eb8" />
              <text x={208 + (value / max) * 300} y="16">{value}</text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}

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
