import type { FastifyInstance } from 'fastify';
import type { BreachThresholds } from '../../engine/incidents/breachAssessment.js';
import { caldicottReportCsv } from '../../engine/reports/caldicottReportCsv.js';
import { caldicottReportPdf } from '../../engine/reports/caldicottReportPdf.js';
import { MAX_REPORT_ALERTS, MAX_REPORT_INCIDENTS, readCaldicottReport } from '../../engine/reports/readCaldicottReport.js';
import type { Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { callerPerson } from '../permissions.js';
import { reportFormat } from '../reportFormat.js';
import { caldicottReportSchema, errorResponses } from '../schemas.js';
import { storeUnavailable } from './incidentRequests.js';

/** Options of the Caldicott report route. */
export interface CaldicottReportRoutesOptions {
  store: Store;
  /** Where the DSPT grid turns (configuration): each incident's ICO status is judged with it. */
  thresholds: BreachThresholds;
  /** The clock (tests pass their own); defaults to the wall clock. */
  now?: () => Date;
}

/** The period when none is given: the 30 days up to now. */
const DEFAULT_DAYS = 30;

type CaldicottQuery = { from?: string; to?: string; organisation?: string };

/** The period asked for, as UTC instants; `from` must come before `to`. */
function periodOf(query: CaldicottQuery, now: number): { from: string; to: string } {
  const to = query.to === undefined ? now : Date.parse(query.to);
  const from = query.from === undefined ? to - DEFAULT_DAYS * 86_400_000 : Date.parse(query.from);
  if (from >= to) throw new ApiError('AW_ERR_VALIDATION', 'from: must be before to');
  return { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/**
 * The periodic report a Caldicott guardian reviews (engine/reports/caldicottReport.ts), of one
 * or all of their organisations, as JSON, CSV (`Accept: text/csv`) or PDF with charts
 * (`Accept: application/pdf`). It holds no patient's data, so reading it is not itself audited.
 */
export async function caldicottReportRoutes(app: FastifyInstance, options: CaldicottReportRoutesOptions): Promise<void> {
  app.get<{ Querystring: CaldicottQuery }>('/v1/reports/caldicott', {
    schema: {
      summary: 'The Caldicott guardian\'s report for a period: accesses and the explained rate, alerts by rule, severity, organisation and role class, outcomes, time to triage, false positives, users at risk, incidents and their ICO status',
      description: 'JSON by default; `Accept: text/csv` gives one CSV with a block per table, `Accept: application/pdf` a PDF with charts. '
        + `Reads at most ${MAX_REPORT_ALERTS.toLocaleString('en-GB')} alerts and ${MAX_REPORT_INCIDENTS.toLocaleString('en-GB')} incidents; \`truncated\` (and the x-accesswatch-truncated header) says when a limit was reached.`,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          from: { type: 'string', format: 'date-time', description: 'Start of the period, inclusive (default: 30 days before `to`)' },
          to: { type: 'string', format: 'date-time', description: 'End of the period, exclusive (default: now)' },
          organisation: { type: 'string', description: 'One of your organisations (default: all of them)' },
        },
      },
      response: { 200: caldicottReportSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const person = callerPerson(request);
    const now = (options.now?.() ?? new Date()).getTime();
    const { from, to } = periodOf(request.query, now);
    const organisations = request.query.organisation === undefined ? person.organisations : [request.query.organisation];
    const { report, truncated } = await readCaldicottReport(options.store, { organisations, from, to, now, thresholds: options.thresholds })
      .catch(storeUnavailable);
    if (truncated.length > 0) reply.header('x-accesswatch-truncated', `reading limits reached for ${truncated.join(', ')}: shorten the period`);
    const fileName = `caldicott-report-${from.slice(0, 10)}-to-${to.slice(0, 10)}`;
    switch (reportFormat(request)) {
      case 'csv':
        return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${fileName}.csv"`)
          .send(caldicottReportCsv(report, truncated));
      case 'pdf':
        return reply.type('application/pdf').header('content-disposition', `attachment; filename="${fileName}.pdf"`)
          .send(await caldicottReportPdf(report, { preparedAt: new Date(now).toISOString(), truncated }));
      default:
        return { ...report, truncated };
    }
  });
}
