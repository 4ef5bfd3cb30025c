import { NODE_HEAP_FLAGS } from '../engine/heap.js';
import { freePort } from '../test/localRedis.js';
import { spawn, type ChildProcess } from 'node:child_process';

/** The accesswatch server under test, run as a child process exactly as `accesswatch serve` runs. */
export interface ServerProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** The last few kilobytes the server wrote (warnings and errors; LOG_LEVEL=warn). */
  output(): string;
  /** Sends SIGTERM and resolves with the exit code (or the signal that ended it). */
  stop(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ServerOptions {
  dataDir: string;
  adminToken: string;
  redisUrl?: string;
  queuePrefix?: string;
  /** Extra node flags for the server, e.g. --cpu-prof. */
  nodeFlags?: string[];
  /** Extra environment for the server (e.g. ACCESSWATCH_RULES_CONFIG). */
  env?: Record<string, string>;
  /** The port to listen on (default: a free one). */
  port?: number;
}

export async function startServerProcess(options: ServerOptions): Promise<ServerProcess> {
  const port = options.port ?? await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ACCESSWATCH_ADMIN_TOKEN: options.adminToken,
    LOG_LEVEL: 'warn',
    ...options.env,
  };
  delete env.REDIS_URL;
  delete env.ELASTICSEARCH_URL;
  if (options.redisUrl) env.REDIS_URL = options.redisUrl;
  if (options.queuePrefix) env.ACCESSWATCH_QUEUE_PREFIX = options.queuePrefix;
  const child = spawn(process.execPath, [
    ...NODE_HEAP_FLAGS, ...(options.nodeFlags ?? []), '--import', 'tsx', 'api/main.ts', 'serve', '--port', String(port), '--data', options.dataDir,
  ], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => { tail = (tail + chunk.toString()).slice(-8192); };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, () => tail);
  return {
    url,
    pid: child.pid!,
    child,
    output: () => tail,
    async stop(timeoutMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} before it was ready:\n${output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`the server was not ready within 60 s:\n${output()}`);
}

/** Registers the benchmark's source system through the admin API and returns its key. */
export async function createSourceKey(url: string, adminToken: string, system: string, organisation: string | string[]): Promise<string> {
  const response = await fetch(`${url}/v1/admin/sources`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ system, organisations: Array.isArray(organisation) ? organisation : [organisation], scopes: ['events'] }),
  });
  if (response.status !== 201) throw new Error(`could not create the source key: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { key: string }).key;
}

/** Events in the store, from GET /v1/admin/stats. */
export async function storedEvents(url: string, adminToken: string): Promise<number> {
  const response = await fetch(`${url}/v1/admin/stats`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (response.status !== 200) throw new Error(`GET /v1/admin/stats answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { events: number }).events;
}

/** Creates a person (e.g. an IG officer who reads the alerts) through the admin API and returns their token. */
export async function createPersonToken(url: string, adminToken: string, name: string, role: string, organisations: string[]): Promise<string> {
  const response = await fetch(`${url}/v1/admin/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, role, organisations }),
  });
  if (response.status !== 201) throw new Error(`could not create the person ${name}: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { token: string }).token;
}

/** Queue counts from GET /v1/admin/queue (all zero in the embedded mode). */
export async function queueCounts(url: string, adminToken: string): Promise<{ waiting: number; active: number; delayed: number; failed: number }> {
  const response = await fetch(`${url}/v1/admin/queue`, { headers: { authorization: `Bearer ${adminToken}` } });
  if (response.status !== 200) throw new Error(`GET /v1/admin/queue answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { counts: { waiting: number; active: number; delayed: number; failed: number } }).counts;
}
