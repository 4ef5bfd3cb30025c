import type { FastifyInstance, FastifyReply } from 'fastify';
import { assessBreach } from '../../engine/incidents/breachAssessment.js';
import type { BreachAssessmentInput, IcoReportContent, RecordedAssessment, ReportingDecision } from '../../engine/incidents/incident.js';
import { changeIncident, incidentView, recordAssessment } from '../../engine/incidents/incidentChanges.js';
import { icoReport } from '../../engine/incidents/icoReport.js';
import { icoReportPdf } from '../../engine/incidents/icoReportPdf.js';
import { ApiError } from '../errors.js';
import { callerPerson } from '../permissions.js';
import { assessmentBodySchema, assessmentResultSchema, errorResponses, icoReportSchema, incidentSchema } from '../schemas.js';
import {
  REPORTING_DECIDERS, alertSummaries, byTheRules, checkVersion, idParamsSchema, incidentInScope, nowOf,
  reportToSend, saveIncident, type IncidentRoutesOptions,
} from './incidentRequests.js';

/**
 * Assessing an incident on the DSPT grid and reporting it to the ICO: the assessment with the
 * grid's answers, the Article 33(3) report as JSON or PDF, and each report sent kept as a phase.
 */

type AssessmentBody = BreachAssessmentInput & { decision?: { report: boolean; reason: string }; version?: number };
type ReportBody = { submittedAt?: string; icoReference?: string; reasonForDelay?: string; version?: number };

/** Sends the report as a PDF when the caller asks for one (`Accept: application/pdf`), else as JSON. */
async function sendReport(reply: FastifyReply, accept: string | undefined, content: IcoReportContent) {
  if (!accept?.includes('application/pdf')) return content;
  const pdf = await icoReportPdf(content);
  return reply.type('application/pdf').header('content-disposition', `inline; filename="ico-report-${content.incidentId}-phase-${content.phase}.pdf"`).send(pdf);
}

export async function icoReportRoutes(app: FastifyInstance, options: IncidentRoutesOptions): Promise<void> {
  const { store, thresholds } = options;

  app.put<{ Params: { id: string }; Body: AssessmentBody }>('/v1/incidents/:id/assessment', {
    schema: {
      summary: 'Assess an incident on the DSPT grid: is it reportable to the ICO, by when, and must the people affected be told',
      description: 'Replaces the previous assessment. A decision (Caldicott guardians only) is kept with its reason, whatever it is.',
      params: idParamsSchema,
      body: assessmentBodySchema,
      response: { 200: assessmentResultSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const { decision: decided, version, ...input } = request.body;
    if (decided && !REPORTING_DECIDERS.includes(person.role as (typeof REPORTING_DECIDERS)[number])) {
      throw new ApiError('AW_ERR_FORBIDDEN', `decision: only a Caldicott guardian records the decision to report to the ICO or not (you are ${person.role}); leave it out to record the assessment`);
    }
    const incident = await incidentInScope(store, request.params.id, person);
    checkVersion(incident, version);
    const now = nowOf(options);
    const assessment: RecordedAssessment = { ...input, assessedAt: now, assessedBy: person.id };
    const grid = assessBreach(assessment, incident.awareAt, now, thresholds);
    const decision: ReportingDecision | undefined = decided && {
      report: decided.report, reason: decided.reason.trim(), at: now, by: person.id,
      reportableToIco: grid.reportableToIco, likelihood: assessment.likelihood, severity: assessment.severity,
    };
    const saved = await saveIncident(store, incident, byTheRules(() => recordAssessment(incident, assessment, decision)));
    request.log.info({ module: 'incidents', incidentId: saved.id, reportable: grid.reportableToIco, decision: decision?.report }, 'incident assessed');
    return { ...assessment, ...grid, ...(decision ? { decision } : {}), version: saved.version };
  });

  app.get<{ Params: { id: string }; Querystring: { phase?: number } }>('/v1/incidents/:id/ico-report', {
    schema: {
      summary: 'The report to the ICO (UK GDPR Article 33(3)) as it stands now, or a phase already sent; a PDF with Accept: application/pdf',
      params: idParamsSchema,
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: { phase: { type: 'integer', minimum: 1, description: 'A report already sent, as it was sent' } },
      },
      response: { 200: icoReportSchema, ...errorResponses },
    },
  }, async (request, reply) => {
    const person = callerPerson(request);
    const incident = await incidentInScope(store, request.params.id, person);
    const { phase } = request.query;
    if (phase !== undefined) {
      const sent = incident.reports.find((report) => report.phase === phase);
      if (!sent) throw new ApiError('AW_ERR_NOT_FOUND', `phase: incident ${incident.id} has ${incident.reports.length} report(s) sent, not a phase ${phase}`);
      return sendReport(reply, request.headers.accept, sent.content);
    }
    const alerts = await alertSummaries(store, incident);
    const content = byTheRules(() => icoReport(incident, { alerts, now: nowOf(options), thresholds }));
    return sendReport(reply, request.headers.accept, content);
  });

  app.post<{ Params: { id: string }; Body: ReportBody }>('/v1/incidents/:id/ico-report', {
    schema: {
      summary: 'Record that the report was sent to the ICO: the first marks the incident reported, later ones are kept as further phases',
      params: idParamsSchema,
      body: {
        type: 'object',
        additionalProperties: false,
        properties: {
          submittedAt: { type: 'string', format: 'date-time', description: 'When it was sent (default now); not in the future' },
          icoReference: { type: 'string', minLength: 1, maxLength: 100, description: 'The ICO\'s case reference' },
          reasonForDelay: { type: 'string', minLength: 1, maxLength: 10_000, description: 'Why the first report is later than 72 hours' },
          version: { type: 'integer', minimum: 1 },
        },
      },
      response: { 201: incidentSchema, ...errorResponses },
    },
    // Everything in the body is optional, so no body at all means the same as {}.
    preValidation: async (request) => { request.body ??= {}; },
  }, async (request, reply) => {
    const person = callerPerson(request);
    const body = request.body;
    const incident = await incidentInScope(store, request.params.id, person);
    checkVersion(incident, body.version);
    const now = nowOf(options);
    const submittedAt = body.submittedAt === undefined ? now : new Date(body.submittedAt).toISOString();
    const earliest = incident.reports.at(-1)?.submittedAt ?? incident.awareAt;
    if (submittedAt > now) throw new ApiError('AW_ERR_VALIDATION', 'submittedAt: cannot be in the future');
    if (submittedAt < earliest) throw new ApiError('AW_ERR_VALIDATION', `submittedAt: cannot be before ${earliest} (when the organisation became aware, or the last report was sent)`);
    const content = await reportToSend(options, incident, submittedAt, body.reasonForDelay);
    const report = { submittedAt, submittedBy: person.id, ...(body.icoReference ? { icoReference: body.icoReference } : {}), content };
    const saved = await saveIncident(store, incident, byTheRules(() => changeIncident(incident, { report, by: person.id, at: now })));
    request.log.info({ module: 'incidents', incidentId: saved.id, phase: content.phase, late: content.late }, 'ICO report recorded');
    return reply.code(201).send(incidentView(saved, now, thresholds));
  });
}
