import type { FastifyRequest } from 'fastify';
import { credentialHash, sameSecret } from '../engine/auth/credentials.js';
import type { CredentialStore, PersonRole, Source } from '../engine/store/port.js';
import { UnavailableError } from '../engine/ingest/errors.js';
import { ApiError } from './errors.js';
import { looksLikeJwt, type OidcVerifier } from './oidc.js';

/** Who is calling: a source system with its key, or a person with their token. */
export type Principal =
  | { kind: 'source'; source: Source }
  | { kind: 'person'; id: string; name: string; role: PersonRole; organisations: string[] };

const CACHE_MS = 5_000;

/**
 * Resolves bearer credentials to a principal with one store lookup, cached for a few seconds.
 * Revocation through this process takes effect at once; through another process within the cache time.
 * With OIDC configured, a bearer shaped like a JWT is checked by the OIDC verifier instead.
 */
export class Authenticator {
  private readonly cache = new Map<string, { principal?: Principal; until: number }>();

  constructor(private readonly store: CredentialStore, private readonly adminToken?: string, private readonly oidc?: OidcVerifier) {}

  async principalOf(request: FastifyRequest): Promise<Principal> {
    const header = request.headers.authorization;
    const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
    if (!match) throw new ApiError('AW_ERR_UNAUTHENTICATED');
    const secret = match[1];
    if (this.adminToken && sameSecret(secret, this.adminToken)) {
      return { kind: 'person', id: 'bootstrap-admin', name: 'admin', role: 'admin', organisations: [] };
    }
    if (this.oidc && looksLikeJwt(secret)) return { kind: 'person', ...(await this.oidc.personOf(secret)) };
    const hash = credentialHash(secret);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until < now) {
      entry = { principal: await this.lookup(hash), until: now + CACHE_MS };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(hash, entry);
    }
    if (!entry.principal) throw new ApiError('AW_ERR_UNKNOWN_SOURCE');
    return entry.principal;
  }

  private async lookup(hash: string): Promise<Principal | undefined> {
    try {
      return await this.lookupInStore(hash);
    } catch (err) {
      throw Object.assign(new UnavailableError('the store is not reachable, so the key or token cannot be checked; retry shortly'), { cause: err });
    }
  }

  private async lookupInStore(hash: string): Promise<Principal | undefined> {
    const source = await this.store.findSourceByKeyHash(hash);
    if (source) return source.revokedAt ? undefined : { kind: 'source', source };
    const person = await this.store.findPersonByTokenHash(hash);
    if (person && !person.revokedAt) {
      return { kind: 'person', id: person.id, name: person.name, role: person.role, organisations: person.organisations };
    }
    return undefined;
  }

  /** Forgets cached credentials (after a revocation or replacement). */
  forget(): void {
    this.cache.clear();
    this.oidc?.forget();
  }
}
