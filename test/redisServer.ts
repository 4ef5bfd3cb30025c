import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

/**
 * Integration tests talk to a real Redis. When REDIS_URL is unset the suite starts its own
 * redis-server on a free port (noeviction, nothing written to disk) and stops it afterwards.
 */
let server: ChildProcess | undefined;
let dir: string | undefined;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function waitForReady(child: ChildProcess): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${output}`)), 10_000);
    child.once('error', (err) => { clearTimeout(timer); reject(new Error(`cannot start redis-server (is it installed? .ci/run installs it): ${err.message}`)); });
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Ready to accept connections')) { clearTimeout(timer); resolve(); }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`redis-server exited with ${code}:\n${output}`)); });
  });
}

export default async function setup(project: TestProject): Promise<() => void> {
  let url = process.env.REDIS_URL;
  if (!url) {
    const port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'accesswatch-redis-'));
    server = spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
      '--maxmemory-policy', 'noeviction', '--dir', dir,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForReady(server);
    url = `redis://127.0.0.1:${port}`;
  }
  project.provide('redisUrl', url);
  return () => {
    server?.kill('SIGTERM');
    if (dir) rmSync(dir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string;
  }
}
