import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, ApiFailure, DISMISSAL_REASONS, when, type Json } from './api.js';
import { Details, ErrorText, Severity, useRules } from './ui.js';

export function AlertDetail({ id, back, openIncident }: { id: string; back: () => void; openIncident: (id: string) => void }) {
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
