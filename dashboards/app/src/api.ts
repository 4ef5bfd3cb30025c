/** Calls to the accesswatch API with the signed-in person's token (kept in sessionStorage, never in URLs). */

const TOKEN_KEY = 'accesswatch.token';

export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

export type Json = Record<string, any>;

async function call(method: string, path: string, body?: unknown, accept = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = { accept };
  const bearer = token.get();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (!response.ok) {
    const error = await response.json().catch(() => ({})) as Json;
    throw new ApiFailure(response.status, error.error?.code ?? 'AW_ERR_UNKNOWN', error.error?.message ?? `${response.status} ${response.statusText}`);
  }
  return response;
}

export const api = {
  get: async (path: string): Promise<Json> => (await call('GET', path)).json(),
  send: async (method: 'POST' | 'PATCH' | 'PUT', path: string, body: unknown): Promise<Json> => (await call(method, path, body)).json(),
  blob: async (path: string, accept: string): Promise<Blob> => (await call('GET', path, undefined, accept)).blob(),
};

/** Fetches a file from the API with the token and hands it to the browser as a download named `fileName`. */
export async function download(path: string, accept: string, fileName: string): Promise<void> {
  const file = await api.blob(path, accept);
  const link = document.createElement('a');
  link.href = URL.createObjectURL(file);
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
}

export type Role = 'ig-officer' | 'caldicott-guardian' | 'auditor' | 'admin';

/** The signed-in person's role, from `GET /v1/me` (the same person every other call is scoped to). */
export async function signedInRole(): Promise<Role | undefined> {
  const me = await api.get('/v1/me');
  return me.role as Role;
}

/** An ISO instant for the start of a local date from an `<input type="date">` (`days` later, for an exclusive end). */
export const startOfDay = (date: string, days = 0): string => {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(y, m - 1, d + days).toISOString();
};

/** A date `days` from today as `<input type="date">` wants it. */
export const dateInput = (days = 0): string => {
  const at = new Date(Date.now() + days * 86_400_000);
  return `${at.getFullYear()}-${String(at.getMonth() + 1).padStart(2, '0')}-${String(at.getDate()).padStart(2, '0')}`;
};

export const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;
export const STATUSES = ['open', 'investigating', 'dismissed', 'confirmed'] as const;
export const DISMISSAL_REASONS: { value: string; label: string }[] = [
  { value: 'explained-by-care', label: 'Explained by care (a legitimate relationship)' },
  { value: 'authorised-by-policy', label: 'Authorised by policy' },
  { value: 'data-quality', label: 'Data quality (wrong or missing reference data)' },
  { value: 'duplicate', label: 'Duplicate of another alert' },
  { value: 'other', label: 'Other (say why in the note)' },
];

export const severityRank = (severity: string) => {
  const rank = SEVERITIES.indexOf(severity as (typeof SEVERITIES)[number]);
  return rank < 0 ? SEVERITIES.length : rank;
};

export const when = (iso: string | undefined) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '');
