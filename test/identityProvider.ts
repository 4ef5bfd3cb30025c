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
  /** Stops serving the JWKS (the provider is down). */
  stop(): Promise<void>;
}

/** Starts a provider with one RS256 key (kid `rsa-1`) published. */
export async function startIdentityProvider(audience = 'accesswatch'): Promise<LocalIdentityProvider> {
  const keys = new Map<string, SigningKey>();
  let published: string[] = [];
  let fetches = 0;
  const server: Server = createServer((request, response) => {
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
    audience,
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
