import { Agent, request } from 'node:http';

/** How the benchmark posts: node:http with a keep-alive agent (lean), or the global fetch (undici). */
export type ClientKind = 'http' | 'fetch';

export interface PostOptions {
  url: string;
  key: string;
  bodies: Buffer[];
  /** Requests in flight at once. */
  concurrency: number;
  client: ClientKind;
  /** Events in each body, to check the server accepted them all. */
  eventsPerBody: (index: number) => number;
  /** Post at most this many events a second (0 or absent: as fast as the server answers). */
  eventsPerSecond?: number;
}

export interface PostResult {
  /** performance.now() when the first request went out and when the last 202 came back. */
  startedAt: number;
  lastAcceptedAt: number;
  /** Milliseconds from sending to the 202 of each batch, retries included. */
  latenciesMs: number[];
  /** performance.now() of each 202, in the order they came back. */
  acceptedTimes: number[];
  /** Wall-clock time (ms since the epoch, as the server stamps alerts) each body was sent in the attempt that was accepted, by body. */
  sentAtMs: number[];
  accepted: number;
  duplicates: number;
  /** Answers of 429 or 503 that were retried after their Retry-After. */
  retries: number;
  retryStatuses: Record<string, number>;
}

interface Answer {
  status: number;
  retryAfter?: string;
  body: string;
}

const MAX_ATTEMPTS = 30;

function httpPoster(url: string, key: string, concurrency: number): { post(body: Buffer): Promise<Answer>; close(): void } {
  const target = new URL('/v1/access-events', url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
  return {
    post: (body) => new Promise<Answer>((resolve, reject) => {
      const req = request({
        agent, hostname: target.hostname, port: target.port, path: target.pathname, method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'content-length': body.length },
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({
          status: res.statusCode ?? 0,
          retryAfter: res.headers['retry-after'],
          body: Buffer.concat(chunks).toString(),
        }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    }),
    close: () => agent.destroy(),
  };
}

function fetchPoster(url: string, key: string): { post(body: Buffer): Promise<Answer>; close(): void } {
  const target = new URL('/v1/access-events', url).href;
  return {
    post: async (body) => {
      const response = await fetch(target, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: new Uint8Array(body.buffer as ArrayBuffer, body.byteOffset, body.length),
      });
      return { status: response.status, retryAfter: response.headers.get('retry-after') ?? undefined, body: await response.text() };
    },
    close: () => undefined,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Posts every body, `concurrency` at a time, retrying 429 and 503 as a well-behaved source system would. */
export async function postBatches(options: PostOptions): Promise<PostResult> {
  const poster = options.client === 'fetch' ? fetchPoster(options.url, options.key) : httpPoster(options.url, options.key, options.concurrency);
  const result: PostResult = {
    startedAt: performance.now(), lastAcceptedAt: 0, latenciesMs: [], acceptedTimes: [], sentAtMs: [], accepted: 0, duplicates: 0, retries: 0, retryStatuses: {},
  };
  let next = 0;
  let due = 0;
  const postOne = async (index: number) => {
    if (options.eventsPerSecond) {
      // Paced: each body is due when the events before it have had their share of time.
      due += options.eventsPerBody(index);
      const wait = result.startedAt + ((due - options.eventsPerBody(index)) / options.eventsPerSecond) * 1000 - performance.now();
      if (wait > 0) await sleep(wait);
    }
    const sentAt = performance.now();
    for (let attempt = 1; ; attempt++) {
      result.sentAtMs[index] = Date.now();
      const answer = await poster.post(options.bodies[index]);
      if (answer.status === 202) {
        const now = performance.now();
        result.latenciesMs.push(now - sentAt);
        result.lastAcceptedAt = now;
        result.acceptedTimes.push(now);
        const outcome = JSON.parse(answer.body) as { accepted: number; duplicates: number; rejected: unknown[] };
        if (outcome.rejected.length > 0 || outcome.accepted + outcome.duplicates !== options.eventsPerBody(index)) {
          throw new Error(`batch ${index} was not wholly accepted: ${answer.body.slice(0, 500)}`);
        }
        result.accepted += outcome.accepted;
        result.duplicates += outcome.duplicates;
        return;
      }
      if ((answer.status === 429 || answer.status === 503) && attempt < MAX_ATTEMPTS) {
        result.retries++;
        result.retryStatuses[answer.status] = (result.retryStatuses[answer.status] ?? 0) + 1;
        const seconds = Number(answer.retryAfter);
        await sleep(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000);
        continue;
      }
      throw new Error(`batch ${index}: the server answered ${answer.status}: ${answer.body.slice(0, 500)}`);
    }
  };
  const lane = async () => {
    while (next < options.bodies.length) await postOne(next++);
  };
  try {
    await Promise.all(Array.from({ length: Math.min(options.concurrency, options.bodies.length) }, lane));
  } finally {
    poster.close();
  }
  return result;
}
