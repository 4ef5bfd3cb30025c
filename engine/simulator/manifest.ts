import type { ReferenceKind } from '../reference/referenceData.js';
import type { EventFormat } from './organisations.js';
import type { SimulationSummary } from './simulation.js';

/**
 * `manifest.json`: what a simulation wrote and how to post it. A demo or a benchmark reads it to
 * create one source key per entry of `sources` (its system, organisations and scopes) and to post
 * each file, in order, with `accesswatch ingest FILE --system S --kind K --format F`.
 */

export const MANIFEST_FORMAT = 'accesswatch-simulation/1';

/** The source system that posts the reference data: a key scoped to every organisation, for reference data only. */
export const REFERENCE_SYSTEM = 'ics-reference';

/** One file written, with how to post it. */
export interface ManifestFile {
  /** Relative to the folder holding the manifest. */
  path: string;
  kind: 'events' | ReferenceKind;
  format: EventFormat;
  records: number;
}

/** A source system: the key it needs and the files it posts, in order. */
export interface ManifestSource {
  system: string;
  description: string;
  /** Its key's organisations (ODS codes). */
  organisations: string[];
  /** Its key's scopes. */
  scopes: ('events' | 'reference')[];
  files: ManifestFile[];
}

/** The whole of `manifest.json`. */
export interface Manifest {
  format: typeof MANIFEST_FORMAT;
  seed: number;
  size: string;
  days: number;
  /** The period simulated (RFC 3339). */
  start: string;
  end: string;
  /** How to post it, in words. */
  howToPost: string[];
  organisations: SimulationSummary['organisations'];
  /** The reference source first: post its files before any events. */
  sources: ManifestSource[];
  labels: { path: string; misuse: number; control: number; 'legitimate-alert': number };
  counts: SimulationSummary['counts'];
  silences: SimulationSummary['silences'];
  skipped: SimulationSummary['skipped'];
}

/** The manifest of a finished run, from its summary and the files written (in the order written). */
export function manifestOf(summary: SimulationSummary, files: ManifestFile[], labelsPath: string): Manifest {
  const reference: ManifestSource = {
    system: REFERENCE_SYSTEM,
    description: 'Staff, patients and care relationships of every organisation (post before the access logs)',
    organisations: summary.organisations.map((o) => o.code),
    scopes: ['reference'],
    files: (['staff', 'patients', 'relationships'] as const).flatMap((kind) => files.filter((f) => f.kind === kind)),
  };
  const systems = summary.systems.map((system): ManifestSource => ({
    system: system.name,
    description: system.description,
    organisations: system.organisations,
    scopes: ['events'],
    files: files.filter((f) => f.kind === 'events' && f.path.startsWith(`events/${system.name}/`)),
  }));
  return {
    format: MANIFEST_FORMAT,
    seed: summary.seed,
    size: summary.size,
    days: summary.days,
    start: summary.start,
    end: summary.end,
    howToPost: [
      'For each source: accesswatch sources add <system> --org <organisations, comma-separated> --scope <scopes> (prints its key).',
      'Post the reference source\'s files first, then each system\'s files in order: accesswatch ingest <path> --system <system> --kind <kind> --format <format> --key <key>.',
      'Windowed rules ignore events more than an hour older than the server\'s clock (the lateness): to see breach patterns fire, simulate with --start near the time you post (events up to a day ahead are accepted).',
      'Audit gaps (AW-BP-009) are judged by when batches arrive, so they show only when the access logs are replayed at their own pace.',
    ],
    organisations: summary.organisations,
    sources: [reference, ...systems],
    labels: { path: labelsPath, ...summary.counts.labels },
    counts: summary.counts,
    silences: summary.silences,
    skipped: summary.skipped,
  };
}

/**
 * The first instant of a run from `--start`: `now`, a date (`2026-03-02`, midnight UTC) or an
 * RFC 3339 time; by default `days` days before now, so that the period ends as it is written.
 */
export function startOfRun(option: string | undefined, days: number, now: number = Date.now()): number {
  if (option === undefined) return Math.floor(now / 60_000) * 60_000 - days * 86_400_000;
  if (option === 'now') return Math.floor(now / 60_000) * 60_000;
  const at = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(option) ? `${option}T00:00:00Z` : option);
  if (!Number.isFinite(at)) throw new Error(`--start: "${option}" is not a date, an RFC 3339 time or "now"`);
  return at;
}

/** A few lines for people about a finished run: what was written, where, and what to keep in mind when posting it. */
export function describeManifest(manifest: Manifest, folder: string, seconds: number, now: number = Date.now()): string {
  const n = (value: number) => value.toLocaleString('en-GB');
  const { counts } = manifest;
  const lines = [
    `Simulated the ${manifest.size} ICS (seed ${manifest.seed}) from ${manifest.start} to ${manifest.end} in ${seconds.toFixed(1)} s, into ${folder}:`,
    `  ${manifest.organisations.length} organisations, ${n(counts.staff)} staff records, ${n(counts.patients)} patients, ${n(counts.relationships)} relationships`,
    `  ${n(counts.events.total)} accesses (${n(counts.events.misuse)} injected) from ${manifest.sources.length - 1} systems: ` +
      Object.entries(counts.events.bySystem).map(([system, count]) => `${system} ${n(count)}`).join(', '),
    `  labels.ndjson: ${counts.labels.misuse} misuse scenarios, ${counts.labels.control} controls, ${n(counts.labels['legitimate-alert'])} pairs of user and patient in legitimate care that some rule raises by design; manifest.json says how to post it all`,
  ];
  const reasons = new Map<string, string[]>();
  for (const skipped of manifest.skipped) reasons.set(skipped.reason, [...(reasons.get(skipped.reason) ?? []), skipped.scenario]);
  for (const [reason, scenarios] of reasons) lines.push(`  not placed: ${scenarios.join(', ')}: ${reason}`);
  if (Date.parse(manifest.end) > now + 86_400_000) lines.push('  note: accesses more than a day ahead of the server\'s clock are refused when posted; post them later or simulate fewer days.');
  return lines.join('\n');
}
