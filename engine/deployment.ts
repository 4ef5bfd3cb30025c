import { join } from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { QueueSink, StoreSink, type BatchSink } from './ingest/batchSink.js';
import { processQueuedBatch } from './ingest/processBatch.js';
import { IngestQueue } from './queue/bullmqQueue.js';
import { ThreadedDuckdbStore } from './store/duckdb/threadedDuckdbStore.js';
import { createElasticsearchStore } from './store/elasticsearch/elasticsearchStore.js';
import type { Store } from './store/port.js';

/** Which parts run where, decided by configuration (see README, "Modes"). */
export type Mode = 'embedded' | 'redis' | 'scaled';

/** The engine's parts for one process, wired for its mode. */
export interface Deployment {
  mode: Mode;
  store: Store;
  sink: BatchSink;
  queue?: IngestQueue;
  close(): Promise<void>;
}

export function modeOf(config: Pick<Config, 'redisUrl' | 'elasticsearchUrl'>): Mode {
  if (config.elasticsearchUrl) return 'scaled';
  return config.redisUrl ? 'redis' : 'embedded';
}

export function openStore(config: Config, logger?: Logger): Store {
  if (config.elasticsearchUrl) {
    return createElasticsearchStore({ node: config.elasticsearchUrl, indexPrefix: config.elasticsearchIndexPrefix });
  }
  const store = new ThreadedDuckdbStore({ path: join(config.dataDir, 'accesswatch.duckdb') });
  // Without its store thread the process can only refuse work: stop, so a supervisor restarts it.
  store.onThreadLost = (err) => {
    logger?.fatal({ module: 'store', reason: err.message }, 'the DuckDB store thread stopped; accesswatch exits so that it can be restarted');
    process.exitCode = 70;
    process.kill(process.pid, 'SIGTERM');
  };
  return store;
}

async function warnOnEviction(queue: IngestQueue, logger: Logger): Promise<void> {
  try {
    const policy = await queue.evictionPolicy();
    if (policy !== 'noeviction') {
      logger.warn(
        { module: 'queue', maxmemoryPolicy: policy },
        `REDIS maxmemory-policy IS "${policy}", NOT "noeviction": under memory pressure Redis may DELETE QUEUED BATCHES. Set maxmemory-policy noeviction.`,
      );
    }
  } catch (err) {
    logger.warn({ module: 'queue', reason: (err as Error).message }, 'could not read Redis maxmemory-policy');
  }
}

export interface OpenOptions {
  /** Consume the ingest queue in this process (serve does in the redis mode; `accesswatch worker` always). */
  runWorker: boolean;
}

/**
 * Opens the store, the queue and (when asked) a worker for this process.
 * - embedded: DuckDB, batches written before the API answers;
 * - redis: DuckDB, batches through BullMQ, serve runs the worker itself;
 * - scaled: Elasticsearch, batches through BullMQ, `accesswatch worker` processes consume.
 */
export async function openDeployment(config: Config, logger: Logger, options: OpenOptions): Promise<Deployment> {
  const mode = modeOf(config);
  const store = openStore(config, logger);
  await store.init();
  if (!config.redisUrl) {
    return {
      mode,
      store,
      sink: new StoreSink(store, config.maxInflightBatches, logger),
      close: () => store.close(),
    };
  }
  const queue = new IngestQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger });
  if (await queue.connect()) await warnOnEviction(queue, logger);
  else logger.error({ module: 'queue' }, 'Redis is not reachable at start; posts get 503 until it is (see /readyz)');
  if (options.runWorker) {
    const log = logger.child({ module: 'worker' });
    await queue.startWorker((batch) => processQueuedBatch(batch, store, log), config.workerConcurrency);
  }
  return {
    mode,
    store,
    queue,
    sink: new QueueSink(queue, store, config.maxQueuedBatches, logger),
    close: async () => {
      await queue.close();
      await store.close();
    },
  };
}
