import { useState, type FormEvent } from 'react';
import { api, dateInput, startOfDay, when, type Json } from './api.js';
import { ErrorText, Severity, useRules, whoOf } from './ui.js';

/** The rule catalogue (GET /v1/rules) and a backtest: what a rule would have raised over a period, recording nothing. */
export function Rules() {
  const rules = useRules();
  const [ruleId, setRuleId] = useState('');
  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title">Rules</h2>
      <p>Every rule, enabled or not, with its parameters as configured and the principle it protects.</p>
      <Backtest rules={rules} ruleId={ruleId} setRuleId={setRuleId} />
      <div className="card">
        <h3>The catalogue</h3>
        {[...rules].sort((a, b) => String(a.id).localeCompare(String(b.id))).map((rule) => (
          <details key={rule.id}>
            <summary><Severity severity={rule.severity} /> <strong>{rule.id}</strong>: {rule.title}{rule.enabled ? '' : ' (disabled)'}</summary>
            <dl>
              <dt>Family</dt><dd>{rule.family}</dd>
              <dt>Kind</dt><dd>{rule.kind}</dd>
              <dt>About</dt><dd>{rule.subject === 'user-patient' ? 'a user and a patient' : rule.subject ?? ''}</dd>
              <dt>Raises</dt><dd>{rule.raises === 'signal' ? 'a signal (feeds the risk score, not the queue)' : 'an alert'}</dd>
              <dt>Rationale</dt><dd>{rule.rationale}</dd>
              {rule.falsePositives?.length > 0 && <><dt>Innocent explanations</dt><dd><ul>{rule.falsePositives.map((line: string) => <li key={line}>{line}</li>)}</ul></dd></>}
              <dt>Parameters</dt><dd>{rule.params && Object.keys(rule.params).length > 0 ? <pre className="params">{JSON.stringify(rule.params, null, 2)}</pre> : 'none'}</dd>
            </dl>
            <p><button type="button" onClick={() => { setRuleId(rule.id); document.getElementById('backtest-rule')?.focus(); }}>Backtest {rule.id}</button></p>
          </details>
        ))}
      </div>
    </section>
  );
}

function Backtest({ rules, ruleId, setRuleId }: { rules: Json[]; ruleId: string; setRuleId: (id: string) => void }) {
  const [form, setForm] = useState({ from: dateInput(-7), to: dateInput(0), organisation: '' });
  const [result, setResult] = useState<Json | undefined>();
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<unknown>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setRunning(true);
    try {
      const body: Json = { from: startOfDay(form.from), to: startOfDay(form.to, 1) };
      if (form.organisation.trim()) body.organisation = form.organisation.trim();
      setResult(await api.send('POST', `/v1/rules/${encodeURIComponent(ruleId)}/backtest`, body));
      setError(undefined);
    } catch (failure) { setResult(undefined); setError(failure); }
    setRunning(false);
  };
  const field = (key: keyof typeof form) => ({ id: `backtest-${key}`, value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  return (
    <form className="card" onSubmit={submit}>
      <h3>Backtest a rule</h3>
      <p>Runs the rule over the events stored for a period (at most 92 days) and shows what it would have raised. Nothing is raised or recorded.</p>
      <div className="filters">
        <div>
          <label htmlFor="backtest-rule">Rule</label>
          <select id="backtest-rule" required value={ruleId} onChange={(e) => setRuleId(e.target.value)}>
            <option value="">Choose a rule</option>
            {rules.map((rule) => <option key={rule.id} value={rule.id}>{rule.id}: {rule.title}</option>)}
          </select>
        </div>
        <div><label htmlFor="backtest-from">From</label><input type="date" required {...field('from')} /></div>
        <div><label htmlFor="backtest-to">To (inclusive)</label><input type="date" required {...field('to')} /></div>
        <div><label htmlFor="backtest-organisation">Organisation (ODS code; empty for all yours)</label><input size={8} {...field('organisation')} /></div>
        <div><button className="primary" type="submit" disabled={running}>{running ? 'Running…' : 'Run the backtest'}</button></div>
      </div>
      <ErrorText error={error} />
      {result && (
        <div role="status" aria-label="Backtest result">
          <p>Over {result.eventsScanned} event(s) from {when(result.from)} to {when(result.to)}, {result.ruleId} would have raised <strong>{result.alerts.length} alert(s)</strong>.
            {result.truncated ? ' The period held more events than one backtest reads: shorten it for the full answer.' : ''}</p>
          {result.alerts.length > 0 && (
            <table>
              <caption className="visually-hidden">What the rule would have raised</caption>
              <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">User</th><th scope="col">Patient</th><th scope="col">Organisation</th><th scope="col">Events</th><th scope="col">Seen</th></tr></thead>
              <tbody>{result.alerts.map((alert: Json, i: number) => (
                <tr key={alert.id ?? i}>
                  <td><Severity severity={alert.severity} /></td><td>{alert.title}<br /><small>{alert.explanation?.text}</small></td>
                  <td>{whoOf(alert)}</td><td>{alert.nhsNumber ?? ''}</td><td>{alert.organisation}</td><td>{alert.eventCount}</td>
                  <td>{when(alert.firstSeenAt)} to {when(alert.lastSeenAt)}</td>
                </tr>
              ))}</tbody>
            </table>
          )}
        </div>
      )}
    </form>
  );
}
