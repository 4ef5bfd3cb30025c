import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP server that stands in for Elasticsearch in tests: the real @elastic/elasticsearch
 * client talks to it, and a script answers each request with Elasticsearch's own response bodies
 * (fixture files) and the headers the client insists on. Every request is recorded.
 */

export interface ReceivedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
  /** The body's JSON lines (NDJSON for _bulk, one line otherwise). */
  lines: Record<string, any>[];
}

export interface Answer {
  status?: number;
  /** A fixture file name, or a body to send as JSON. */
  fixture?: string;
  body?: unknown;
}

export type Script = (request: ReceivedRequest) => Answer;

export class ElasticsearchLikeServer {
  readonly requests: ReceivedRequest[] = [];
  private constructor(private readonly server: Server, readonly url: string) {}

  /** Starts on a free port; `fixtures` is the folder fixture names are read from. */
  static async start(script: Script, fixtures: URL): Promise<ElasticsearchLikeServer> {
    let instance: ElasticsearchLikeServer | undefined;
    const server = createServer((req, res) => {
      void readBody(req).then((body) => {
        const url = new URL(req.url ?? '/', 'http://localhost');
        const lines = body.trim() === '' ? [] : body.trim().split('\n').map((line) => JSON.parse(line));
        const request: ReceivedRequest = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body, lines };
        instance?.requests.push(request);
        const answer = script(request);
        const text = answer.fixture ? readFileSync(new URL(answer.fixture, fixtures), 'utf8') : JSON.stringify(answer.body ?? {});
        res.writeHead(answer.status ?? 200, {
          'content-type': 'application/json',
          'x-elastic-product': 'Elasticsearch',
        });
        res.end(req.method === 'HEAD' ? undefined : text);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new ElasticsearchLikeServer(server, `http://127.0.0.1:${port}`);
    return instance;
  }

  bulkRequests(): ReceivedRequest[] {
    return this.requests.filter((request) => request.path === '/_bulk');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** The actions of a _bulk body, in order: which action, on which index and document id. */
export function actionsIn(request: ReceivedRequest): { action: string; index: string; id: string }[] {
  return request.lines
    .filter((_, position) => position % 2 === 0)
    .map((line) => {
      const [action, target] = Object.entries(line)[0] as [string, { _index: string; _id: string }];
      return { action, index: target._index, id: target._id };
    });
}
