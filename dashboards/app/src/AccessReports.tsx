import { useState, type FormEvent } from 'react';
import { api, download, startOfDay, type Json } from './api.js';
import { AccessTable, SELF_AUDIT_SYSTEM } from './AccessTable.js';
import { ErrorText } from './ui.js';

/**
 * Access reports: who looked at a patient's record ("who looked at my record?", for subject
 * access requests) and what a user did (for investigations), page by page, with the whole period
 * as CSV or PDF. The NHS number is typed into the form and kept only in the page's memory: never
 * in the address, never in storage.
 */

type Subject = 'patient' | 'user';

const PAGE = 50;

export function AccessReports() {
  const [subject, setSubject] = useState<Subject>('patient');
  return (
    <section aria-labelledby="access-reports-title">
      <h2 id="access-reports-title">Access reports</h2>
      <div className="actions" role="group" aria-label="Report">
        <button type="button" aria-pressed={subject === 'patient'} onClick={() => setSubject('patient')}>A patient's record</button>
        <button type="button" aria-pressed={subject === 'user'} onClick={() => setSubject('user')}>A user's activity</button>
      </div>
      {subject === 'patient' ? <AccessReport key="patient" subject="patient" /> : <AccessReport key="user" subject="user" />}
    </section>
  );
}

function AccessReport({ subject }: { subject: Subject }) {
  const [form, setForm] = useState({ who: '', from: '', to: '', organisation: '' });
  const [asked, setAsked] = useState<typeof form | undefined>();
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [page, setPage] = useState<Json | undefined>();
  const [error, setError] = useState<unknown>();
  const [careOnly, setCareOnly] = useState(true);
  const patient = subject === 'patient';

  const pathOf = (query: typeof form) => {
    const who = query.who.replace(/[\s-]/g, patient ? '' : ' ').trim();
    return `/v1/${patient ? 'patients' : 'users'}/${encodeURIComponent(who)}/accesses`;
  };
  const paramsOf = (query: typeof form) => {
    const params = new URLSearchParams();
    if (query.from) params.set('from', startOfDay(query.from));
    if (query.to) params.set('to', startOfDay(query.to, 1));
    if (query.organisation.trim()) params.set('organisation', query.organisation.trim());
    return params;
  };
  const read = async (query: typeof form, pages: (string | undefined)[]) => {
    const params = paramsOf(query);
    params.set('limit', String(PAGE));
    const cursor = pages.at(-1);
    if (cursor) params.set('cursor', cursor);
    try {
      setPage(await api.get(`${pathOf(query)}?${params}`));
      setAsked(query);
      setCursors(pages);
      setError(undefined);
    } catch (failure) { setPage(undefined); setError(failure); }
  };
  const submit = (event: FormEvent) => { event.preventDefault(); void read({ ...form }, [undefined]); };
  const file = async (accept: string, extension: string) => {
    if (!asked) return;
    const params = paramsOf(asked);
    try {
      await download(`${pathOf(asked)}${params.toString() ? `?${params}` : ''}`, accept, `${patient ? 'patient-accesses' : `user-activity-${asked.who.trim().replace(/[^A-Za-z0-9_-]/g, '_')}`}.${extension}`);
    } catch (failure) { setError(failure); }
  };
  const field = (key: keyof typeof form) => ({ id: `${subject}-${key}`, value: form[key], onChange: (e: { target: { value: string } }) => setForm({ ...form, [key]: e.target.value }) });
  const first = (cursors.length - 1) * PAGE;
  const shown: Json[] = page ? page.accesses.filter((row: Json) => !careOnly || row.system !== SELF_AUDIT_SYSTEM) : [];
  const audits = page ? page.accesses.length - shown.length : 0;
  return (
    <>
      <form className="card" onSubmit={submit}>
        <h3>{patient ? 'Who looked at a patient\'s record' : 'What a user did'}</h3>
        <p>{patient
          ? 'Every access to the record in your organisations: when, where, by whom in what role, what was looked at, for what purpose, and whether the care system\'s own data explained it. Reading the report is itself recorded.'
          : 'Everything the user did in your organisations, for an investigation. Reading it is recorded as a read of each patient shown.'}</p>
        <div className="filters">
          <div>
            <label htmlFor={`${subject}-who`}>{patient ? 'NHS number' : 'User id'}</label>
            <input {...field('who')} required autoComplete="off" size={14} {...(patient ? { inputMode: 'numeric' as const } : {})} />
          </div>
          <div><label htmlFor={`${subject}-from`}>From</label><input type="date" {...field('from')} /></div>
          <div><label htmlFor={`${subject}-to`}>To</label><input type="date" {...field('to')} /></div>
          <div><label htmlFor={`${subject}-organisation`}>Organisation (ODS code; empty for all yours)</label><input size={8} {...field('organisation')} /></div>
          <div><button className="primary" type="submit">Show the accesses</button></div>
        </div>
      </form>
      <ErrorText error={error} />
      {page && asked && (
        <div className="card">
          <p className="actions">
            <button type="button" onClick={() => file('text/csv', 'csv')}>Download the whole period (CSV)</button>
            <button type="button" onClick={() => file('application/pdf', 'pdf')}>Download the whole period (PDF)</button>
          </p>
          <p><label className="inline"><input type="checkbox" checked={careOnly} onChange={(e) => setCareOnly(e.target.checked)} />
            Leave out the reads accesswatch records of its own users (people reading alerts and reports)</label></p>
          {careOnly && audits > 0 && <p><small>{audits} such read(s) on this page left out; the downloads hold every access.</small></p>}
          <AccessTable accesses={shown} subject={subject}
            caption={`Accesses ${page.accesses.length === 0 ? '' : `${first + 1} to ${first + page.accesses.length} `}${patient ? 'to the record' : `by ${asked.who.trim()}`}, newest first`} />
          <nav className="actions paging" aria-label="Pages">
            <button type="button" disabled={cursors.length === 1} onClick={() => read(asked, cursors.slice(0, -1))}>Previous page</button>
            <span>Page {cursors.length}</span>
            <button type="button" disabled={!page.nextCursor} onClick={() => read(asked, [...cursors, page.nextCursor])}>Next page</button>
          </nav>
        </div>
      )}
    </>
  );
}
