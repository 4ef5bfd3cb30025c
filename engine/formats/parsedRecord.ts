/**
 * What every body parser produces: one candidate canonical event per record in the body, or the
 * reasons it could not be read. Shared by the format parsers and re-exported from `index.ts`.
 */

/** One record of a posted body, before validation against the canonical event schema. */
export interface ParsedRecord {
  /**
   * Position in the body, from 0: the array element (JSON), the non-empty line (NDJSON), the data
   * row after the header (CSV), or the AuditEvent / Bundle entry (FHIR).
   */
  index: number;
  /** The candidate canonical event (shaped like AccessEvent, unvalidated); absent when the record could not be read or mapped. */
  value?: Record<string, unknown>;
  /** The source document when the format is not canonical JSON (the FHIR resource); absent for JSON, NDJSON and CSV. */
  original?: unknown;
  /** Why the record could not be read or mapped, each starting with the field path (e.g. "agent: no agent with requestor true"). */
  errors?: string[];
}

/**
 * What kind of record a body holds, for the parsers: the names used in messages, the JSON
 * wrapper key, the field names a CSV header is recognised by, and which CSV columns are lists.
 */
export interface RecordShape {
  /** One record in messages: "event", "staff record", "patient". */
  one: string;
  /** Several records in messages: "events", "staff records", "patients". */
  many: string;
  /** The media-type refusal names them so: "access events". */
  title: string;
  /** JSON bodies may be `{"<wrapperKey>": [...]}` as well as an array. */
  wrapperKey: string;
  /** Top-level field names: a CSV header naming none of them is taken to be missing. */
  knownFields: ReadonlySet<string>;
  /** A header line to show in messages. */
  headerExample: string;
  /** CSV columns whose cell is a `;`-separated list (`vip;restricted`). */
  listFields?: ReadonlySet<string>;
  /** The kind also arrives as FHIR (events): a FHIR resource posted as plain JSON is pointed at its media type. */
  fhir?: boolean;
}

/** The whole body is unreadable, so no record can be reported on (the API answers 400). */
export class BodyFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BodyFormatError';
  }
}

/** The body is in a format accesswatch does not read (the API answers 415); the message lists the supported types. */
export class UnsupportedMediaTypeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** A plain JSON object (not an array, not null). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** "an array", "a string", "null"...: what a JSON value is, for error messages. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** The message of a JSON.parse failure, to quote in an error. */
export function jsonErrorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
