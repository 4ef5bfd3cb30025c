import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AccessEvent } from '../events/accessEvent.js';
import { londonDate } from '../explain/londonTime.js';
import { ACCESS_EVENT_SHAPE, parseRecords, type ParsedRecord } from '../formats/index.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { REFERENCE_SHAPES } from '../reference/referenceSchemas.js';
import { auditEventOf, CSV_COLUMNS, csvRowOf } from './eventFormats.js';
import type { ScenarioLabel } from './labels.js';
import { manifestOf, type Manifest, type ManifestFile } from './manifest.js';
import type { EventFormat, SourceSystem } from './organisations.js';
import { simulate, type SimulationRecord } from './simulation.js';
import type { SimulationOptions } from './sizes.js';

/**
 * A simulation's files: the only module of the simulator that does I/O. Writing streams:
 * `reference/staff.csv`, `patients.csv`, `relationships.csv`; each system's access log under
 * `events/<system>/`, one file per UK day in its format (FHIR bundles and JSON arrays in files of
 * at most `chunk` records, so that `accesswatch ingest`, which reads a JSON document whole, copes);
 * `labels.ndjson`; and `manifest.json`. Reading uses accesswatch's own body parsers, as the API
 * would read the files when they are posted (for tests, benchmarks and in-process replays).
 */

/** Formats whose files are one JSON document, written in chunks. */
const CHUNKED = new Set<EventFormat>(['fhir', 'json']);
/** Records per FHIR bundle or JSON array file. */
const DEFAULT_CHUNK = 10_000;
/** Bytes buffered before a write. */
const BUFFER_BYTES = 1 << 16;

/** A run to write, and where. */
export interface WriteOptions extends SimulationOptions {
  /** The folder to write (made if missing; files of an earlier run in it are replaced). */
  out: string;
  /** Records per FHIR bundle or JSON array file (default 10,000). */
  chunk?: number;
  /** Called now and then with how many events have been written. */
  onProgress?: (events: number) => void;
}

/** One file being written: buffered text, with backpressure, and how JSON documents open and close. */
class OutputFile {
  private stream: WriteStream;
  private buffer = '';
  records = 0;

  constructor(readonly path: string, private readonly head: string, private readonly separator: string, private readonly tail: string) {
    this.stream = createWriteStream(path);
    this.buffer = head;
  }

  /** Adds a record; returns a promise to wait for only when the buffer went to the file (no await per record). */
  add(text: string): Promise<void> | undefined {
    this.buffer += (this.records > 0 ? this.separator : '') + text;
    this.records++;
    return this.buffer.length >= BUFFER_BYTES ? this.flush() : undefined;
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = '';
    if (!this.stream.write(chunk)) await once(this.stream, 'drain');
  }

  async close(): Promise<void> {
    this.buffer += this.tail;
    await this.flush();
    this.stream.end();
    await once(this.stream, 'finish');
  }
}

const STAFF_COLUMNS = ['userId', 'organisation', 'name', 'surname', 'role', 'roleClass', 'team', 'address.line1', 'address.postcode', 'nhsNumber', 'start', 'end'];
const PATIENT_COLUMNS = ['nhsNumber', 'surname', 'dateOfBirth', 'address.line1', 'address.postcode', 'dateOfDeath', 'flags', 'optOuts', 'registeredPractice'];
const RELATIONSHIP_COLUMNS = ['id', 'nhsNumber', 'organisation', 'team', 'userId', 'type', 'start', 'end'];

function cell(value: unknown): string {
  if (value === undefined) return '';
  const text = Array.isArray(value) ? value.join(';') : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** A reference record as a CSV row under `columns` (dotted for nested fields, lists joined with `;`). */
export function referenceRow(record: Staff | Patient | Relationship, columns: readonly string[]): string {
  return columns.map((column) => {
    const [outer, inner] = column.split('.');
    const value = (record as unknown as Record<string, unknown>)[outer];
    return cell(inner === undefined ? value : (value as Record<string, unknown> | undefined)?.[inner]);
  }).join(',');
}

/** An access as its system writes it: a CSV row (the GP system in UK local time), a Bundle entry, or canonical JSON. */
function recordText(system: SourceSystem, event: AccessEvent): string {
  if (system.format === 'csv') return csvRowOf(event, system.name === 'gp-clinical');
  if (system.format === 'fhir') return JSON.stringify({ fullUrl: `urn:uuid:${event.id}`, resource: auditEventOf(event) });
  return JSON.stringify(event);
}

/** Writes the simulation `options` asks for and returns its manifest. */
export async function writeSimulation(options: WriteOptions): Promise<Manifest> {
  const chunk = options.chunk ?? DEFAULT_CHUNK;
  await rm(join(options.out, 'events'), { recursive: true, force: true });
  await mkdir(join(options.out, 'reference'), { recursive: true });
  const written: ManifestFile[] = [];
  const open = async (path: string, kind: ManifestFile['kind'], format: EventFormat, columns?: readonly string[]) => {
    const full = join(options.out, path);
    await mkdir(dirname(full), { recursive: true });
    const shape = format === 'csv' ? [`${columns!.join(',')}\n`, '\n', '\n'] : format === 'ndjson' ? ['', '\n', '\n']
      : format === 'json' ? ['[\n', ',\n', '\n]\n'] : ['{"resourceType":"Bundle","type":"collection","entry":[\n', ',\n', '\n]}\n'];
    const file = new OutputFile(full, shape[0], shape[1], shape[2]);
    written.push({ path, kind, format, records: 0 });
    return { file, entry: written[written.length - 1] };
  };
  const reference = {
    staff: await open('reference/staff.csv', 'staff', 'csv', STAFF_COLUMNS),
    patients: await open('reference/patients.csv', 'patients', 'csv', PATIENT_COLUMNS),
    relationships: await open('reference/relationships.csv', 'relationships', 'csv', RELATIONSHIP_COLUMNS),
  };
  const current = new Map<string, { file: OutputFile; entry: ManifestFile; day: string; part: number }>();
  const labels = new OutputFile(join(options.out, 'labels.ndjson'), '', '\n', '\n');

  let dayHour = -1;
  let dayOfHour = '';
  /** The UK day of an event, worked out once an hour. */
  const dayOf = (occurredAt: string) => {
    const hour = Math.floor(Date.parse(occurredAt) / 3_600_000);
    if (hour !== dayHour) {
      dayHour = hour;
      dayOfHour = londonDate(hour * 3_600_000);
    }
    return dayOfHour;
  };
  type Target = { file: OutputFile; entry: ManifestFile; day: string; part: number };
  const append = (target: Target, system: SourceSystem, event: AccessEvent) => {
    target.entry.records++;
    return target.file.add(recordText(system, event));
  };
  /** Closes the system's current file and opens the next (a new day, or a full chunk), then writes the event. */
  const rollOver = async (system: SourceSystem, event: AccessEvent, day: string, previous: Target | undefined) => {
    const part = previous && previous.day === day ? previous.part + 1 : 1;
    if (previous) await previous.file.close();
    const extension = system.format === 'fhir' ? 'json' : system.format;
    const name = CHUNKED.has(system.format) ? `${day}-${String(part).padStart(3, '0')}.${extension}` : `${day}.${extension}`;
    const target = { ...(await open(`events/${system.name}/${name}`, 'events', system.format, CSV_COLUMNS)), day, part };
    current.set(system.name, target);
    await append(target, system, event);
  };
  /** Writes an event; returns a promise only when there is something to wait for. */
  const writeEvent = (system: SourceSystem, event: AccessEvent): Promise<void> | undefined => {
    const day = dayOf(event.occurredAt);
    const target = current.get(system.name);
    if (!target || target.day !== day || (CHUNKED.has(system.format) && target.file.records >= chunk)) return rollOver(system, event, day, target);
    return append(target, system, event);
  };

  const generator = simulate(options);
  let events = 0;
  for (let next = generator.next(); ; next = generator.next()) {
    if (next.done) {
      for (const target of current.values()) await target.file.close();
      for (const { file } of Object.values(reference)) await file.close();
      await labels.close();
      const manifest = manifestOf(next.value, written, 'labels.ndjson');
      await writeFile(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
      return manifest;
    }
    const record: SimulationRecord = next.value;
    switch (record.kind) {
      case 'staff':
      case 'patient':
      case 'relationship': {
        const kind = record.kind === 'patient' ? 'patients' : record.kind === 'staff' ? 'staff' : 'relationships';
        const columns = kind === 'staff' ? STAFF_COLUMNS : kind === 'patients' ? PATIENT_COLUMNS : RELATIONSHIP_COLUMNS;
        const flushed = reference[kind].file.add(referenceRow(record.record, columns));
        if (flushed) await flushed;
        reference[kind].entry.records++;
        break;
      }
      case 'event': {
        const pending = writeEvent(record.system, record.event);
        if (pending) await pending;
        if (++events % 100_000 === 0) options.onProgress?.(events);
        break;
      }
      case 'label':
        await labels.add(JSON.stringify(record.label));
        break;
    }
  }
}

/** The media type each format is posted with. */
export const MEDIA_TYPES: Record<ManifestFile['format'], string> = {
  csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json', fhir: 'application/fhir+json',
};

/** The manifest of a written simulation. */
export async function readManifest(folder: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Manifest;
}

/** The records of one file of the manifest, parsed by its kind's shape. */
export async function readManifestFile(folder: string, file: ManifestFile): Promise<ParsedRecord[]> {
  const body = await readFile(join(folder, file.path), 'utf8');
  const shape = file.kind === 'events' ? ACCESS_EVENT_SHAPE : REFERENCE_SHAPES[file.kind];
  return parseRecords(MEDIA_TYPES[file.format], body, shape);
}

/** The labels of a written simulation. */
export async function readLabels(folder: string, manifest: Manifest): Promise<ScenarioLabel[]> {
  const body = await readFile(join(folder, manifest.labels.path), 'utf8');
  return body.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as ScenarioLabel);
}
