/**
 * Body parsers: turn a posted body into candidate canonical events, one record per event, by
 * media type. They only read and reshape; validation against the event schema happens later.
 */
import { parseCsvEvents } from './csv.js';
import { parseFhirEvents } from './fhir.js';
import { parseJsonEvents } from './json.js';
import { parseNdjsonEvents } from './ndjson.js';
import { UnsupportedMediaTypeError, type ParsedRecord } from './parsedRecord.js';

export { BodyFormatError, UnsupportedMediaTypeError, type ParsedRecord } from './parsedRecord.js';

/** The media types access events may be posted in. */
export const SUPPORTED_MEDIA_TYPES = ['application/json', 'application/x-ndjson', 'application/fhir+json', 'text/csv'];

const PARSERS = new Map<string, (body: string) => ParsedRecord[]>([
  ['application/json', parseJsonEvents],
  ['application/x-ndjson', parseNdjsonEvents],
  ['application/ndjson', parseNdjsonEvents],
  ['application/fhir+json', parseFhirEvents],
  ['text/csv', parseCsvEvents],
]);

/**
 * Parses a posted body by its Content-Type (parameters such as `charset` are ignored, case does
 * not matter). Returns one record per event in the body, in order; throws BodyFormatError when
 * the body as a whole cannot be read, and UnsupportedMediaTypeError for any other media type.
 */
export function parseAccessEvents(contentType: string | undefined, body: string): ParsedRecord[] {
  const mediaType = contentType?.split(';', 1)[0].trim().toLowerCase() ?? '';
  const parse = PARSERS.get(mediaType);
  if (parse === undefined) {
    const got = mediaType === '' ? 'no Content-Type' : `Content-Type ${mediaType}`;
    throw new UnsupportedMediaTypeError(`${got} is not supported: post access events as ${SUPPORTED_MEDIA_TYPES.join(', ')}`);
  }
  return parse(body.charCodeAt(0) === 0xfeff ? body.slice(1) : body);
}
