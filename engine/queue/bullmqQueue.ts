import { Queue, Worker, type ConnectionOptions, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { BatchQueue } from '../ingest/batchSink.js';
import type { IngestBatch } from '../ingest/processBatch.js';

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
  /** A plain connection for health checks and configuration reads. */
  private readonly redis: Redis;

  constructor(private readonly options: IngestQueueOptions) {
    this.queue = new Queue(INGEST_QUEUE, {
      connection: connectionFor(options.redisUrl, true),
      prefix: options.prefix,
      defaultJobOptions: {
        attempts: options.attempts ?? 10,
        backoff: { type: 'exponential', delay: options.backoffMs ?? 1000 },
        removeOnComplete: { count: 1000, age: 3600 },
        removeOnFail: { count: 100_000 },
      },
    });
    this.redis = new Redis(connectionFor(options.redisUrl, true) as object);
    this.redis.on('error', () => undefined); // reported through ping() and the queue's own error events
    this.queue.on('error', (err) => options.logger?.error({ module: 'queue', err: err.message }, 'ingest queue connection error'));
  }

  async enqueue(batch: IngestBatch): Promise<void> {
    await this.queue.addBulk([{ name: 'batch', data: batch, opts: { jobId: batch.batchId } }]);
    this.waitingCache.value++;
  }

  /** Waiting and delayed batches, read from Redis at most every 250 ms. */
  async waitingBatches(): Promise<number> {
    const now = Date.now();
    if (now - this.waitingCache.at > 250) {
      this.waitingCache = { at: now, value: await this.queue.getJobCountByTypes('waiting', 'delayed', 'prioritized') };
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
      events: (job.data as IngestBatch).events.length,
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
    await this.redis.ping();
  }

  /** Redis's eviction policy: anything but `noeviction` can silently lose queued batches. */
  async evictionPolicy(): Promise<string> {
    const reply = (await this.redis.config('GET', 'maxmemory-policy')) as string[];
    return reply[1] ?? 'unknown';
  }

  /** Starts a worker that stores each batch with `process`; returns when it is ready. */
  async startWorker(process: (batch: IngestBatch) => Promise<unknown>, concurrency: number): Promise<void> {
    const logger = this.options.logger;
    const worker = new Worker(INGEST_QUEUE, async (job: Job<IngestBatch>) => process(job.data), {
      connection: connectionFor(this.options.redisUrl, false),
      prefix: this.options.prefix,
      concurrency,
    });
    logWorkerEvents(worker, logger);
    await worker.waitUntilReady();
    this.workers.push(worker);
  }

  /** Closes workers first (finishing their in-flight batches), then the queue. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
    await this.queue.close();
    this.redis.disconnect();
  }
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
