import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { BatchQueue } from '../ingest/batchSink.js';
import { queuedBatchOf, type IngestBatch, type QueuedBatch } from '../ingest/processBatch.js';

export const INGEST_QUEUE = 'ingest';

export interface IngestQueueOptions {
  redisUrl: string;
  /** Redis key prefix: lets several deployments (or tests) share one Redis. */
  prefix: string;
  logger?: Logger;
  /** Attempts before a batch lands in the failed set (default 10). */
  attempts?: number;
  /** First retry delay in ms, doubled each attempt (default 1,000). */
  backoffMs?: number;
}

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
}

function connectionFor(redisUrl: string, producer: boolean): ConnectionOptions {
  const url = new URL(redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.pathname.length > 1 ? { db: Number(url.pathname.slice(1)) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
    // A producer must fail fast when Redis is down, so the API can answer 503 instead of hanging.
    ...(producer ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 } : { maxRetriesPerRequest: null }),
  };
}

/**
 * The ingest queue on BullMQ: one job per batch, added with `addBulk`, retried with exponential
 * backoff, bounded completed and failed sets. Failed batches stay in the failed set (reported by
 * `counts` and logged), never silently dropped.
 */
export class IngestQueue implements BatchQueue {
  private readonly queue: Queue;
  private readonly workers: Worker[] = [];
  private waitingCache = { at: 0, value: 0 };
  /** The producer connection: adds jobs, health checks and configuration reads. */
  private readonly redis: Redis;

  constructor(private readonly options: IngestQueueOptions) {
    // The queue shares this connection, so a Redis that is down fails fast and close never waits on it.
    this.redis = new Redis(connectionFor(options.redisUrl, true) as object);
    this.redis.on('error', () => undefined); // reported through ping() and enqueue()
    this.queue = new Queue(INGEST_QUEUE, {
      connection: this.redis,
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? 10,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
        removeOnComplete: { count: 1000, age: 3600 },
        removeOnFail: { count: 100_000 },
      },
    });
    this.queue.on('error', (err) => options.logger?.error({ module: 'queue', err: err.message }, 'ingest queue connection error'));
  }

  /** Waits until the producer connection is up; false when Redis did not answer in time. */
  async connect(timeoutMs = 5_000): Promise<boolean> {
    if (this.redis.status === 'ready') return true;
    return new Promise<boolean>((resolve) => {
      const done = (ok: boolean) => { clearTimeout(timer); this.redis.off('ready', onReady); resolve(ok); };
      const onReady = () => done(true);
      const timer = setTimeout(() => done(false), timeoutMs);
      this.redis.on('ready', onReady);
    });
  }

  /** Fails at once when Redis is not connected, instead of waiting for it to come back. */
  private connected(): void {
    if (this.redis.status !== 'ready') throw new Error(`Redis is not connected (${this.redis.status})`);
  }

  async enqueue(batch: IngestBatch): Promise<void> {
    this.connected();
    await withTimeout(this.queue.addBulk([{ name: 'batch', data: queuedBatchOf(batch), opts: { jobId: batch.batchId } }]), 10_000, 'adding the batch to Redis');
    this.waitingCache.value++;
  }

  /** Waiting and delayed batches, read from Redis at most every 250 ms. */
  async waitingBatches(): Promise<number> {
    const now = Date.now();
    if (now - this.waitingCache.at > 250) {
      this.connected();
      const waiting = await withTimeout(this.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized'), 5_000, 'counting waiting batches');
      this.waitingCache = { at: now, value: waiting };
    }
    return this.waitingCache.value;
  }

  async counts(): Promise<QueueCounts> {
    const counts = await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
    return {
      waiting: counts.waiting ?? 0,
      active: counts.active ?? 0,
      delayed: counts.delayed ?? 0,
      failed: counts.failed ?? 0,
      completed: counts.completed ?? 0,
    };
  }

  /** The failed batches' ids and reasons, newest first. */
  async failedBatches(limit = 20): Promise<{ batchId: string; events: number; reason: string; attempts: number }[]> {
    const jobs = await this.queue.getFailed(0, limit - 1);
    return jobs.map((job) => ({
      batchId: String(job.id),
      events: (job.data as QueuedBatch).count,
      reason: job.failedReason,
      attempts: job.attemptsMade,
    }));
  }

  /** Puts failed batches back on the queue; returns how many. */
  async retryFailed(): Promise<number> {
    const before = (await this.counts()).failed;
    await this.queue.retryJobs({ state: 'failed' });
    return before;
  }

  async ping(): Promise<void> {
    this.connected();
    await withTimeout(this.redis.ping(), 2_000, 'pinging Redis');
  }

  /** Redis's eviction policy: anything but `noeviction` can silently lose queued batches. */
  async evictionPolicy(): Promise<string> {
    const reply = (await this.redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1] ?? 'unknown';
  }

  /** Starts a worker that stores each batch with `process`; returns when it is ready. */
  async startWorker(process: (batch: QueuedBatch) => Promise<unknown>, concurrency: number): Promise<void> {
    const logger = this.options.logger;
    const worker = new Worker(INGEST_QUEUE, async (job: Job<QueuedBatch>) => process(job.data), {
      connection: connectionFor(this.options.redisUrl, false),
      prefix: this.options.prefix,
      concurrency,
    });
    logWorkerEvents(worker, logger);
    await worker.waitUntilReady();
    this.workers.push(worker);
  }

  /** Stops this process's workers after their in-flight batches; unfinished jobs go back to the queue. */
  async closeWorkers(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.close()));
  }

  /** Removes the queue and all its jobs from Redis (tests and teardown only). */
  async obliterate(): Promise<void> {
    if (this.redis.status === 'ready') await this.queue.obliterate({ force: true });
  }

  /** Closes workers first (finishing their in-flight batches), then the queue. */
  async close(): Promise<void> {
    await this.closeWorkers();
    await this.queue.close();
    this.redis.disconnect();
  }
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out ${what} after ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** One place for worker logging: failures are errors with the batch id, never with patient data. */
function logWorkerEvents(worker: Worker, logger?: Logger): void {
  if (!logger) return;
  const log = logger.child({ module: 'worker' });
  worker.on('failed', (job, err) => {
    const final = job ? job.attemptsMade >= (job.opts.attempts ?? 1) : true;
    log[final ? 'error' : 'warn'](
      { batchId: job?.id, attempts: job?.attemptsMade, reason: err.message },
      final ? 'batch failed for good; it stays in the failed set (accesswatch queue failed)' : 'batch failed; it will be retried',
    );
  });
  worker.on('error', (err) => log.error({ reason: err.message }, 'worker error'));
  worker.on('completed', (job, result) => log.debug({ batchId: job.id, result }, 'batch stored'));
}
