import type { FastifyRequest } from 'fastify';

/** The formats a report is sent in. */
export type ReportFormat = 'json' | 'csv' | 'pdf';

/**
 * The format a report request asks for by its Accept header: the first of `text/csv` and
 * `application/pdf` it names, else JSON (also for `*\/*`, `application/json` or no header).
 * Quality values are not weighed: a client asking for a file names the one it wants.
 */
export function reportFormat(request: FastifyRequest): ReportFormat {
  for (const part of (request.headers.accept ?? '').split(',')) {
    const type = part.split(';')[0].trim().toLowerCase();
    if (type === 'text/csv') return 'csv';
    if (type === 'application/pdf') return 'pdf';
  }
  return 'json';
}

/** A file name safe in a Content-Disposition header: letters, digits, `-` and `_` only. */
export function safeFileName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}
