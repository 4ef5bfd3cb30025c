import { useEffect, useState, type FormEvent } from 'react';
import { api, SEVERITIES, severityRank, startOfDay, STATUSES, when, type Json } from './api.js';
import { ErrorText, Select, Severity, useRole, useRules, whoOf } from './ui.js';

/**
 * The alert queue: filters, counts by status, one page at a time by the API's cursor (so tens of
 * thousands of alerts stay fast), and bulk triage over the filter.
 */

type Filter = { status: string; severity: string; rule: string; organisation: string; user: string; patient: string; from: string; to: string };

const EMPTY: Filter = { status: 'open', severity: '', rule: '', organisation: '', user: '', patient: '', from: '', to: '' };
const PAGE_SIZES = ['10', '50', '100', '500'];

/** The filter as GET /v1/alerts and POST /v1/alerts/bulk take it; dates are whole local days. */
function apiFilter(filter: Filter): Record<string, string> {
  const query: Record<string, string> = {};
  for (const key of ['status', 'severity', 'rule', 'organisation', 'user', 'patient'] as const) if (filter[key].trim()) query[key] = filter[key].trim();
  if (filter.from) query.from = startOfDay(filter.from);
  if (filter.to) query.to = startOfDay(filter.to, 1);
  return query;
}

/** What the queue shows: kept by the app while an alert is open, so that *Back to the queue* returns to it (in memory only). */
export interface QueueView {
  filter: Filter;
  pageSize: string;
  /** The cursor of each page read so far: [undefined, cursor of page 2, ...]. */
  cursors: (string | undefined)[];
}

export const FIRST_VIEW: QueueView = { filter: EMPTY, pageSize: '50', cursors: [undefined] };

export function AlertQueue({ open, view, setView }: { open: (id: string) => void; view: QueueView; setView: (view: QueueView) => void }) {
  const rules = useRules();
  const { filter, pageSize, cursors } = view;
  const [draft, setDraft] = useState<Filter>(filter);
  const setCursors = (next: (string | undefined)[]) => setView({ ...view, cursors: next });
  const [page, setPage] = useState<{ alerts: Json[]; nextCursor?: string } | undefined>();
  const [counts, setCounts] = useState<Record<string, string> | undefined>();
  const [error, setError] = useState<unknown>();
  const [reloads, setReloads] = useState(0);
  const pageIndex = cursors.length - 1;

  const apply = (next: Filter) => { setView({ ...view, filter: next, cursors: [undefined] }); setDraft(next); };
  useEffect(() => {
    const query = new URLSearchParams({ ...apiFilter(filter), limit: pageSize });
    const cursor = cursors[pageIndex];
    if (cursor) query.set('cursor', cursor);
    setPage(undefined);
    // An answer to a filter no longer shown (a slower, earlier request) is dropped.
    let current = true;
    api.get(`/v1/alerts?${query}`).then((read) => {
      if (!current) return;
      setPage({ alerts: [...read.alerts].sort((a, b) => severityRank(a.severity) - severityRank(b.severity) || b.score - a.score), nextCursor: read.nextCursor });
      setError(undefined);
    }, (failure) => { if (current) setError(failure); });
    return () => { current = false; };
  }, [filter, pageSize, cursors, pageIndex, reloads]);
  useEffect(() => {
    setCounts(undefined);
    // Counted by the API (GET /v1/alerts/counts): every match, and no alert read (so none audited).
    let current = true;
    api.get(`/v1/alerts/counts?${new URLSearchParams(apiFilter({ ...filter, status: '' }))}`)
      .then((read) => { if (current) setCounts(Object.fromEntries(STATUSES.map((status) => [status, (read.byStatus[status] ?? 0).toLocaleString('en-GB')]))); }, () => { if (current) setCounts(undefined); });
    return () => { current = false; };
  }, [filter, reloads]);

  const text = (key: keyof Filter, label: string, props: Json = {}) => (
    <div>
      <label htmlFor={`filter-${key}`}>{label}</label>
      <input id={`filter-${key}`} value={draft[key]} onChange={(e) => setDraft({ ...draft, [key]: e.target.value })} {...props} />
    </div>
  );
  const submit = (event: FormEvent) => { event.preventDefault(); apply({ ...draft }); };
  const alerts = page?.alerts;
  const first = pageIndex * Number(pageSize);
  return (
    <section aria-labelledby="queue-title">
      <h2 id="queue-title">Alert queue</h2>
      <form className="filters" onSubmit={submit} aria-label="Filters">
        <Select id="status" label="Status" value={filter.status} onChange={(status) => apply({ ...draft, status })}
          options={STATUSES.map((s) => ({ value: s, label: s }))} />
        <Select id="severity" label="Severity" value={filter.severity} onChange={(severity) => apply({ ...draft, severity })}
          options={SEVERITIES.map((s) => ({ value: s, label: s }))} />
        <Select id="rule" label="Rule" value={filter.rule} onChange={(rule) => apply({ ...draft, rule })}
          options={rules.map((rule) => ({ value: rule.id, label: `${rule.id}: ${rule.title}` }))} />
        {text('organisation', 'Organisation (ODS code)', { size: 8 })}
        {text('user', 'User', { size: 12 })}
        {text('patient', 'Patient NHS number', { size: 12, inputMode: 'numeric', autoComplete: 'off' })}
        {text('from', 'Seen from', { type: 'date' })}
        {text('to', 'Seen to', { type: 'date' })}
        <div><button type="submit">Apply filters</button></div>
        <div><button type="button" onClick={() => apply(EMPTY)}>Clear filters</button></div>
      </form>
      <p className="counts" aria-label="Counts by status">
        {STATUSES.map((status) => (
          <button type="button" key={status} className="count" aria-pressed={filter.status === status} onClick={() => apply({ ...draft, status })}>
            {status}: <strong>{counts?.[status] ?? '…'}</strong>
          </button>
        ))}
      </p>
      <ErrorText error={error} />
      {alerts && (
        <>
          <p className="counts" aria-label="This page">
            <span className="count">{alerts.length === 0 ? 'No alerts' : `Alerts ${first + 1} to ${first + alerts.length}`}{page.nextCursor ? ', more on the next page' : ''}</span>
            {SEVERITIES.map((severity) => <span className="count" key={severity}>{severity}: <strong>{alerts.filter((alert) => alert.severity === severity).length}</strong></span>)}
          </p>
          {alerts.length === 0 ? <p>No alerts match.</p> : (
            <table>
              <caption className="visually-hidden">Alerts of this page, most severe first</caption>
              <thead><tr><th scope="col">Severity</th><th scope="col">Alert</th><th scope="col">User</th><th scope="col">Patient</th><th scope="col">Status</th><th scope="col">Assignee</th><th scope="col">Last seen</th></tr></thead>
              <tbody>
                {alerts.map((alert) => (
                  <tr key={alert.id}>
                    <td><Severity severity={alert.severity} /></td>
                    <td><button type="button" className="link" onClick={() => open(alert.id)}>{alert.title}</button><br /><small>{alert.ruleId}</small></td>
                    <td>{whoOf(alert)}</td>
                    <td>{alert.nhsNumber ?? ''}</td>
                    <td>{alert.status}</td>
                    <td>{alert.assignee ?? ''}</td>
                    <td>{when(alert.lastSeenAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </>
      )}
      {!alerts && !error && <p>Loading…</p>}
      <nav className="actions paging" aria-label="Pages">
        <button type="button" disabled={pageIndex === 0} onClick={() => setCursors(cursors.slice(0, -1))}>Previous page</button>
        <span>Page {pageIndex + 1}</span>
        <button type="button" disabled={!page?.nextCursor} onClick={() => setCursors([...cursors, page!.nextCursor])}>Next page</button>
        <label className="inline" htmlFor="page-size">Alerts per page</label>
        <select id="page-size" value={pageSize} onChange={(e) => setView({ ...view, pageSize: e.target.value, cursors: [undefined] })}>
          {PAGE_SIZES.map((size) => <option key={size} value={size}>{size}</option>)}
        </select>
      </nav>
      <BulkTriage filter={apiFilter(filter)} done={() => setReloads(reloads + 1)} />
    </section>
  );
}

/** POST /v1/alerts/bulk over the filter as applied: assign, or dismiss as duplicates; what changed and what was skipped, and why. */
function BulkTriage({ filter, done }: { filter: Record<string, string>; done: () => void }) {
  const role = useRole();
  const [action, setAction] = useState('assign');
  const [assignee, setAssignee] = useState('');
  const [note, setNote] = useState('');
  const [result, setResult] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  if (role === 'auditor' || role === 'admin') return null;
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    try {
      const body: Json = { filter, action, ...(action === 'assign' ? { assignee: assignee.trim() } : {}), ...(note.trim() ? { note: note.trim() } : {}) };
      setResult(await api.send('POST', '/v1/alerts/bulk', body));
      setError(undefined);
      done();
    } catch (failure) { setResult(undefined); setError(failure); }
  };
  const described = Object.entries(filter).map(([key, value]) => `${key} ${value}`).join(', ') || 'every alert';
  return (
    <form className="card" onSubmit={submit}>
      <h3>Bulk triage</h3>
      <p>Applies to every alert the filters match ({described}), on every page, up to 1,000.</p>
      <label htmlFor="bulk-action">Action</label>
      <select id="bulk-action" value={action} onChange={(e) => setAction(e.target.value)}>
        <option value="assign">Assign</option>
        <option value="dismiss-duplicate">Dismiss as duplicates</option>
      </select>
      {action === 'assign' && <><label htmlFor="bulk-assignee">Assign to (name)</label>
        <input id="bulk-assignee" required value={assignee} onChange={(e) => setAssignee(e.target.value)} /></>}
      <label htmlFor="bulk-note">Note (optional)</label>
      <input id="bulk-note" size={60} value={note} onChange={(e) => setNote(e.target.value)} />
      <p><button type="submit">Apply to the matching alerts</button></p>
      <ErrorText error={error} />
      {result && (
        <div role="status">
          <p>Matched <strong>{result.matched}</strong>, changed <strong>{result.changed}</strong>, skipped <strong>{result.skipped.length}</strong>.</p>
          {result.skipped.length > 0 && <ul aria-label="Skipped">{result.skipped.map((skip: Json) => <li key={skip.id}>{skip.id}: {skip.reason}</li>)}</ul>}
        </div>
      )}
    </form>
  );
}
