import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { formatSummary, ingestFile, IngestStoppedError, type IngestProgress, type IngestSummary } from './ingest.js';

const sourceKey = 'source-key';
const badCheckDigit = 'patient.nhsNumber: fails the NHS number check digit';

interface Post {
  path: string;
  contentType: string;
  body: string;
  records: Record<string, unknown>[];
}

/**
 * The ingest contract, minimally: counts records per content type, rejects ids ending in `-bad`,
 * counts ids seen before as duplicates, and can be told to be busy once or fail on a given post.
 */
class IngestServer {
  readonly posts: Post[] = [];
  readonly seen = new Set<string>();
  busyOnce = false;
  failOnPost = 0;
  delayMs = 0;
  inFlight = 0;
  mostInFlight = 0;
  private server?: Server;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.answer(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  reset(): void {
    this.posts.length = 0;
    this.seen.clear();
    this.busyOnce = false;
    this.failOnPost = 0;
    this.delayMs = 0;
    this.mostInFlight = 0;
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight += 1;
    this.mostInFlight = Math.max(this.mostInFlight, this.inFlight);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      if (this.delayMs) await new Promise((resolve) => setTimeout(resolve, this.delayMs));
      const send = (status: number, reply: unknown, headers: Record<string, string> = {}): void => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(reply));
      };
      if (req.headers.authorization !== `Bearer ${sourceKey}`) {
        return send(401, { error: { code: 'AW_ERR_UNKNOWN_SOURCE', message: 'unknown source key' } });
      }
      if (this.busyOnce) {
        this.busyOnce = false;
        return send(429, { error: { code: 'AW_ERR_BUSY', message: 'try again shortly' } }, { 'retry-after': '0' });
      }
      const contentType = req.headers['content-type'] ?? '';
      const records = recordsOf(contentType, body);
      this.posts.push({ path: req.url ?? '', contentType, body, records });
      if (this.posts.length === this.failOnPost) {
        return send(500, { error: { code: 'AW_ERR_INTERNAL', message: 'internal error' } });
      }
      let accepted = 0;
      let duplicates = 0;
      const rejected: { index: number; id: string; errors: string[] }[] = [];
      records.forEach((record, index) => {
        const id = String(record.id);
        if (id.endsWith('-bad')) rejected.push({ index, id, errors: [badCheckDigit] });
        else if (this.seen.has(id)) duplicates += 1;
        else {
          this.seen.add(id);
          accepted += 1;
        }
      });
      send(accepted + duplicates === 0 ? 400 : 202, { accepted, duplicates, rejected });
    } finally {
      this.inFlight -= 1;
    }
  }
}

function recordsOf(contentType: string, body: string): Record<string, unknown>[] {
  switch (contentType) {
    case 'application/x-ndjson':
      return body
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line));
    case 'application/json':
      return JSON.parse(body);
    case 'application/fhir+json': {
      const bundle = JSON.parse(body);
      if (bundle.resourceType !== 'Bundle' || bundle.type !== 'collection') throw new Error('expected a collection');
      return bundle.entry.map((entry: { resource: Record<string, unknown> }) => entry.resource);
    }
    case 'text/csv':
      return parseCsv(body, { columns: true });
    default:
      throw new Error(`unexpected content type ${contentType}`);
  }
}

const server = new IngestServer();
let url: string;
let folder: string;

beforeAll(async () => {
  url = await server.start();
  folder = await mkdtemp(join(tmpdir(), 'accesswatch-ingest-'));
});
afterAll(async () => {
  await server.stop();
  await rm(folder, { recursive: true, force: true });
});
afterEach(() => server.reset());

async function fileOf(name: string, text: string): Promise<string> {
  const path = join(folder, name);
  await writeFile(path, text);
  return path;
}

const event = (id: string): Record<string, unknown> => ({
  id,
  occurredAt: '2025-03-01T09:00:00Z',
  organisation: 'A81001',
  user: { id: 'u1', role: 'R8000' },
  patient: { nhsNumber: '9434765919' },
  action: 'view',
});

function ndjsonOf(count: number, bad: number[] = []): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) lines.push(JSON.stringify(event(bad.includes(i) ? `e${i}-bad` : `e${i}`)));
  return lines.join('\n') + '\n\n';
}

describe('ingestFile', () => {
  it('posts 2,500 NDJSON events as three batches and reports rejections by their place in the file', async () => {
    const file = await fileOf('events.ndjson', ndjsonOf(2500, [7, 1500, 2499]));
    const progress: IngestProgress[] = [];

    const summary = await ingestFile({ file, url, token: sourceKey, onProgress: (p) => progress.push(p) });

    expect(server.posts.map((post) => post.records.length).sort()).toEqual([1000, 1000, 500]);
    expect(server.posts.every((post) => post.path === '/v1/access-events')).toBe(true);
    expect(server.posts.every((post) => post.contentType === 'application/x-ndjson')).toBe(true);
    expect(summary).toMatchObject({ records: 2500, accepted: 2497, duplicates: 0, batches: 3 });
    expect(summary.rejected).toEqual([
      { index: 7, id: 'e7-bad', errors: [badCheckDigit] },
      { index: 1500, id: 'e1500-bad', errors: [badCheckDigit] },
      { index: 2499, id: 'e2499-bad', errors: [badCheckDigit] },
    ]);
    expect(progress).toHaveLength(3);
    expect(progress.at(-1)).toMatchObject({ records: 2500, rejected: 3, totalBytes: (await stat(file)).size });
  });

  it('keeps a few batches in flight at once, never more than asked', async () => {
    const file = await fileOf('many.ndjson', ndjsonOf(60));
    server.delayMs = 20;

    const summary = await ingestFile({ file, url, token: sourceKey, batchSize: 10, concurrency: 3 });

    expect(summary.accepted).toBe(60);
    expect(server.mostInFlight).toBeGreaterThan(1);
    expect(server.mostInFlight).toBeLessThanOrEqual(3);
  });

  it('sends the CSV header with every batch and keeps quoted commas, quotes and line breaks intact', async () => {
    const header = 'id,occurredAt,patient.nhsNumber,reason';
    const reasons = ['chest pain, seen in A&E', 'line one\nline two', 'patient said "call me"', 'routine', 'unknown'];
    const ids = ['c0', 'c1', 'c2', 'c3', 'c4-bad'];
    const rows = ids.map((id, i) => `${id},2025-03-01T09:00:00Z,9434765919,"${reasons[i].replace(/"/g, '""')}"`);
    const file = await fileOf('events.csv', `${header}\n${rows.join('\n')}\n`);

    const summary = await ingestFile({ file, url, token: sourceKey, batchSize: 2, concurrency: 1 });

    expect(server.posts).toHaveLength(3);
    for (const post of server.posts) {
      expect(post.contentType).toBe('text/csv');
      expect(post.body.startsWith(`${header}\n`)).toBe(true);
    }
    const received = server.posts.flatMap((post) => post.records);
    expect(received.map((record) => record.reason)).toEqual(reasons);
    expect(received.map((record) => record.id)).toEqual(ids);
    expect(summary).toMatchObject({ records: 5, accepted: 4, batches: 3 });
    expect(summary.rejected).toEqual([{ index: 4, id: 'c4-bad', errors: [badCheckDigit] }]);
  });

  it('splits a JSON array into batches', async () => {
    const events = Array.from({ length: 5 }, (_, i) => event(i === 3 ? `j${i}-bad` : `j${i}`));
    const file = await fileOf('events.json', JSON.stringify(events));

    const summary = await ingestFile({ file, url, token: sourceKey, batchSize: 2 });

    expect(server.posts.map((post) => post.contentType)).toEqual(Array(3).fill('application/json'));
    expect(server.posts.map((post) => post.records.length).sort()).toEqual([1, 2, 2]);
    expect(summary).toMatchObject({ records: 5, accepted: 4 });
    expect(summary.rejected.map((rejection) => rejection.index)).toEqual([3]);
  });

  it('recognises a FHIR Bundle in a .json file and posts it as smaller collection Bundles', async () => {
    const entry = Array.from({ length: 5 }, (_, i) => ({
      resource: { resourceType: 'AuditEvent', id: i === 4 ? `f${i}-bad` : `f${i}` },
    }));
    const file = await fileOf('audit.json', JSON.stringify({ resourceType: 'Bundle', type: 'batch', entry }));

    const summary = await ingestFile({ file, url, token: sourceKey, batchSize: 2 });

    expect(server.posts.map((post) => post.contentType)).toEqual(Array(3).fill('application/fhir+json'));
    expect(server.posts.flatMap((post) => post.records.map((record) => record.id)).sort()).toEqual(
      ['f0', 'f1', 'f2', 'f3', 'f4-bad'],
    );
    expect(summary).toMatchObject({ records: 5, accepted: 4 });
    expect(summary.rejected).toEqual([{ index: 4, id: 'f4-bad', errors: [badCheckDigit] }]);
  });

  it('posts reference data to its own endpoint', async () => {
    const file = await fileOf('staff.ndjson', '{"id":"s1","userId":"u1"}\n');

    await ingestFile({ file, url, token: sourceKey, kind: 'staff' });

    expect(server.posts.map((post) => post.path)).toEqual(['/v1/reference/staff']);
  });

  it('waits out a 429 with Retry-After and posts the same batch again', async () => {
    const file = await fileOf('busy.ndjson', ndjsonOf(3));
    server.busyOnce = true;

    const summary = await ingestFile({ file, url, token: sourceKey });

    expect(server.busyOnce).toBe(false);
    expect(server.posts).toHaveLength(1);
    expect(summary).toMatchObject({ records: 3, accepted: 3, batches: 1 });
  });

  it('counts a batch with no valid record (400) as rejections, not a failure', async () => {
    const file = await fileOf('mixed.ndjson', ndjsonOf(4, [0, 1]));

    const summary = await ingestFile({ file, url, token: sourceKey, batchSize: 2, concurrency: 1 });

    expect(summary).toMatchObject({ records: 4, accepted: 2, batches: 2 });
    expect(summary.rejected.map((rejection) => rejection.index)).toEqual([0, 1]);
  });

  it('counts records already stored as duplicates when a file is posted again', async () => {
    const file = await fileOf('again.ndjson', ndjsonOf(5));
    await ingestFile({ file, url, token: sourceKey });

    const again = await ingestFile({ file, url, token: sourceKey });

    expect(again).toMatchObject({ records: 5, accepted: 0, duplicates: 5 });
  });

  it('stops with the server message when the key is refused', async () => {
    const file = await fileOf('refused.ndjson', ndjsonOf(3));

    const failure = ingestFile({ file, url, token: 'wrong-key' });

    await expect(failure).rejects.toThrow(IngestStoppedError);
    await expect(failure).rejects.toThrow('the server refused the key (401): unknown source key');
  });

  it('stops at a server error and says what got through before it', async () => {
    const file = await fileOf('fails.ndjson', ndjsonOf(50));
    server.failOnPost = 2;

    const error = await ingestFile({ file, url, token: sourceKey, batchSize: 10, concurrency: 1 }).catch((e) => e);

    expect(error).toBeInstanceOf(IngestStoppedError);
    expect(error.message).toContain('the server failed (500): internal error');
    expect((error as IngestStoppedError).summary).toMatchObject({ records: 10, accepted: 10, batches: 1 });
    expect(server.posts).toHaveLength(2);
  });

  it('says how to start the server when nothing is listening', async () => {
    const closed = new IngestServer();
    const closedUrl = await closed.start();
    await closed.stop();
    const file = await fileOf('nowhere.ndjson', ndjsonOf(1));

    const failure = ingestFile({ file, url: closedUrl, token: sourceKey });

    await expect(failure).rejects.toThrow(`cannot reach the accesswatch server at ${closedUrl}`);
    await expect(failure).rejects.toThrow('accesswatch serve');
  });

  it('says when the file is missing', async () => {
    await expect(ingestFile({ file: join(folder, 'missing.ndjson'), url, token: sourceKey })).rejects.toThrow(
      'there is no such file',
    );
  });

  it('refuses a file whose format it cannot tell', async () => {
    const file = await fileOf('events.txt', 'x');

    await expect(ingestFile({ file, url, token: sourceKey })).rejects.toThrow('give the format');
  });
});

describe('formatSummary', () => {
  it('gives the counts, the rate and the first ten rejections', () => {
    const summary: IngestSummary = {
      records: 2000,
      accepted: 1978,
      duplicates: 10,
      rejected: Array.from({ length: 12 }, (_, i) => ({ index: i * 100, id: `e${i}`, errors: [badCheckDigit] })),
      batches: 2,
      seconds: 0.5,
    };

    const text = formatSummary(summary);

    expect(text).toContain('Read 2,000 records in 2 batches (0.5 s, 4,000 records/s).');
    expect(text).toContain('Accepted 1,978, duplicates 10, rejected 12.');
    expect(text).toContain(`record 900 (id e9): ${badCheckDigit}`);
    expect(text).not.toContain('id e10');
    expect(text).toContain('… and 2 more');
  });
});
