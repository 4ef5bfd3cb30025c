import { mkdtempSync, rmSync, writeFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../engine/log.js';
import { SIZES } from '../../engine/simulator/sizes.js';
import { freePort } from '../../test/localRedis.js';
import { runDemo, type DemoRun } from './demo.js';
import { DEMO_MARKER, demoPeriod, prepareDemoFolder } from './demoFolder.js';
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
      // Every injected scenario is caught, by an alert or (after hours, a neighbour) a signal.
      const scenarios = /Injected misuse caught: (\d+) of (\d+) scenarios/.exec(summary);
      expect(Number(scenarios?.[2])).toBeGreaterThan(20);
      expect(Number(scenarios?.[1])).toBe(Number(scenarios?.[2]));
      // Whatever the time of day it runs, the day holds breach patterns, and every one is caught and shown.
      const caught = /breach patterns (\d+) of (\d+)/.exec(summary);
      expect(Number(caught?.[2])).toBeGreaterThan(0);
      expect(Number(caught?.[1])).toBe(Number(caught?.[2]));
      expect(rulesShown.some((id) => id.startsWith('AW-BP-'))).toBe(true);
      expect(summary).toMatch(/REPORTABLE to the ICO/);
      expect(summary).toMatch(/ICO deadline \d{4}-\d{2}-\d{2}T[\d:.]+Z \(\d+\.\d hours left\)/);

      const officerToken = /IG officer: +(awt_\S+)/.exec(summary)?.[1];
      const url = /accesswatch is running at (http:\/\/\S+) /.exec(summary)?.[1];
      expect(officerToken).toBeDefined();
      const response = await fetch(`${url}/v1/alerts?limit=5`, { headers: { authorization: `Bearer ${officerToken}` } });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { alerts: unknown[] }).alerts.length).toBe(5);
      // The web app is where the summary says to look.
      expect(summary).toContain(`Open ${url}/ in a browser`);
      expect((await fetch(`${url}/`)).headers.get('content-type')).toMatch(/^text\/html/);
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

  it('simulates the 24 hours ending now on a weekday, and the 24 hours ending as Friday ends at a weekend', () => {
    const iso = (period: { start: number; end: number }) => [new Date(period.start).toISOString(), new Date(period.end).toISOString()];
    // Wednesday 2 December 2026, 16:05:30 UTC (GMT): to the minute.
    expect(iso(demoPeriod(Date.parse('2026-12-02T16:05:30Z')))).toEqual(['2026-12-01T16:05:00.000Z', '2026-12-02T16:05:00.000Z']);
    // Saturday and Sunday (UK time): Friday 4 December, midnight to midnight.
    const friday = ['2026-12-04T00:00:00.000Z', '2026-12-05T00:00:00.000Z'];
    expect(iso(demoPeriod(Date.parse('2026-12-05T10:00:00Z')))).toEqual(friday);
    expect(iso(demoPeriod(Date.parse('2026-12-06T23:30:00Z')))).toEqual(friday);
    // In British Summer Time, UK midnight is 23:00 UTC: Sunday 00:30 BST is still the weekend.
    expect(iso(demoPeriod(Date.parse('2026-06-06T23:30:00Z')))).toEqual(['2026-06-04T23:00:00.000Z', '2026-06-05T23:00:00.000Z']);
    // The lateness reaches back to the day's start, and an hour more.
    expect(demoPeriod(Date.parse('2026-12-06T23:30:00Z')).latenessMinutes).toBe((2 * 24 + 23.5) * 60 + 60);
  });
});
