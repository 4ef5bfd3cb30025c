import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../api/app.js';
import type { Alert } from '../engine/alerts/alert.js';
import { loadConfig } from '../engine/config.js';
import { openDeployment } from '../engine/deployment.js';
import { createLogger } from '../engine/log.js';
import { readCaldicottReport } from '../engine/reports/readCaldicottReport.js';
import type { Store } from '../engine/store/port.js';
import { CaldicottBenchData, ORGANISATIONS, PERIOD } from './caldicottData.js';

/**
 * How long the Caldicott report takes over a month of a million stored events and ten thousand
 * alerts (DESIGN: "under a second"). Loads (once, then reuses) a DuckDB data folder through the
 * store's own writes: staff, events in batches (insertEvents), alerts and signals (recordAlerts),
 * the triage of half the alerts (updateAlerts) and incidents of some confirmed ones. Then it builds
 * the real app on that folder (the threaded DuckDB store, as `accesswatch serve` runs it) and times
 * GET /v1/reports/caldicott through app.inject for a guardian of all four organisations, as JSON,
 * CSV and PDF, and for one organisation; then the parts in-process.
 * Usage: node --import tsx bench/caldicottReport.ts [--events 1000000] [--alerts 10000] [--signals 1000]
 *        [--runs 10] [--dir PATH] [--reload]
 */

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    alerts: { type: 'string', default: '10000' },
    signals: { type: 'string', default: '1000' },
    runs: { type: 'string', default: '10' },
    dir: { type: 'string' },
    reload: { type: 'boolean', default: false },
  },
});

/** What the data folder holds; `data` changes whenever caldicottData.ts generates different data, so old folders are reloaded. */
const sizes = { events: Number(args.events), alerts: Number(args.alerts), signals: Number(args.signals), data: 2 };
const runs = Number(args.runs);
const dataDir = args.dir ?? join(import.meta.dirname, 'out', `caldicott-${sizes.events}-${sizes.alerts}-${sizes.signals}`);
const marker = join(dataDir, 'bench-loaded.json');
const ADMIN = `bench-admin-${randomUUID()}`;
const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e6;

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await work();
  return { ms: ms(start), value };
}

/** Every alert (or signal) stored, through the store's paged query. */
async function allAlerts(store: Store, raises: 'alert' | 'signal'): Promise<Alert[]> {
  const alerts: Alert[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.queryAlerts({ organisations: [...ORGANISATIONS], raises, limit: 1000, cursor });
    alerts.push(...page.alerts);
    cursor = page.nextCursor;
  } while (cursor);
  return alerts;
}

async function load(store: Store): Promise<void> {
  const data = new CaldicottBenchData();
  await store.upsertStaff(data.staffRecords());
  const started = process.hrtime.bigint();
  const BATCH = 10_000;
  for (let start = 0; start < sizes.events; start += BATCH) {
    const result = await store.insertEvents(data.events(start, Math.min(BATCH, sizes.events - start)));
    if (result.duplicates > 0 || result.quarantined.length > 0) throw new Error(`batch at ${start}: ${JSON.stringify(result).slice(0, 200)}`);
    if ((start / BATCH) % 10 === 9) log(`  ${(start + BATCH).toLocaleString('en-GB')} events stored (${Math.round(ms(started) / 1000)} s)`);
  }
  for (const [raises, count] of [['alert', sizes.alerts], ['signal', sizes.signals]] as const) {
    for (let start = 0; start < count; start += 1000) {
      const updates = data.alertUpdates(start, Math.min(1000, count - start), raises);
      const latest = updates.reduce((max, update) => (update.lastSeenAt > max ? update.lastSeenAt : max), '');
      await store.recordAlerts(updates, new Date(Date.parse(latest) + 300_000).toISOString());
    }
  }
  const changes = data.triage(await allAlerts(store, 'alert'));
  for (let start = 0; start < changes.length; start += 1000) await store.updateAlerts(changes.slice(start, start + 1000));
  const confirmed = (await allAlerts(store, 'alert')).filter((alert) => alert.status === 'confirmed');
  const incidents = data.incidents(confirmed);
  for (const incident of incidents) await store.createIncident(incident);
  log(`  loaded in ${Math.round(ms(started) / 1000)} s: ${changes.length.toLocaleString('en-GB')} alerts triaged, ${incidents.length} incidents`);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
const summary = (times: number[]) => {
  const sorted = [...times].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 0.5).toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1)!.toFixed(0)} ms (${times.length} runs)`;
};

if (args.reload || !existsSync(marker) || readFileSync(marker, 'utf8') !== JSON.stringify(sizes)) rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });
const config = loadConfig({ ACCESSWATCH_DATA_DIR: dataDir, ACCESSWATCH_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'silent' });
const logger = createLogger('silent');
const deployment = await openDeployment(config, logger, { runWorker: false });
const { store } = deployment;
try {
  if (!existsSync(marker)) {
    log(`loading ${sizes.events.toLocaleString('en-GB')} events, ${sizes.alerts.toLocaleString('en-GB')} alerts and ${sizes.signals.toLocaleString('en-GB')} signals into ${dataDir}`);
    await load(store);
    writeFileSync(marker, JSON.stringify(sizes));
  } else {
    log(`reusing ${dataDir}`);
  }
  const file = join(dataDir, 'accesswatch.duckdb');
  log(`machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}; load average ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
  log(`store: ${(await store.countEvents()).toLocaleString('en-GB')} events, database file ${(statSync(file).size / 2 ** 20).toFixed(0)} MiB`);

  const app = await buildApp({ config, deployment, logger });
  const created = await app.inject({ method: 'POST', url: '/v1/admin/users', headers: { authorization: `Bearer ${ADMIN}` }, payload: { name: `bench-guardian-${randomUUID()}`, role: 'caldicott-guardian', organisations: [...ORGANISATIONS] } });
  const token = created.json().token as string;
  const url = `/v1/reports/caldicott?from=${PERIOD.from}&to=${PERIOD.to}`;

  async function measure(label: string, path: string, accept: string, count: number): Promise<void> {
    const times: number[] = [];
    let bytes = 0;
    const cpu = process.cpuUsage();
    for (let run = 0; run < count; run++) {
      const { ms: took, value: response } = await timed(() => app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}`, accept } }));
      if (response.statusCode !== 200) throw new Error(`${label}: ${response.statusCode} ${response.body.slice(0, 300)}`);
      times.push(took);
      bytes = response.rawPayload.length;
    }
    const used = process.cpuUsage(cpu);
    log(`${label.padEnd(34)} ${summary(times)}, CPU ${((used.user + used.system) / 1000 / count).toFixed(0)} ms a report (all threads), ${(bytes / 1024).toFixed(0)} KiB`);
  }

  const first = await timed(() => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } }));
  const report = first.value.json();
  log(`first request after opening: ${first.ms.toFixed(0)} ms`);
  log(`report: ${report.accesses.total.toLocaleString('en-GB')} accesses, explained rate ${report.accesses.explainedRate}, ${report.alerts.total.toLocaleString('en-GB')} alerts, `
    + `${report.alerts.byRule.length} rules, ${report.outcomes.confirmed} confirmed, ${report.outcomes.dismissed} dismissed, median ${report.medianHoursToTriage} h to triage, `
    + `${report.incidents.length} incidents, truncated [${report.truncated.join(', ')}]`);
  await measure('JSON, all four organisations', url, 'application/json', runs);
  await measure('JSON, one organisation (A81001)', `${url}&organisation=A81001`, 'application/json', runs);
  await measure('CSV, all four organisations', url, 'text/csv', Math.max(3, Math.floor(runs / 2)));
  await measure('PDF, all four organisations', url, 'application/pdf', Math.max(3, Math.floor(runs / 2)));

  // The parts, in-process: where the time of one report goes, and what paging alerts costs each way.
  const organisations = [...ORGANISATIONS];
  const pageThrough = async (limit: number, omitEvidence: boolean) => {
    let cursor: string | undefined;
    do cursor = (await store.queryAlerts({ organisations, raises: 'alert', ...PERIOD, limit, omitEvidence, cursor })).nextCursor; while (cursor);
  };
  const parts: [label: string, work: () => Promise<unknown>][] = [
    ['eventFigures (one aggregate)', () => store.eventFigures({ organisations, ...PERIOD })],
    ['alerts of the period, 500 a page', () => pageThrough(500, false)],
    ['... 500 a page, without evidence', () => pageThrough(500, true)],
    ['... 5,000 a page, without evidence', () => pageThrough(5000, true)],
    ['readCaldicottReport, in-process', () => readCaldicottReport(store, { organisations, ...PERIOD, now: Date.now(), thresholds: config.breachThresholds })],
  ];
  for (const [label, work] of parts) {
    const times: number[] = [];
    for (let run = 0; run < Math.max(3, Math.floor(runs / 2)); run++) times.push((await timed(work)).ms);
    log(`${label.padEnd(36)} ${summary(times)}`);
  }
  log(`load average at the end ${loadavg().map((n) => n.toFixed(1)).join(' ')}`);
  await app.close();
} finally {
  await deployment.close();
}
