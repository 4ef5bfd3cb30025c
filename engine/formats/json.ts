import {
  BodyFormatError, describeJsonType, isJsonObject, jsonErrorMessage, type ParsedRecord,
} from './parsedRecord.js';

/**
 * application/json: an array of canonical events, or `{"events": [...]}` (other keys beside
 * `events` are ignored). Each element becomes one record; an element that is not an object is a
 * record with an error, so the rest of the batch is still kept.
 */
export function parseJsonEvents(body: string): ParsedRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new BodyFormatError(`body is not valid JSON (${jsonErrorMessage(error)})`);
  }
  return jsonRecords(eventsArray(document));
}

function eventsArray(document: unknown): unknown[] {
  if (Array.isArray(document)) return document;
  if (isJsonObject(document)) {
    if (Array.isArray(document.events)) return document.events;
    if (typeof document.resourceType === 'string') {
      throw new BodyFormatError(
        `body is a FHIR ${document.resourceType}: post FHIR resources with Content-Type application/fhir+json`,
      );
    }
    if ('events' in document) {
      throw new BodyFormatError(`events: expected an array of events, got ${describeJsonType(document.events)}`);
    }
    throw new BodyFormatError(
      'body is a single object: expected an array of events or {"events": [...]} (wrap a single event in an array)',
    );
  }
  throw new BodyFormatError(`body is ${describeJsonType(document)}: expected an array of events or {"events": [...]}`);
}

/** One record per element, in order. */
export function jsonRecords(elements: unknown[]): ParsedRecord[] {
  const records: ParsedRecord[] = new Array(elements.length);
  for (let index = 0; index < elements.length; index++) {
    const element = elements[index];
    records[index] = isJsonObject(element)
      ? { index, value: element }
      : { index, errors: [`record is not a JSON object (got ${describeJsonType(element)})`] };
  }
  return records;
}
