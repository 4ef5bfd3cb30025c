import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Stored } from '../engine/reference/referenceData.js';
import { DuckdbStore } from '../engine/store/duckdb/duckdbStore.js';
import { IcsReference, type IcsSizes } from './icsReference.js';

/**
 * Loads ICS-sized reference data into a DuckDB file through the store's own upsert methods
 * (DuckdbStore.upsertStaff/Patients/Relationships, as POST /v1/reference/* ends up calling them),
 * in chunks, and keeps a note beside it so that later runs reuse the file instead of loading again.
 */

export interface LoadFigures {
  sizes: IcsSizes;
  /** Seconds to upsert each kind into the empty tables, and records a second. */
  seconds: { staff: number; patients: number; relationships: number; checkpoint: number };
  recordsPerSecond: { staff: number; patients: number; relationships: number };
  fileMiB: number;
  loadedAt: string;
}

/** Records per upsert call while loading. */
const CHUNK = 20_000;

const RECEIVED_AT = '2026-11-01T00:00:00.000Z';

async function upsertAll<T>(count: number, recordOf: (n: number) => T | T[], upsert: (records: Stored<T>[]) => Promise<void>, label: string, log: (line: string) => void): Promise<number> {
  const started = performance.now();
  let batch: Stored<T>[] = [];
  let written = 0;
  let reported = started;
  for (let n = 0; n < count; n++) {
    const made = recordOf(n);
    for (const record of Array.isArray(made) ? made : [made]) batch.push({ record, receivedAt: RECEIVED_AT });
    if (batch.length >= CHUNK || n === count - 1) {
      await upsert(batch);
      written += batch.length;
      batch = [];
      if (performance.now() - reported > 10_000) {
        reported = performance.now();
        log(`  ${label}: ${written.toLocaleString('en-GB')} in ${((reported - started) / 1000).toFixed(0)} s`);
      }
    }
  }
  return (performance.now() - started) / 1000;
}

/** Loads the generated ICS into a fresh file at `path` (an existing file is replaced). */
export async function loadIcsReference(path: string, sizes: IcsSizes, log: (line: string) => void = () => undefined): Promise<LoadFigures> {
  rmSync(path, { force: true });
  rmSync(`${path}.wal`, { force: true });
  mkdirSync(dirname(path), { recursive: true });
  const ics = new IcsReference(sizes);
  const store = new DuckdbStore({ path });
  await store.init();
  let closed = false;
  try {
    log(`loading ${sizes.staff.toLocaleString('en-GB')} staff, ${sizes.patients.toLocaleString('en-GB')} patients, ${sizes.relationships.toLocaleString('en-GB')} relationships into ${path}`);
    const staff = await upsertAll(sizes.staff, (n) => ics.staff(n), (records) => store.upsertStaff(records), 'staff', log);
    const patients = await upsertAll(sizes.patients, (n) => ics.patient(n), (records) => store.upsertPatients(records), 'patients', log);
    const relationships = await upsertAll(sizes.patients, (n) => ics.relationships(n), (records) => store.upsertRelationships(records), 'relationships', log);
    // Closing the file checkpoints it: the write-ahead log is folded into the database file.
    const checkpointStarted = performance.now();
    await store.close();
    closed = true;
    const checkpoint = (performance.now() - checkpointStarted) / 1000;
    const round = (n: number) => Math.round(n * 10) / 10;
    return {
      sizes,
      seconds: { staff: round(staff), patients: round(patients), relationships: round(relationships), checkpoint: round(checkpoint) },
      recordsPerSecond: {
        staff: Math.round(sizes.staff / staff), patients: Math.round(sizes.patients / patients), relationships: Math.round(sizes.relationships / relationships),
      },
      fileMiB: Math.round(statSync(path).size / 2 ** 20),
      loadedAt: new Date().toISOString(),
    };
  } finally {
    if (!closed) await store.close();
  }
}

/** The note kept beside a loaded file: what it holds and how long loading took. */
const noteOf = (path: string) => join(dirname(path), 'reference.json');

/**
 * The file at `path` holding these sizes, loaded now unless an earlier run already did (a note
 * beside it says so) and `reload` is false. Returns the load figures, from this run or from the run that loaded it.
 */
export async function icsReferenceFile(path: string, sizes: IcsSizes, log: (line: string) => void, reload = false): Promise<LoadFigures & { reused: boolean }> {
  const note = noteOf(path);
  if (!reload && existsSync(path) && existsSync(note)) {
    const loaded = JSON.parse(readFileSync(note, 'utf8')) as LoadFigures;
    if (JSON.stringify(loaded.sizes) === JSON.stringify(sizes)) {
      log(`reusing the reference data loaded on ${loaded.loadedAt} (${path})`);
      return { ...loaded, reused: true };
    }
  }
  rmSync(note, { force: true });
  const figures = await loadIcsReference(path, sizes, log);
  writeFileSync(note, `${JSON.stringify(figures, null, 2)}\n`);
  return { ...figures, reused: false };
}
