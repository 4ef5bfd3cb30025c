/**
 * The demo's own data folder: `accesswatch demo` keeps its DuckDB file, its simulated day and its
 * rules settings in a folder it marks as its own, so that a later demo may wipe it and a user's
 * real data is never touched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { londonDate, londonDayStart } from '../../engine/explain/londonTime.js';

/** The file that says a folder was written by `accesswatch demo` and may be wiped by the next one. */
export const DEMO_MARKER = '.accesswatch-demo';

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** The simulated day: when it starts and ends, and the lateness the rules need to judge all of it. */
export interface DemoPeriod {
  start: number;
  end: number;
  /** Windowed rules keep windows open this long after the server's clock: the whole day, and an hour. */
  latenessMinutes: number;
}

/**
 * The 24 hours ending now; on a Saturday or Sunday (UK time), the 24 hours ending as Friday ends,
 * so that the day always holds a working day and the breach patterns that happen in one.
 */
export function demoPeriod(now: number = Date.now()): DemoPeriod {
  const today = londonDayStart(londonDate(now));
  const weekday = new Date(today + DAY_MS / 2).getUTCDay();
  const end = weekday === 6 ? today : weekday === 0 ? londonDayStart(londonDate(today - DAY_MS / 2)) : Math.floor(now / MINUTE_MS) * MINUTE_MS;
  const start = end - DAY_MS;
  return { start, end, latenessMinutes: Math.ceil((now - start) / MINUTE_MS) + 60 };
}

/** Where the demo keeps things inside its folder. */
export interface DemoFolder {
  /** The folder itself (absolute). */
  dir: string;
  /** The simulated day is written here. */
  simulation: string;
  /** The rules settings the demo server runs with (the longer lateness, see {@link demoPeriod}). */
  rulesConfig: string;
}

/**
 * Makes `dir` ready for a fresh demo: a folder of an earlier demo (it holds the marker) is wiped;
 * a non-empty folder without the marker is refused, naming it, so real data is never lost.
 */
export async function prepareDemoFolder(dir: string, latenessMinutes: number = demoPeriod().latenessMinutes): Promise<DemoFolder> {
  const absolute = resolve(dir);
  if (existsSync(absolute)) {
    if (existsSync(join(absolute, DEMO_MARKER))) {
      await rm(absolute, { recursive: true, force: true });
    } else if ((await readdir(absolute)).length > 0) {
      throw new Error(`${absolute} is not empty and was not written by \`accesswatch demo\` (no ${DEMO_MARKER} in it): ` +
        'the demo refuses to touch it. Pass --data with a new or empty folder (default ./data-demo).');
    }
  }
  await mkdir(absolute, { recursive: true });
  await writeFile(join(absolute, DEMO_MARKER), 'Written by `accesswatch demo`: the next demo wipes this folder.\n');
  // Inside a git checkout (npm run demo), the demo's files stay out of git status.
  await writeFile(join(absolute, '.gitignore'), '*\n');
  const folder: DemoFolder = { dir: absolute, simulation: join(absolute, 'simulation'), rulesConfig: join(absolute, 'demo-rules.yaml') };
  await writeFile(folder.rulesConfig, [
    '# accesswatch demo: the simulated day is posted at once, so windowed rules (breach patterns)',
    '# keep their windows open from its start, and an hour more, instead of an hour.',
    `latenessMinutes: ${latenessMinutes}`, '',
  ].join('\n'));
  return folder;
}
