import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { api, dateInput, DISMISSAL_REASONS, startOfDay, when, type Json } from './api.js';
import { RecentAccesses } from './AccessTable.js';
import { conflictOr, Details, ErrorText, Severity, useRole, useRules, whoOf } from './ui.js';

export function AlertDetail({ id, back, openIncident }: { id: string; back: () => void; openIncident: (id: string) => void }) {
  const rules = useRules();
  const [alert, setAlert] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  const [suppression, setSuppression] = useState<Json | undefined>();
  const role = useRole();
  const load = useCallback(() => { api.get(`/v1/alerts/${encodeURIComponent(id)}`).then(setAlert, setError); }, [id]);
  useEffect(load, [load]);
  const triage = async (body: Json) => {
    try {
      const changed = await api.send('PATCH', `/v1/alerts/${encodeURIComponent(id)}`, { ...body, version: alert!.version });
      setAlert(changed);
      if (changed.suppression) setSuppression(changed.suppression);
      setError(undefined);
    } catch (failure) {
      setError(conflictOr(failure, 'alert'));
      load();
    }
  };
  if (!alert) return <><button type="button" onClick={back}>Back to the queue</button><ErrorText error={error} />{!error && <p>Loading…</p>}</>;
  const rule = rules.find((candidate) => candidate.id === alert.ruleId);
  const closed = alert.status === 'dismissed' || alert.status === 'confirmed';
  const triages = role !== 'auditor' && role !== 'admin'; // while unknown, offer them: the API decides
  return (
    <section aria-labelledby="alert-title">
      <button type="button" onClick={back}>Back to the queue</button>
      <h2 id="alert-title">{alert.title}</h2>
      <p><Severity severity={alert.severity} /> <span>Status: <strong>{alert.status}</strong></span> · {alert.ruleId}{whoOf(alert) ? ` · ${alert.userId ? 'user ' : ''}${whoOf(alert)}` : ''}
        {alert.nhsNumber ? ` · patient ${alert.nhsNumber}` : ''} · {alert.organisation} · {alert.eventCount} event(s), {when(alert.firstSeenAt)} to {when(alert.lastSeenAt)}</p>
      <p>{alert.assignee ? <>Assigned to <strong>{alert.assignee}</strong></> : 'Not assigned'}</p>
      {alert.userId && <UserRisk userId={alert.userId} />}
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
      {!closed && triages && <Assign alert={alert} triage={triage} />}
      {!closed && triages && <TriageActions alert={alert} triage={triage} />}
      {suppression && <p role="status">Similar alerts of this rule for {suppression.userId}{suppression.nhsNumber ? ' and this patient' : ''} are suppressed until {when(suppression.expiresAt)}.</p>}
      {alert.resolution && <p>Resolution: {alert.resolution.reason ? `${alert.resolution.reason}. ` : ''}{alert.resolution.note ?? ''} ({alert.resolution.byName}, {when(alert.resolution.at)})</p>}
      {alert.status === 'confirmed' && <CreateIncident alert={alert} created={openIncident} />}
      {alert.status === 'confirmed' && <AddToIncident alert={alert} added={openIncident} />}
      <Evidence alert={alert} />
      {alert.userId && <RecentAccesses path={`/v1/users/${encodeURIComponent(alert.userId)}/accesses`} subject="user"
        label={`Show ${alert.userId}'s recent activity`} caption={`What ${alert.userId} did recently`} />}
      {alert.nhsNumber && <RecentAccesses path={`/v1/patients/${encodeURIComponent(alert.nhsNumber)}/accesses`} subject="patient"
        label="Show who accessed this patient's record" caption="The patient's recent access history" />}
      <div className="card">
        <h3>History</h3>
        {alert.history.length === 0 ? <p>No changes yet.</p> : (
          <ol>{alert.history.map((entry: Json, i: number) => (
            <li key={i}>{when(entry.at)}: {entry.byName} {entry.from === entry.to ? (entry.assignee === undefined ? 'noted' : entry.assignee === null ? 'unassigned it' : `assigned it to ${entry.assignee}`)
              : `moved it from ${entry.from} to ${entry.to}${entry.assignee ? ` and assigned it to ${entry.assignee}` : ''}`}{entry.reason ? ` (${entry.reason})` : ''}{entry.note ? `: ${entry.note}` : ''}</li>
          ))}</ol>
        )}
      </div>
    </section>
  );
}

function TriageActions({ alert, triage }: { alert: Json; triage: (body: Json) => Promise<void> }) {
  const [reason, setReason] = useState('');
  const [note, setNote] = useState('');
  const [finding, setFinding] = useState('');
  const [suppress, setSuppress] = useState(false);
  const [scope, setScope] = useState('user');
  const [until, setUntil] = useState(dateInput(30));
  const dismiss = (event: FormEvent) => {
    event.preventDefault();
    void triage({
      status: 'dismissed', resolution: note ? { reason, note } : { reason },
      ...(suppress ? { suppress: { scope, expiresAt: startOfDay(until, 1) } } : {}),
    });
  };
  return (
    <div className="card">
      <h3>Triage</h3>
      {alert.status === 'open' && <p><button type="button" onClick={() => triage({ status: 'investigating' })}>Investigate</button></p>}
      <form onSubmit={dismiss}>
        <fieldset>
          <legend>Dismiss</legend>
          <label htmlFor="dismiss-reason">Reason</label>
          <select id="dismiss-reason" required value={reason} onChange={(e) => setReason(e.target.value)}>
            <option value="">Choose a reason</option>
            {DISMISSAL_REASONS.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
          </select>
          <label htmlFor="dismiss-note">Note{reason === 'other' ? ' (required)' : ' (optional)'}</label>
          <textarea id="dismiss-note" rows={2} cols={60} required={reason === 'other'} value={note} onChange={(e) => setNote(e.target.value)} />
          {alert.userId && (
            <>
              <p><label className="inline"><input type="checkbox" checked={suppress} onChange={(e) => setSuppress(e.target.checked)} /> Also suppress similar alerts of this rule</label></p>
              {suppress && (
                <>
                  <label htmlFor="suppress-scope">For</label>
                  <select id="suppress-scope" value={scope} onChange={(e) => setScope(e.target.value)}>
                    <option value="user">{alert.userId}, any patient</option>
                    {alert.nhsNumber && <option value="user-patient">{alert.userId} and this patient only</option>}
                  </select>
                  <label htmlFor="suppress-until">Until the end of (at most a year)</label>
                  <input id="suppress-until" type="date" required min={dateInput(0)} max={dateInput(365)} value={until} onChange={(e) => setUntil(e.target.value)} />
                </>
              )}
            </>
          )}
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

function Assign({ alert, triage }: { alert: Json; triage: (body: Json) => Promise<void> }) {
  const [name, setName] = useState('');
  return (
    <form className="card" onSubmit={(e) => { e.preventDefault(); void triage({ assignee: name.trim() }).then(() => setName('')); }}>
      <label htmlFor="assignee">Assign to (the name of an IG officer or Caldicott guardian)</label>
      <input id="assignee" required value={name} onChange={(e) => setName(e.target.value)} />
      <p className="actions">
        <button type="submit">Assign</button>
        {alert.assignee && <button type="button" onClick={() => triage({ assignee: null })}>Unassign</button>}
      </p>
    </form>
  );
}

/** At most this many pages of 1,000 events are read to find an alert's evidence. */
const EVIDENCE_PAGES = 10;

/** The evidence in time order, with the gap since the one before: a burst or a pattern shows at a glance. */
function Evidence({ alert }: { alert: Json }) {
  const evidence: Json[] = alert.evidence;
  const [events, setEvents] = useState<Map<string, Json> | undefined>();
  const [error, setError] = useState<unknown>();
  const sorted = [...evidence].sort((a, b) => String(a.occurredAt).localeCompare(String(b.occurredAt)));
  const gap = (i: number) => {
    if (i === 0) return 'first';
    const minutes = Math.round((Date.parse(sorted[i].occurredAt) - Date.parse(sorted[i - 1].occurredAt)) / 60_000);
    return minutes < 60 ? `+${minutes} min` : minutes < 2880 ? `+${Math.round(minutes / 60)} h` : `+${Math.round(minutes / 1440)} days`;
  };
  /**
   * The stored events behind the references (GET /v1/access-events over the alert's span; audited
   * like any read), page after page until every one is found or EVIDENCE_PAGES pages are read: the
   * span can hold other events of the user or patient besides the evidence.
   */
  const readEvents = async () => {
    try {
      const query = new URLSearchParams({
        // A team alert's events are the patient's at the organisation (its users are several).
        ...(alert.userId ? { user: alert.userId } : { patient: alert.nhsNumber }), organisation: alert.organisation, limit: '1000',
        from: sorted[0].occurredAt, to: new Date(Date.parse(sorted.at(-1)!.occurredAt) + 1000).toISOString(),
      });
      const found = new Map<string, Json>();
      const wanted = new Set(sorted.map((item) => `${item.system}/${item.id}`));
      for (let pages = 0; pages < EVIDENCE_PAGES; pages++) {
        const page = await api.get(`/v1/access-events?${query}`);
        for (const event of page.events as Json[]) {
          const key = `${event.system}/${event.id}`;
          if (wanted.has(key)) found.set(key, event);
        }
        if (!page.nextCursor || found.size === wanted.size) break;
        query.set('cursor', page.nextCursor);
      }
      setEvents(found);
      setError(undefined);
    } catch (failure) { setError(failure); }
  };
  const described = (item: Json) => {
    const event = events?.get(`${item.system}/${item.id}`);
    if (!event) return null;
    const what = [event.action, event.recordPart, event.purpose && `for ${event.purpose}`, event.outcome && event.outcome !== 'success' && `(${event.outcome})`].filter(Boolean).join(' ');
    // A team alert names several users: say whose each event was.
    return <> · {what}{alert.userId ? '' : ` · by ${event.user.id}`}{event.patient?.nhsNumber ? ` · patient ${event.patient.nhsNumber}` : ''}{event.workstation ? ` · at ${event.workstation}` : ''}{event.explanation ? ` · ${event.explanation.explained ? 'explained' : 'unexplained'}` : ''}</>;
  };
  return (
    <div className="card">
      <h3>Evidence</h3>
      {alert.eventCount > evidence.length && <p>{alert.eventCount} events; the first {evidence.length} are kept as evidence.</p>}
      <ol className="timeline" aria-label="Evidence timeline">
        {sorted.map((item, i) => (
          <li key={item.docId}><time dateTime={item.occurredAt}>{when(item.occurredAt)}</time> <small>{gap(i)}</small> · {item.system} · event {item.id}{described(item)}</li>
        ))}
      </ol>
      {(alert.userId || alert.team) && sorted.length > 0 && !events && <p><button type="button" onClick={readEvents}>Show what each event was</button> <small>(reading them is recorded)</small></p>}
      <ErrorText error={error} />
    </div>
  );
}

/** The user's risk across their open alerts and recent signals (GET /v1/users/{id}/risk). */
function UserRisk({ userId }: { userId: string }) {
  const [risk, setRisk] = useState<Json | undefined>();
  useEffect(() => { api.get(`/v1/users/${encodeURIComponent(userId)}/risk`).then(setRisk, () => setRisk(undefined)); }, [userId]);
  if (!risk) return null;
  return (
    <div className="card" aria-label={`Risk of ${userId}`}>
      <h3>{userId}'s risk: {risk.score} of 100 ({risk.level})</h3>
      <p>{risk.openAlerts} open alert(s) and {risk.signals} signal(s) of the last 30 days.</p>
      {risk.byRule?.length > 0 && (
        <ul>{risk.byRule.map((line: Json) => <li key={`${line.ruleId}-${line.raises}`}>{line.ruleId}: {line.title} ({line.count} {line.raises === 'signal' ? 'signal' : 'alert'}{line.count === 1 ? '' : 's'})</li>)}</ul>
      )}
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

/** Adds a confirmed alert to an incident of its organisation that is not closed (PATCH with `addAlertIds`). */
function AddToIncident({ alert, added }: { alert: Json; added: (id: string) => void }) {
  const [incidents, setIncidents] = useState<Json[] | undefined>();
  const [chosen, setChosen] = useState('');
  const [error, setError] = useState<unknown>();
  useEffect(() => {
    api.get('/v1/incidents?limit=200').then((read) => {
      const open = (read.incidents as Json[]).filter((i) => i.organisation === alert.organisation && i.status !== 'closed' && !i.alertIds.includes(alert.id));
      setIncidents(open);
      setChosen(open[0]?.id ?? '');
    }, setError);
  }, [alert.id, alert.organisation]);
  if (!incidents || incidents.length === 0) return <ErrorText error={error} />;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const incident = incidents.find((i) => i.id === chosen);
    if (!incident) return;
    try {
      await api.send('PATCH', `/v1/incidents/${incident.id}`, { version: incident.version, addAlertIds: [alert.id] });
      added(incident.id);
    } catch (failure) { setError(failure); }
  };
  return (
    <form className="card" onSubmit={submit}>
      <h3>Or add it to an incident of {alert.organisation}</h3>
      <label htmlFor="add-to-incident">Incident</label>
      <select id="add-to-incident" value={chosen} onChange={(e) => setChosen(e.target.value)}>
        {incidents.map((i) => <option key={i.id} value={i.id}>{i.title} ({i.status}, {i.alertIds.length} alert{i.alertIds.length === 1 ? '' : 's'})</option>)}
      </select>
      <p><button type="submit">Add to incident</button></p>
      <ErrorText error={error} />
    </form>
  );
}
