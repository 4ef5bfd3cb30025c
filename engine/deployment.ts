import { join } from 'node:path';
import type { Config } from './config.js';
import type { Logger } from './log.js';
import { QueueSink, StoreSink, type BatchSink } from './ingest/batchSink.js';
import { processQueuedBatch } from './ingest/processBatch.js';
import { compileRules, readRules } from './rules/loadRules.js';
import type { CompiledRule, RulesConfig } from './rules/ruleKind.js';
import { RuleEngine } from './rules/ruleEngine.js';
import type { RuleStateStore } from './rules/ruleState.js';
import { readRulesSettings, shippedRulesDir } from './rules/rulesConfig.js';
import { JournaledRuleState } from './rules/state/journaledRuleState.js';
import { RedisRuleState } from './rules/state/redisRuleState.js';
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
  /** Every rule (enabled or not) with the settings they run with: listed by the API, used by backtests. */
  rules: { compiled: readonly CompiledRule[]; config: RulesConfig };
  /** Present in processes that evaluate rules: the embedded server and queue workers. */
  engine?: RuleEngine;
  /** True when the rules run in this process right after the API stores a batch (embedded mode). */
  rulesInProcess: boolean;
  close(): Promise<void>;
}

/** How often rules that fire on the passage of time (a silent source) are checked. */
const RULE_TICK_MS = 60_000;

/** Reads, validates and compiles the rules; a bad rule file stops the start with its file and reason. */
export function openRules(config: Config): Deployment['rules'] {
  const settings = readRulesSettings(config.rulesConfigPath);
  const definitions = readRules(config.rulesDir ?? shippedRulesDir(), settings.overrides);
  return { compiled: compileRules(definitions, settings.config), config: settings.config };
}

/** Where windowed rules keep their state: Redis when there is one (shared by workers), else memory with a journal in the data folder. */
async function openRuleState(config: Config, logger: Logger): Promise<RuleStateStore> {
  if (config.redisUrl) return new RedisRuleState({ redisUrl: config.redisUrl, prefix: `${config.queuePrefix}:rules:` });
  const state = new JournaledRuleState({ path: join(config.dataDir, 'rule-state.journal') });
  const replayed = await state.open();
  logger.info({ module: 'rules', lines: replayed.lines, ms: replayed.replayMs }, 'rule state read from its journal');
  return state;
}

/** The rule engine of a process that evaluates rules, with its clock tick for time-based rules. */
async function startRuleEngine(config: Config, rules: Deployment['rules'], store: Store, logger: Logger): Promise<{ engine: RuleEngine; stop(): Promise<void> }> {
  const state = await openRuleState(config, logger);
  const engine = new RuleEngine(rules.compiled, rules.config, state, store, { now: Date.now }, logger.child({ module: 'rules' }));
  let ticking: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    ticking = engine.tick().catch((err: unknown) => logger.error({ module: 'rules', reason: (err as Error).message }, 'time-based rules could not run'));
  }, RULE_TICK_MS);
  timer.unref();
  return {
    engine,
    stop: async () => {
      clearInterval(timer);
      await ticking;
      await state.close();
    },
  };
}

export function modeOf(config: Pick<Config, 'redisUrl' | 'elasticsearchUrl'>): Mode {
  if (config.elasticsearchUrl) return 'scaled';
  return config.redisUrl ? 'redis' : 'embedded';
}

export function openStore(config: Config, logger?: Logger): Store {
  if (config.elasticsearchUrl) {
    return createElasticsearchStore({ node: config.elasticsearchUrl, indexPrefix: config.elasticsearchIndexPrefix });
  }
  const store = new ThreadedDuckdbStore({ path: join(config.dataDir, 'accesswatch.duckdb'), checkpointRows: config.checkpointRows });
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
  const rules = openRules(config);
  const store = openStore(config, logger);
  await store.init();
  if (!config.redisUrl) {
    const running = await startRuleEngine(config, rules, store, logger);
    return {
      mode,
      store,
      rules,
      engine: running.engine,
      rulesInProcess: true,
      sink: new StoreSink(store, config.maxInflightBatches, logger, running.engine),
      close: async () => {
        await running.stop();
        await store.close();
      },
    };
  }
  const queue = new IngestQueue({ redisUrl: config.redisUrl, prefix: config.queuePrefix, logger });
  if (await queue.connect()) await warnOnEviction(queue, logger);
  else logger.error({ module: 'queue' }, 'Redis is not reachable at start; posts get 503 until it is (see /readyz)');
  const running = options.runWorker ? await startRuleEngine(config, rules, store, logger) : undefined;
  if (running) {
    const log = logger.child({ module: 'worker' });
    await queue.startWorker((batch) => processQueuedBatch(batch, store, { logger: log, detector: running.engine }), config.workerConcurrency);
  }
  return {
    mode,
    store,
    queue,
    rules,
    ...(running ? { engine: running.engine } : {}),
    rulesInProcess: false,
    sink: new QueueSink(queue, store, config.maxQueuedBatches, logger),
    close: async () => {
      await queue.close();
      await running?.stop();
      await store.close();
    },
  };
}
