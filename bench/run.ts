import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { IngestQueue } from '../engine/queue/bullmqQueue.js';
import { BENCH_ORGANISATION, BENCH_SYSTEM, requestBodies } from './accessEvents.js';
import { benchRedis, type BenchRedis } from './benchRedis.js';
import { postBatches, type ClientKind } from './ingestClient.js';
import { busyMicros, monotonicMicros, summarise, type CpuProfile, type ProfileWindow } from './profileSummary.js';
import { cpuSeconds, MemorySampler, peakResidentBytes } from './processStats.js';
import { createSourceKey, startServerProcess, storedEvents } from './serverProcess.js';

/**
 * The ingest benchmark: batches of events posted over HTTP to a real `accesswatch serve` child
 * process until every event is stored, in the embedded mode and through Redis.
 * Usage: npm run bench -- [--mode embedded|redis|all] [--events N] [--batch N] [--concurrency C]
 *        [--client http|fetch] [--warmup BATCHES] [--cpu-prof]
 */

type Mode = 'embedded' | 'redis';

const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;
const OUT_DIR = join(import.meta.dirname, 'out');

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' },
    events: { type: 'string', default: '200000' },
    batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    client: { type: 'string', default: 'http' },
    warmup: { type: 'string', default: '5' },
    'cpu-prof': { type: 'boolean', default: false },
    'node-flag': { type: 'string', multiple: true, default: [] },
    rules: { type: 'string', default: 'shipped' },
    tag: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});

if (args.help) {
  process.stdout.write(`The ingest benchmark: batches of events posted over HTTP to a real \`accesswatch serve\` until all are stored.
Usage: npm run bench -- [options]
  --mode embedded|redis|all  which modes to run (default all)
  --events N                 events to post, timed (default 200000)
  --batch N                  events per request (default 1000)
  --concurrency N            requests in flight (default 4)
  --client http|fetch        node:http with keep-alive (default) or the global fetch
  --warmup N                 batches posted and stored before timing (default 5)
  --cpu-prof                 profile the server and print its top functions
  --node-flag FLAG           a node flag for the server (repeatable; after accesswatch's own, so it can override them)
  --rules shipped|none       run the shipped rules before each 202 (default, as \`serve\` does) or none, to
                             measure the ingest pipeline alone (parse, validate, explain, store)
  --tag TEXT                 suffix for the files written to bench/out (use --tag=-x for a leading dash)
  --help                     this text
At the size of an integrated care system (1M patients, 50k staff, 10M relationships), with every rule
on and post-to-alert latency: node --import tsx bench/ics.ts --help. Reference lookups alone:
node --import tsx bench/referenceLookups.ts --help.
`);
  process.exit(0);
}

function wholeNumber(name: string, value: string, minimum: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < minimum) throw new Error(`--${name} must be a whole number of at least ${minimum}, got ${value}`);
  return n;
}

const settings = {
  events: wholeNumber('events', args.events, 1),
  batch: wholeNumber('batch', args.batch, 1),
  concurrency: wholeNumber('concurrency', args.concurrency, 1),
  warmupBatches: wholeNumber('warmup', args.warmup, 0),
  client: args.client as ClientKind,
  cpuProfile: args['cpu-prof'],
  rules: args.rules,
};
if (!['shipped', 'none'].includes(settings.rules)) throw new Error('--rules must be shipped or none');
if (!['http', 'fetch'].includes(settings.client)) throw new Error('--client must be http or fetch');
if (!['embedded', 'redis', 'all'].includes(args.mode)) throw new Error('--mode must be embedded, redis or all');
const modes: Mode[] = args.mode === 'all' ? ['embedded', 'redis'] : [args.mode as Mode];

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
  node: process.version,
  kernel: release(),
};

interface Figures {
  mode: Mode;
  events: number;
  batches: number;
  seconds: number;
  eventsPerSecond: number;
  postSeconds: number;
  postEventsPerSecond: number;
  /** 202 rate over the first and the last fifth of the batches: shows whether ingest slows as the store grows. */
  firstFifthEventsPerSecond: number;
  lastFifthEventsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  retries: number;
  retryStatuses: Record<string, number>;
  serverPeakRssMiB: number;
  serverSampledMaxRssMiB: number;
  serverCpuSeconds: number;
  clientPeakRssMiB: number;
  clientCpuSeconds: number;
  redisCpuSeconds?: number;
  redisPeakRssMiB?: number;
  serverExit: string;
  /** The data folder's size after the server stopped, per million events stored (warm-up included). */
  storedMiBPerMillionEvents: number;
}

const mib = (bytes: number | undefined) => Math.round(((bytes ?? 0) / 2 ** 20) * 10) / 10;
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

/** Accepted events per second between two points of the run, from the 202 times. */
function rateBetween(times: number[], startedAt: number, from: number, to: number, batch: number): number {
  const begin = from === 0 ? startedAt : times[from - 1];
  const end = times[to - 1];
  return end > begin ? Math.round(((to - from) * batch) / ((end - begin) / 1000)) : 0;
}

async function waitForStored(url: string, expected: number, timeoutMs = 600_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stored = await storedEvents(url, ADMIN_TOKEN);
    if (stored >= expected) return performance.now();
    if (performance.now() > deadline) throw new Error(`only ${stored} of ${expected} events were stored after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** One mode's figures, and its timed section on the monotonic clock (to cut the server's CPU profile to it). */
async function runMode(mode: Mode, bodies: Buffer[], warmup: Buffer[]): Promise<{ figures: Figures; timed: ProfileWindow }> {
  const dataDir = mkdtempSync(join(tmpdir(), `accesswatch-bench-${mode}-`));
  const queuePrefix = `bench-${randomUUID()}`;
  let redis: BenchRedis | undefined;
  try {
    if (mode === 'redis') redis = await benchRedis();
    if (settings.cpuProfile) rmSync(profileDir(mode), { recursive: true, force: true });
    // No rules: an empty rules folder (the server then evaluates nothing), removed with the data.
    const noRules = settings.rules === 'none' ? join(dataDir, 'no-rules') : undefined;
    if (noRules) mkdirSync(noRules);
    const server = await startServerProcess({
      dataDir,
      adminToken: ADMIN_TOKEN,
      ...(noRules ? { env: { ACCESSWATCH_RULES_DIR: noRules } } : {}),
      ...(redis ? { redisUrl: redis.url, queuePrefix } : {}),
      nodeFlags: [...args['node-flag'], ...(settings.cpuProfile ? ['--cpu-prof', '--cpu-prof-dir', profileDir(mode)] : [])],
    });
    try {
      const key = await createSourceKey(server.url, ADMIN_TOKEN, BENCH_SYSTEM, BENCH_ORGANISATION);
      const eventsIn = (body: Buffer) => body.length === 0 ? 0 : (JSON.parse(body.toString()) as unknown[]).length;
      if (warmup.length > 0) {
        const sizes = warmup.map(eventsIn);
        const warm = await postBatches({ url: server.url, key, bodies: warmup, concurrency: settings.concurrency, client: settings.client, eventsPerBody: (i) => sizes[i] });
        await waitForStored(server.url, warm.accepted);
      }
      const before = await storedEvents(server.url, ADMIN_TOKEN);
      const serverMemory = new MemorySampler(server.pid).start();
      const clientMemory = new MemorySampler('self').start();
      const redisMemory = redis?.pid ? new MemorySampler(redis.pid).start() : undefined;
      const cpuBefore = { server: cpuSeconds(server.pid) ?? 0, client: cpuSeconds('self') ?? 0, redis: redis?.pid ? cpuSeconds(redis.pid) ?? 0 : 0 };

      const timedFrom = monotonicMicros();
      const posted = await postBatches({
        url: server.url, key, bodies, concurrency: settings.concurrency, client: settings.client,
        eventsPerBody: (i) => Math.min(settings.batch, settings.events - i * settings.batch),
      });
      const storedAt = await waitForStored(server.url, before + settings.events);
      const timed = { fromMicros: timedFrom, toMicros: monotonicMicros() };

      const cpuAfter = { server: cpuSeconds(server.pid) ?? 0, client: cpuSeconds('self') ?? 0, redis: redis?.pid ? cpuSeconds(redis.pid) ?? 0 : 0 };
      const serverSampledMax = serverMemory.stop();
      const clientSampledMax = clientMemory.stop();
      const redisSampledMax = redisMemory?.stop();
      const serverPeak = peakResidentBytes(server.pid);
      const redisPeak = redis?.pid ? peakResidentBytes(redis.pid) : undefined;
      const exit = await server.stop();
      // After a clean stop the DuckDB file holds everything (its write-ahead log is checkpointed in).
      const storedBytes = folderBytes(dataDir);
      const serverExit = exit.code === 0 ? 'exit 0' : `exit ${exit.code ?? exit.signal}: ${server.output().slice(-2000)}`;
      if (exit.code !== 0) process.stderr.write(`the ${mode} server did not exit cleanly on SIGTERM (${serverExit})\n`);
      else if (server.output().trim()) process.stderr.write(`server output (${mode}):\n${server.output().slice(-2000)}\n`);

      const seconds = (storedAt - posted.startedAt) / 1000;
      const postSeconds = (posted.lastAcceptedAt - posted.startedAt) / 1000;
      const latencies = posted.latenciesMs.sort((a, b) => a - b);
      const figures: Figures = {
        mode,
        events: settings.events,
        batches: bodies.length,
        seconds: round(seconds, 2),
        eventsPerSecond: Math.round(settings.events / seconds),
        postSeconds: round(postSeconds, 2),
        postEventsPerSecond: Math.round(posted.accepted / postSeconds),
        firstFifthEventsPerSecond: rateBetween(posted.acceptedTimes, posted.startedAt, 0, Math.max(1, Math.floor(bodies.length / 5)), settings.batch),
        lastFifthEventsPerSecond: rateBetween(posted.acceptedTimes, posted.startedAt, bodies.length - Math.max(1, Math.floor(bodies.length / 5)), bodies.length, settings.batch),
        latencyP50Ms: round(percentile(latencies, 0.5)),
        latencyP99Ms: round(percentile(latencies, 0.99)),
        latencyMaxMs: round(latencies.at(-1) ?? 0),
        retries: posted.retries,
        retryStatuses: posted.retryStatuses,
        serverPeakRssMiB: mib(serverPeak),
        serverSampledMaxRssMiB: mib(serverSampledMax),
        serverCpuSeconds: round(cpuAfter.server - cpuBefore.server, 2),
        clientPeakRssMiB: mib(Math.max(peakResidentBytes('self') ?? 0, clientSampledMax)),
        clientCpuSeconds: round(cpuAfter.client - cpuBefore.client, 2),
        ...(redis?.pid ? { redisCpuSeconds: round(cpuAfter.redis - cpuBefore.redis, 2), redisPeakRssMiB: mib(Math.max(redisPeak ?? 0, redisSampledMax ?? 0)) } : {}),
        serverExit,
        storedMiBPerMillionEvents: round(storedBytes / 2 ** 20 / ((before + settings.events) / 1e6)),
      };
      return { figures, timed };
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop();
    }
  } finally {
    if (redis && !redis.pid) await forgetQueue(redis.url, queuePrefix);
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Bytes of every file under a folder (the embedded store's file and anything beside it). */
function folderBytes(dir: string): number {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .reduce((sum, entry) => sum + statSync(join(entry.parentPath, entry.name)).size, 0);
}

/** Where the server's CPU profiles go: one file per thread (the tsx loader runs on its own thread). */
function profileDir(mode: Mode): string {
  return join(OUT_DIR, `profile-${mode}${args.tag}`);
}

/** The main thread's profile is the one with the most busy time; prints its summary. */
function reportProfile(mode: Mode, window: ProfileWindow): void {
  const dir = profileDir(mode);
  const profiles = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).map((name) => {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    return { name, profile, busy: busyMicros(profile) };
  });
  const main = profiles.sort((a, b) => b.busy - a.busy)[0];
  if (!main) return;
  process.stdout.write(`\nserver CPU profile (${mode}, ${join(dir, main.name)}):\n${summarise(main.profile, 25, window)}\n`);
}

/** On a shared REDIS_URL, removes the benchmark's queue keys. */
async function forgetQueue(redisUrl: string, prefix: string): Promise<void> {
  const queue = new IngestQueue({ redisUrl, prefix });
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    await queue.obliterate();
  } catch (err) {
    process.stderr.write(`could not remove the benchmark queue ${prefix}: ${(err as Error).message}\n`);
  } finally {
    await queue.close();
  }
}

const ROWS: [label: string, value: (f: Figures) => string][] = [
  ['events stored', (f) => f.events.toLocaleString('en-GB')],
  ['batches', (f) => `${f.batches} x ${settings.batch}`],
  ['seconds (post → all stored)', (f) => f.seconds.toFixed(2)],
  ['events/s stored (sustained)', (f) => f.eventsPerSecond.toLocaleString('en-GB')],
  ['events/s accepted (202s)', (f) => f.postEventsPerSecond.toLocaleString('en-GB')],
  ['  202s/s first / last fifth', (f) => `${f.firstFifthEventsPerSecond.toLocaleString('en-GB')} / ${f.lastFifthEventsPerSecond.toLocaleString('en-GB')}`],
  ['request latency p50 / p99 ms', (f) => `${f.latencyP50Ms} / ${f.latencyP99Ms}`],
  ['request latency max ms', (f) => String(f.latencyMaxMs)],
  ['retries (429/503)', (f) => `${f.retries}${f.retries ? ` ${JSON.stringify(f.retryStatuses)}` : ''}`],
  ['server peak RSS MiB (VmHWM)', (f) => String(f.serverPeakRssMiB)],
  ['server max sampled RSS MiB', (f) => String(f.serverSampledMaxRssMiB)],
  ['server CPU s (user+sys)', (f) => String(f.serverCpuSeconds)],
  ['redis-server CPU s / peak RSS MiB', (f) => (f.redisCpuSeconds === undefined ? '-' : `${f.redisCpuSeconds} / ${f.redisPeakRssMiB}`)],
  ['bench client CPU s', (f) => String(f.clientCpuSeconds)],
  ['bench client peak RSS MiB', (f) => String(f.clientPeakRssMiB)],
  ['server exit on SIGTERM', (f) => f.serverExit.split(':')[0]],
  ['MiB stored per million events (DuckDB file)', (f) => String(f.storedMiBPerMillionEvents)],
];

function table(results: Figures[]): string {
  const width = Math.max(...ROWS.map(([label]) => label.length));
  const columns = results.map((f) => Math.max(f.mode.length, ...ROWS.map(([, value]) => value(f).length)));
  const line = (label: string, cells: string[]) => `${label.padEnd(width)}  ${cells.map((c, i) => c.padStart(columns[i])).join('  ')}`;
  return [line('', results.map((f) => f.mode)), ...ROWS.map(([label, value]) => line(label, results.map(value)))].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  process.stdout.write(`machine: ${machine.cores} x ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, linux ${machine.kernel}\n`);
  process.stdout.write(`settings: ${settings.events} events in batches of ${settings.batch}, concurrency ${settings.concurrency}, client ${settings.client}, ${settings.warmupBatches} warm-up batches, rules ${settings.rules}${settings.cpuProfile ? ', server CPU profile' : ''}\n`);
  const generating = performance.now();
  const bodies = requestBodies(settings.events, settings.batch);
  const warmup = requestBodies(settings.warmupBatches * settings.batch, settings.batch, 7);
  const bytes = bodies.reduce((sum, body) => sum + body.length, 0);
  process.stdout.write(`generated ${bodies.length} bodies (${mib(bytes)} MiB, ${Math.round(bytes / settings.events)} bytes/event) in ${((performance.now() - generating) / 1000).toFixed(1)} s, before timing\n`);
  const results: Figures[] = [];
  for (const mode of modes) {
    process.stdout.write(`\n${mode}: running...\n`);
    const { figures, timed } = await runMode(mode, bodies, warmup);
    results.push(figures);
    process.stdout.write(`${table([figures])}\n`);
    if (settings.cpuProfile) reportProfile(mode, timed);
    const file = join(OUT_DIR, `ingest-${mode}${args.tag}.json`);
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, settings, bodyBytesPerEvent: Math.round(bytes / settings.events), figures }, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  }
  if (results.length > 1) process.stdout.write(`\nsummary\n${table(results)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
