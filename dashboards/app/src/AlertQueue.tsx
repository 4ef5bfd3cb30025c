import { useEffect, useState } from 'react';
import { api, SEVERITIES, severityRank, STATUSES, when, type Json } from './api.js';
import { ErrorText, Select, Severity, useRules } from './ui.js';

export function AlertQueue({ open }: { open: (id: string) => void }) {
  const rules = useRules();
  const [filter, setFilter] = useState({ status: 'open', severity: '', rule: '' });
  const [alerts, setAlerts] = useState<Json[] | undefined>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    const query = new URLSearchParams({ limit: '500' });
    for (const [key, value] of Object.entries(filter)) if (value) query.set(key, value);
    setAlerts(undefined);
    api.get(`/v1/alerts?${query}`).then((page) => {
      setAlerts([...page.alerts].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.score - a.score));
      setMore(Boolean(page.nextCursor));
      setError(undefined);
    }, setError);
  }, [filter]);
  const counts = SEVERITIES.map((severity) => [severity, alerts?.filter((alert) => alert.severity === severity).length ?? 0] as const);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Alert queue</h2>
      <div className="filters">
        <Select id="status" label="Status" value={filter.status} onChange={(status) => setFilter({ ...filter, status })}
          options={STATUSES.map((s) => ({ value: s, label: s }))} />
        <Select id="severity" label="Severity" value={filter.severity} onChange={(severity) => setFilter({ ...filter, severity })}
          options={SEVERITIES.map((s) => ({ value: s, label: s }))} />
        <Select id="rule" label="Rule" value={filter.rule} onChange={(rule) => setFilter({ ...filter, rule })}
          options={rules.map((rule) => ({ value: rule.id, label: `${rule.id}: ${rule.title}` }))} />
      </div>
      <ErrorText error={error} />
      {alerts && (
        <>
          <p className="counts" aria-label="Counts">
            <span className="count"><strong>{alerts.length}{more ? '+' : ''}</strong> alerts</span>
            {counts.map(([severity, n]) => <span className="count" key={severity}>{severity}: <strong>{n}</strong></span>)}
          </p>
          {alerts.length === 0 ? <p>No alerts match.</p> : (
            <table>
              <caption className="visually-hidden">Alerts, most severe first</caption>
              <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">User</th><th scope="col">Patient</th><th scope="col">Status</th><th scope="col">Last seen</th></tr></thead>
              <tbody>
                {alerts.map((alert) => (
                  <tr key={alert.id}>
                    <td><Severity severity={alert.severity} /></td>
                    <td><button type="button" className="link" onClick={() => open(alert.id)}>{alert.title}</button><br /><small>{alert.ruleId}</small></td>
                    <td>{alert.userId}</td>
                    <td>{alert.nhsNumber ?? ''}</td>
                    <td>{alert.status}</td>
                    <td>{when(alert.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {!alerts && !error && <p>Loading…</p>}
    </section>
  );
}

