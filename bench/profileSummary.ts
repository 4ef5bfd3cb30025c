import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

/**
 * Summarises a V8 .cpuprofile (from the server run with `npm run bench -- --cpu-prof`): self time
 * by function and by where the code lives (accesswatch, a package, Node internals, native/GC).
 * Usage: node --import tsx bench/profileSummary.ts bench/out/ingest-embedded.cpuprofile [top]
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const ROOT = process.cwd();

function place(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (inPackage) return inPackage[1];
  return `accesswatch ${relative(ROOT, path).split('/').slice(0, 2).join('/')}`;
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = url ? `${relative(ROOT, url.replace(/^file:\/\//, '')).replace(/^.*node_modules\//, '')}:${lineNumber + 1}` : '';
  return `${functionName || '(anonymous)'}${where ? ` ${where}` : ''}`;
}

/** Microseconds the thread was not idle: picks the main thread among a process's per-thread profiles. */
export function busyMicros(profile: CpuProfile): number {
  const idle = new Set(profile.nodes.filter((node) => node.callFrame.functionName === '(idle)').map((node) => node.id));
  return profile.samples.reduce((sum, id, i) => (idle.has(id) ? sum : sum + (profile.timeDeltas[i] ?? 0)), 0);
}

/** A stretch of the run in the profile's clock (microseconds of CLOCK_MONOTONIC, as `process.hrtime`). */
export interface ProfileWindow {
  fromMicros: number;
  toMicros: number;
}

/** Microseconds since boot on the clock V8 stamps profiles with. */
export function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export function summarise(profile: CpuProfile, top = 25, window?: ProfileWindow): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.fromMicros || at > window.toMicros)) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfMicros.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfMicros].filter(([id]) => byId.get(id)?.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const byFunction = new Map<string, number>();
  const byPlace = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    byFunction.set(label(node), (byFunction.get(label(node)) ?? 0) + micros);
    const where = place(node.callFrame.url, node.callFrame.functionName);
    byPlace.set(where, (byPlace.get(where) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>, n: number) => [...map].sort((a, b) => b[1] - a[1]).slice(0, n)
    .map(([name, micros]) => `${(micros / 1000).toFixed(0).padStart(8)} ms ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${name}`);
  return [
    `${window ? 'timed section' : 'whole run'}: ${(total / 1e6).toFixed(1)} s of samples on this thread, busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s (percentages are of busy time)`,
    '', 'self time by where the code lives:', ...rows(byPlace, 15),
    '', `top ${top} functions by self time:`, ...rows(byFunction, top),
  ].join('\n');
}

if (process.argv[1] && import.meta.filename === process.argv[1].replace(/^(?!\/)/, `${ROOT}/`)) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: node --import tsx bench/profileSummary.ts <file.cpuprofile> [top]');
  process.stdout.write(`${summarise(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(process.argv[3] ?? 25))}\n`);
}
