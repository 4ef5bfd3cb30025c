import type { FastifyInstance } from 'fastify';
import { UnavailableError } from '../../engine/ingest/errors.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';

/** Liveness and readiness, without auth (for load balancers and orchestrators). */
export async function healthRoutes(app: FastifyInstance, options: { sink: BatchSink; mode: string }): Promise<void> {
  const status = { type: 'object', properties: { status: { type: 'string' }, mode: { type: 'string' }, reason: { type: 'string' } } };
  app.get('/healthz', { schema: { summary: 'The process is up', response: { 200: status } } }, async () => ({ status: 'ok', mode: options.mode }));
  app.get('/readyz', { schema: { summary: 'The store and the queue are reachable', response: { 200: status, 503: status } } }, async (_request, reply) => {
    try {
      await options.sink.ready();
      return { status: 'ready', mode: options.mode };
    } catch (err) {
      const reason = err instanceof UnavailableError ? err.message : 'not ready';
      return reply.code(503).header('retry-after', '5').send({ status: 'unavailable', mode: options.mode, reason });
    }
  });
}
