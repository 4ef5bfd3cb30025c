import { useState, type FormEvent } from 'react';
import type { Json } from './api.js';
import { useRole } from './ui.js';

/** The DSPT breach assessment form, and a Caldicott guardian's decision to report to the ICO or not. */

const LIKELIHOOD = ['Not occurred', 'Not likely', 'Likely', 'Highly likely', 'Occurred'];
const SEVERITY = ['No adverse effect', 'Minor', 'Adverse', 'Serious', 'Catastrophic'];

const lines = (text: string) => text.split(/[\n,]/).map((line) => line.trim()).filter(Boolean);

/** The stored assessment as PUT .../assessment takes it again (without the grid's answers). */
function assessmentInput(previous: Json): Json {
  const keys = ['likelihood', 'severity', 'dataSubjects', 'records', 'categories', 'dataSubjectCategories', 'vulnerableGroups', 'consequences', 'measures', 'reasonForDelay'];
  const input: Json = Object.fromEntries(keys.filter((key) => previous[key] !== undefined).map((key) => [key, previous[key]]));
  const { name, role, email, phone } = previous.contact ?? {};
  input.contact = Object.fromEntries(Object.entries({ name, role, email, phone }).filter(([, value]) => value !== undefined));
  return input;
}

export function AssessmentForm({ incident, save }: { incident: Json; save: (body: Json) => Promise<boolean> }) {
  const role = useRole();
  const previous = incident.assessment ?? {};
  const [form, setForm] = useState({
    likelihood: String(previous.likelihood ?? 3), severity: String(previous.severity ?? 2),
    dataSubjects: String(previous.dataSubjects ?? 1), records: String(previous.records ?? 1),
    categories: (previous.categories ?? ['health data']).join(', '), vulnerableGroups: (previous.vulnerableGroups ?? []).join(', '),
    consequences: previous.consequences ?? '', measures: previous.measures ?? '',
    contactName: previous.contact?.name ?? '', contactEmail: previous.contact?.email ?? '',
  });
  if (role === 'auditor') return null;
  const field = (key: keyof typeof form) => ({ id: `assess-${key}`, value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await save({
      ...(previous.reasonForDelay ? { reasonForDelay: previous.reasonForDelay } : {}),
      likelihood: Number(form.likelihood), severity: Number(form.severity),
      dataSubjects: Number(form.dataSubjects), records: Number(form.records),
      categories: lines(form.categories), vulnerableGroups: lines(form.vulnerableGroups),
      consequences: form.consequences, measures: form.measures,
      contact: { name: form.contactName, email: form.contactEmail },
    });
  };
  return (
    <form className="card" onSubmit={submit}>
      <h3>Breach assessment (NHS DSPT grid)</h3>
      <label htmlFor="assess-likelihood">Likelihood</label>
      <select {...field('likelihood')}>{LIKELIHOOD.map((words, i) => <option key={words} value={i + 1}>{i + 1}: {words}</option>)}</select>
      <label htmlFor="assess-severity">Severity</label>
      <select {...field('severity')}>{SEVERITY.map((words, i) => <option key={words} value={i + 1}>{i + 1}: {words}</option>)}</select>
      <Grid likelihood={Number(form.likelihood)} severity={Number(form.severity)} />
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
    </form>
  );
}

/**
 * The DSPT breach assessment grid with the chosen cell marked. Where it turns reportable is the
 * deployment's configuration, so the answer and its reason come from the API once saved.
 */
function Grid({ likelihood, severity }: { likelihood: number; severity: number }) {
  return (
    <table className="grid">
      <caption>The grid: likelihood {likelihood} ({LIKELIHOOD[likelihood - 1].toLowerCase()}), severity {severity} ({SEVERITY[severity - 1].toLowerCase()})</caption>
      <thead><tr><th scope="col">Likelihood \ severity</th>{SEVERITY.map((words, i) => <th scope="col" key={words}>{i + 1}: {words}</th>)}</tr></thead>
      <tbody>{[...LIKELIHOOD].reverse().map((words, r) => {
        const l = LIKELIHOOD.length - r;
        return (
          <tr key={words}>
            <th scope="row">{l}: {words}</th>
            {SEVERITY.map((_, c) => <td key={c} className={l === likelihood && c + 1 === severity ? 'chosen' : ''} aria-current={l === likelihood && c + 1 === severity ? 'true' : undefined}>{l === likelihood && c + 1 === severity ? 'chosen' : ''}</td>)}
          </tr>
        );
      })}</tbody>
    </table>
  );
}

/** Only a Caldicott guardian decides whether to report; the decision is kept with its reason, whatever it is. */
export function DecisionForm({ incident, save }: { incident: Json; save: (body: Json) => Promise<boolean> }) {
  const role = useRole();
  const [report, setReport] = useState('');
  const [reason, setReason] = useState('');
  if (role !== 'caldicott-guardian') return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (await save({ ...assessmentInput(incident.assessment), decision: { report: report === 'yes', reason: reason.trim() } })) {
      setReport('');
      setReason('');
    }
  };
  return (
    <form className="card" onSubmit={submit}>
      <h3>Decision on reporting (Caldicott guardian)</h3>
      <p>The grid says <strong>{incident.assessment.reportableToIco ? 'reportable' : 'not reportable'}</strong>. Record your decision and its reason: every decision is kept (Article 33(5)).</p>
      <fieldset>
        <legend>Report this incident to the ICO?</legend>
        <label className="inline"><input type="radio" name="decision" value="yes" required checked={report === 'yes'} onChange={() => setReport('yes')} /> Report it</label>
        <label className="inline"><input type="radio" name="decision" value="no" checked={report === 'no'} onChange={() => setReport('no')} /> Do not report it</label>
      </fieldset>
      <label htmlFor="decision-reason">Reason for the decision</label>
      <textarea id="decision-reason" rows={2} cols={60} required minLength={3} value={reason} onChange={(e) => setReason(e.target.value)} />
      <p><button className="primary" type="submit">Record the decision</button></p>
    </form>
  );
}
