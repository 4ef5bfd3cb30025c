import { useState } from 'react';
import { api, when, type Json } from './api.js';
import { ErrorText } from './ui.js';

/** Rows of an access report (the subject's own column left out) (GET /v1/patients/{nhs}/accesses or /v1/users/{id}/accesses): who, when, what, and whether it was explained. */
export function AccessTable({ accesses, caption, subject }: { accesses: Json[]; caption: string; subject: 'patient' | 'user' | 'none' }) {
  if (accesses.length === 0) return <p>No accesses in the period.</p>;
  return (
    <table>
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">When</th><th scope="col">Organisation</th><th scope="col">System</th>
          {subject !== 'user' && <th scope="col">User</th>}
          {subject !== 'user' && <th scope="col">Role</th>}
          {subject !== 'patient' && <th scope="col">Patient</th>}
          <th scope="col">Action</th><th scope="col">Record part</th><th scope="col">Purpose</th><th scope="col">Explained</th>
        </tr>
      </thead>
      <tbody>{accesses.map((row, i) => (
        <tr key={i}>
          <td className="nowrap">{when(row.occurredAt)}</td><td>{row.organisation}</td><td>{row.system}</td>
          {subject !== 'user' && <td>{row.userId}</td>}
          {subject !== 'user' && <td>{[row.role, row.roleClass].filter(Boolean).join(', ')}</td>}
          {subject !== 'patient' && <td>{row.nhsNumber}</td>}
          <td>{row.action}</td><td>{row.recordPart ?? ''}</td><td>{row.purpose ?? ''}</td>
          <td>{row.explained ? `yes${row.explainedBy ? ` (${row.explainedBy})` : ''}` : 'no'}</td>
        </tr>
      ))}</tbody>
    </table>
  );
}

/** The care systems' accesses, not accesswatch's own audited reads (IG officers reading alerts and reports). */
export const SELF_AUDIT_SYSTEM = 'accesswatch';
const SHOWN = 20;
const PAGES_READ = 5;

/**
 * Recent accesses behind a button: reading them is itself audited as a view of each patient
 * shown, so they are read when someone asks, not whenever an alert is opened. The reads
 * accesswatch records of its own users are left out (they would crowd out the care systems'),
 * reading a few pages at most.
 */
export function RecentAccesses({ path, label, caption, subject }: { path: string; label: string; caption: string; subject: 'patient' | 'user' }) {
  const [read, setRead] = useState<{ accesses: Json[]; audits: number; more: boolean } | undefined>();
  const [error, setError] = useState<unknown>();
  const readRecent = async () => {
    try {
      const accesses: Json[] = [];
      let audits = 0;
      let cursor: string | undefined;
      for (let pages = 0; pages < PAGES_READ && accesses.length < SHOWN; pages += 1) {
        const page = await api.get(`${path}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
        for (const row of page.accesses) (row.system === SELF_AUDIT_SYSTEM ? (audits += 1) : accesses.push(row));
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      setRead({ accesses: accesses.slice(0, SHOWN), audits, more: Boolean(cursor) || accesses.length > SHOWN });
      setError(undefined);
    } catch (failure) { setError(failure); }
  };
  return (
    <div className="card">
      <h3>{caption}</h3>
      {read === undefined
        ? <p><button type="button" onClick={readRecent}>{label}</button> <small>(the {SHOWN} most recent; reading them is recorded, like any read of patient data)</small></p>
        : <>
          <AccessTable accesses={read.accesses} caption={`Most recent accesses by care systems: ${read.accesses.length}`} subject={subject} />
          {read.audits > 0 && <p><small>{read.audits} read(s) recorded by accesswatch itself (people reading alerts and reports) left out.</small></p>}
        </>}
      <ErrorText error={error} />
    </div>
  );
}
