import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AccessEvent } from './accessEvent.js';

/** The event's canonical JSON form (RFC 8785: sorted keys, no insignificant whitespace). */
export function canonicalJson(event: AccessEvent): string {
  const text = canonicalize(event);
  if (text === undefined) throw new Error('event has no canonical JSON form');
  return text;
}

/** SHA-256 (hex) of the canonical form: stored with every event as its tamper-evidence fingerprint. */
export function eventFingerprint(event: AccessEvent): string {
  return createHash('sha256').update(canonicalJson(event)).digest('hex');
}

/**
 * The store's document id for an event: derived from `(system, id)` only, so a retried post,
 * a redelivered job or a replayed batch always lands on the same document.
 */
export function eventDocId(system: string, id: string): string {
  return createHash('sha256').update(system).update('\u0000').update(id).digest('base64url');
}
