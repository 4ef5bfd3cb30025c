import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { loadConfig, type Config } from '../engine/config.js';
import { openDeployment, type Deployment } from '../engine/deployment.js';
import { createLogger } from '../engine/log.js';

export const ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: FastifyInstance;
  deployment: Deployment;
  config: Config;
  /** Registers a source system and returns its key. */
  sourceKey(system: string, organisations: string[], scopes?: string[]): Promise<string>;
  /** Creates a person and returns their token. */
  personToken(name: string, role: string, organisations: string[]): Promise<string>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Real Redis URL: batches go through BullMQ (the serve process's worker stores them). */
  redisUrl?: string;
  runWorker?: boolean;
  env?: Record<string, string>;
}

/** A real app over a fresh DuckDB file (and a fresh Redis key prefix when given Redis). */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'accesswatch-test-'));
  const config = loadConfig({
    ACCESSWATCH_DATA_DIR: dataDir,
    ACCESSWATCH_ADMIN_TOKEN: ADMIN_TOKEN,
    ACCESSWATCH_QUEUE_PREFIX: `test-${randomUUID()}`,
    ...(options.redisUrl ? { REDIS_URL: options.redisUrl } : {}),
    ...options.env,
  });
  const logger = createLogger('silent');
  const deployment = await openDeployment(config, logger, { runWorker: options.runWorker ?? Boolean(options.redisUrl) });
  const app = await buildApp({ config, deployment, logger });
  const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };
  return {
    app,
    deployment,
    config,
    async sourceKey(system, organisations, scopes = ['events', 'reference']) {
      const response = await app.inject({ method: 'POST', url: '/v1/admin/sources', headers: admin, payload: { system, organisations, scopes } });
      if (response.statusCode !== 201) throw new Error(`could not create source: ${response.body}`);
      return response.json().key as string;
    },
    async personToken(name, role, organisations) {
      const response = await app.inject({ method: 'POST', url: '/v1/admin/users', headers: admin, payload: { name, role, organisations } });
      if (response.statusCode !== 201) throw new Error(`could not create person: ${response.body}`);
      return response.json().token as string;
    },
    async close() {
      await app.close();
      if (deployment.queue) {
        await deployment.queue.closeWorkers();
        await deployment.queue.obliterate();
      }
      await deployment.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A valid canonical event for A81001 / emis-a81001, with overrides. */
export function accessEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: randomUUID(),
    occurredAt: '2026-11-20T09:30:00Z',
    organisation: 'A81001',
    user: { id: 'G1234567', role: 'R8000' },
    patient: { nhsNumber: '9434765919' },
    action: 'view',
    ...overrides,
  };
}

/** Polls until `check` returns true (for work that finishes in a queue worker). */
export async function eventually(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}
