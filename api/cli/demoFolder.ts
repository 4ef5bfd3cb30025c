/**
 * The demo's own data folder: `accesswatch demo` keeps its DuckDB file, its simulated day and its
 * rules settings in a folder it marks as its own, so that a later demo may wipe it and a user's
 * real data is never touched.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** The file that says a folder was written by `accesswatch demo` and may be wiped by the next one. */
export const DEMO_MARKER = '.accesswatch-demo';

/** The demo's lateness: windowed rules still judge events of the whole simulated day (a day and an hour). */
export const DEMO_LATENESS_MINUTES = 25 * 60;

/** Where the demo keeps things inside its folder. */
export interface DemoFolder {
  /** The folder itself (absolute). */
  dir: string;
  /** The simulated day is written here. */
  simulation: string;
  /** The rules settings the demo server runs with (the longer lateness). */
  rulesConfig: string;
}

/**
 * Makes `dir` ready for a fresh demo: a folder of an earlier demo (it holds the marker) is wiped;
 * a non-empty folder without the marker is refused, naming it, so real data is never lost.
 */
export async function prepareDemoFolder(dir: string): Promise<DemoFolder> {
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
    '# accesswatch demo: the simulated day ends now and is posted at once, so windowed rules',
    '# (breach patterns) keep their windows open for a day and an hour instead of an hour.',
    `latenessMinutes: ${DEMO_LATENESS_MINUTES}`, '',
  ].join('\n'));
  return folder;
}
