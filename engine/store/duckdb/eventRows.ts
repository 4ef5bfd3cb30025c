import type { StoredEvent } from '../../events/accessEvent.js';
import { canonicalJson } from '../../events/canonical.js';
import { storedExplanationText } from '../../explain/storedExplanation.js';
import type { AccessToExplain } from '../../explain/explainAccess.js';
import type { ExplainAccessesOptions } from '../port.js';

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
  /** The explanation as stored (storedExplanationText), or null. */
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
  // A batch's events share one receivedAt: worked out once, not once per event.
  let received: string | undefined;
  let receivedMicros = 0;
  for (const stored of events) {
    const { event } = stored;
    if (stored.receivedAt !== received) {
      received = stored.receivedAt;
      receivedMicros = epochMicros(received);
    }
    rows.docId.push(stored.docId);
    rows.system.push(event.system);
    rows.id.push(event.id);
    rows.occurredAt.push(epochMicros(event.occurredAt));
    rows.organisation.push(event.organisation);
    rows.userId.push(event.user.id);
    rows.nhsNumber.push(event.patient.nhsNumber);
    rows.action.push(event.action);
    rows.receivedAt.push(receivedMicros);
    rows.batchId.push(stored.batchId);
    rows.sha256.push(stored.sha256);
    rows.event.push(parsedFromCanonical ? JSON.stringify(event) : canonicalJson(event));
    rows.original.push(stored.original === undefined ? null : JSON.stringify(stored.original));
    rows.explained.push(stored.explanation ? stored.explanation.explained : null);
    rows.explanation.push(stored.explanation ? storedExplanationText(stored.explanation) : null);
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

/** The string columns of EventRows (the rest are numbers and a boolean). */
const TEXT_FIELDS = [
  'docId', 'system', 'id', 'organisation', 'userId', 'nhsNumber', 'action', 'batchId', 'sha256', 'event', 'original', 'explanation',
] as const satisfies readonly (keyof EventRows)[];

/**
 * Strings as they cross between threads: one text of them end to end, with their lengths (-1 for
 * null). A thread copies one long string and transfers the lengths' buffer; JSON would escape
 * every quote of every event's JSON on one side and parse it back on the other.
 */
export interface PackedTexts {
  text: string;
  lengths: Int32Array;
}

export function packTexts(values: readonly (string | null)[]): PackedTexts {
  const lengths = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) lengths[i] = values[i]?.length ?? -1;
  return { text: values.join(''), lengths };
}

export function unpackTexts({ text, lengths }: PackedTexts): (string | null)[] {
  // Pushed rather than assigned into a preallocated array, which V8 would keep as a holey one (slower to read).
  const values: (string | null)[] = [];
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    const length = lengths[i];
    if (length < 0) values.push(null);
    else {
      values.push(text.slice(at, at + length));
      at += length;
    }
  }
  return values;
}

/** EventRows as they cross into the store thread: each string column packed, the numbers in typed arrays. */
export interface PackedRows {
  /** One per TEXT_FIELDS column. */
  texts: PackedTexts[];
  /** occurredAt, then receivedAt. */
  times: Float64Array;
  /** 1 explained, 0 not, -1 not judged. */
  explained: Int8Array;
}

export function packRows(rows: EventRows): PackedRows {
  const count = rows.docId.length;
  const times = new Float64Array(2 * count);
  times.set(rows.occurredAt, 0);
  times.set(rows.receivedAt, count);
  const explained = Int8Array.from(rows.explained, (value) => (value === null ? -1 : value ? 1 : 0));
  return { texts: TEXT_FIELDS.map((field) => packTexts(rows[field])), times, explained };
}

/** The buffers packRows made, to transfer rather than copy. */
export const packedBuffers = (packed: PackedRows): ArrayBuffer[] =>
  [...packed.texts.map(({ lengths }) => lengths.buffer), packed.times.buffer, packed.explained.buffer] as ArrayBuffer[];

export function unpackRows(packed: PackedRows): EventRows {
  const count = packed.explained.length;
  const rows = emptyRows();
  TEXT_FIELDS.forEach((field, column) => { (rows[field] as (string | null)[]) = unpackTexts(packed.texts[column]); });
  rows.occurredAt = Array.from(packed.times.subarray(0, count));
  rows.receivedAt = Array.from(packed.times.subarray(count, 2 * count));
  rows.explained = Array.from(packed.explained, (value) => (value < 0 ? null : value === 1));
  return rows;
}

/**
 * What insertEventsExplaining sends with a batch's rows: how to explain, whether to answer with
 * the explanations, and what explaining reads that the rows lack (each event's `occurredAt` as
 * posted and its user's team); the rest of each access is in the rows.
 */
export interface ExplainingRequest {
  options: ExplainAccessesOptions;
  answer: boolean;
  occurredAt: string[];
  teams: (string | null)[];
}

export function explainingRequestOf(events: readonly StoredEvent[], options: ExplainAccessesOptions, answer: boolean): ExplainingRequest {
  return { options, answer, occurredAt: events.map(({ event }) => event.occurredAt), teams: events.map(({ event }) => event.user.team ?? null) };
}

/** The accesses to explain, from a batch's rows and what its request adds. */
export function accessesOfRows(rows: EventRows, request: ExplainingRequest): AccessToExplain[] {
  return rows.docId.map((_, n): AccessToExplain => {
    const team = request.teams[n];
    return {
      occurredAt: request.occurredAt[n], organisation: rows.organisation[n],
      user: team === null ? { id: rows.userId[n] } : { id: rows.userId[n], team },
      patient: { nhsNumber: rows.nhsNumber[n] },
    };
  });
}
