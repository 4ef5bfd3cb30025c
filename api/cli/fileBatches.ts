/**
 * Reads a file of access events or reference data as batches ready to post, each with the index
 * of its first record in the file so per-record rejections can be reported against the file.
 *
 * NDJSON and CSV are streamed: only one batch is held at a time, so files of any size work.
 * A JSON array or a FHIR Bundle is one JSON document and is read whole before it is split
 * (a Bundle into smaller Bundles of type `collection`); for very large files prefer NDJSON.
 */
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseCsv, type Info } from 'csv-parse';

/** How the records in a file are written. `fhir` is a FHIR R4 AuditEvent or a Bundle of them. */
export type IngestFormat = 'json' | 'ndjson' | 'csv' | 'fhir';

/** The media type the API expects for each format. */
export const contentTypeOf: Record<IngestFormat, string> = {
  json: 'application/json',
  ndjson: 'application/x-ndjson',
  csv: 'text/csv',
  fhir: 'application/fhir+json',
};

/** Up to `batchSize` records of the file, serialised as one request body. */
export interface FileBatch {
  body: string;
  /** How many records the body holds. */
  records: number;
  /** Index in the whole file (from 0, not counting a CSV header) of the batch's first record. */
  firstIndex: number;
  /** This batch's share of the file's bytes, for progress. */
  bytes: number;
}

/** A file opened for batching: its format (given or recognised), size, and its batches. */
export interface OpenedFile {
  format: IngestFormat;
  totalBytes: number;
  batches: AsyncIterable<FileBatch>;
}

/**
 * Opens `file` for reading in batches of `batchSize` records. Without `format`, it is chosen from
 * the extension: `.ndjson`/`.jsonl`, `.csv`, `.json` (a FHIR Bundle or AuditEvent in it → `fhir`).
 */
export async function openFileInBatches(file: string, batchSize: number, format?: IngestFormat): Promise<OpenedFile> {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new Error(`the batch size must be a whole number of records, at least 1 (got ${batchSize})`);
  }
  const totalBytes = await sizeOf(file);
  const chosen = format ?? formatFromName(file);
  switch (chosen) {
    case 'ndjson':
      return { format: chosen, totalBytes, batches: ndjsonBatches(file, batchSize) };
    case 'csv':
      return { format: chosen, totalBytes, batches: csvBatches(file, batchSize) };
    case 'json':
    case 'fhir':
      return openJsonDocument(file, totalBytes, batchSize, format);
  }
}

async function sizeOf(file: string): Promise<number> {
  try {
    return (await stat(file)).size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'there is no such file' : code === 'EACCES' ? 'permission denied' : String(err);
    throw new Error(`cannot read ${file}: ${why}`, { cause: err });
  }
}

function formatFromName(file: string): IngestFormat {
  const extension = extname(file).toLowerCase();
  if (extension === '.ndjson' || extension === '.jsonl') return 'ndjson';
  if (extension === '.csv') return 'csv';
  if (extension === '.json') return 'json';
  throw new Error(
    `cannot tell the format of ${file} from its name; give the format (json, ndjson, csv or fhir)`,
  );
}

async function* ndjsonBatches(file: string, batchSize: number): AsyncGenerator<FileBatch> {
  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  let pending: string[] = [];
  let bytes = 0;
  let firstIndex = 0;
  let first = true;
  try {
    for await (let line of lines) {
      bytes += Buffer.byteLength(line) + 1;
      if (first) {
        line = line.replace(/^\uFEFF/, '');
        first = false;
      }
      if (line.trim() === '') continue;
      pending.push(line);
      if (pending.length === batchSize) {
        yield { body: pending.join('\n') + '\n', records: pending.length, firstIndex, bytes };
        firstIndex += pending.length;
        pending = [];
        bytes = 0;
      }
    }
    if (pending.length > 0) {
      yield { body: pending.join('\n') + '\n', records: pending.length, firstIndex, bytes };
    }
  } finally {
    lines.close();
    input.destroy();
  }
}

async function* csvBatches(file: string, batchSize: number): AsyncGenerator<FileBatch> {
  const input = createReadStream(file);
  const parser = parseCsv({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let header: string | undefined;
  let pending: string[] = [];
  let bytesAtLastBatch = 0;
  let bytesRead = 0;
  let firstIndex = 0;
  const batch = (): FileBatch => {
    const made = {
      body: `${header}\n${pending.join('\n')}\n`,
      records: pending.length,
      firstIndex,
      bytes: bytesRead - bytesAtLastBatch,
    };
    firstIndex += pending.length;
    bytesAtLastBatch = bytesRead;
    pending = [];
    return made;
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: Info }>) {
      bytesRead = info.bytes;
      if (header === undefined) {
        header = csvRow(record);
        continue;
      }
      pending.push(csvRow(record));
      if (pending.length === batchSize) yield batch();
    }
    if (pending.length > 0) yield batch();
  } catch (err) {
    throw new Error(`${file}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** One CSV row, quoting (RFC 4180) any field holding a comma, a quote or a line break. */
export function csvRow(fields: string[]): string {
  return fields.map((field) => (/[",\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field)).join(',');
}

async function openJsonDocument(
  file: string,
  totalBytes: number,
  batchSize: number,
  asked: IngestFormat | undefined,
): Promise<OpenedFile> {
  let document: unknown;
  try {
    document = JSON.parse((await readFile(file, 'utf8')).replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const resourceType = (document as { resourceType?: unknown } | null)?.resourceType;
  const isFhir = resourceType === 'Bundle' || resourceType === 'AuditEvent';

  if (Array.isArray(document) && asked !== 'fhir') {
    const records = document;
    return {
      format: 'json',
      totalBytes,
      batches: slices(records.length, batchSize, totalBytes, (start, end) => JSON.stringify(records.slice(start, end))),
    };
  }
  if (isFhir && asked !== 'json') {
    const entries: unknown[] =
      resourceType === 'AuditEvent' ? [{ resource: document }] : ((document as { entry?: unknown[] }).entry ?? []);
    return {
      format: 'fhir',
      totalBytes,
      batches: slices(entries.length, batchSize, totalBytes, (start, end) =>
        JSON.stringify({ resourceType: 'Bundle', type: 'collection', entry: entries.slice(start, end) }),
      ),
    };
  }
  if (asked === 'fhir') {
    throw new Error(`${file} is not a FHIR AuditEvent or Bundle (no "resourceType" of AuditEvent or Bundle at the top)`);
  }
  if (isFhir) throw new Error(`${file} holds a FHIR ${resourceType}, not a JSON array; use the fhir format`);
  throw new Error(`${file} should hold a JSON array of records (or a FHIR Bundle of AuditEvents)`);
}

/** Batches over an in-memory list, sharing the file's bytes out in proportion to records. */
async function* slices(
  count: number,
  batchSize: number,
  totalBytes: number,
  body: (start: number, end: number) => string,
): AsyncGenerator<FileBatch> {
  for (let start = 0; start < count; start += batchSize) {
    const end = Math.min(start + batchSize, count);
    const bytes = Math.round((totalBytes * end) / count) - Math.round((totalBytes * start) / count);
    yield { body: body(start, end), records: end - start, firstIndex: start, bytes };
  }
}
