import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import type { Config } from '../engine/config.js';
import type { Deployment } from '../engine/deployment.js';
import { BackpressureError, UnavailableError } from '../engine/ingest/errors.js';
import type { Logger } from '../engine/log.js';
import { Authenticator } from './auth.js';
import { OidcVerifier } from './oidc.js';
import { ApiError } from './errors.js';
import { enforcePermissions } from './permissions.js';
import { accessEventRoutes } from './routes/accessEvents.js';
import { accessReportRoutes } from './routes/accessReports.js';
import { caldicottReportRoutes } from './routes/caldicottReport.js';
import { adminRoutes } from './routes/admin.js';
import { alertRoutes } from './routes/alerts.js';
import { incidentRoutes } from './routes/incidents.js';
import { alertTriageRoutes } from './routes/alertTriage.js';
import { ruleRoutes } from './routes/rules.js';
import { meRoutes } from './routes/me.js';
import { webAppRoutes } from './webApp.js';
import { healthRoutes } from './routes/health.js';
import { referenceRoutes } from './routes/reference.js';

export interface AppOptions {
  config: Pick<Config, 'bodyLimit' | 'maxEventsPerRequest' | 'adminToken' | 'explainMarginDays' | 'oidc' | 'breachThresholds'>;
  deployment: Deployment;
  logger: Logger;
}

function sendError(reply: import('fastify').FastifyReply, status: number, code: string, message: string, retryAfter?: number) {
  if (retryAfter !== undefined) reply.header('retry-after', String(retryAfter));
  return reply.code(status).send({ error: { code, message } });
}

/** The accesswatch HTTP API: thin routes over the engine. Tests use `app.inject`. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, deployment } = options;
  const app = Fastify({
    loggerInstance: options.logger.child({ module: 'api' }) as FastifyBaseLogger,
    // During shutdown the server answers with our own 503 and Retry-After (see server.ts).
    return503OnClosing: false,
    bodyLimit: config.bodyLimit,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  const authenticator = new Authenticator(deployment.store, config.adminToken, config.oidc ? new OidcVerifier(config.oidc) : undefined);

  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error.status, error.code, error.message, error.retryAfterSeconds);
    if (error instanceof BackpressureError) return sendError(reply, 429, 'AW_ERR_BUSY', error.message, error.retryAfterSeconds);
    if (error instanceof UnavailableError) {
      if (error.cause instanceof Error) request.log.warn({ reason: error.cause.message }, 'store or queue unavailable');
      return sendError(reply, 503, 'AW_ERR_UNAVAILABLE', error.message, error.retryAfterSeconds);
    }
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const where = fastifyError.validationContext ?? 'request';
      return sendError(reply, 400, 'AW_ERR_VALIDATION', `${where}${error.message.replace(/^(body|querystring|params)/, '')}`);
    }
    if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendError(reply, 413, 'AW_ERR_BODY_TOO_LARGE', `the body is larger than the limit of ${config.bodyLimit} bytes: post smaller batches`);
    }
    if (fastifyError.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendError(reply, 415, 'AW_ERR_UNSUPPORTED_MEDIA_TYPE', 'the content type is not supported here; send application/json');
    }
    if (fastifyError.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || fastifyError.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || fastifyError instanceof SyntaxError) {
      return sendError(reply, 400, 'AW_ERR_BODY_UNREADABLE', `the body is not valid JSON: ${error.message}`);
    }
    if (fastifyError.statusCode && fastifyError.statusCode < 500) {
      return sendError(reply, fastifyError.statusCode, 'AW_ERR_VALIDATION', error.message);
    }
    request.log.error({ err: error }, 'request failed');
    return sendError(reply, 500, 'AW_ERR_INTERNAL', 'something went wrong inside accesswatch; it has been logged');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'AW_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`));

  // Before any route: each is checked against api/permissions.ts as it is registered.
  enforcePermissions(app, authenticator);
  // The dashboards web app's files: open to anyone, as they hold no data (the app calls the API with the person's token).
  await app.register(webAppRoutes, { ...(config.oidc?.webApp ? { oidc: config.oidc.webApp } : {}) });
  await app.register(swagger, {
    openapi: { info: { title: 'accesswatch API', version: '0.1.0', description: 'Record access audit and breach detection for health and social care.' } },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(healthRoutes, { sink: deployment.sink, mode: deployment.mode });
  await app.register(accessEventRoutes, {
    store: deployment.store,
    sink: deployment.sink,
    maxEventsPerRequest: config.maxEventsPerRequest,
    bodyLimit: config.bodyLimit,
    explainMarginDays: config.explainMarginDays,
    rulesInProcess: deployment.rulesInProcess,
  });
  await app.register(referenceRoutes, {
    store: deployment.store,
    maxEventsPerRequest: config.maxEventsPerRequest,
    bodyLimit: config.bodyLimit,
  });
  const ruleIds = new Set(deployment.rules.compiled.map(({ definition }) => definition.id));
  await app.register(alertRoutes, { store: deployment.store, sink: deployment.sink, ruleIds: () => ruleIds });
  await app.register(incidentRoutes, { store: deployment.store, thresholds: config.breachThresholds });
  await app.register(alertTriageRoutes, { store: deployment.store, sink: deployment.sink });
  await app.register(meRoutes);
  await app.register(ruleRoutes, { store: deployment.store, sink: deployment.sink, rules: deployment.rules });
  await app.register(accessReportRoutes, { store: deployment.store, sink: deployment.sink });
  await app.register(caldicottReportRoutes, { store: deployment.store, thresholds: config.breachThresholds });
  await app.register(adminRoutes, {
    store: deployment.store,
    queue: deployment.queue,
    credentialsChanged: () => authenticator.forget(),
  });
  return app;
}
