import { parse, type Info } from 'csv-parse/sync';
import { BodyFormatError } from './parsedRecord.js';

/** One CSV record: its cells as written (quotes removed, not yet trimmed) and the line it starts on. */
export interface CsvRow {
  cells: string[];
  /** 1-based line of the body the record starts on (a quoted field may carry it over several lines). */
  line: number;
}

/**
 * The rows of a CSV body, empty lines skipped. Well-formed RFC 4180 bodies (the usual case) are
 * read by a single pass over the text, several times faster than csv-parse; anything irregular
 * (a stray quote, an unclosed quote, text after a closing quote, bare CR line ends) is handed to
 * csv-parse, whose lenient reading and error messages then decide.
 */
export function readCsvRows(body: string): CsvRow[] {
  return readWellFormedCsv(body) ?? readCsvWithCsvParse(body);
}

const QUOTE = 34; // "
const COMMA = 44;
const LF = 10;
const CR = 13;

/** RFC 4180 reading, or undefined as soon as the body strays from it. */
export function readWellFormedCsv(body: string): CsvRow[] | undefined {
  const rows: CsvRow[] = [];
  const length = body.length;
  let at = 0;
  let line = 1;
  while (at < length) {
    const lineEnd = blankLineEnd(body, at);
    if (lineEnd !== -1) { at = lineEnd; line++; continue; } // an empty or whitespace-only line
    const cells: string[] = [];
    const startLine = line;
    for (;;) {
      let cell: string;
      if (body.charCodeAt(at) === QUOTE) {
        let value = '';
        let from = at + 1;
        for (;;) {
          const close = body.indexOf('"', from);
          if (close === -1) return undefined; // unclosed quote
          value += body.slice(from, close);
          if (body.charCodeAt(close + 1) === QUOTE) { value += '"'; from = close + 2; continue; }
          at = close + 1;
          break;
        }
        line += countLineFeeds(value);
        cell = value;
      } else {
        const from = at;
        while (at < length) {
          const code = body.charCodeAt(at);
          if (code === COMMA || code === LF || code === CR) break;
          if (code === QUOTE) return undefined; // a quote inside an unquoted field
          at++;
        }
        cell = body.slice(from, at);
      }
      cells.push(cell);
      if (at >= length) break;
      const next = body.charCodeAt(at);
      if (next === COMMA) { at++; continue; }
      if (next === LF) { at++; line++; break; }
      if (next === CR && body.charCodeAt(at + 1) === LF) { at += 2; line++; break; }
      return undefined; // text after a closing quote, or a bare CR
    }
    rows.push({ cells, line: startLine });
  }
  return rows;
}

/** Where the next line starts if the line at `at` holds only spaces and tabs, else -1. */
function blankLineEnd(body: string, at: number): number {
  let end = at;
  while (body.charCodeAt(end) === 32 || body.charCodeAt(end) === 9) end++;
  if (end >= body.length) return end > at ? end : -1;
  const code = body.charCodeAt(end);
  if (code === LF) return end + 1;
  if (code === CR && body.charCodeAt(end + 1) === LF) return end + 2;
  return -1;
}

function countLineFeeds(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** csv-parse's lenient reading: the reference for irregular bodies, and the source of syntax error messages. */
export function readCsvWithCsvParse(body: string): CsvRow[] {
  let parsed: { record: string[]; info: Info }[];
  try {
    // With `info: true` csv-parse yields { record, info } per row; its typings only know string[][].
    parsed = parse(body, {
      bom: true,
      info: true,
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as { record: string[]; info: Info }[];
  } catch (error) {
    throw new BodyFormatError(`CSV is malformed: ${error instanceof Error ? error.message : String(error)}`);
  }
  // csv-parse reports the line a record ends on; step back over the line feeds inside its fields.
  return parsed.map(({ record, info }) => ({
    cells: record,
    line: info.lines - record.reduce((sum, cell) => sum + countLineFeeds(cell), 0),
  }));
}
