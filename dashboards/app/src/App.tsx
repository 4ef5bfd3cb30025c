import { Fragment, useCallback, useEffect, useState, type FormEvent, type ReactNode } from 'react';
import { api, ApiFailure, DISMISSAL_REASONS, SEVERITIES, severityRank, STATUSES, token, when, type Json } from './api.js';
import { Incidents } from './Incidents.js';
import { CaldicottReport } from './CaldicottReport.js';

type Screen = { name: 'alerts' } | { name: 'alert'; id: string } | { name: 'incidents'; id?: string } | { name: 'report' };

export function App() {
  const [signedIn, setSignedIn] = useState(() => token.get() !== null);
  const [screen, setScreen] = useState<Screen>({ name: 'alerts' });
  if (!signedIn) return <SignIn onSignedIn={() => setSignedIn(true)} />;
  const tab = (name: Screen['name'], label: string) => (
    <button type="button" aria-current={screen.name === name || (name === 'alerts' && screen.name === 'alert') ? 'page' : undefined}
      onClick={() => setScreen({ name } as Screen)}>{label}</button>
  );
  return (
    <>
      <header>
        <h1>accesswatch</h1>
        <nav aria-label="Screens">{tab('alerts', 'Alerts')}{tab('incidents', 'Incidents')}{tab('report', 'Caldicott report')}</nav>
        <button type="button" onClick={() => { token.clear(); setSignedIn(false); }}>Sign out</button>
      </header>
      <main>
        {screen.name === 'alerts' && <AlertQueue open={(id) => setScreen({ name: 'alert', id })} />}
        {screen.name === 'alert' && <AlertDetail id={screen.id} back={() => setScreen({ name: 'alerts' })}
          openIncident={(id) => setScreen({ name: 'incidents', id })} />}
        {screen.name === 'incidents' && <Incidents selected={screen.id} />}
        {screen.name === 'report' && <CaldicottReport />}
      </main>
    </>
  );
}

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return <p role="alert" className="error">{message}</p>;
}

function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    token.set(value.trim());
    try {
      await api.get('/v1/rules'); // any person may read the rules: checks the token
      onSignedIn();
    } catch (failure) {
      token.clear();
      setError(failure instanceof ApiFailure && failure.status === 401 ? new Error('That token was not recognised.') : failure);
    }
  };
  return (
    <main className="signin">
      <h1>Sign in to accesswatch</h1>
      <p>Paste your personal access token (it starts with <code>awt_</code>). It is kept only in this browser tab.</p>
      <form onSubmit={submit}>
        <label htmlFor="token">Access token</label>
        <input id="token" type="password" autoComplete="off" required size={50} value={value} onChange={(e) => setValue(e.target.value)} />
        <p><button className="primary" type="submit">Sign in</button></p>
      </form>
      <ErrorText error={error} />
    </main>
  );
}

export function Severity({ severity }: { severity: string }) {
  return <span className={`sev sev-${severity}`}>{severity}</span>;
}

function Select({ id, label, value, options, onChange }: { id: string; label: string; value: string; options: { value: string; label: string }[]; onChange: (value: string) => void }) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">Any</option>
        {options.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
      </select>
    </div>
  );
}

function useRules(): Json[] {
  const [rules, setRules] = useState<Json[]>([]);
  useEffect(() => { api.get('/v1/rules').then((body) => setRules(body.rules)).catch(() => setRules([])); }, []);
  return rules;
}

function AlertQueue({ open }: { open: (id: string) => void }) {
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

function Details({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ');
  if (typeof value === 'object') {
    return <dl>{Object.entries(value as Json).map(([key, item]) => <Fragment key={key}><dt>{key}</dt><dd><Details value={item} /></dd></Fragment>)}</dl>;
  }
  return String(value);
}

function AlertDetail({ id, back, openIncident }: { id: string; back: () => void; openIncident: (id: string) => void }) {
  const rules = useRules();
  const [alert, setAlert] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => { api.get(`/v1/alerts/${encodeURIComponent(id)}`).then(setAlert, setError); }, [id]);
  useEffect(load, [load]);
  const triage = async (body: Json) => {
    try {
      setAlert(await api.send('PATCH', `/v1/alerts/${encodeURIComponent(id)}`, { ...body, version: alert!.version }));
      setError(undefined);
    } catch (failure) {
      setError(failure);
      if (failure instanceof ApiFailure && failure.status === 409) load();
    }
  };
  if (!alert) return <><button type="button" onClick={back}>Back to the queue</button><ErrorText error={error} />{!error && <p>Loading…</p>}</>;
  const rule = rules.find((candidate) => candidate.id === alert.ruleId);
  const closed = alert.status === 'dismissed' || alert.status === 'confirmed';
  return (
    <section aria-labelledby="alert-title">
      <button type="button" onClick={back}>Back to the queue</button>
      <h2 id="alert-title">{alert.title}</h2>
      <p><Severity severity={alert.severity} /> <span>Status: <strong>{alert.status}</strong></span> · {alert.ruleId} · user {alert.userId}
        {alert.nhsNumber ? ` · patient ${alert.nhsNumber}` : ''} · {alert.organisation} · {alert.eventCount} event(s), {when(alert.firstSeenAt)} to {when(alert.lastSeenAt)}</p>
      <div className="card">
        <h3>Why this was raised</h3>
        <p className="explanation">{alert.explanation?.text}</p>
        {alert.explanation?.why && <p>{alert.explanation.why}</p>}
        {alert.explanation?.checked?.length > 0 && <><h4>What was checked</h4><ul>{alert.explanation.checked.map((line: string) => <li key={line}>{line}</li>)}</ul></>}
        {alert.explanation?.details && <><h4>Details</h4><Details value={alert.explanation.details} /></>}
      </div>
      {rule && (
        <div className="card">
          <h3>About the rule</h3>
          <p>{rule.rationale}</p>
          {rule.falsePositives?.length > 0 && <><h4>Common innocent explanations</h4><ul>{rule.falsePositives.map((line: string) => <li key={line}>{line}</li>)}</ul></>}
        </div>
      )}
      <ErrorText error={error} />
      {!closed && <TriageActions status={alert.status} triage={triage} />}
      {alert.resolution && <p>Resolution: {alert.resolution.reason ? `${alert.resolution.reason}. ` : ''}{alert.resolution.note ?? ''} ({alert.resolution.byName}, {when(alert.resolution.at)})</p>}
      {alert.status === 'confirmed' && <CreateIncident alert={alert} created={openIncident} />}
      <div className="card">
        <h3>Evidence</h3>
        <table>
          <thead><tr><th scope="col">When</th><th scope="col">System</th><th scope="col">Event</th></tr></thead>
          <tbody>{alert.evidence.map((item: Json) => <tr key={item.docId}><td>{when(item.occurredAt)}</td><td>{item.system}</td><td>{item.id}</td></tr>)}</tbody>
        </table>
      </div>
      <div className="card">
        <h3>History</h3>
        {alert.history.length === 0 ? <p>No changes yet.</p> : (
          <ol>{alert.history.map((entry: Json, i: number) => (
            <li key={i}>{when(entry.at)}: {entry.byName} moved it from {entry.from} to {entry.to}{entry.reason ? ` (${entry.reason})` : ''}{entry.note ? `: ${entry.note}` : ''}</li>
          ))}</ol>
        )}
      </div>
    </section>
  );
}

function TriageActions({ status, triage }: { status: string; triage: (body: Json) => Promise<void> }) {
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [finding, setFinding] = useState('');
  return (
    <div className="card">
      <h3>Triage</h3>
      {status === 'open' && <p><button type="button" onClick={() => triage({ status: 'investigating' })}>Investigate</button></p>}
      <form onSubmit={(e) => { e.preventDefault(); void triage({ status: 'dismissed', resolution: note ? { reason, note } : { reason } }); }}>
        <fieldset>
          <legend>Dismiss</legend>
          <label htmlFor="dismiss-reason">Reason</label>
          <select id="dismiss-reason" required value={reason} onChange={(e) => setReason(e.target.value)}>
            <option value="">Choose a reason</option>
            {DISMISSAL_REASONS.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
          </select>
          <label htmlFor="dismiss-note">Note{reason === 'other' ? ' (required)' : ' (optional)'}</label>
          <textarea id="dismiss-note" rows={2} cols={60} required={reason === 'other'} value={note} onChange={(e) => setNote(e.target.value)} />
          <p><button type="submit">Dismiss</button></p>
        </fieldset>
      </form>
      <form onSubmit={(e) => { e.preventDefault(); void triage({ status: 'confirmed', resolution: { note: finding } }); }}>
        <fieldset>
          <legend>Confirm</legend>
          <label htmlFor="confirm-note">What was found (required)</label>
          <textarea id="confirm-note" rows={2} cols={60} required value={finding} onChange={(e) => setFinding(e.target.value)} />
          <p><button type="submit">Confirm</button></p>
        </fieldset>
      </form>
    </div>
  );
}

function CreateIncident({ alert, created }: { alert: Json; created: (id: string) => void }) {
  const [title, setTitle] = useState(alert.title);
  const [description, setDescription] = useState(alert.resolution?.note ?? '');
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const incident = await api.send('POST', '/v1/incidents', { title, description, alertIds: [alert.id] });
      created(incident.id);
    } catch (failure) { setError(failure); }
  };
  return (
    <form className="card" onSubmit={submit}>
      <h3>Open an incident from this alert</h3>
      <label htmlFor="incident-title">Title</label>
      <input id="incident-title" required size={60} value={title} onChange={(e) => setTitle(e.target.value)} />
      <label htmlFor="incident-description">Description</label>
      <textarea id="incident-description" required rows={3} cols={60} value={description} onChange={(e) => setDescription(e.target.value)} />
      <p><button className="primary" type="submit">Open incident</button></p>
      <ErrorText error={error} />
    </form>
  );
}
