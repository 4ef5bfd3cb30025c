/**
 * Signing in through the organisation's identity provider: the authorization code flow with PKCE
 * (RFC 7636) as a public client. The verifier and state live in this tab's sessionStorage only
 * until the provider sends the person back; the code is then taken out of the address at once.
 */
import { api, type Json } from './api.js';

const PENDING_KEY = 'accesswatch.oidc';

export interface OidcConfig {
  enabled: boolean;
  clientId?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  scope?: string;
}

const base64url = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
const redirectUri = () => `${location.origin}/`;

export const oidcConfig = (): Promise<OidcConfig> => api.get('/v1/auth/oidc') as Promise<OidcConfig>;

/** Sends the person to the provider's page. */
export async function startOidcSignIn(config: OidcConfig): Promise<void> {
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(config.authorizationUrl!);
  for (const [name, value] of Object.entries({
    response_type: 'code', client_id: config.clientId!, redirect_uri: redirectUri(), scope: config.scope ?? 'openid', state,
    code_challenge: challenge, code_challenge_method: 'S256',
  })) url.searchParams.set(name, value);
  location.assign(url.toString());
}

/**
 * When the provider has just sent the person back (`?code=...&state=...`), exchanges the code for
 * a token and returns it; undefined when this is not a return from the provider.
 * Throws an Error saying what went wrong (a state that does not match, a refused exchange).
 */
export async function finishOidcSignIn(): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  const error = params.get('error');
  if (!code && !error) return undefined;
  history.replaceState(null, '', location.pathname); // nothing of the sign-in stays in the address
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(PENDING_KEY);
  if (error) throw new Error(`The identity provider did not sign you in (${error}).`);
  if (!pending || params.get('state') !== pending.state) throw new Error('That sign-in did not start here (its state does not match): sign in again.');
  const config = await oidcConfig();
  if (!config.enabled || !config.tokenUrl) throw new Error('Signing in through the identity provider is not set up.');
  const response = await fetch(config.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri(), client_id: config.clientId!, code_verifier: pending.verifier }),
  });
  const answer = await response.json().catch(() => ({})) as Json;
  if (!response.ok) throw new Error(`The identity provider refused the sign-in (${answer.error ?? response.status}).`);
  const bearer = answer.access_token ?? answer.id_token;
  if (typeof bearer !== 'string') throw new Error('The identity provider answered without a token.');
  return bearer;
}
