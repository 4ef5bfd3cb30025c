import type { AlertUpdate, EvidenceRef, Suppression } from '../alerts/alert.js';
import { eventDocId } from '../events/canonical.js';

/** What the alert contract suites record: one care setting, one rule, one user and patient. */

/** A reference to event `e<n>`, which happened `n` minutes after 09:00 on 20 November. */
export function evidence(n: number): EvidenceRef {
  const minutes = String(n).padStart(2, '0');
  return { docId: eventDocId('emis-a81001', `e${n}`), system: 'emis-a81001', id: `e${n}`, occurredAt: `2026-11-20T09:${minutes}:00Z` };
}

/** An update of the co-worker rule for Ann (G1234567) looking at patient 9434765919, with evidence `e<n>` for each n. */
export function update(events: number[], overrides: Partial<AlertUpdate> = {}): AlertUpdate {
  const refs = events.map(evidence);
  const times = refs.map((ref) => ref.occurredAt).sort();
  return {
    ruleId: 'co-worker-record',
    title: "Access to a co-worker's record",
    severity: 'medium',
    raises: 'alert',
    subject: { organisation: 'A81001', userId: 'G1234567', nhsNumber: '9434765919' },
    firstSeenAt: times[0],
    lastSeenAt: times[times.length - 1],
    explanation: { text: `Ann viewed a co-worker's record ${events.length} times.`, details: { events: events.length } },
    evidence: refs,
    ...overrides,
  };
}

/** `hour` o'clock on 21 November: the wall clock of a recording. */
export const at = (hour: number) => `2026-11-21T${String(hour).padStart(2, '0')}:00:00.000Z`;

export function suppression(overrides: Partial<Suppression> & { id: string }): Suppression {
  return {
    organisation: 'A81001', ruleId: 'co-worker-record', userId: 'G1234567', expiresAt: '2026-12-01T00:00:00Z',
    reason: 'Ann works in the GP practice she is registered with', createdBy: 'person-1', createdAt: '2026-11-20T12:00:00Z', ...overrides,
  };
}
