import type { FastifyInstance } from 'fastify';
import type { Deployment } from '../../engine/deployment.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { backtestRule } from '../../engine/rules/backtest.js';
import { ruleFileSchema } from '../../engine/rules/ruleSchema.js';
import type { Store } from '../../engine/store/port.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import { ApiError } from '../errors.js';
import { callerPerson } from '../permissions.js';
import { backtestResultSchema, errorResponses, ruleListSchema } from '../schemas.js';
import { recordPatientReads } from '../selfAudit.js';

export interface RuleRoutesOptions {
  store: Store;
  sink: BatchSink;
  rules: Deployment['rules'];
}

/** Longest period one backtest may cover. */
const MAX_BACKTEST_DAYS = 92;

export async function ruleRoutes(app: FastifyInstance, options: RuleRoutesOptions): Promise<void> {
  app.get('/v1/rules', {
    schema: { summary: 'Every rule, enabled or not, with its parameters as configured', response: { 200: ruleListSchema, ...errorResponses } },
  }, async () => ({ rules: options.rules.compiled.map(({ definition }) => definition) }));

  app.get('/v1/schemas/rule', { schema: { summary: 'The JSON Schema of a rule file' } }, async () => ruleFileSchema());

  app.post<{ Params: { id: string }; Body: { from: string; to: string; organisation?: string } }>('/v1/rules/:id/backtest', {
    schema: {
      summary: 'Run a rule over stored events of a period and report what it would raise, without raising it',
      params: { type: 'object', required: ['id'], properties: { id: { type: 'string' } } },
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['from', 'to'],
        properties: {
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          organisation: { type: 'string', description: 'One of your organisations (default: all of them)' },
        },
      },
      response: { 200: backtestResultSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const rule = options.rules.compiled.find(({ definition }) => definition.id === request.params.id);
    if (!rule) throw new ApiError('AW_ERR_NOT_FOUND', `no rule has the id ${request.params.id}`);
    const { from, to, organisation } = request.body;
    const span = Date.parse(to) - Date.parse(from);
    if (span <= 0) throw new ApiError('AW_ERR_VALIDATION', 'to: must be after from');
    if (span > MAX_BACKTEST_DAYS * 86_400_000) throw new ApiError('AW_ERR_VALIDATION', `to: a backtest covers at most ${MAX_BACKTEST_DAYS} days; split the period`);
    let result;
    try {
      result = await backtestRule(rule, options.rules.config, options.store, { organisations: organisation ? [organisation] : person.organisations, from, to });
    } catch (err) {
      throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
    }
    // Keeps only what the caller may see: alerts about their organisations' accesses.
    result.alerts = result.alerts.filter((alert) => person.organisations.includes(alert.organisation));
    await recordPatientReads(person, result.alerts.filter((a) => a.nhsNumber !== undefined)
      .map((a) => ({ organisation: a.organisation, nhsNumber: a.nhsNumber!, action: 'view', recordPart: 'alert' })), options.sink);
    return result;
  });
}
