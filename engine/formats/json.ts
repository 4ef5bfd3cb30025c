import { ACCESS_EVENT_SHAPE } from './accessEventShape.js';
import {
  BodyFormatError, describeJsonType, isJsonObject, jsonErrorMessage, type ParsedRecord, type RecordShape,
} from './parsedRecord.js';

/**
 * application/json: an array of records, or `{"<wrapperKey>": [...]}` (`{"events": [...]}`; other
 * keys beside it are ignored). Each element becomes one record; an element that is not an object
 * is a record with an error, so the rest of the batch is still kept.
 */
export function parseJsonRecords(body: string, shape: RecordShape): ParsedRecord[] {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new BodyFormatError(`body is not valid JSON (${jsonErrorMessage(error)})`);
  }
  return jsonRecords(recordsArray(document, shape));
}

/** parseJsonRecords for access events. */
export function parseJsonEvents(body: string): ParsedRecord[] {
  return parseJsonRecords(body, ACCESS_EVENT_SHAPE);
}

function recordsArray(document: unknown, shape: RecordShape): unknown[] {
  const expected = `expected an array of ${shape.many} or {"${shape.wrapperKey}": [...]}`;
  if (Array.isArray(document)) return document;
  if (isJsonObject(document)) {
    const wrapped = document[shape.wrapperKey];
    if (Array.isArray(wrapped)) return wrapped;
    if (typeof document.resourceType === 'string') {
      throw new BodyFormatError(
        shape.fhir
          ? `body is a FHIR ${document.resourceType}: post FHIR resources with Content-Type application/fhir+json`
          : `body is a FHIR ${document.resourceType}: ${shape.many} are taken as plain JSON, NDJSON or CSV, not FHIR`,
      );
    }
    if (Object.hasOwn(document, shape.wrapperKey)) {
      throw new BodyFormatError(`${shape.wrapperKey}: expected an array of ${shape.many}, got ${describeJsonType(wrapped)}`);
    }
    throw new BodyFormatError(`body is a single object: ${expected} (wrap a single ${shape.one} in an array)`);
  }
  throw new BodyFormatError(`body is ${describeJsonType(document)}: ${expected}`);
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
