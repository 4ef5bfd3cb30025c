import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './localRedis.js';
import { afterAll, describe, expect, inject, it } from 'vitest';

const ADMIN = 'cli-test-admin-token-0123456789';
const dir = mkdtempSync(join(tmpdir(), 'accesswatch-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cli(args: string[], env: Record<string, string> = {}): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'api/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ACCESSWATCH_ADMIN_TOKEN: ADMIN, ACCESSWATCH_TOKEN: ADMIN, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

async function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = cli(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, stdout, stderr };
}

async function serve(port: number, data: string, env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = cli(['serve', '--port', String(port), '--data', data], env);
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).ok) return child;
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error('accesswatch serve did not become ready');
}

async function storedCount(port: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${port}/v1/admin/stats`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await response.json()).events as number;
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

function csvFile(rows: number, badEvery = 0): string {
  const lines = ['id,occurredAt,organisation,user.id,user.role,patient.nhsNumber,action'];
  for (let i = 0; i < rows; i++) {
    const nhs = badEvery && i % badEvery === 0 ? '9434765918' : '9434765919';
    lines.push(`${randomUUID()},2026-11-20T09:00:00Z,A81001,G${i % 7},R8000,${nhs},view`);
  }
  const file = join(dir, `${randomUUID()}.csv`);
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

describe('the accesswatch command line, as a user runs it', () => {
  it('serves, issues a key, ingests a file with a summary, shuts down cleanly and keeps the data', async () => {
    const port = await freePort();
    const data = join(dir, 'embedded');
    const url = `http://127.0.0.1:${port}`;
    let server = await serve(port, data);
    try {
      const added = await run(['sources', 'add', 'emis-a81001', '--org', 'A81001', '--url', url]);
      expect(added.code).toBe(0);
      const key = added.stdout.trim();
      expect(key).toMatch(/^awk_\S+$/);
      const user = await run(['users', 'add', 'alice', '--role', 'ig-officer', '--org', 'A81001', '--url', url]);
      expect(user.stdout.trim()).toMatch(/^awt_\S+$/);

      const file = csvFile(2500, 1000);
      const ingest = await run(['ingest', file, '--system', 'emis-a81001', '--key', key, '--url', url, '--no-progress']);
      expect(ingest.code).toBe(0);
      expect(ingest.stdout).toContain("Accepted 2,497, duplicates 0, rejected 3.");
      
      expect(ingest.stdout).toContain('patient.nhsNumber: fails the NHS number check digit');
      const again = await run(['ingest', file, '--key', key, '--url', url, '--no-progress']);
      expect(again.stdout).toContain("Accepted 0, duplicates 2,497, rejected 3.");
      const wrong = await run(['ingest', file, '--system', 'tpp-a81002', '--key', key, '--url', url, '--no-progress']);
      expect(wrong.code).not.toBe(0);
      expect(wrong.stderr).toContain('this key belongs to system "emis-a81001", not "tpp-a81002"');
      expect(await storedCount(port)).toBe(2497);
    } finally {
      expect(await stop(server)).toBe(0);
    }
    server = await serve(port, data);
    try {
      expect(await storedCount(port)).toBe(2497);
    } finally {
      await stop(server);
    }
  }, 90_000);

  it('in the Redis mode, stores every accepted batch when stopped right after the posts', async () => {
    const port = await freePort();
    const data = join(dir, 'redis');
    const env = { REDIS_URL: inject('redisUrl'), ACCESSWATCH_QUEUE_PREFIX: `cli-${randomUUID()}` };
    const url = `http://127.0.0.1:${port}`;
    let server = await serve(port, data, env);
    let accepted = 0;
    try {
      const key = (await run(['sources', 'add', 'emis-a81001', '--org', 'A81001', '--url', url])).stdout.trim();
      const posts = Array.from({ length: 20 }, async () => {
        const events = Array.from({ length: 500 }, () => ({
          id: randomUUID(), occurredAt: '2026-11-20T09:00:00Z', organisation: 'A81001',
          user: { id: 'G1', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view',
        }));
        const response = await fetch(`${url}/v1/access-events`, {
          method: 'POST', body: JSON.stringify(events),
          headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        });
        if (response.status === 202) accepted += (await response.json()).accepted as number;
      });
      await Promise.all(posts);
    } finally {
      expect(await stop(server)).toBe(0);
    }
    expect(accepted).toBe(10_000);
    server = await serve(port, data, env);
    try {
      const deadline = Date.now() + 20_000;
      while ((await storedCount(port)) < accepted && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await storedCount(port)).toBe(accepted);
    } finally {
      await stop(server);
    }
  }, 90_000);

  it('creates an admin token on first start without ACCESSWATCH_ADMIN_TOKEN, shown once', async () => {
    const port = await freePort();
    const data = join(dir, 'first-start');
    const env = { ACCESSWATCH_ADMIN_TOKEN: '', ACCESSWATCH_TOKEN: '' };
    let server = await serve(port, data, env);
    let output = '';
    server.stdout?.on('data', (d: Buffer) => { output += d.toString(); });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const token = /export ACCESSWATCH_TOKEN=(awt_\S+)/.exec(output)?.[1];
    expect(token).toBeDefined();
    const added = await run(['sources', 'add', 'emis-a81001', '--org', 'A81001', '--url', `http://127.0.0.1:${port}`], { ...env, ACCESSWATCH_TOKEN: token! });
    expect(added.code).toBe(0);
    await stop(server);
    server = await serve(port, data, env);
    let second = '';
    server.stdout?.on('data', (d: Buffer) => { second += d.toString(); });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await stop(server);
    expect(second).not.toContain('ACCESSWATCH_TOKEN=');
  }, 60_000);

  it('explains a bad setting instead of starting', async () => {
    const result = await run(['serve', '--port', '0'], { ACCESSWATCH_BODY_LIMIT: 'lots' });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('ACCESSWATCH_BODY_LIMIT');
  });
});
