import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import { credentialHash } from '../engine/auth/credentials.js';
import { ClaimRejected, personOfClaims, type OidcPerson, type OidcSettings } from '../engine/auth/oidcClaims.js';
import { UnavailableError } from '../engine/ingest/errors.js';
import { ApiError } from './errors.js';

/** Asymmetric algorithms only: `none` and the HMAC family (HS*) are never accepted. */
export const OIDC_ALGORITHMS = ['RS256', 'ES256', 'PS256'] as const;

/** Seconds of clock difference with the identity provider tolerated on `exp` and `nbf`. */
export const OIDC_CLOCK_TOLERANCE_SECONDS = 60;

const CACHE_MS = 5_000;
const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/** Whether a bearer secret has the shape of a compact JWS (three base64url segments); local keys and tokens never do. */
export function looksLikeJwt(secret: string): boolean {
  return JWS_COMPACT.test(secret);
}

export interface OidcVerifierOptions {
  /** Least time between two JWKS fetches caused by an unknown `kid` (default 30 s, jose's default). */
  cooldownMs?: number;
  /** JWKS fetch timeout (default 5 s). */
  timeoutMs?: number;
}

/** The JWKS could not be fetched or read: the provider's fault or the network's, not the caller's. */
class JwksUnavailable extends Error {}

/**
 * Checks identity provider JWTs against the provider's published keys (fetched from the JWKS URL,
 * cached, refetched when a token names an unknown `kid`) and maps their claims to a person.
 * Outcomes of genuine tokens are cached for a few seconds, never past the token's `exp`.
 * Throws ApiError 401 `AW_ERR_INVALID_TOKEN` (which check failed), 403 `AW_ERR_FORBIDDEN` (which
 * claim is unusable), or UnavailableError (503) when the keys cannot be fetched.
 */
export class OidcVerifier {
  private readonly keys: JWTVerifyGetKey;
  private readonly cache = new Map<string, { outcome: OidcPerson | ApiError; until: number }>();

  constructor(private readonly settings: OidcSettings, options: OidcVerifierOptions = {}) {
    const remote = createRemoteJWKSet(new URL(settings.jwksUrl), {
      cooldownDuration: options.cooldownMs ?? 30_000,
      timeoutDuration: options.timeoutMs ?? 5_000,
    });
    this.keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) throw err;
        throw new JwksUnavailable('the JWKS could not be fetched or read', { cause: err });
      }
    };
  }

  /** The person a token stands for, or an error saying why not. */
  async personOf(token: string): Promise<OidcPerson> {
    const hash = credentialHash(token);
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return settle(cached.outcome);
    let claims;
    try {
      ({ payload: claims } = await jwtVerify(token, this.keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: [...OIDC_ALGORITHMS],
        clockTolerance: OIDC_CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw this.rejection(err);
    }
    let outcome: OidcPerson | ApiError;
    try {
      outcome = personOfClaims(claims, this.settings);
    } catch (err) {
      if (!(err instanceof ClaimRejected)) throw err;
      outcome = new ApiError('AW_ERR_FORBIDDEN', `the OIDC token was accepted but ${err.message}`);
    }
    const until = Math.min(now + CACHE_MS, (claims.exp ?? 0) * 1000);
    if (until > now) {
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, { outcome, until });
    }
    return settle(outcome);
  }

  /** Forgets cached outcomes. */
  forget(): void {
    this.cache.clear();
  }

  /** Why a token failed, in the caller's terms; never echoes the token. */
  private rejection(err: unknown): Error {
    if (err instanceof JwksUnavailable) {
      return Object.assign(new UnavailableError('the identity provider\'s signing keys (ACCESSWATCH_OIDC_JWKS_URL) could not be fetched, so the token cannot be checked; retry shortly'), { cause: err.cause });
    }
    const reason = reasonOf(err, this.settings);
    if (reason === undefined) return err instanceof Error ? err : new Error(String(err));
    return new ApiError('AW_ERR_INVALID_TOKEN', `the OIDC token was rejected: ${reason}`);
  }
}

function settle(outcome: OidcPerson | ApiError): OidcPerson {
  if (outcome instanceof ApiError) throw outcome;
  return outcome;
}

function reasonOf(err: unknown, settings: OidcSettings): string | undefined {
  if (err instanceof errors.JWTExpired) return 'it has expired (exp)';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return `its issuer (iss) is not ${settings.issuer}`;
    if (err.claim === 'aud') return `its audience (aud) does not include ${settings.audience}`;
    if (err.claim === 'nbf') return 'it is not valid yet (nbf)';
    if (err.claim === 'exp') return 'it has no expiry (exp)';
    return `its "${err.claim}" claim failed a check`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `it is not signed with an allowed algorithm (${OIDC_ALGORITHMS.join(', ')})`;
  if (err instanceof errors.JWKSNoMatchingKey) return 'no key of the identity provider matches its key id (kid)';
  if (err instanceof errors.JWKSMultipleMatchingKeys) return 'it names no key id (kid) and several of the identity provider\'s keys could match';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (err instanceof errors.JOSEError) return 'it is not a well-formed signed JWT';
  return undefined;
}
