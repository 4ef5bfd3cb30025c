import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { NODE_HEAP_FLAGS, WORKER_RESOURCE_LIMITS } from './heap.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('the young generation accesswatch runs with', () => {
  it('is given to node wherever accesswatch is started', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    for (const flag of NODE_HEAP_FLAGS) {
      expect(read('bin/accesswatch.js').split('\n')[0]).toContain(flag);
      expect(scripts.start).toContain(`node ${flag} bin/accesswatch.js`);
      expect(scripts.demo).toContain(`node ${flag} bin/accesswatch.js`);
      expect(read('Dockerfile')).toContain(`"node", "${flag}", "bin/accesswatch.js"`);
    }
  });

  it('sizes a worker thread\'s young generation', async () => {
    const worker = new Worker(`
      const { parentPort } = require('node:worker_threads');
      const v8 = require('node:v8');
      let keep = [];
      for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 300000) keep = []; }
      parentPort.postMessage(v8.getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size);
    `, { eval: true, resourceLimits: WORKER_RESOURCE_LIMITS });
    const newSpace = await new Promise<number>((resolve, reject) => { worker.once('message', resolve); worker.once('error', reject); });
    await worker.terminate();
    // Node's default is a 32 MiB new space (two 16 MB semi-spaces); grown under load it reaches the configured size.
    expect(newSpace).toBeGreaterThan(32 * 1024 * 1024);
  });
});
