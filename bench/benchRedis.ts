import { startLocalRedis, type LocalRedis } from '../test/localRedis.js';

/** A Redis for the benchmark: REDIS_URL when set, else a throwaway redis-server (its pid gives its CPU and memory figures). */
export type BenchRedis = LocalRedis;

export async function benchRedis(): Promise<BenchRedis> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  return startLocalRedis();
}
