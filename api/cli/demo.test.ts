import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/log.js';
import { SIZES } from '../../engine/simulator/sizes.js';
import { freePort } from '../../test/localRedis.js';
import { runDemo, type DemoRun } from './demo.js';
import { DEMO_MARKER, prepareDemoFolder } from './demoFolder.js';
import { formatDemoSummary } from './demoSummary.js';

const scratch = mkdtempSync(join(tmpdir(), 'accesswatch-demo-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('accesswatch demo', () => {
  it('posts a simulated day through the API, shows alerts of several rules and a reportable incident, and keeps serving', async () => {
    let run: DemoRun | undefined;
    try {
      run = await runDemo({
        port: await freePort(), data: join(scratch, 'data-demo'), seed: 1,
        size: { ...SIZES.smoke, activity: 0.25 }, progress: false, logger: createLogger('silent'),
      });
      const summary = formatDemoSummary(run);
      expect(summary).toMatch(/Posted [\d,]+ reference records and [\d,]+ access events from 5 systems/);
      expect(summary).toMatch(/[\d,]+ events\/s/);
      expect(summary).toMatch(/Explained by a care relationship: [\d,]+ of [\d,]+ accesses \(\d+\.\d%\)/);
      const rulesShown = [...summary.matchAll(/^ {2}[ *] (AW-[A-Z]{2}-\d{3}) /gm)].map((m) => m[1]);
      expect(rulesShown.length).toBeGreaterThanOrEqual(3);
      // Which breach patterns a day ending now can hold depends on the time of day it ends: every
      // one placed must be caught and shown.
      const caught = /breach patterns (\d+) of (\d+)/.exec(summary);
      expect(caught).not.toBeNull();
      expect(Number(caught?.[1])).toBe(Number(caught?.[2]));
      if (Number(caught?.[2]) > 0) expect(rulesShown.some((id) => id.startsWith('AW-BP-'))).toBe(true);
      expect(summary).toMatch(/REPORTABLE to the ICO/);
      expect(summary).toMatch(/ICO deadline \d{4}-\d{2}-\d{2}T[\d:.]+Z \(\d+\.\d hours left\)/);

      const officerToken = /IG officer: +(awt_\S+)/.exec(summary)?.[1];
      const url = /accesswatch is running at (http:\/\/\S+) /.exec(summary)?.[1];
      expect(officerToken).toBeDefined();
      const response = await fetch(`${url}/v1/alerts?limit=5`, { headers: { authorization: `Bearer ${officerToken}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { alerts: unknown[] }).alerts.length).toBe(5);
    } finally {
      await run?.server.close();
    }
  }, 60_000);

  it('refuses a folder that holds anything but an earlier demo, naming it, and wipes an earlier demo\'s folder', async () => {
    const real = join(scratch, 'data');
    mkdirSync(real);
    writeFileSync(join(real, 'accesswatch.duckdb'), 'real data');
    await expect(prepareDemoFolder(real)).rejects.toThrow(`${real} is not empty and was not written by \`accesswatch demo\``);
    expect(existsSync(join(real, 'accesswatch.duckdb'))).toBe(true);

    const earlier = join(scratch, 'earlier-demo');
    mkdirSync(earlier);
    writeFileSync(join(earlier, DEMO_MARKER), '');
    writeFileSync(join(earlier, 'accesswatch.duckdb'), 'old demo');
    await prepareDemoFolder(earlier);
    expect(existsSync(join(earlier, 'accesswatch.duckdb'))).toBe(false);
    expect(existsSync(join(earlier, DEMO_MARKER))).toBe(true);
  });
});
