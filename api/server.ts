import type { FastifyInstance } from 'fastify';
import type { Config } from '../engine/config.js';
import { openDeployment, type Deployment } from '../engine/deployment.js';
import type { Logger } from '../engine/log.js';
import { credentialHash, newPersonToken } from '../engine/auth/credentials.js';
import type { Store } from '../engine/store/port.js';
import { buildApp } from './app.js';

export interface RunningServer {
  app: FastifyInstance;
  deployment: Deployment;
  /** The address it listens on, e.g. http://127.0.0.1:8080. */
  url: string;
  /** Graceful stop: no new requests, in-flight requests answered, workers finish or requeue, store closed. */
  close(): Promise<void>;
}

/** Starts the API (and, in the redis mode, the worker) for `accesswatch serve`. */
export async function startServer(config: Config, logger: Logger): Promise<RunningServer> {
  const deployment = await openDeployment(config, logger, { runWorker: Boolean(config.redisUrl) && !config.elasticsearchUrl });
  const app = await buildApp({ config, deployment, logger });
  // Once stopping, every answer closes its connection, so a keep-alive client in the middle of a
  // request does not hold the shutdown open until its idle timeout.
  let stopping = false;
  app.addHook('onSend', async (_request, reply) => {
    if (stopping) reply.header('connection', 'close');
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (!stopping) return;
    await reply.code(503).header('retry-after', '5').send({
      error: { code: 'AW_ERR_UNAVAILABLE', message: 'accesswatch is shutting down; retry shortly (another instance may take the request)' },
    });
  });
  const url = await app.listen({ port: config.port, host: config.host });
  logger.info({ module: 'server', url, mode: deployment.mode, store: deployment.store.kind }, 'accesswatch is listening');
  let closing: Promise<void> | undefined;
  return {
    app,
    deployment,
    url,
    close: () => {
      closing ??= (async () => {
        stopping = true;
        await app.close();
        await deployment.close();
      })();
      return closing;
    },
  };
}

/** Starts a queue worker without the API, for `accesswatch worker`. */
export async function startWorker(config: Config, logger: Logger): Promise<Deployment> {
  if (!config.redisUrl) throw new Error('accesswatch worker needs REDIS_URL: it consumes the ingest queue');
  if (!config.elasticsearchUrl) {
    logger.warn({ module: 'worker' }, 'no ELASTICSEARCH_URL: this worker stores into the DuckDB file, which only one process can open; `accesswatch serve` already runs a worker in this mode');
  }
  const deployment = await openDeployment(config, logger, { runWorker: true });
  logger.info({ module: 'worker', store: deployment.store.kind }, 'accesswatch worker is consuming the ingest queue');
  return deployment;
}

/** Closes `target` on SIGTERM or SIGINT, then exits; a second signal exits at once. */
export function closeOnSignals(target: { close(): Promise<void> }, logger: Logger): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ module: 'server', signal }, 'shutting down: finishing in-flight batches');
    target.close().then(
      () => process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0),
      (err: unknown) => {
        logger.error({ module: 'server', err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * First start without ACCESSWATCH_ADMIN_TOKEN: creates one admin and returns their token, to be
 * shown once (only its hash is kept). Returns undefined when an admin already exists.
 */
export async function ensureFirstAdmin(store: Store): Promise<string | undefined> {
  if ((await store.countPeopleWithRole('admin')) > 0) return undefined;
  const token = newPersonToken();
  await store.putPerson({ id: 'person-first-admin', name: 'admin', role: 'admin', organisations: [], tokenHash: credentialHash(token), createdAt: new Date().toISOString() });
  return token;
}
