import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { alertLatencies, fetchAlerts, type RunEvents } from './alertLatency.js';
import { benchRedis, type BenchRedis } from './benchRedis.js';
import { DEFAULT_MIX, ICS_SYSTEM, icsRequestBodies } from './icsEvents.js';
import { icsReferenceFile } from './icsLoad.js';
import { ICS_SIZES, IcsReference, type IcsSizes } from './icsReference.js';
import { postBatches } from './ingestClient.js';
import { cpuSeconds, MemorySampler, peakResidentBytes } from './processStats.js';
import { busyMicros, monotonicMicros, summarise, type CpuProfile, type ProfileWindow } from './profileSummary.js';
import { createPersonToken, createSourceKey, queueCounts, startServerProcess, storedEvents } from './serverProcess.js';

const USAGE = `The ICS benchmark: reference data sized for an integrated care system, events from it posted
over HTTP to a real \`accesswatch serve\` with every rule on, until every event is stored and evaluated.
Usage: node --import tsx bench/ics.ts [options]
  --mode embedded|redis|all  which modes to run (default all)
  --events N                 events to post, timed (default 300000)
  --batch N                  events per request (default 1000)
  --concurrency N            requests in flight (default 4)
  --rate N                   post at most N events/s (default 0: as fast as the server answers)
  --warmup N                 batches posted and stored before timing (default 20: DuckDB reads its indexes from disk as lookups need them)
  --patients N --staff N --relationships N
                             reference data sizes (default ${ICS_SIZES.patients}, ${ICS_SIZES.staff}, ${ICS_SIZES.relationships})
  --reference PATH           the loaded reference file (default bench/out/reference-<sizes>/accesswatch.duckdb);
                             loaded through the store's upserts the first time, reused after; each run copies it
                             into a fresh data dir, so events and alerts never pile up across runs
  --unexplained F            share of accesses nothing explains (default ${DEFAULT_MIX.unexplained})
  --burst-every N            events between bursts that trip windowed rules (default ${DEFAULT_MIX.burstEvery}; 0: none)
  --working-hours all|rules  all (default): the rules config says working hours are 00:00-23:59, so figures do not
                             depend on the hour the bench runs; rules: the shipped 07:00-19:00
  --cpu-prof                 profile the server and print where its threads spend their time
  --node-flag FLAG           a node flag for the server (repeatable; after accesswatch's own, so it can override them)
  --tag TEXT                 suffix for the files written to bench/out
  --help                     this text`;

type Mode = 'embedded' | 'redis';
const WINDOWED_KINDS = new Set(['threshold', 'cardinality', 'spike', 'sequence', 'newTerm', 'flatline']);
const ADMIN_TOKEN = `bench-admin-${randomUUID()}`;
const OUT_DIR = join(import.meta.dirname, 'out');
/** Ports for the servers this bench starts (8300-8399 are this bench's). */
const PORTS: Record<Mode, number> = { embedded: 8310, redis: 8311 };

const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'all' }, events: { type: 'string', default: '300000' }, batch: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' }, rate: { type: 'string', default: '0' }, warmup: { type: 'string', default: '20' },
    patients: { type: 'string', default: String(ICS_SIZES.patients) }, staff: { type: 'string', default: String(ICS_SIZES.staff) },
    relationships: { type: 'string', default: String(ICS_SIZES.relationships) }, reference: { type: 'string' },
    unexplained: { type: 'string', default: String(DEFAULT_MIX.unexplained) }, 'burst-every': { type: 'string', default: String(DEFAULT_MIX.burstEvery) },
    'working-hours': { type: 'string', default: 'all' }, 'cpu-prof': { type: 'boolean', default: false }, 'node-flag': { type: 'string', multiple: true, default: [] }, tag: { type: 'string', default: '' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function whole(name: string, value: string, minimum: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < minimum) throw new Error(`--${name} must be a whole number of at least ${minimum}, got ${value}`);
  return n;
}

const sizes: IcsSizes = { patients: whole('patients', args.patients, 1000), staff: whole('staff', args.staff, 100), relationships: whole('relationships', args.relationships, 0) };
const settings = {
  events: whole('events', args.events, 1), batch: whole('batch', args.batch, 1), concurrency: whole('concurrency', args.concurrency, 1),
  rate: whole('rate', args.rate, 0), warmupBatches: whole('warmup', args.warmup, 0), workingHours: args['working-hours'],
  mix: { ...DEFAULT_MIX, unexplained: Number(args.unexplained), burstEvery: whole('burst-every', args['burst-every'], 0) },
};
if (!['embedded', 'redis', 'all'].includes(args.mode)) throw new Error('--mode must be embedded, redis or all');
if (!['all', 'rules'].includes(settings.workingHours)) throw new Error('--working-hours must be all or rules');
const modes: Mode[] = args.mode === 'all' ? ['embedded', 'redis'] : [args.mode as Mode];
const referencePath = args.reference ?? join(OUT_DIR, `reference-${sizes.patients}-${sizes.staff}-${sizes.relationships}`, 'accesswatch.duckdb');
const log = (line: string) => process.stdout.write(`${line}\n`);
const mib = (bytes: number | undefined) => Math.round((bytes ?? 0) / 2 ** 20);
const round = (n: number, places = 1) => Math.round(n * 10 ** places) / 10 ** places;

async function getJson<T>(url: string, token: string): Promise<T> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}

/** Waits until every event is stored and no queued batch is waiting or being worked on (its rules evaluated). */
async function waitUntilDone(url: string, expected: number, timeoutMs = 1_800_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const stored = await storedEvents(url, ADMIN_TOKEN);
    if (stored >= expected) {
      const counts = await queueCounts(url, ADMIN_TOKEN);
      if (counts.waiting + counts.active + counts.delayed === 0) return performance.now();
    }
    if (performance.now() > deadline) throw new Error(`only ${stored} of ${expected} events were stored after ${timeoutMs / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const profileDir = (mode: Mode) => join(OUT_DIR, `profile-ics-${mode}${args.tag}`);

/** The server's two busiest threads (the main thread and the DuckDB store thread), summarised over the timed section. */
function reportProfiles(mode: Mode, window: ProfileWindow): void {
  const dir = profileDir(mode);
  const profiles = readdirSync(dir).filter((name) => name.endsWith('.cpuprofile')).map((name) => {
    const profile = JSON.parse(readFileSync(join(dir, name), 'utf8')) as CpuProfile;
    return { name, profile, busy: busyMicros(profile) };
  }).sort((a, b) => b.busy - a.busy).slice(0, 2);
  for (const { name, profile } of profiles) log(`\nserver CPU profile (${mode}, ${join(dir, name)}):\n${summarise(profile, 20, window)}`);
}

async function runMode(mode: Mode, ics: IcsReference) {
  const dataDir = mkdtempSync(join(tmpdir(), `accesswatch-ics-${mode}-`));
  const queuePrefix = `bench-ics-${randomUUID()}`;
  let redis: BenchRedis | undefined;
  try {
    copyFileSync(referencePath, join(dataDir, 'accesswatch.duckdb'));
    const rulesConfig = join(dataDir, 'rules-config.yaml');
    writeFileSync(rulesConfig, settings.workingHours === 'all' ? "workingHours: { start: '00:00', end: '23:59' }\n" : '{}\n');
    if (mode === 'redis') redis = await benchRedis();
    if (args['cpu-prof']) rmSync(profileDir(mode), { recursive: true, force: true });
    const runId = `ics${Date.now().toString(36)}`;
    // Generated now, before the server starts, so the events' timestamps are current when posted.
    const generating = performance.now();
    const warmup = icsRequestBodies(ics, settings.warmupBatches * settings.batch, settings.batch, `${runId}w`, settings.mix, 7);
    const events = icsRequestBodies(ics, settings.events, settings.batch, runId, settings.mix);
    const bytes = events.bodies.reduce((sum, body) => sum + body.length, 0);
    log(`${mode}: generated ${events.bodies.length} bodies (${mib(bytes)} MiB, ${Math.round(bytes / settings.events)} bytes/event) in ${((performance.now() - generating) / 1000).toFixed(1)} s: ${JSON.stringify(events.designed)}`);

    const server = await startServerProcess({
      dataDir, adminToken: ADMIN_TOKEN, port: PORTS[mode], env: { ACCESSWATCH_RULES_CONFIG: rulesConfig },
      ...(redis ? { redisUrl: redis.url, queuePrefix } : {}),
      nodeFlags: [...args['node-flag'], ...(args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', profileDir(mode)] : [])],
    });
    try {
      const organisations = ics.organisations.map((organisation) => organisation.code);
      const key = await createSourceKey(server.url, ADMIN_TOKEN, ICS_SYSTEM, organisations);
      const officer = await createPersonToken(server.url, ADMIN_TOKEN, `ig-officer-${runId}`, 'ig-officer', organisations);
      const sizeOf = (bodies: Buffer[]) => (i: number) => (i < bodies.length - 1 ? settings.batch : settings.events - settings.batch * (bodies.length - 1));
      if (warmup.bodies.length > 0) {
        const warm = await postBatches({ url: server.url, key, bodies: warmup.bodies, concurrency: settings.concurrency, client: 'http', eventsPerBody: () => settings.batch });
        await waitUntilDone(server.url, warm.accepted);
      }
      const before = await storedEvents(server.url, ADMIN_TOKEN);
      const memory = new MemorySampler(server.pid).start();
      const cpu = () => ({ server: cpuSeconds(server.pid) ?? 0, client: cpuSeconds('self') ?? 0, redis: redis?.pid ? cpuSeconds(redis.pid) ?? 0 : 0 });
      const cpuBefore = cpu();
      const timedFrom = monotonicMicros();
      const posted = await postBatches({
        url: server.url, key, bodies: events.bodies, concurrency: settings.concurrency, client: 'http', eventsPerBody: sizeOf(events.bodies), eventsPerSecond: settings.rate,
      });
      const doneAt = await waitUntilDone(server.url, before + settings.events);
      const timed = { fromMicros: timedFrom, toMicros: monotonicMicros() };
      const cpuAfter = cpu();
      const sampledRss = memory.stop();
      const peakRss = peakResidentBytes(server.pid);
      const redisPeak = redis?.pid ? peakResidentBytes(redis.pid) : undefined;

      const rules = (await getJson<{ rules: { id: string; kind: string; enabled: boolean }[] }>(`${server.url}/v1/rules`, officer)).rules;
      const windowedRules = new Set(rules.filter((rule) => WINDOWED_KINDS.has(rule.kind)).map((rule) => rule.id));
      const alerts = [...await fetchAlerts(server.url, officer, 'alert'), ...await fetchAlerts(server.url, officer, 'signal')];
      const run: RunEvents = { runId, system: ICS_SYSTEM, batch: settings.batch, sentAtMs: posted.sentAtMs, patients: events.patients };
      const latency = alertLatencies(alerts, run, windowedRules);
      const exit = await server.stop();
      if (exit.code !== 0) process.stderr.write(`the ${mode} server did not exit cleanly (${exit.code ?? exit.signal}):\n${server.output().slice(-2000)}\n`);
      else if (server.output().trim()) process.stderr.write(`server output (${mode}):\n${server.output().slice(-2000)}\n`);
      if (args['cpu-prof']) reportProfiles(mode, timed);

      const seconds = (doneAt - posted.startedAt) / 1000;
      const latencies = [...posted.latenciesMs].sort((a, b) => a - b);
      return {
        mode, events: settings.events, seconds: round(seconds, 2), eventsPerSecond: Math.round(settings.events / seconds),
        acceptedPerSecond: Math.round(posted.accepted / ((posted.lastAcceptedAt - posted.startedAt) / 1000)),
        requestP50Ms: round(latencies[Math.floor(latencies.length / 2)] ?? 0), requestP99Ms: round(latencies[Math.ceil(latencies.length * 0.99) - 1] ?? 0),
        retries: posted.retries, serverCpuSeconds: round(cpuAfter.server - cpuBefore.server), serverCores: round((cpuAfter.server - cpuBefore.server) / seconds, 2),
        clientCpuSeconds: round(cpuAfter.client - cpuBefore.client), redisCpuSeconds: redis?.pid ? round(cpuAfter.redis - cpuBefore.redis) : undefined,
        serverPeakRssMiB: mib(Math.max(peakRss ?? 0, sampledRss)), redisPeakRssMiB: redis?.pid ? mib(redisPeak) : undefined,
        postToAlert: { perEvent: latency.perEvent, windowed: latency.windowed }, byRule: latency.byRule, designed: events.designed, serverExit: exit.code,
      };
    } finally {
      if (server.child.exitCode === null && server.child.signalCode === null) await server.stop();
    }
  } finally {
    await redis?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

type Figures = Awaited<ReturnType<typeof runMode>>;

function report(f: Figures): string {
  const rows: [string, string][] = [
    ['events (timed)', f.events.toLocaleString('en-GB')],
    ['seconds, first post → all stored and evaluated', String(f.seconds)],
    ['events/s end to end, all rules', f.eventsPerSecond.toLocaleString('en-GB')],
    ['events/s of the 202s', f.acceptedPerSecond.toLocaleString('en-GB')],
    ['request latency p50 / p99 ms', `${f.requestP50Ms} / ${f.requestP99Ms}`],
    ['retries (429/503)', String(f.retries)],
    ['server CPU s (cores busy)', `${f.serverCpuSeconds} (${f.serverCores})`],
    ['server peak RSS MiB', String(f.serverPeakRssMiB)],
    ['redis-server CPU s / peak RSS MiB', f.redisCpuSeconds === undefined ? '-' : `${f.redisCpuSeconds} / ${f.redisPeakRssMiB}`],
    ['bench client CPU s', String(f.clientCpuSeconds)],
    ['post → alert, per-event rules p50 / p99 / max ms', `${f.postToAlert.perEvent.p50Ms} / ${f.postToAlert.perEvent.p99Ms} / ${f.postToAlert.perEvent.maxMs} (${f.postToAlert.perEvent.alerts} alerts)`],
    ['post → alert, windowed rules p50 / p99 / max ms', `${f.postToAlert.windowed.p50Ms} / ${f.postToAlert.windowed.p99Ms} / ${f.postToAlert.windowed.maxMs} (${f.postToAlert.windowed.alerts} alerts)`],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const byRule = Object.entries(f.byRule).sort(([a], [b]) => a.localeCompare(b))
    .map(([rule, r]) => `  ${rule.padEnd(10)} ${String(r.alerts).padStart(7)} alerts ${String(r.events).padStart(8)} events   p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
  return [`${f.mode}:`, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`), '  alerts and signals opened by rule:', ...byRule].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  const machine = { cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, memoryGiB: round(totalmem() / 2 ** 30), node: process.version, kernel: release() };
  log(`machine: ${machine.cores} x ${machine.cpu}, ${machine.memoryGiB} GiB, node ${machine.node}, linux ${machine.kernel}`);
  log(`settings: ${JSON.stringify(settings)}`);
  const load = await icsReferenceFile(referencePath, sizes, log);
  if (!load.reused) log(`loaded through the store's upserts in ${JSON.stringify(load.seconds)} s, ${load.fileMiB} MiB`);
  const ics = new IcsReference(sizes);
  for (const mode of modes) {
    const figures = await runMode(mode, ics);
    log(report(figures));
    const file = join(OUT_DIR, `ics-${mode}${args.tag}.json`);
    writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), machine, sizes, settings, load, figures }, null, 2)}\n`);
    log(`wrote ${file}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/ics: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
