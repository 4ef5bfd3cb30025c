import { createContext, Fragment, useContext, useEffect, useState, type ReactNode } from 'react';
import { api, ApiFailure, type Json, type Role } from './api.js';

/** Pieces every screen shares: error text, severity badges, filter selects, bar charts, the clock. */

/** The signed-in person's role (undefined while it is being found out, or if it could not be). */
export const RoleContext = createContext<Role | undefined>(undefined);
export const useRole = () => useContext(RoleContext);

export function ErrorText({ error }: { error: unknown }) {
  if (!error) return null;
  const message = error instanceof Error ? error.message : String(error);
  return <p role="alert" className="error">{message}</p>;
}

/** A 409 in words: someone else changed the thing, which has been reloaded. */
export function conflictOr(failure: unknown, what: string): unknown {
  if (failure instanceof ApiFailure && failure.status === 409 && failure.code === 'AW_ERR_CONFLICT') {
    return new Error(`Someone else changed this ${what} while you were looking at it, so it has been reloaded: check it and try again. (${failure.message})`);
  }
  return failure;
}

/** Who an alert is about, in words: its user, or a team and the users behind a team alert. */
export function whoOf(alert: Json): string {
  if (alert.userId) return alert.userId;
  if (alert.team) return `team ${alert.team}${alert.users?.length ? ` (${(alert.users as string[]).join(', ')})` : ''}`;
  return '';
}

export function Severity({ severity }: { severity: string }) {
  return <span className={`sev sev-${severity}`}>{severity}</span>;
}

export function Select({ id, label, value, options, onChange, any = 'Any' }: {
  id: string; label: string; value: string; options: { value: string; label: string }[]; onChange: (value: string) => void; any?: string;
}) {
  return (
    <div>
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)}>
        <option value="">{any}</option>
        {options.map((option) => <option key={option.value} value={option.value}>{option.label}</option>)}
      </select>
    </div>
  );
}

export function Details({ value }: { value: unknown }): ReactNode {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.map((item) => (typeof item === 'object' ? JSON.stringify(item) : String(item))).join(', ');
  if (typeof value === 'object') {
    return <dl>{Object.entries(value as Json).map(([key, item]) => <Fragment key={key}><dt>{key}</dt><dd><Details value={item} /></dd></Fragment>)}</dl>;
  }
  return String(value);
}

export function useRules(): Json[] {
  const [rules, setRules] = useState<Json[]>([]);
  useEffect(() => { api.get('/v1/rules').then((body) => setRules(body.rules)).catch(() => setRules([])); }, []);
  return rules;
}

/** The time now, updated every `everyMs`: for clocks that tick without a reload. */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** Horizontal bars in plain SVG, with the figures also given as the chart's accessible name. */
export function Bars({ title, data, format = String, max: fixedMax }: {
  title: string; data: [string, number][]; format?: (value: number) => string; max?: number;
}) {
  const max = fixedMax ?? Math.max(1, ...data.map(([, value]) => value));
  const row = 24;
  return (
    <figure className="card">
      <figcaption><strong>{title}</strong></figcaption>
      {data.length === 0 ? <p>None in the period.</p> : (
        <svg className="bars" role="img" aria-label={`${title}: ${data.map(([label, value]) => `${label} ${format(value)}`).join(', ')}`}
          width="560" height={data.length * row + 4} viewBox={`0 0 560 ${data.length * row + 4}`}>
          {data.map(([label, value], i) => (
            <g key={label} transform={`translate(0 ${i * row})`}>
              <text x="0" y="16">{label.length > 30 ? `${label.slice(0, 29)}…` : label}</text>
              <rect x="200" y="4" height="16" width={Math.max(2, (value / max) * 300)} fill="#005eb8" />
              <text x={208 + (value / max) * 300} y="16">{format(value)}</text>
            </g>
          ))}
        </svg>
      )}
    </figure>
  );
}
