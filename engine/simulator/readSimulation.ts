import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ACCESS_EVENT_SHAPE, parseRecords, type ParsedRecord } from '../formats/index.js';
import { REFERENCE_SHAPES } from '../reference/referenceSchemas.js';
import type { ScenarioLabel } from './labels.js';
import type { Manifest, ManifestFile } from './manifest.js';

/**
 * Reads a written simulation back with accesswatch's own body parsers, as the API would read the
 * files when they are posted: for tests, benchmarks and in-process replays. Each file is read
 * whole (the writer keeps them to a day, or 10,000 records, each).
 */

/** The media type each format is posted with. */
export const MEDIA_TYPES: Record<ManifestFile['format'], string> = {
  csv: 'text/csv', ndjson: 'application/x-ndjson', json: 'application/json', fhir: 'application/fhir+json',
};

export async function readManifest(folder: string): Promise<Manifest> {
  return JSON.parse(await readFile(join(folder, 'manifest.json'), 'utf8')) as Manifest;
}

/** The records of one file of the manifest, parsed by its kind's shape. */
export async function readManifestFile(folder: string, file: ManifestFile): Promise<ParsedRecord[]> {
  const body = await readFile(join(folder, file.path), 'utf8');
  const shape = file.kind === 'events' ? ACCESS_EVENT_SHAPE : REFERENCE_SHAPES[file.kind];
  return parseRecords(MEDIA_TYPES[file.format], body, shape);
}

export async function readLabels(folder: string, manifest: Manifest): Promise<ScenarioLabel[]> {
  const body = await readFile(join(folder, manifest.labels.path), 'utf8');
  return body.split('\n').filter((line) => line.trim() !== '').map((line) => JSON.parse(line) as ScenarioLabel);
}
