/**
 * How the command-line clients talk about the accesswatch server: where an endpoint is, and what
 * a refusal or an unreachable server means, in words an operator can act on.
 */

/** What the caller authenticates with: people and admins hold a token, source systems a key. */
export type Credential = 'token' | 'key';

/** The full address of an API path under the server's base URL (which may carry a path prefix). */
export function endpoint(baseUrl: string, path: string): string {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new Error(`"${baseUrl}" is not a valid server URL (expected something like http://localhost:8080)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new Error(`"${baseUrl}" is not an http or https URL`);
  }
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}${path}`;
}

/** True when fetch failed before any HTTP answer: refused, reset, DNS, TLS. */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof TypeError && err.message === 'fetch failed';
}

/** The message for a server that could not be reached, with the hint a newcomer needs. */
export function unreachableMessage(baseUrl: string, err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  const why = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return `cannot reach the accesswatch server at ${baseUrl} (${why}); is it running? Start it with \`accesswatch serve\``;
}

/** The message for a non-2xx answer: the status in words, its number, then the server's own message. */
export function refusalMessage(status: number, bodyText: string, credential: Credential): string {
  const detail = serverMessage(bodyText);
  const words = statusInWords(status, credential);
  return detail ? `${words} (${status}): ${detail}` : `${words} (${status})`;
}

function statusInWords(status: number, credential: Credential): string {
  switch (status) {
    case 400:
      return 'the server rejected the request';
    case 401:
      return `the server refused the ${credential}`;
    case 403:
      return `the ${credential} is not allowed to do this`;
    case 404:
      return 'the server has no such endpoint (is the URL right?)';
    case 409:
      return 'the server reported a conflict';
    case 413:
      return 'the request is too large for the server';
    case 415:
      return 'the server does not accept this format';
    case 429:
      return 'the server is too busy';
    case 503:
      return 'the server is unavailable';
    default:
      return status >= 500 ? 'the server failed' : 'the server refused the request';
  }
}

/** The `error.message` of an accesswatch error body, or the start of whatever else came back. */
function serverMessage(bodyText: string): string {
  try {
    const body = JSON.parse(bodyText) as { error?: { code?: string; message?: string } };
    if (body?.error?.message) return body.error.message;
    if (body?.error?.code) return body.error.code;
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = bodyText.trim().replace(/\s+/g, ' ');
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
