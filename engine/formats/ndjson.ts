import { describeJsonType, isJsonObject, jsonErrorMessage, type ParsedRecord } from './parsedRecord.js';

/**
 * application/x-ndjson: one record (a canonical event, a reference record) per line. Blank lines are ignored and do not count
 * towards record indexes; a line that is not a JSON object is a record with an error naming the
 * line (counted from 1, blank lines included, as an editor shows it), and the other lines are kept.
 */
export function parseNdjsonRecords(body: string): ParsedRecord[] {
  const records: ParsedRecord[] = [];
  const lines = body.split('\n');
  for (let lineIndex = 0; lineIndex < lines.length; lineIndex++) {
    const line = lines[lineIndex].trim();
    if (line === '') continue;
    const index = records.length;
    const lineNumber = lineIndex + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      records.push({ index, errors: [`line ${lineNumber}: not valid JSON (${jsonErrorMessage(error)})`] });
      continue;
    }
    records.push(
      isJsonObject(value)
        ? { index, value }
        : { index, errors: [`line ${lineNumber}: not a JSON object (got ${describeJsonType(value)})`] },
    );
  }
  return records;
}

/** parseNdjsonRecords for access events. */
export const parseNdjsonEvents = parseNdjsonRecords;
