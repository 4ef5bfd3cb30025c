/**
 * Admin calls the `accesswatch` command makes against a running server: registering a source
 * system (which returns its key) and a person (which returns their token). The key or token is
 * shown once; the server keeps only its hash.
 */
import type { PersonRole, SourceScope } from '../../engine/store/port.js';
import { endpoint, isConnectionFailure, refusalMessage, unreachableMessage } from './serverReplies.js';

/** Registers a source system allowed to post access events and/or reference data. */
export interface AddSourceOptions {
  /** Base URL of the server, e.g. http://localhost:8080. */
  url: string;
  /** An admin bearer token. */
  token: string;
  /** The source system's name, as its events carry it in `system`. */
  system: string;
  /** ODS codes the source may post for. */
  organisations: string[];
  /** What the source may post. */
  scopes: SourceScope[];
  /** Replace the key of an already registered system. */
  rotate?: boolean;
}

/** Registers a person (IG officer, Caldicott guardian, admin, auditor) with a bearer token. */
export interface AddUserOptions {
  /** Base URL of the server, e.g. http://localhost:8080. */
  url: string;
  /** An admin bearer token. */
  token: string;
  name: string;
  role: PersonRole;
  /** ODS codes whose alerts, incidents and patients the person may see. */
  organisations: string[];
}

/** Registers a source system and returns its new key (re-registering a system replaces its key). */
export async function addSource(options: AddSourceOptions): Promise<string> {
  const { url, token, system, organisations, scopes } = options;
  const body = await postAsAdmin(url, token, '/v1/admin/sources', { system, organisations, scopes, ...(options.rotate ? { rotate: true } : {}) });
  return expectString(body, 'key');
}

/** Registers a person and returns their new bearer token. */
export async function addUser(options: AddUserOptions): Promise<string> {
  const { url, token, name, role, organisations } = options;
  const body = await postAsAdmin(url, token, '/v1/admin/users', { name, role, organisations });
  return expectString(body, 'token');
}

/** POSTs JSON to the server with a bearer token and returns the parsed answer; refusals and unreachable servers become readable errors. */
export async function postAsAdmin(url: string, token: string, path: string, payload: unknown): Promise<unknown> {
  return askServer(url, token, 'POST', path, payload);
}

/** Sends one request (JSON body, if any) with a bearer token and returns the parsed answer; refusals and unreachable servers become readable errors. */
export async function askServer(url: string, token: string, method: 'GET' | 'POST' | 'PATCH' | 'PUT', path: string, payload?: unknown): Promise<unknown> {
  const target = endpoint(url, path);
  let response: Response;
  try {
    response = await fetch(target, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(payload === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
    });
  } catch (err) {
    if (isConnectionFailure(err)) throw new Error(unreachableMessage(url, err), { cause: err });
    throw err;
  }
  const text = await response.text();
  if (!response.ok) throw new Error(refusalMessage(response.status, text, 'token'));
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`the server answered ${response.status} to ${path} but not with JSON`);
  }
}

function expectString(body: unknown, field: 'key' | 'token'): string {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (typeof value !== 'string' || value === '') {
    throw new Error(`the server's answer has no ${field}`);
  }
  return value;
}
