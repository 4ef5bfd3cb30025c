import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import type { AccessEvent } from './accessEvent.js';
import { canonicalJson, canonicalJsonOf, eventDocId, eventFingerprint } from './canonical.js';

const event: AccessEvent = {
  id: 'é-1', occurredAt: '2026-11-20T09:30:00Z', system: 'emis-a81001', organisation: 'A81001',
  user: { role: 'R8000', id: 'G1', team: 'Ward "7"' }, patient: { nhsNumber: '9434765919' },
  action: 'view', reason: 'line\nbreak \u2028 and emoji 😀', purpose: 'direct-care',
};

describe('canonical form and identity', () => {
  it('writes RFC 8785 canonical JSON: sorted keys, no whitespace, the same as a reference implementation', () => {
    expect(canonicalJson(event)).toBe(canonicalize(event));
    expect(canonicalJson(event).startsWith('{"action":"view","id":"é-1","occurredAt"')).toBe(true);
    const nested = { b: [3, { d: 1, c: null }], a: 1.5e-7, 'é': true, A: 'x' };
    expect(canonicalJsonOf(nested)).toBe(canonicalize(nested));
    const full = { ...event, ip: '10.0.0.1', outcome: 'success', recordPart: 'result', relationshipClaim: 'self-claimed', site: 'X', workstation: 'W', user: { team: 't', id: 'u', role: 'r' } } as AccessEvent;
    expect(canonicalJson(full)).toBe(canonicalize(full));
  });

  it('gives the same fingerprint whatever the key order, and a different one for any change', () => {
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as unknown as AccessEvent;
    expect(eventFingerprint(reordered)).toBe(eventFingerprint(event));
    expect(eventFingerprint({ ...event, action: 'print' })).not.toBe(eventFingerprint(event));
    expect(eventFingerprint(event)).toMatch(/^[0-9a-f]{64}$/);
  });

  it('derives the document id from (system, id) alone', () => {
    expect(eventDocId('a', 'b')).toBe(eventDocId('a', 'b'));
    expect(eventDocId('a', 'b')).not.toBe(eventDocId('ab', ''));
    expect(eventDocId('a', 'b')).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
