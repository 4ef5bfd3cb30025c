import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { AccessEvent } from '../events/accessEvent.js';
import { londonDate } from '../explain/londonTime.js';
import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import { auditEventOf, CSV_COLUMNS, csvRowOf } from './eventFormats.js';
import { manifestOf, type Manifest, type ManifestFile } from './manifest.js';
import type { EventFormat, SourceSystem } from './organisations.js';
import { simulate, type SimulationRecord } from './simulation.js';
import type { SimulationOptions } from './sizes.js';

/**
 * Writes a simulation to a folder, streaming (the only module of the simulator that does I/O):
 * `reference/staff.csv`, `patients.csv`, `relationships.csv`; each system's access log under
 * `events/<system>/`, one file per UK day in its format (FHIR bundles and JSON arrays in files of
 * at most `chunk` records, so that `accesswatch ingest`, which reads a JSON document whole, copes);
 * `labels.ndjson`; and `manifest.json`.
 */

/** Records per FHIR bundle or JSON array file. */
const DEFAULT_CHUNK = 10_000;
/** Bytes buffered before a write. */
const BUFFER_BYTES = 1 << 16;

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

  async add(text: string): Promise<void> {
    this.buffer += (this.records > 0 ? this.separator : '') + text;
    this.records++;
    if (this.buffer.length >= BUFFER_BYTES) await this.flush();
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

  const writeEvent = async (system: SourceSystem, event: AccessEvent) => {
    const day = londonDate(Date.parse(event.occurredAt));
    let target = current.get(system.name);
    const chunked = system.format === 'fhir' || system.format === 'json';
    if (!target || target.day !== day || (chunked && target.file.records >= chunk)) {
      const part = target && target.day === day ? target.part + 1 : 1;
      if (target) await target.file.close();
      const extension = system.format === 'fhir' ? 'json' : system.format;
      const name = chunked ? `${day}-${String(part).padStart(3, '0')}.${extension}` : `${day}.${extension}`;
      const opened = await open(`events/${system.name}/${name}`, 'events', system.format, CSV_COLUMNS);
      target = { ...opened, day, part };
      current.set(system.name, target);
    }
    const text = system.format === 'csv' ? csvRowOf(event, system.name === 'gp-clinical')
      : system.format === 'fhir' ? JSON.stringify({ fullUrl: `urn:uuid:${event.id}`, resource: auditEventOf(event) })
        : JSON.stringify(event);
    await target.file.add(text);
    target.entry.records++;
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
        await reference[kind].file.add(referenceRow(record.record, columns));
        reference[kind].entry.records++;
        break;
      }
      case 'event':
        await writeEvent(record.system, record.event);
        if (++events % 100_000 === 0) options.onProgress?.(events);
        break;
      case 'label':
        await labels.add(JSON.stringify(record.label));
        break;
    }
  }
}
