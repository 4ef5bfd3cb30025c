import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import type { StoredEvent } from '../../engine/events/accessEvent.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../../engine/events/nhsNumber.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { ACCESS_ROW_COLUMNS, accessRowsOf, allAccessRows, type AccessReportQuery, type AccessRow } from '../../engine/reports/accessReport.js';
import { accessReportPdf } from '../../engine/reports/accessReportPdf.js';
import { InvalidCursorError } from '../../engine/store/cursor.js';
import type { Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { callerPerson } from '../permissions.js';
import { reportFormat } from '../reportFormat.js';
import { errorResponses } from '../schemas.js';
import { recordPatientReads } from '../selfAudit.js';

export interface AccessReportRoutesOptions {
  store: Store;
  sink: BatchSink;
}

/** Most rows in one CSV report; a longer period is split. */
const MAX_CSV_ROWS = 100_000;
/** Most rows in one PDF report (about 250 pages). */
const MAX_PDF_ROWS = 10_000;

const accessRowSchema = {
  type: 'object',
  properties: Object.fromEntries(ACCESS_ROW_COLUMNS.map((column) => [column, { type: column === 'explained' ? 'boolean' : 'string' }])),
} as const;

const reportQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    from: { type: 'string', format: 'date-time' },
    to: { type: 'string', format: 'date-time' },
    organisation: { type: 'string', description: 'One of your organisations (default: all of them)' },
    limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100, description: 'Rows per page (JSON)' },
    cursor: { type: 'string' },
  },
} as const;

type ReportQuery = { from?: string; to?: string; organisation?: string; limit: number; cursor?: string };

/**
 * Access reports: a patient's record (subject access requests, "who looked at my record?") and a
 * user's actions (investigations), as JSON pages or, with `Accept: text/csv` or `application/pdf`, one
 * CSV or PDF of the whole period. Reading them is itself recorded as an access to each patient shown.
 */
export async function accessReportRoutes(app: FastifyInstance, options: AccessReportRoutesOptions): Promise<void> {
  async function report(request: FastifyRequest<{ Querystring: ReportQuery }>, reply: FastifyReply, subject: { nhsNumber?: string; userId?: string }, title: string) {
    const person = callerPerson(request);
    const { from, to, organisation, limit, cursor } = request.query;
    const query: AccessReportQuery = { organisations: organisation ? [organisation] : person.organisations, ...subject, from, to };
    const audited = (events: StoredEvent[]) => recordPatientReads(person, events.map(({ event }) => ({
      organisation: event.organisation, nhsNumber: event.patient.nhsNumber, action: 'view' as const, recordPart: 'access-log' as const,
    })), options.sink);
    try {
      const format = reportFormat(request);
      if (format !== 'json') {
        const maxRows = format === 'csv' ? MAX_CSV_ROWS : MAX_PDF_ROWS;
        const { rows, events, truncated } = await allAccessRows(options.store, query, maxRows);
        await audited(events);
        if (truncated) reply.header('x-accesswatch-truncated', `more than ${maxRows} rows: shorten the period`);
        if (format === 'pdf') {
          const pdf = await accessReportPdf(rows, {
            subject: subject.nhsNumber !== undefined ? { nhsNumber: subject.nhsNumber } : { userId: subject.userId ?? '' },
            organisations: query.organisations, from, to, preparedAt: new Date().toISOString(), ...(truncated ? { truncatedAt: maxRows } : {}),
          });
          return reply.type('application/pdf').header('content-disposition', `attachment; filename="${title}.pdf"`).send(pdf);
        }
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${title}.csv"`)
          .send(stringify(rows as unknown as Record<string, unknown>[], { header: true, columns: ACCESS_ROW_COLUMNS, cast: { boolean: (value) => String(value) } }));
      }
      const page = await options.store.queryEvents({ ...query, limit, cursor });
      await audited(page.events);
      const accesses: AccessRow[] = await accessRowsOf(page.events, options.store);
      return reply.send({ ...subject, accesses, ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}) });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError('AW_ERR_VALIDATION', err.message);
      if (err instanceof ApiError) throw err;
      throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
    }
  }

  const pageSchema = (subjectField: string) => ({
    type: 'object',
    properties: { [subjectField]: { type: 'string' }, accesses: { type: 'array', items: accessRowSchema }, nextCursor: { type: 'string' } },
  });

  app.get<{ Params: { nhsNumber: string }; Querystring: ReportQuery }>('/v1/patients/:nhsNumber/accesses', {
    schema: {
      summary: "Who accessed this patient's record, when, where, in what role, for what purpose, and whether it was explained (JSON, or CSV or PDF with Accept: text/csv or application/pdf)",
      params: { type: 'object', required: ['nhsNumber'], properties: { nhsNumber: { type: 'string' } } },
      querystring: reportQuerySchema,
      response: { 200: pageSchema('nhsNumber'), ...errorResponses },
    },
  }, async (request, reply) => {
    const nhsNumber = normaliseNhsNumber(request.params.nhsNumber);
    if (!isValidNhsNumber(nhsNumber)) throw new ApiError('AW_ERR_VALIDATION', 'nhsNumber: is not a valid NHS number (10 digits with a correct check digit)');
    return report(request, reply, { nhsNumber }, `accesses-${nhsNumber}`);
  });

  app.get<{ Params: { userId: string }; Querystring: ReportQuery }>('/v1/users/:userId/accesses', {
    schema: {
      summary: 'Everything a user did in your organisations, for investigations (JSON, or CSV or PDF with Accept: text/csv or application/pdf)',
      params: { type: 'object', required: ['userId'], properties: { userId: { type: 'string', minLength: 1, maxLength: 200 } } },
      querystring: reportQuerySchema,
      response: { 200: pageSchema('userId'), ...errorResponses },
    },
  }, async (request, reply) => report(request, reply, { userId: request.params.userId }, `user-${request.params.userId.replace(/[^A-Za-z0-9_-]/g, '_')}`));
}
