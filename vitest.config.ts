import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['engine/**/*.test.ts', 'api/**/*.test.ts', 'rules/**/*.test.ts', 'test/**/*.test.ts', 'dashboards/app/**/*.test.ts'],
    globalSetup: ['test/redisServer.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
