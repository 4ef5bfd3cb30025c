import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Relationship, StaffKey, Stored } from '../engine/reference/referenceData.js';
import { DuckdbStore } from '../engine/store/duckdb/duckdbStore.js';
import { random } from './accessEvents.js';
import { icsReferenceFile } from './icsLoad.js';
import { ICS_SIZES, IcsReference, type IcsSizes } from './icsReference.js';
import { peakResidentBytes } from './processStats.js';

/**
 * Reference lookups at the size of an integrated care system: loads (once, then reuses) generated
 * staff, patients and relationships into a DuckDB file through the store's own upserts, then times
 * the four lookups a batch of events makes (staff by user and organisation, patients, relationships
 * and staff by NHS number), and patients with their relationships in one lookup (the embedded
 * store's patient_reference, what explaining a batch uses), for batches of random keys, and upserts
 * into the full tables.
 * Usage: node --import tsx bench/referenceLookups.ts [--patients N] [--staff N] [--relationships N]
 *        [--keys 1000] [--rounds 50] [--file PATH] [--reload]
 */

const { values: args } = parseArgs({
  options: {
    patients: { type: 'string', default: String(ICS_SIZES.patients) },
    staff: { type: 'string', default: String(ICS_SIZES.staff) },
    relationships: { type: 'string', default: String(ICS_SIZES.relationships) },
    keys: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '50' },
    file: { type: 'string' },
    reload: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`Usage: node --import tsx bench/referenceLookups.ts [options]
  --patients N       patients to load (default ${ICS_SIZES.patients})
  --staff N          staff to load (default ${ICS_SIZES.staff})
  --relationships N  relationships to load (default ${ICS_SIZES.relationships})
  --keys N           distinct keys per lookup, as one batch of events asks (default 1000)
  --rounds N         lookups of each kind to time (default 50)
  --file PATH        the DuckDB file (default bench/out/reference-<sizes>/accesswatch.duckdb; reused when loaded with the same sizes;
                     the lookups and upserts run on a copy of it)
  --reload           load again even if the file holds these sizes
`);
  process.exit(0);
}

const sizes: IcsSizes = { patients: Number(args.patients), staff: Number(args.staff), relationships: Number(args.relationships) };
const keys = Number(args.keys);
const rounds = Number(args.rounds);
const OUT_DIR = join(import.meta.dirname, 'out');
const file = args.file ?? join(OUT_DIR, `reference-${sizes.patients}-${sizes.staff}-${sizes.relationships}`, 'accesswatch.duckdb');
const log = (line: string) => process.stdout.write(`${line}\n`);

interface Timing {
  /** The first call after opening: DuckDB reads the blocks and index nodes it needs from disk. */
  firstMs: number;
  p50Ms: number;
  p99Ms: number;
  meanMs: number;
  rowsPerCall: number;
}

/** Calls made after the first and before timing: an index opened from disk is read node by node as lookups need it. */
const WARM_UP = 20;

async function time(label: string, count: number, call: (round: number) => Promise<number>): Promise<Timing> {
  const first = performance.now();
  await call(-1);
  const firstMs = Math.round(performance.now() - first);
  for (let n = 0; n < WARM_UP; n++) await call(-1);
  const ms: number[] = [];
  let rows = 0;
  for (let round = 0; round < count; round++) {
    const started = performance.now();
    rows += await call(round);
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const at = (p: number) => Math.round(ms[Math.min(ms.length - 1, Math.ceil(p * ms.length) - 1)] * 10) / 10;
  const timing = { firstMs, p50Ms: at(0.5), p99Ms: at(0.99), meanMs: Math.round((ms.reduce((a, b) => a + b, 0) / ms.length) * 10) / 10, rowsPerCall: Math.round(rows / count) };
  log(`${label.padEnd(40)} first ${String(firstMs).padStart(6)} ms  p50 ${String(timing.p50Ms).padStart(7)} ms  p99 ${String(timing.p99Ms).padStart(7)} ms  mean ${String(timing.meanMs).padStart(7)} ms  ${timing.rowsPerCall} rows`);
  return timing;
}

async function main(): Promise<void> {
  const load = await icsReferenceFile(file, sizes, log, args.reload);
  if (!load.reused) log(`loaded in ${JSON.stringify(load.seconds)} s (${JSON.stringify(load.recordsPerSecond)} records/s), ${load.fileMiB} MiB`);

  const ics = new IcsReference(sizes);
  const next = random(20261122);
  const patients = () => Array.from({ length: keys }, () => ics.nhsNumber(Math.floor(next() * sizes.patients)));
  const staffKeys = (): StaffKey[] => Array.from({ length: keys }, () => {
    const member = Math.floor(next() * sizes.staff);
    return { userId: ics.userId(member), organisation: ics.organisationOfStaff(member).code };
  });

  // The upserts below change what they write to: work on a copy, so that the loaded file (which
  // bench/ics.ts reuses) keeps exactly the reference data it was loaded with.
  const copyDir = mkdtempSync(join(tmpdir(), 'accesswatch-lookups-'));
  copyFileSync(file, join(copyDir, 'accesswatch.duckdb'));
  const opened = performance.now();
  const store = new DuckdbStore({ path: join(copyDir, 'accesswatch.duckdb') });
  await store.init();
  log(`opened in ${((performance.now() - opened) / 1000).toFixed(1)} s; ${keys} keys a lookup, ${rounds} rounds each`);
  try {
    const lookups = {
      staffByUserAndOrganisation: await time('staff by (userId, organisation)', rounds, async () => (await store.findStaff(staffKeys())).length),
      patientsByNhsNumber: await time('patients by NHS number', rounds, async () => (await store.findPatients(patients())).length),
      relationshipsByNhsNumber: await time('relationships by NHS number', rounds, async () => (await store.findRelationships(patients())).length),
      staffByNhsNumber: await time('staff by NHS number', rounds, async () => (await store.findStaffByNhsNumbers(patients())).length),
      patientsAndRelationships: await time('patients with their relationships', rounds, async () => {
        const found = await store.findPatientsAndRelationships(patients());
        return found.patients.length + found.relationships.length;
      }),
    };
    // Upserts into the full tables: 1,000 records replacing stored ones (a later end date), and new ones.
    const upsertRounds = Math.max(5, Math.round(rounds / 5));
    let fresh = 0;
    const stored = <T>(records: T[]): Stored<T>[] => records.map((record) => ({ record, receivedAt: new Date().toISOString() }));
    const replaced = (): Relationship[] => {
      const out: Relationship[] = [];
      while (out.length < 1000) {
        const list = ics.relationships(Math.floor(next() * sizes.patients));
        out.push({ ...list[list.length - 1], end: '2027-12-31' });
      }
      return out;
    };
    const upserts = {
      relationshipsReplaced: await time('upsert 1,000 relationships (replacing)', upsertRounds, async () => { await store.upsertRelationships(stored(replaced())); return 1000; }),
      relationshipsNew: await time('upsert 1,000 relationships (new)', upsertRounds, async () => {
        const patient = Math.floor(next() * sizes.patients);
        const records = Array.from({ length: 1000 }, (_, k) => ({ id: `bench-new-${fresh++}-${k}`, nhsNumber: ics.nhsNumber((patient + k * 977) % sizes.patients), organisation: 'RX1', type: 'appointment', start: '2026-11-23' }));
        await store.upsertRelationships(stored(records));
        return 1000;
      }),
      patientsReplaced: await time('upsert 1,000 patients (replacing)', upsertRounds, async () => {
        await store.upsertPatients(stored(Array.from({ length: 1000 }, () => ics.patient(Math.floor(next() * sizes.patients)))));
        return 1000;
      }),
      staffReplaced: await time('upsert 1,000 staff (replacing)', upsertRounds, async () => {
        await store.upsertStaff(stored(Array.from({ length: 1000 }, () => ics.staff(Math.floor(next() * sizes.staff)))));
        return 1000;
      }),
    };
    const peakRssMiB = Math.round((peakResidentBytes('self') ?? 0) / 2 ** 20);
    log(`peak RSS of this process (VmHWM): ${peakRssMiB} MiB`);
    mkdirSync(OUT_DIR, { recursive: true });
    const out = join(OUT_DIR, 'reference-lookups.json');
    writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), sizes, keys, rounds, load, lookups, upserts, peakRssMiB }, null, 2)}\n`);
    log(`wrote ${out}`);
  } finally {
    await store.close();
    rmSync(copyDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`referenceLookups: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
