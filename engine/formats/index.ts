/**
 * Body parsers: turn a posted body into candidate records (canonical events, reference records),
 * one per record in the body, by media type. They only read and reshape; validation against the
 * record's schema happens later.
 */
import { ACCESS_EVENT_SHAPE } from './accessEventShape.js';
import { parseCsvRecords } from './csv.js';
import { parseFhirEvents } from './fhir.js';
import { parseJsonRecords } from './json.js';
import { parseNdjsonRecords } from './ndjson.js';
import { UnsupportedMediaTypeError, type ParsedRecord, type RecordShape } from './parsedRecord.js';

export { BodyFormatError, UnsupportedMediaTypeError, type ParsedRecord, type RecordShape } from './parsedRecord.js';
export { ACCESS_EVENT_SHAPE } from './accessEventShape.js';

/** The media types access events may be posted in. */
export const SUPPORTED_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'application/fhir+json', 'text/csv'];

/** The media types reference data may be posted in (FHIR carries access events only). */
export const RECORD_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'text/csv'];

type Parser = (body: string, shape: RecordShape) => ParsedRecord[];

const PARSERS = new Map<string, Parser>([
  ['application/json', parseJsonRecords],
  ['application/x-ndjson', parseNdjsonRecords],
  ['application/ndjson', parseNdjsonRecords],
  ['application/fhir+json', parseFhirEvents],
  ['text/csv', parseCsvRecords],
]);

/**
 * Parses a posted body of `shape`'s records by its Content-Type (parameters such as `charset` are
 * ignored, case does not matter). Returns one record per record in the body, in order; throws
 * BodyFormatError when the body as a whole cannot be read, and UnsupportedMediaTypeError for a
 * media type the shape is not taken in (FHIR is for access events only).
 */
export function parseRecords(contentType: string | undefined, body: string, shape: RecordShape): ParsedRecord[] {
  const supported = shape.fhir ? SUPPORTED_MEDIA_TYPES : RECORD_MEDIA_TYPES;
  const mediaType = contentType?.split(';', 1)[0].trim().toLowerCase() ?? '';
  const parse = supported.includes(mediaType) || mediaType === 'application/ndjson' ? PARSERS.get(mediaType) : undefined;
  if (parse === undefined) {
    const got = mediaType === '' ? 'no Content-Type' : `Content-Type ${mediaType}`;
    throw new UnsupportedMediaTypeError(`${got} is not supported: post ${shape.title} as ${supported.join(', ')}`);
  }
  return parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body, shape);
}

/** parseRecords for access events: JSON, NDJSON, CSV and FHIR R4 AuditEvents. */
export function parseAccessEvents(contentType: string | undefined, body: string): ParsedRecord[] {
  return parseRecords(contentType, body, ACCESS_EVENT_SHAPE);
}
