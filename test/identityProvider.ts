import { createHash, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';

/** Algorithms the test provider can sign with (what accesswatch accepts). */
export type SigningAlgorithm = 'RS256' | 'ES256' | 'PS256';

interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: CryptoKey;
  jwk: JWK;
}

export interface SignOptions {
  /** Key to sign with (default: the first key added). */
  kid?: string;
  /** Seconds from now until `exp`; negative for an expired token. Default 300. */
  expiresIn?: number;
  /** Leave `exp` out. */
  noExpiry?: boolean;
  /** Seconds from now of `nbf`, when given. */
  notBefore?: number;
  issuer?: string;
  audience?: string | string[];
}

/**
 * A throwaway identity provider for tests: key pairs generated here, a JWKS served from a local
 * HTTP server on a free port, and tokens signed with `SignJWT`. Nothing leaves the machine.
 */
export interface LocalIdentityProvider {
  /** `http://127.0.0.1:<port>`, the `iss` of its tokens. */
  issuer: string;
  jwksUrl: string;
  audience: string;
  /** How many times the JWKS has been fetched. */
  fetches(): number;
  /** Generates a key pair; published in the JWKS unless `publish` is false. Returns its kid. */
  addKey(alg: SigningAlgorithm, options?: { kid?: string; publish?: boolean }): Promise<string>;
  /** Publishes exactly these keys from now on (key rotation). */
  publish(kids: string[]): void;
  /** A signed token with `iss`, `aud`, `iat` and `exp` filled in, plus `claims`. */
  sign(claims: JWTPayload, options?: SignOptions): Promise<string>;
  /** Its authorization and token endpoints (the authorization code flow with PKCE, for the web app). */
  authorizationUrl: string;
  tokenUrl: string;
  /** Who signs in at the next visit to the authorization endpoint (the person at the provider's page), for this client. */
  signInNext(claims: JWTPayload, clientId: string): void;
  /** How many codes the token endpoint has exchanged. */
  exchanges(): number;
  /** Stops serving the JWKS (the provider is down). */
  stop(): Promise<void>;
}

/** Starts a provider with one RS256 key (kid `rsa-1`) published. */
export async function startIdentityProvider(audience = 'accesswatch'): Promise<LocalIdentityProvider> {
  const keys = new Map<string, SigningKey>();
  let published: string[] = [];
  let fetches = 0;
  let next: { claims: JWTPayload; clientId: string } | undefined;
  const codes = new Map<string, { claims: JWTPayload; clientId: string; redirectUri: string; challenge: string }>();
  let exchanges = 0;
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://provider');
    if (url.pathname === '/authorize') {
      // The person at the provider's page is `next`: the provider sends them straight back with a code.
      const q = url.searchParams;
      if (!next || q.get('client_id') !== next.clientId || q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || !q.get('code_challenge')) {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('bad authorization request');
        return;
      }
      const code = randomUUID();
      codes.set(code, { claims: next.claims, clientId: next.clientId, redirectUri: q.get('redirect_uri')!, challenge: q.get('code_challenge')! });
      const back = new URL(q.get('redirect_uri')!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.get('state') ?? '');
      response.writeHead(302, { location: back.toString() }).end();
      return;
    }
    if (url.pathname === '/token') {
      const cors = { 'access-control-allow-origin': request.headers.origin ?? '*', 'content-type': 'application/json' };
      if (request.method === 'OPTIONS') {
        response.writeHead(204, { ...cors, 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'content-type' }).end();
        return;
      }
      let body = '';
      request.on('data', (chunk) => { body += chunk; });
      request.on('end', () => {
        const form = new URLSearchParams(body);
        const issued = codes.get(form.get('code') ?? '');
        const verifier = form.get('code_verifier') ?? '';
        const ok = issued && form.get('grant_type') === 'authorization_code' && form.get('client_id') === issued.clientId
          && form.get('redirect_uri') === issued.redirectUri && createHash('sha256').update(verifier).digest('base64url') === issued.challenge;
        if (!ok) {
          response.writeHead(400, cors).end(JSON.stringify({ error: 'invalid_grant' }));
          return;
        }
        codes.delete(form.get('code')!);
        exchanges += 1;
        void provider.sign(issued.claims).then((token) => response.writeHead(200, cors).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 300 })));
      });
      return;
    }
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    const body = JSON.stringify({ keys: published.map((kid) => keys.get(kid)!.jwk) });
    response.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const provider: LocalIdentityProvider = {
    issuer,
    jwksUrl: `${issuer}/jwks.json`,
    authorizationUrl: `${issuer}/authorize`,
    tokenUrl: `${issuer}/token`,
    audience,
    signInNext(claims, clientId) { next = { claims, clientId }; },
    exchanges: () => exchanges,
    fetches: () => fetches,
    async addKey(alg, options = {}) {
      const kid = options.kid ?? `${alg.toLowerCase()}-${keys.size + 1}`;
      const { publicKey, privateKey } = await generateKeyPair(alg);
      keys.set(kid, { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } });
      if (options.publish ?? true) published.push(kid);
      return kid;
    },
    publish(kids) {
      published = [...kids];
    },
    async sign(claims, options = {}) {
      const key = keys.get(options.kid ?? [...keys.keys()][0]);
      if (!key) throw new Error(`no key ${options.kid}`);
      const now = Math.floor(Date.now() / 1000);
      const jwt = new SignJWT(claims)
        .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
        .setIssuer(options.issuer ?? issuer)
        .setAudience(options.audience ?? audience)
        .setIssuedAt(now);
      if (!options.noExpiry) jwt.setExpirationTime(now + (options.expiresIn ?? 300));
      if (options.notBefore !== undefined) jwt.setNotBefore(now + options.notBefore);
      return jwt.sign(key.privateKey);
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  await provider.addKey('RS256', { kid: 'rsa-1' });
  return provider;
}

/** Claims of a token that forges its way past signatures: `alg: none`, or HS256 with a guessed secret. */
export async function forgedTokens(provider: LocalIdentityProvider, claims: JWTPayload): Promise<{ none: string; hs256: string }> {
  const now = Math.floor(Date.now() / 1000);
  const full = { ...claims, iss: provider.issuer, aud: provider.audience, iat: now, exp: now + 300 };
  const none = new UnsecuredJWT(full).encode();
  const hs256 = await new SignJWT(full).setProtectedHeader({ alg: 'HS256', kid: 'rsa-1' }).sign(new TextEncoder().encode('a-secret-anyone-could-guess-0123456789'));
  return { none, hs256 };
}
