import { Command, InvalidArgumentError, Option } from 'commander';
import { loadConfig, type Config } from '../engine/config.js';
import { createLogger } from '../engine/log.js';
import { describeManifest, startOfRun } from '../engine/simulator/manifest.js';
import { SIZE_NAMES, type SizeName } from '../engine/simulator/sizes.js';
import { writeSimulation } from '../engine/simulator/simulationFiles.js';
import type { PersonRole, SourceScope } from '../engine/store/port.js';
import { addSource, addUser } from './cli/adminClient.js';
import { formatBacktest, runBacktest } from './cli/backtest.js';
import { runDemo } from './cli/demo.js';
import { formatDemoSummary } from './cli/demoSummary.js';
import { formatSummary, IngestStoppedError, ingestFile, type IngestKind } from './cli/ingest.js';
import type { IngestFormat } from './cli/fileBatches.js';
import { closeOnSignals, ensureFirstAdmin, startServer, startWorker } from './server.js';

const DEFAULT_URL = 'http://localhost:8080';

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('must be a port number (0-65535)');
  return n;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number above 0');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
}

function adminToken(explicit?: string): string {
  const token = explicit ?? process.env.ACCESSWATCH_TOKEN ?? process.env.ACCESSWATCH_ADMIN_TOKEN;
  if (!token) throw new Error('no admin token: set ACCESSWATCH_TOKEN (or pass --token)');
  return token;
}

function serverConfig(options: { port?: number; data?: string }): Config {
  const overrides: Partial<Config> = {};
  if (options.port !== undefined) overrides.port = options.port;
  const env = { ...process.env };
  if (options.data !== undefined) env.ACCESSWATCH_DATA_DIR = options.data;
  return loadConfig(env, overrides);
}

/** The `accesswatch` command line. */
export function program(): Command {
  const cli = new Command('accesswatch')
    .description('Record access audit and breach detection for health and social care')
    .showHelpAfterError();

  cli.command('serve')
    .description('Run the API (and, with REDIS_URL but no ELASTICSEARCH_URL, the ingest worker)')
    .option('--port <port>', 'port to listen on (PORT, default 8080)', port)
    .option('--data <dir>', 'folder for the embedded DuckDB store (ACCESSWATCH_DATA_DIR, default ./data)')
    .action(async (options: { port?: number; data?: string }) => {
      const config = serverConfig(options);
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger);
      if (!config.adminToken) {
        const token = await ensureFirstAdmin(server.deployment.store);
        if (token) {
          process.stdout.write([
            '', 'accesswatch: first start, so an admin token was created. It is shown only now; keep it safe:',
            `  export ACCESSWATCH_TOKEN=${token}`,
            `Then: accesswatch sources add <system> --org <ODS code>   (server ${server.url})`, '',
          ].join('\n'));
        }
      }
      closeOnSignals(server, logger);
    });

  cli.command('worker')
    .description('Consume the ingest queue (REDIS_URL) and store batches (ELASTICSEARCH_URL, or DuckDB)')
    .option('--data <dir>', 'folder for the embedded DuckDB store when there is no ELASTICSEARCH_URL')
    .action(async (options: { data?: string }) => {
      const config = serverConfig(options);
      const logger = createLogger(config.logLevel);
      const worker = await startWorker(config, logger);
      closeOnSignals(worker, logger);
    });

  const sources = cli.command('sources').description('Source systems and their keys');
  sources.command('add <system>')
    .description('Register a source system; prints its new key alone on stdout')
    .requiredOption('--org <ods>', 'organisation (ODS code) it may post for; repeat or comma-separate', collect, [])
    .addOption(new Option('--scope <scope>', 'what it may post; repeat for several').choices(['events', 'reference']).argParser(collect).default([]))
    .option('--rotate', 'replace the key of a system already registered (the old key stops working)')
    .option('--url <url>', 'accesswatch server', DEFAULT_URL)
    .option('--token <token>', 'admin token (default ACCESSWATCH_TOKEN)')
    .action(async (system: string, options: { org: string[]; scope: SourceScope[]; rotate?: boolean; url: string; token?: string }) => {
      const key = await addSource({
        url: options.url, token: adminToken(options.token), system, organisations: options.org,
        scopes: options.scope.length > 0 ? options.scope : ['events', 'reference'], rotate: options.rotate === true,
      });
      process.stdout.write(`${key}\n`);
    });

  const users = cli.command('users').description('People and their bearer tokens');
  users.command('add <name>')
    .description('Create a person; prints their new token alone on stdout')
    .addOption(new Option('--role <role>', 'their role').choices(['ig-officer', 'caldicott-guardian', 'admin', 'auditor']).makeOptionMandatory())
    .option('--org <ods>', 'organisation (ODS code) they work for; repeat or comma-separate', collect, [])
    .option('--url <url>', 'accesswatch server', DEFAULT_URL)
    .option('--token <token>', 'admin token (default ACCESSWATCH_TOKEN)')
    .action(async (name: string, options: { role: PersonRole; org: string[]; url: string; token?: string }) => {
      const token = await addUser({ url: options.url, token: adminToken(options.token), name, role: options.role, organisations: options.org });
      process.stdout.write(`${token}\n`);
    });

  cli.command('backtest <rule>')
    .description('Run a rule over stored events of a period and print what it would raise (nothing is recorded)')
    .requiredOption('--from <time>', 'start of the period (RFC 3339, e.g. 2026-11-01T00:00:00Z)')
    .requiredOption('--to <time>', 'end of the period (RFC 3339)')
    .option('--org <ods>', 'one of your organisations (default: all of them)')
    .option('--json', 'print the result as JSON')
    .option('--url <url>', 'accesswatch server', DEFAULT_URL)
    .option('--token <token>', 'your token as an IG officer or Caldicott guardian (default ACCESSWATCH_TOKEN)')
    .action(async (rule: string, options: { from: string; to: string; org?: string; json?: boolean; url: string; token?: string }) => {
      const token = options.token ?? process.env.ACCESSWATCH_TOKEN;
      if (!token) throw new Error('no token: set ACCESSWATCH_TOKEN to your person token (or pass --token)');
      const result = await runBacktest({ url: options.url, token, ruleId: rule, from: options.from, to: options.to, ...(options.org ? { organisation: options.org } : {}) });
      process.stdout.write(`${options.json ? JSON.stringify(result, null, 2) : formatBacktest(result)}\n`);
    });

  cli.command('ingest <file>')
    .description('Post a file of access events (JSON, NDJSON, CSV or FHIR) or reference data in batches, with progress')
    .option('--system <system>', 'the source system the file comes from (checked against the key)')
    .option('--key <key>', 'the source system\'s key (default ACCESSWATCH_KEY)')
    .addOption(new Option('--kind <kind>', 'what the file holds').choices(['events', 'staff', 'patients', 'relationships']).default('events'))
    .addOption(new Option('--format <format>', 'file format (default: from the extension)').choices(['json', 'ndjson', 'csv', 'fhir']))
    .option('--batch-size <n>', 'records per request', positive, 1000)
    .option('--url <url>', 'accesswatch server', DEFAULT_URL)
    .option('--no-progress', 'no progress bar')
    .action(async (file: string, options: { system?: string; key?: string; kind: IngestKind; format?: IngestFormat; batchSize: number; url: string; progress: boolean }) => {
      const key = options.key ?? process.env.ACCESSWATCH_KEY;
      if (!key) throw new Error('no source key: pass --key or set ACCESSWATCH_KEY (create one with `accesswatch sources add`)');
      try {
        const summary = await ingestFile({
          file, url: options.url, token: key, kind: options.kind, batchSize: options.batchSize,
          progress: options.progress,
          ...(options.system ? { system: options.system } : {}),
          ...(options.format ? { format: options.format } : {}),
        });
        process.stdout.write(`${formatSummary(summary)}\n`);
      } catch (err) {
        if (err instanceof IngestStoppedError) process.stdout.write(`${formatSummary(err.summary)}\n`);
        throw err;
      }
    });

  cli.command('demo')
    .description('Start accesswatch on the embedded store, post a simulated day from each system through the API, show what it found, and keep running')
    .option('--port <port>', 'port to listen on (PORT, default 8080)', port)
    .option('--data <dir>', 'the demo\'s own folder, wiped by the next demo; a folder it did not write is refused', './data-demo')
    .option('--seed <n>', 'the simulation\'s seed', (value: string) => {
      if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0');
      return Number(value);
    }, 1)
    .addOption(new Option('--size <size>', 'smoke (seconds), small (a town), ics (a million patients)').choices([...SIZE_NAMES]).default('smoke'))
    .option('--no-progress', 'no progress bar')
    .addHelpText('after', [
      '', 'The simulated day is the 24 hours ending now (at a weekend, those ending as Friday ends, so that it holds a',
      'working day). It is posted at once; the demo server runs its rules with a lateness reaching back to its start',
      '(instead of an hour) so that windowed rules (breach patterns) judge the whole day.',
      'Spikes, new workstations and audit gaps need more days or a replay at the logs\' own pace, so they do not show.',
      'A --data folder that exists is wiped only if an earlier demo wrote it (it holds .accesswatch-demo); otherwise it must be empty.',
    ].join('\n'))
    .action(async (options: { port?: number; data: string; seed: number; size: SizeName; progress: boolean }) => {
      const started = performance.now();
      const run = await runDemo({
        port: options.port ?? (process.env.PORT ? port(process.env.PORT) : 8080),
        data: options.data, seed: options.seed, size: options.size, progress: options.progress,
      });
      process.stdout.write(`\n${formatDemoSummary(run)}\n(the demo took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
      closeOnSignals(run.server, createLogger(process.env.LOG_LEVEL ?? 'warn'));
    });

  cli.command('simulate')
    .description('Write a simulated integrated care system: staff, patients and relationships, each system\'s access log in its own format, injected misuse with labels, and a manifest for posting it')
    .option('--seed <n>', 'the seed: the same seed, size, days and start give the same files', (value: string) => {
      if (!/^\d{1,9}$/.test(value)) throw new InvalidArgumentError('must be a whole number from 0');
      return Number(value);
    }, 1)
    .addOption(new Option('--size <size>', 'smoke (seconds), small (a town), ics (a million patients)').choices([...SIZE_NAMES]).default('smoke'))
    .option('--days <n>', 'days to simulate', positive, 1)
    .option('--start <time>', 'first instant simulated: RFC 3339, a date or "now" (default: the days before now)')
    .requiredOption('--out <dir>', 'folder to write (see manifest.json in it)')
    .addHelpText('after', [
      '', 'Windowed rules (breach patterns) ignore events more than an hour older than the server\'s clock when they arrive,',
      'so a demo that should show them firing uses --start near the time it posts (events up to a day ahead are accepted).',
      'Audit gaps are judged by arrival time and show only when the logs are replayed at their own pace.',
      'Every rule\'s scenarios are placed from --days 9 (spikes need 4 days, new workstations 9, audit gaps 2).',
    ].join('\n'))
    .action(async (options: { seed: number; size: SizeName; days: number; start?: string; out: string }) => {
      const started = performance.now();
      const manifest = await writeSimulation({
        seed: options.seed, size: options.size, days: options.days, start: startOfRun(options.start, options.days), out: options.out,
        onProgress: (events) => process.stderr.write(`\r${events.toLocaleString('en-GB')} accesses written`),
      });
      process.stdout.write(`\n${describeManifest(manifest, options.out, (performance.now() - started) / 1000)}\n`);
    });
  return cli;
}

export async function main(argv: string[]): Promise<void> {
  await program().parseAsync(argv);
}
