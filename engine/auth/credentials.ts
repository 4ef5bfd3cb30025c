import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Keys and tokens are 32 random bytes with a readable prefix (`awk_` source keys, `awt_` person
 * tokens). Only their SHA-256 is stored: they are high-entropy, so a fast hash is enough and lets a
 * request be authorised with one indexed lookup.
 */
export function newSourceKey(): string {
  return `awk_${randomBytes(32).toString('base64url')}`;
}

export function newPersonToken(): string {
  return `awt_${randomBytes(32).toString('base64url')}`;
}

export function credentialHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Constant-time comparison of a presented secret with a configured one. */
export function sameSecret(presented: string, expected: string): boolean {
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
