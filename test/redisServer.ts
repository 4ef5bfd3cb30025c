import type { TestProject } from 'vitest/node';
import { startLocalRedis, type LocalRedis } from './localRedis.js';

/**
 * Integration tests talk to a real Redis. When REDIS_URL is unset the suite starts its own
 * redis-server on a free port and stops it afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let local: LocalRedis | undefined;
  let url = process.env.REDIS_URL;
  if (!url) {
    local = await startLocalRedis();
    url = local.url;
  }
  project.provide('redisUrl', url);
  return async () => { await local?.stop(); };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
