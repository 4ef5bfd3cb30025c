import type { StoredEvent } from '../../events/accessEvent.js';
import { canonicalJson } from '../../events/canonical.js';

/**
 * A batch of stored events as the columns of the DuckDB events table. This is the form a batch
 * crosses into the store thread in: flat arrays of strings and numbers are several times cheaper
 * to serialise and parse than the same events as objects.
 */
export interface EventRows {
  docId: string[];
  system: string[];
  id: string[];
  /** Microseconds since the epoch (exact in a double until the year 2255). */
  occurredAt: number[];
  organisation: string[];
  userId: string[];
  nhsNumber: string[];
  action: string[];
  receivedAt: number[];
  batchId: string[];
  sha256: string[];
  /** The event's canonical JSON (the text its fingerprint was taken over). */
  event: string[];
  /** The source document (a FHIR AuditEvent) as JSON, or null. */
  original: (string | null)[];
  /** Whether the access was explained; null when it was not judged. */
  explained: (boolean | null)[];
  /** The explanation as JSON, or null. */
  explanation: (string | null)[];
}

export const ROW_FIELDS = [
  'docId', 'system', 'id', 'occurredAt', 'organisation', 'userId', 'nhsNumber', 'action',
  'receivedAt', 'batchId', 'sha256', 'event', 'original', 'explained', 'explanation',
] as const satisfies readonly (keyof EventRows)[];

/** Microseconds since the epoch of an RFC 3339 time, keeping digits Date.parse drops. */
export function epochMicros(iso: string): number {
  const dot = iso.indexOf('.', 19);
  let micros = 0;
  if (dot > 0) {
    let end = dot + 1;
    while (end < iso.length && iso.charCodeAt(end) >= 48 && iso.charCodeAt(end) <= 57) end++;
    const beyondMillis = iso.slice(dot + 4, Math.min(end, dot + 7));
    micros = beyondMillis ? Number(beyondMillis.padEnd(3, '0')) : 0;
  }
  return Date.parse(iso) * 1000 + micros;
}

/**
 * The rows of a batch. `parsedFromCanonical`: the events were parsed from their canonical JSON
 * (a queued batch), so their keys are already in canonical order and JSON.stringify writes the
 * canonical text again, faster than canonicalJson.
 */
export function eventRowsOf(events: readonly StoredEvent[], parsedFromCanonical = false): EventRows {
  const rows = emptyRows();
  for (const stored of events) {
    const { event } = stored;
    rows.docId.push(stored.docId);
    rows.system.push(event.system);
    rows.id.push(event.id);
    rows.occurredAt.push(epochMicros(event.occurredAt));
    rows.organisation.push(event.organisation);
    rows.userId.push(event.user.id);
    rows.nhsNumber.push(event.patient.nhsNumber);
    rows.action.push(event.action);
    rows.receivedAt.push(epochMicros(stored.receivedAt));
    rows.batchId.push(stored.batchId);
    rows.sha256.push(stored.sha256);
    rows.event.push(parsedFromCanonical ? JSON.stringify(event) : canonicalJson(event));
    rows.original.push(stored.original === undefined ? null : JSON.stringify(stored.original));
    rows.explained.push(stored.explanation ? stored.explanation.explained : null);
    rows.explanation.push(stored.explanation ? JSON.stringify(stored.explanation) : null);
  }
  return rows;
}

export function emptyRows(): EventRows {
  return {
    docId: [], system: [], id: [], occurredAt: [], organisation: [], userId: [], nhsNumber: [], action: [],
    receivedAt: [], batchId: [], sha256: [], event: [], original: [], explained: [], explanation: [],
  };
}

/** Appends the rows of `from` at the given positions to `to`. */
export function copyRows(from: EventRows, positions: readonly number[], to: EventRows): void {
  for (const field of ROW_FIELDS) {
    const source = from[field] as unknown[];
    const target = to[field] as unknown[];
    for (const position of positions) target.push(source[position]);
  }
}
