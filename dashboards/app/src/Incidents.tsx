import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, download, type Json, when } from './api.js';
import { AssessmentForm, DecisionForm } from './IncidentAssessment.js';
import { conflictOr, ErrorText, Select, useNow, useRole } from './ui.js';

const HOUR = 3_600_000;

/** Time to the ICO deadline in words, counted from `now` so that it ticks on screen. */
export function countdown(incident: Json, now: number): string {
  if (!incident.icoDeadline || incident.clockRunning === false) return 'clock stopped';
  const left = Date.parse(incident.icoDeadline) - now;
  const total = Math.floor(Math.abs(left) / 1000);
  const words = `${Math.floor(total / 3600)} h ${Math.floor((total % 3600) / 60)} min ${total % 60} s`;
  return left <= 0 ? `overdue by ${words}` : `${words} left`;
}

/** How urgent an incident is now: 0 overdue, 1 under 24 hours left, 2 clock running, 3 clock stopped. */
function urgency(incident: Json, now: number): number {
  if (!incident.icoDeadline || incident.clockRunning === false) return 3;
  const left = Date.parse(incident.icoDeadline) - now;
  return left <= 0 ? 0 : left < 24 * HOUR ? 1 : 2;
}

const clockClass = (incident: Json, now: number) => ['overdue', 'dueSoon', '', ''][urgency(incident, now)];

/** Overdue first, then due within 24 hours, then the rest, each by deadline (as the API orders them). */
export const byUrgency = (now: number) => (a: Json, b: Json) =>
  urgency(a, now) - urgency(b, now) || String(a.icoDeadline).localeCompare(String(b.icoDeadline));

export function Incidents({ selected }: { selected?: string }) {
  const [incidents, setIncidents] = useState<Json[] | undefined>();
  const [status, setStatus] = useState('');
  const [open, setOpen] = useState<string | undefined>(selected);
  const [error, setError] = useState<unknown>();
  const now = useNow();
  useEffect(() => {
    if (open) return;
    api.get(`/v1/incidents${status ? `?status=${status}` : ''}`).then((body) => { setIncidents(body.incidents); setError(undefined); }, setError);
  }, [open, status]);
  if (open) return <IncidentDetail id={open} back={() => setOpen(undefined)} />;
  const sorted = incidents && [...incidents].sort(byUrgency(now));
  return (
    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">Incidents</h2>
      <p>Open an incident from a confirmed alert. The ICO must be told within 72 hours of becoming aware of a reportable breach.</p>
      <div className="filters">
        <Select id="incident-status" label="Status" value={status} onChange={setStatus}
          options={['open', 'reported', 'closed'].map((s) => ({ value: s, label: s }))} />
      </div>
      <ErrorText error={error} />
      {sorted && (sorted.length === 0 ? <p>No incidents.</p> : (
        <table>
          <caption className="visually-hidden">Incidents, overdue and nearest the deadline first</caption>
          <thead><tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">Reportable</th><th scope="col">ICO deadline</th><th scope="col">Time left</th></tr></thead>
          <tbody>{sorted.map((incident) => (
            <tr key={incident.id}>
              <td><button type="button" className="link" onClick={() => setOpen(incident.id)}>{incident.title}</button><br /><small>{incident.organisation}</small></td>
              <td>{incident.status}</td>
              <td>{incident.assessment ? (incident.assessment.reportableToIco ? 'yes' : 'no') : 'not assessed'}</td>
              <td>{when(incident.icoDeadline)}</td>
              <td className={clockClass(incident, now)}>{countdown(incident, now)}</td>
            </tr>
          ))}</tbody>
        </table>
      ))}
    </section>
  );
}

function IncidentDetail({ id, back }: { id: string; back: () => void }) {
  const [incident, setIncident] = useState<Json | undefined>();
  const [report, setReport] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  const now = useNow();
  const path = `/v1/incidents/${encodeURIComponent(id)}`;
  const load = useCallback(() => {
    api.get(path).then((read) => {
      setIncident(read);
      // The report as it stands says what is still missing before it can be sent.
      if (read.assessment) api.get(`${path}/ico-report`).then(setReport, () => setReport(undefined));
    }, setError);
  }, [path]);
  useEffect(load, [load]);
  /** Runs a change; on a 409 reloads the incident and says why. */
  const change = async (step: () => Promise<unknown>): Promise<boolean> => {
    try {
      await step();
      setError(undefined);
      load();
      return true;
    } catch (failure) {
      setError(conflictOr(failure, 'incident'));
      load();
      return false;
    }
  };
  const fetchFile = async (accept: string, fileName: string, phase?: number) => {
    try {
      await download(`${path}/ico-report${phase ? `?phase=${phase}` : ''}`, accept, fileName);
    } catch (failure) { setError(failure); }
  };
  if (!incident) return <><button type="button" onClick={back}>Back to incidents</button><ErrorText error={error} /></>;
  const assessment = incident.assessment;
  return (
    <section aria-labelledby="incident-title">
      <button type="button" onClick={back}>Back to incidents</button>
      <h2 id="incident-title">{incident.title}</h2>
      <p>{incident.description}</p>
      <dl className="card">
        <dt>Status</dt><dd>{incident.status}</dd>
        <dt>Organisation</dt><dd>{incident.organisation}</dd>
        <dt>Aware since</dt><dd>{when(incident.awareAt)}</dd>
        <dt>ICO deadline</dt><dd>{when(incident.icoDeadline)}</dd>
        <dt>Time left</dt><dd className={clockClass(incident, now)} aria-label="Time left">{countdown(incident, now)}</dd>
        <dt>Alerts</dt><dd>{incident.alertIds.join(', ')}</dd>
      </dl>
      {assessment && (
        <div className="card" aria-live="polite">
          <h3>Assessment</h3>
          <p><strong>{assessment.reportableToIco ? 'Reportable to the ICO' : 'Not reportable to the ICO'}</strong>: {assessment.reportableReason}</p>
          {assessment.notifyReason && <p><strong>{assessment.notifyDataSubjects ? 'Tell the people affected' : 'No need to tell the people affected'}</strong>: {assessment.notifyReason}</p>}
        </div>
      )}
      <ErrorText error={error} />
      <div className="card">
        <h3>The report to the ICO</h3>
        {report && (report.missing?.length > 0
          ? <p>Before it can be sent it needs: {report.missing.join(', ')}.</p>
          : <p>It holds what Article 33(3) asks for{report.late ? ', and is late: it must say why' : ''}.</p>)}
        {!assessment && <p>Assess the incident first: the report is drawn from the assessment.</p>}
        <p className="actions">
          <button type="button" onClick={() => fetchFile('application/pdf', `ico-report-${id}.pdf`)}>Download the ICO report (PDF)</button>
          <button type="button" onClick={() => fetchFile('application/json', `ico-report-${id}.json`)}>Download the ICO report (JSON)</button>
        </p>
        {incident.reports.length > 0 && (
          <table>
            <caption>Reports sent</caption>
            <thead><tr><th scope="col">Phase</th><th scope="col">Sent</th><th scope="col">ICO reference</th><th scope="col">As sent</th></tr></thead>
            <tbody>{incident.reports.map((sent: Json) => (
              <tr key={sent.phase}>
                <td>{sent.phase}</td><td>{when(sent.submittedAt)}</td><td>{sent.icoReference ?? ''}</td>
                <td><button type="button" onClick={() => fetchFile('application/pdf', `ico-report-${id}-phase-${sent.phase}.pdf`, sent.phase)}>PDF of phase {sent.phase}</button></td>
              </tr>
            ))}</tbody>
          </table>
        )}
        {incident.status !== 'closed' && assessment && <RecordReportSent incident={incident} overdue={urgency(incident, now) === 0}
          send={(body) => change(() => api.send('POST', `${path}/ico-report`, { ...body, version: incident.version }))} />}
      </div>
      {incident.status !== 'closed' && <AssessmentForm incident={incident} save={(body) => change(() => api.send('PUT', `${path}/assessment`, { ...body, version: incident.version }))} />}
      {incident.status === 'open' && assessment && <DecisionForm incident={incident}
        save={(body) => change(() => api.send('PUT', `${path}/assessment`, { ...body, version: incident.version }))} />}
      <Decisions incident={incident} />
      <NotesAndStatus incident={incident} save={(body) => change(() => api.send('PATCH', path, { ...body, version: incident.version }))} />
    </section>
  );
}

function RecordReportSent({ incident, overdue, send }: { incident: Json; overdue: boolean; send: (body: Json) => Promise<boolean> }) {
  const [reference, setReference] = useState('');
  const [sentAt, setSentAt] = useState('');
  const [delay, setDelay] = useState('');
  const first = incident.reports.length === 0;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Json = {};
    if (reference.trim()) body.icoReference = reference.trim();
    if (sentAt) body.submittedAt = new Date(sentAt).toISOString();
    if (delay.trim()) body.reasonForDelay = delay.trim();
    if (await send(body)) { setReference(''); setSentAt(''); setDelay(''); }
  };
  return (
    <form onSubmit={submit}>
      <fieldset>
        <legend>{first ? 'Record the report as sent to the ICO' : 'Record a further phase sent to the ICO'}</legend>
        <p>{first ? 'Send the report through the ICO\'s breach reporting service, then record it here: the incident becomes reported, and what was sent is kept.' : 'Information sent later is kept as a further phase (Article 33(4)).'}</p>
        <label htmlFor="ico-reference">ICO case reference</label>
        <input id="ico-reference" size={30} value={reference} onChange={(e) => setReference(e.target.value)} />
        <label htmlFor="ico-sent-at">Sent at (leave empty for now)</label>
        <input id="ico-sent-at" type="datetime-local" value={sentAt} onChange={(e) => setSentAt(e.target.value)} />
        <label htmlFor="ico-delay">Reason for delay{overdue && first ? ' (required: the deadline has passed)' : ' (only when sent after the deadline)'}</label>
        <textarea id="ico-delay" rows={2} cols={60} required={overdue && first && !incident.assessment?.reasonForDelay} value={delay} onChange={(e) => setDelay(e.target.value)} />
        <p><button className="primary" type="submit">Record as sent to the ICO</button></p>
      </fieldset>
    </form>
  );
}

function Decisions({ incident }: { incident: Json }) {
  if (incident.decisions.length === 0) return null;
  return (
    <div className="card">
      <h3>Decisions on reporting</h3>
      <ol>{incident.decisions.map((decision: Json, i: number) => (
        <li key={i}>{when(decision.at)}: <strong>{decision.report ? 'report to the ICO' : 'do not report to the ICO'}</strong>, because {decision.reason}
          {' '}<small>(by {decision.by}; the grid said {decision.reportableToIco ? 'reportable' : 'not reportable'} at likelihood {decision.likelihood}, severity {decision.severity})</small></li>
      ))}</ol>
    </div>
  );
}

function NotesAndStatus({ incident, save }: { incident: Json; save: (body: Json) => Promise<boolean> }) {
  const role = useRole();
  const [note, setNote] = useState('');
  const [status, setStatus] = useState('');
  const canChange = role !== 'auditor' && role !== 'admin';
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const body: Json = {};
    if (note.trim()) body.note = note.trim();
    if (status) body.status = status;
    if (await save(body)) { setNote(''); setStatus(''); }
  };
  return (
    <div className="card">
      <h3>Notes and status</h3>
      {incident.notes.length === 0 ? <p>No notes yet.</p> : (
        <ol aria-label="Notes">{incident.notes.map((entry: Json, i: number) => <li key={i}>{when(entry.at)} ({entry.by}): {entry.text}</li>)}</ol>
      )}
      <h4>Status history</h4>
      {incident.statusHistory.length === 0 ? <p>{incident.status} since it was opened.</p> : (
        <ol aria-label="Status history">{incident.statusHistory.map((entry: Json, i: number) => (
          <li key={i}>{when(entry.at)}: moved from {entry.from} to {entry.to} (by {entry.by})</li>
        ))}</ol>
      )}
      {canChange && (
        <form onSubmit={submit}>
          <label htmlFor="incident-note">Add a note</label>
          <textarea id="incident-note" rows={2} cols={60} value={note} onChange={(e) => setNote(e.target.value)} />
          {incident.status !== 'closed' && (
            <>
              <label htmlFor="incident-next-status">Status</label>
              <select id="incident-next-status" value={status} onChange={(e) => setStatus(e.target.value)}>
                <option value="">Keep it {incident.status}</option>
                <option value="closed">Close it</option>
              </select>
              <p><small>An open incident closes once reported, or after a Caldicott guardian's decision not to report it.</small></p>
            </>
          )}
          <p><button type="submit" disabled={!note.trim() && !status}>Save note and status</button></p>
        </form>
      )}
    </div>
  );
}
