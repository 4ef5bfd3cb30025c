/**
 * `accesswatch ingest`: posts a file of access events or reference data to a running server in
 * batches, a few in flight at once, and sums up what the server accepted and rejected.
 * Re-running the same file is safe: records already stored come back as duplicates.
 */
import cliProgress from 'cli-progress';
import { contentTypeOf, openFileInBatches, type FileBatch, type IngestFormat } from './fileBatches.js';
import { postBatch, type BatchDestination, type BatchReply } from './postBatch.js';
import { endpoint } from './serverReplies.js';

export type { IngestFormat } from './fileBatches.js';

/** What the file holds: access events, or one kind of reference data. */
export type IngestKind = 'events' | 'staff' | 'patients' | 'relationships';

const pathOf: Record<IngestKind, string> = {
  events: '/v1/access-events',
  staff: '/v1/reference/staff',
  patients: '/v1/reference/patients',
  relationships: '/v1/reference/relationships',
};

/** How far an ingest has got; passed to `onProgress` after each batch the server has answered. */
export interface IngestProgress {
  records: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  batches: number;
  /** Bytes of the file covered by the answered batches. */
  bytes: number;
  totalBytes: number;
}

export interface IngestOptions {
  /** Path of the file to post. */
  file: string;
  /** Base URL of the server, e.g. http://localhost:8080. */
  url: string;
  /** The source system's key. */
  token: string;
  /** The system the key should belong to (`--system`); the server refuses the file if it does not. */
  system?: string;
  /** Defaults to `events`. FHIR is for events only. */
  kind?: IngestKind;
  /** Defaults from the extension: `.json`, `.ndjson`/`.jsonl`, `.csv`; a `.json` holding a FHIR Bundle or AuditEvent is `fhir`. */
  format?: IngestFormat;
  /** Records per request; defaults to 1000. */
  batchSize?: number;
  /** Requests in flight at once; defaults to 3. */
  concurrency?: number;
  /** Attempts per batch while the server is busy (429/503) or drops the connection; defaults to 10. */
  maxAttempts?: number;
  /** Shows a progress bar on stderr. */
  progress?: boolean;
  onProgress?: (progress: IngestProgress) => void;
}

/** A record the server rejected, with its index in the whole file (from 0; a CSV header does not count). */
export interface Rejection {
  index: number;
  id?: string;
  errors: string[];
}

/** What happened to a file: how many records were read, accepted, already stored, rejected. */
export interface IngestSummary {
  records: number;
  accepted: number;
  duplicates: number;
  /** In file order. */
  rejected: Rejection[];
  batches: number;
  seconds: number;
}

/** The ingest stopped part-way (server refusal, unreadable file); `summary` says what got through. */
export class IngestStoppedError extends Error {
  constructor(
    message: string,
    readonly summary: IngestSummary,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'IngestStoppedError';
  }
}

/**
 * Posts `file` in batches and resolves with what the server made of it. Rejected records are
 * a normal outcome, listed in the summary; a refusal of the whole request (bad key, too large,
 * server error) stops the ingest with an {@link IngestStoppedError}.
 */
export async function ingestFile(options: IngestOptions): Promise<IngestSummary> {
  const kind = options.kind ?? 'events';
  const batchSize = options.batchSize ?? 1000;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 3));
  if (options.format === 'fhir' && kind !== 'events') {
    throw new Error(`FHIR files carry access events only, not ${kind}`);
  }
  const target = endpoint(options.url, pathOf[kind]);
  const opened = await openFileInBatches(options.file, batchSize, options.format);
  if (opened.format === 'fhir' && kind !== 'events') {
    throw new Error(`${options.file} is FHIR, which carries access events only, not ${kind}`);
  }
  const destination: BatchDestination = {
    url: options.url,
    target,
    key: options.token,
    ...(options.system ? { system: options.system } : {}),
    contentType: contentTypeOf[opened.format],
    maxAttempts: options.maxAttempts ?? 10,
    reached: false,
  };

  const started = performance.now();
  const summary: IngestSummary = { records: 0, accepted: 0, duplicates: 0, rejected: [], batches: 0, seconds: 0 };
  let bytes = 0;
  const bar = options.progress ? progressBar(kind, opened.totalBytes) : undefined;
  const count = (batch: FileBatch, reply: BatchReply): void => {
    summary.records += batch.records;
    summary.accepted += reply.accepted;
    summary.duplicates += reply.duplicates;
    summary.batches += 1;
    for (const rejection of reply.rejected) {
      summary.rejected.push({ ...rejection, index: batch.firstIndex + rejection.index });
    }
    bytes += batch.bytes;
    const progress: IngestProgress = {
      records: summary.records,
      accepted: summary.accepted,
      duplicates: summary.duplicates,
      rejected: summary.rejected.length,
      batches: summary.batches,
      bytes: Math.min(bytes, opened.totalBytes),
      totalBytes: opened.totalBytes,
    };
    bar?.update(progress.bytes, { records: progress.records, rejected: progress.rejected });
    options.onProgress?.(progress);
  };

  const inFlight = new Set<Promise<void>>();
  let failure: unknown;
  try {
    for await (const batch of opened.batches) {
      if (failure !== undefined) break;
      const sending: Promise<void> = postBatch(batch, destination)
        .then((reply) => count(batch, reply))
        .catch((err: unknown) => {
          failure ??= err;
        })
        .finally(() => inFlight.delete(sending));
      inFlight.add(sending);
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
      if (failure !== undefined) break;
    }
  } catch (err) {
    failure ??= err;
  }
  await Promise.all(inFlight);
  if (failure === undefined) bar?.update(opened.totalBytes);
  bar?.stop();

  summary.rejected.sort((a, b) => a.index - b.index);
  summary.seconds = (performance.now() - started) / 1000;
  if (failure !== undefined) {
    const reason = failure instanceof Error ? failure.message : String(failure);
    const sofar =
      summary.batches > 0
        ? `; before it stopped the server had answered for ${summary.records} ${summary.records === 1 ? 'record' : 'records'} (${summary.accepted} accepted). Re-running the file is safe: stored records count as duplicates`
        : '';
    throw new IngestStoppedError(`${reason}${sofar}`, summary, { cause: failure });
  }
  return summary;
}

function progressBar(kind: IngestKind, totalBytes: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `posting ${kind} [{bar}] {percentage}% | {records} records, {rejected} rejected | ETA {eta_formatted}`,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(totalBytes, 0, { records: 0, rejected: 0 });
  return bar;
}

const shownRejections = 10;

/** A few lines for the operator: records read, accepted, duplicates, the first rejections, rate. */
export function formatSummary(summary: IngestSummary): string {
  const n = (value: number): string => value.toLocaleString('en-GB');
  const rate = summary.seconds > 0 ? Math.round(summary.records / summary.seconds) : summary.records;
  const lines = [
    `Read ${n(summary.records)} records in ${n(summary.batches)} ${summary.batches === 1 ? 'batch' : 'batches'} ` +
      `(${summary.seconds.toFixed(1)} s, ${n(rate)} records/s).`,
    `Accepted ${n(summary.accepted)}, duplicates ${n(summary.duplicates)}, rejected ${n(summary.rejected.length)}.`,
  ];
  if (summary.rejected.length > 0) {
    const which = summary.rejected.length > shownRejections ? `First ${shownRejections} rejections` : 'Rejections';
    lines.push(`${which} (records counted from 0 in the file, after any CSV header):`);
    for (const rejection of summary.rejected.slice(0, shownRejections)) {
      const id = rejection.id ? ` (id ${rejection.id})` : '';
      lines.push(`  record ${rejection.index}${id}: ${rejection.errors.join('; ')}`);
    }
    if (summary.rejected.length > shownRejections) {
      lines.push(`  … and ${n(summary.rejected.length - shownRejections)} more`);
    }
  }
  return lines.join('\n');
}
