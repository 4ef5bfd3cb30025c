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
  labels: { path: string; misuse: number; control: number };
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
