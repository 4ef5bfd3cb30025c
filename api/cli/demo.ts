/**
 * `accesswatch demo`: starts the real server on the embedded store, simulates a day of an
 * integrated care system (the 24 hours ending now, or Friday's at a weekend), posts it through the HTTP API as each source system would
 * (its own key, format and content type, batches of 1,000), then reads back what an IG officer
 * and a Caldicott guardian would see, and leaves the server running.
 */
import cliProgress from 'cli-progress';
import { newPersonToken } from '../../engine/auth/credentials.js';
import { loadConfig } from '../../engine/config.js';
import { createLogger, type Logger } from '../../engine/log.js';
import { type Manifest, type ManifestSource } from '../../engine/simulator/manifest.js';
import { readLabels, writeSimulation } from '../../engine/simulator/simulationFiles.js';
import type { SimulationSize, SizeName } from '../../engine/simulator/sizes.js';
import { startServer, type RunningServer } from '../server.js';
import { addSource, addUser } from './adminClient.js';
import { demoPeriod, prepareDemoFolder, type DemoFolder, type DemoPeriod } from './demoFolder.js';
import { alertsByRule, alertToEscalate, escalateToIncident, misuseCaught, readAlerts, readExplained, type DemoIncident, type Explained, type MisuseCaught, type RuleAlerts } from './demoFindings.js';
import { ingestFile } from './ingest.js';

/** What to run the demo with. */
export interface DemoOptions {
  /** Port to listen on (0: any free port). */
  port: number;
  /** The demo's data folder (default ./data-demo): wiped if an earlier demo wrote it, refused if it holds anything else. */
  data: string;
  seed: number;
  /** A preset, or a size given in full (tests scale smoke down). */
  size: SizeName | SimulationSize;
  /** Shows progress on stderr. */
  progress: boolean;
  /** Defaults to a logger at LOG_LEVEL or warn, so that the summary stays readable. */
  logger?: Logger;
}

/** How the posting went. */
export interface Posted {
  events: number;
  references: number;
  rejected: number;
  eventSeconds: number;
}

/** The tokens of the people the demo created, shown once. */
export interface DemoPeople {
  igOfficer: string;
  guardian: string;
}

/** A demo that has run: the server still listening, and what was found. */
export interface DemoRun {
  server: RunningServer;
  folder: DemoFolder;
  manifest: Manifest;
  people: DemoPeople;
  posted: Posted;
  explained: Explained;
  rules: RuleAlerts[];
  alerts: number;
  /** The injected misuse (labels.ndjson) and how much of it the alerts caught. */
  caught: MisuseCaught;
  incident?: DemoIncident;
}

const BATCH_SIZE = 1000;

/** Runs the whole demo and resolves once the findings are read; the caller closes `server` (on a signal). */
export async function runDemo(options: DemoOptions): Promise<DemoRun> {
  const period = demoPeriod();
  const folder = await prepareDemoFolder(options.data, period.latenessMinutes);
  const adminToken = newPersonToken();
  const logger = options.logger ?? createLogger(process.env.LOG_LEVEL ?? 'warn');
  const manifest = await simulateDay(folder, period, options);
  const config = loadConfig({ ...process.env, ACCESSWATCH_DATA_DIR: folder.dir, ACCESSWATCH_ADMIN_TOKEN: adminToken }, {
    port: options.port, rulesConfigPath: folder.rulesConfig, redisUrl: undefined, elasticsearchUrl: undefined,
  });
  const server = await startServer(config, logger).catch((err: unknown) => {
    if ((err as { code?: string }).code !== 'EADDRINUSE') throw err;
    throw new Error(`port ${options.port} is in use (another accesswatch?): pass --port with a free one, or set PORT`, { cause: err });
  });
  try {
    const url = server.url;
    const people = await createPeople(url, adminToken, manifest);
    const posted = await postSimulation(url, adminToken, folder, manifest, options.progress);
    const explained = await readExplained(url, people.guardian, manifest.start, new Date(Date.now() + 60_000).toISOString());
    const alerts = await readAlerts(url, people.igOfficer);
    // Signals (after hours, a neighbour the organisation's care explains) catch their scenarios too.
    const signals = await readAlerts(url, people.igOfficer, 'signal');
    const caught = misuseCaught(await readLabels(folder.simulation, manifest), [...alerts, ...signals]);
    const toEscalate = alertToEscalate(alerts);
    const incident = toEscalate ? await escalateToIncident(url, people.igOfficer, toEscalate) : undefined;
    return { server, folder, manifest, people, posted, explained, rules: alertsByRule(alerts), alerts: alerts.length, caught, ...(incident ? { incident } : {}) };
  } catch (err) {
    await server.close();
    throw err;
  }
}

/** Writes the demo's simulated day into its folder. */
async function simulateDay(folder: DemoFolder, period: DemoPeriod, options: DemoOptions): Promise<Manifest> {
  if (options.progress) process.stderr.write('Simulating a day of an integrated care system...\n');
  return writeSimulation({ seed: options.seed, size: options.size, days: 1, start: period.start, out: folder.simulation });
}

/** An IG officer and a Caldicott guardian for every organisation of the simulation. */
async function createPeople(url: string, adminToken: string, manifest: Manifest): Promise<DemoPeople> {
  const organisations = manifest.organisations.map((o) => o.code);
  const igOfficer = await addUser({ url, token: adminToken, name: 'Demo IG officer', role: 'ig-officer', organisations });
  const guardian = await addUser({ url, token: adminToken, name: 'Demo Caldicott guardian', role: 'caldicott-guardian', organisations });
  return { igOfficer, guardian };
}

/**
 * Creates each source's key and posts its files in order, reference data first, with one
 * progress bar over every record.
 */
async function postSimulation(url: string, adminToken: string, folder: DemoFolder, manifest: Manifest, progress: boolean): Promise<Posted> {
  const keys = new Map<string, string>();
  for (const source of manifest.sources) {
    keys.set(source.system, await addSource({ url, token: adminToken, system: source.system, organisations: source.organisations, scopes: source.scopes }));
  }
  const total = manifest.sources.flatMap((s) => s.files).reduce((sum, file) => sum + file.records, 0);
  const bar = progress ? postingBar(total) : undefined;
  const posted: Posted = { events: 0, references: 0, rejected: 0, eventSeconds: 0 };
  try {
    for (const source of manifest.sources) {
      await postSource(url, keys.get(source.system) as string, folder, source, posted, (records) => bar?.update(records, { system: source.system }));
    }
  } finally {
    bar?.stop();
  }
  return posted;
}

async function postSource(url: string, key: string, folder: DemoFolder, source: ManifestSource, posted: Posted, onRecords: (records: number) => void): Promise<void> {
  for (const file of source.files) {
    const before = posted.events + posted.references;
    const summary = await ingestFile({
      file: `${folder.simulation}/${file.path}`, url, token: key, system: source.system,
      kind: file.kind, format: file.format, batchSize: BATCH_SIZE,
      onProgress: (p) => onRecords(before + p.records),
    });
    if (file.kind === 'events') {
      posted.events += summary.accepted + summary.duplicates;
      posted.eventSeconds += summary.seconds;
    } else {
      posted.references += summary.accepted + summary.duplicates;
    }
    posted.rejected += summary.rejected.length;
  }
}

function postingBar(total: number): cliProgress.SingleBar {
  const bar = new cliProgress.SingleBar({
    stream: process.stderr,
    format: 'posting {system} [{bar}] {percentage}% | {value}/{total} records | ETA {eta_formatted}',
    hideCursor: true,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { system: 'reference data' });
  return bar;
}
