import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, type Json, when } from './api.js';
import { ErrorText } from './App.js';

const LIKELIHOOD = ['Not occurred', 'Not likely', 'Likely', 'Highly likely', 'Occurred'];
const SEVERITY = ['No adverse effect', 'Minor', 'Adverse', 'Serious', 'Catastrophic'];

/** Time to the ICO deadline in words, from the API's hoursLeft (negative once passed). */
export function countdown(incident: Json): string {
  if (incident.hoursLeft === undefined || incident.clockRunning === false) return 'clock stopped';
  const hours = Math.abs(incident.hoursLeft);
  const words = `${Math.floor(hours)} h ${Math.round((hours % 1) * 60)} min`;
  return incident.hoursLeft < 0 ? `overdue by ${words}` : `${words} left`;
}

export function Incidents({ selected }: { selected?: string }) {
  const [incidents, setIncidents] = useState<Json[] | undefined>();
  const [open, setOpen] = useState<string | undefined>(selected);
  const [error, setError] = useState<unknown>();
  useEffect(() => { api.get('/v1/incidents').then((body) => setIncidents(body.incidents), setError); }, [open]);
  if (open) return <IncidentDetail id={open} back={() => setOpen(undefined)} />;
  return (
    <section aria-labelledby="incidents-title">
      <h2 id="incidents-title">Incidents</h2>
      <p>Open an incident from a confirmed alert. The ICO must be told within 72 hours of becoming aware of a reportable breach.</p>
      <ErrorText error={error} />
      {incidents && (incidents.length === 0 ? <p>No incidents.</p> : (
        <table>
          <thead><tr><th scope="col">Incident</th><th scope="col">Status</th><th scope="col">ICO deadline</th><th scope="col">Time left</th></tr></thead>
          <tbody>{incidents.map((incident) => (
            <tr key={incident.id}>
              <td><button type="button" className="link" onClick={() => setOpen(incident.id)}>{incident.title}</button></td>
              <td>{incident.status}</td>
              <td>{when(incident.icoDeadline)}</td>
              <td className={incident.overdue ? 'overdue' : incident.dueSoon ? 'dueSoon' : ''}>{countdown(incident)}</td>
            </tr>
          ))}</tbody>
        </table>
      ))}
    </section>
  );
}

function IncidentDetail({ id, back }: { id: string; back: () => void }) {
  const [incident, setIncident] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  const load = useCallback(() => { api.get(`/v1/incidents/${encodeURIComponent(id)}`).then(setIncident, setError); }, [id]);
  useEffect(load, [load]);
  const download = async () => {
    try {
      const pdf = await api.blob(`/v1/incidents/${encodeURIComponent(id)}/ico-report`, 'application/pdf');
      const link = document.createElement('a');
      link.href = URL.createObjectURL(pdf);
      link.download = `ico-report-${id}.pdf`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
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
        <dt>Aware since</dt><dd>{when(incident.awareAt)}</dd>
        <dt>ICO deadline</dt><dd>{when(incident.icoDeadline)}</dd>
        <dt>Time left</dt><dd className={incident.overdue ? 'overdue' : incident.dueSoon ? 'dueSoon' : ''}>{countdown(incident)}</dd>
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
      <AssessmentForm incident={incident} saved={load} />
      <p><button type="button" onClick={download}>Download the ICO report (PDF)</button></p>
    </section>
  );
}

const lines = (text: string) => text.split(/[\n,]/).map((line) => line.trim()).filter(Boolean);

function AssessmentForm({ incident, saved }: { incident: Json; saved: () => void }) {
  const previous = incident.assessment ?? {};
  const [form, setForm] = useState({
    likelihood: String(previous.likelihood ?? 3), severity: String(previous.severity ?? 2),
    dataSubjects: String(previous.dataSubjects ?? 1), records: String(previous.records ?? 1),
    categories: (previous.categories ?? ['health data']).join(', '), vulnerableGroups: (previous.vulnerableGroups ?? []).join(', '),
    consequences: previous.consequences ?? '', measures: previous.measures ?? '',
    contactName: previous.contact?.name ?? '', contactEmail: previous.contact?.email ?? '',
  });
  const [error, setError] = useState<unknown>();
  const field = (key: keyof typeof form) => ({ id: `assess-${key}`, value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      await api.send('PUT', `/v1/incidents/${encodeURIComponent(incident.id)}/assessment`, {
        likelihood: Number(form.likelihood), severity: Number(form.severity),
        dataSubjects: Number(form.dataSubjects), records: Number(form.records),
        categories: lines(form.categories), vulnerableGroups: lines(form.vulnerableGroups),
        consequences: form.consequences, measures: form.measures,
        contact: { name: form.contactName, email: form.contactEmail }, version: incident.version,
      });
      setError(undefined);
      saved();
    } catch (failure) { setError(failure); }
  };
  return (
    <form className="card" onSubmit={submit}>
      <h3>Breach assessment (NHS DSPT grid)</h3>
      <label htmlFor="assess-likelihood">Likelihood</label>
      <select {...field('likelihood')}>{LIKELIHOOD.map((words, i) => <option key={words} value={i + 1}>{i + 1}: {words}</option>)}</select>
      <label htmlFor="assess-severity">Severity</label>
      <select {...field('severity')}>{SEVERITY.map((words, i) => <option key={words} value={i + 1}>{i + 1}: {words}</option>)}</select>
      <label htmlFor="assess-dataSubjects">People affected (approximately)</label>
      <input type="number" min={0} required {...field('dataSubjects')} />
      <label htmlFor="assess-records">Records affected (approximately)</label>
      <input type="number" min={0} required {...field('records')} />
      <label htmlFor="assess-categories">Categories of data (comma separated)</label>
      <input size={60} required {...field('categories')} />
      <label htmlFor="assess-vulnerableGroups">Vulnerable groups (comma separated; empty when none)</label>
      <input size={60} {...field('vulnerableGroups')} />
      <label htmlFor="assess-consequences">Likely consequences</label>
      <textarea rows={2} cols={60} required {...field('consequences')} />
      <label htmlFor="assess-measures">Measures taken or proposed</label>
      <textarea rows={2} cols={60} required {...field('measures')} />
      <label htmlFor="assess-contactName">Contact name (usually the DPO)</label>
      <input required {...field('contactName')} />
      <label htmlFor="assess-contactEmail">Contact email</label>
      <input type="email" required {...field('contactEmail')} />
      <p><button className="primary" type="submit">Save assessment</button></p>
      <ErrorText error={error} />
    </form>
  );
}
