import { resolve } from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { oidcSettingsOf, type OidcSettings } from './auth/oidcClaims.js';
import { checkBreachThresholds, type BreachThresholds, type GridScore } from './incidents/breachAssessment.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

/** Everything accesswatch reads from the environment, validated once at start and frozen. */
export interface Config {
  /** HTTP port (`PORT`, default 8080). */
  port: number;
  /** Interface to listen on (`HOST`, default 127.0.0.1; the container sets 0.0.0.0). */
  host: string;
  /** Folder of the embedded DuckDB file (`ACCESSWATCH_DATA_DIR`, default ./data). */
  dataDir: string;
  /** Redis for the BullMQ ingest queue (`REDIS_URL`); unset means in-process ingestion. */
  redisUrl?: string;
  /** Elasticsearch store (`ELASTICSEARCH_URL`); unset means the embedded DuckDB store. */
  elasticsearchUrl?: string;
  /** Index name prefix in Elasticsearch (`ACCESSWATCH_ES_INDEX_PREFIX`, default accesswatch). */
  elasticsearchIndexPrefix: string;
  /** Bootstrap admin bearer token (`ACCESSWATCH_ADMIN_TOKEN`); unset means no bootstrap admin. */
  adminToken?: string;
  /** Largest accepted request body in bytes (`ACCESSWATCH_BODY_LIMIT`, default 8 MiB). */
  bodyLimit: number;
  /** Most events in one request (`ACCESSWATCH_MAX_EVENTS`, default 10,000). */
  maxEventsPerRequest: number;
  /** BullMQ queue prefix (`ACCESSWATCH_QUEUE_PREFIX`, default accesswatch). */
  queuePrefix: string;
  /** Waiting batches above which posts get 429 (`ACCESSWATCH_MAX_QUEUED_BATCHES`, default 5,000). */
  maxQueuedBatches: number;
  /** Batches written at once by one process (`ACCESSWATCH_MAX_INFLIGHT_BATCHES`, default 16); more gets 429. */
  maxInflightBatches: number;
  /** Jobs a worker runs at once (`ACCESSWATCH_WORKER_CONCURRENCY`, default 4). */
  workerConcurrency: number;
  /** Events the embedded store writes between checkpoints into its file (`ACCESSWATCH_CHECKPOINT_ROWS`, default 200,000). */
  checkpointRows: number;
  /** Days either side of a care relationship's dates that still explain an access (`ACCESSWATCH_EXPLAIN_MARGIN_DAYS`, default 30). */
  explainMarginDays: number;
  /** Folder of rule files (`ACCESSWATCH_RULES_DIR`, default the shipped `rules/`). */
  rulesDir?: string;
  /** YAML file of rule settings and per-rule overrides (`ACCESSWATCH_RULES_CONFIG`, optional; see rules/README.md). */
  rulesConfigPath?: string;
  /** Sign-in with an identity provider's JWTs (`ACCESSWATCH_OIDC_*`, see the README); unset means local tokens only. */
  oidc?: OidcSettings;
  /** Where the DSPT breach grid turns (`ACCESSWATCH_ICO_MIN_LIKELIHOOD` 3, `ACCESSWATCH_ICO_MIN_SEVERITY` 2, `ACCESSWATCH_HIGH_RISK_MIN_LIKELIHOOD` 4, `ACCESSWATCH_HIGH_RISK_MIN_SEVERITY` 4). */
  breachThresholds: BreachThresholds;
  /** pino level (`LOG_LEVEL`, default info). */
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

const envSchema = {
  type: 'object',
  properties: {
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 8080 },
    HOST: { type: 'string', minLength: 1, default: '127.0.0.1' },
    ACCESSWATCH_DATA_DIR: { type: 'string', minLength: 1, default: './data' },
    REDIS_URL: { type: 'string', pattern: '^rediss?://' },
    ELASTICSEARCH_URL: { type: 'string', format: 'uri', pattern: '^https?://' },
    ACCESSWATCH_ES_INDEX_PREFIX: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]*$', default: 'accesswatch' },
    ACCESSWATCH_ADMIN_TOKEN: { type: 'string', minLength: 16 },
    ACCESSWATCH_BODY_LIMIT: { type: 'integer', minimum: 1024, default: 8 * 1024 * 1024 },
    ACCESSWATCH_MAX_EVENTS: { type: 'integer', minimum: 1, default: 10_000 },
    ACCESSWATCH_QUEUE_PREFIX: { type: 'string', minLength: 1, default: 'accesswatch' },
    ACCESSWATCH_MAX_QUEUED_BATCHES: { type: 'integer', minimum: 1, default: 5000 },
    ACCESSWATCH_MAX_INFLIGHT_BATCHES: { type: 'integer', minimum: 1, default: 16 },
    ACCESSWATCH_WORKER_CONCURRENCY: { type: 'integer', minimum: 1, maximum: 64, default: 4 },
    ACCESSWATCH_EXPLAIN_MARGIN_DAYS: { type: 'integer', minimum: 0, maximum: 3650, default: 30 },
    ACCESSWATCH_CHECKPOINT_ROWS: { type: 'integer', minimum: 1000, default: 200_000 },
    ACCESSWATCH_RULES_DIR: { type: 'string', minLength: 1 },
    ACCESSWATCH_RULES_CONFIG: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_ISSUER: { type: 'string', format: 'uri', pattern: '^https?://' },
    ACCESSWATCH_OIDC_AUDIENCE: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_JWKS_URL: { type: 'string', format: 'uri', pattern: '^https?://' },
    ACCESSWATCH_OIDC_ID_CLAIM: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_NAME_CLAIM: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_ROLE_CLAIM: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_ORGANISATIONS_CLAIM: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_ROLE_MAP: { type: 'string', minLength: 2 },
    ACCESSWATCH_OIDC_CLIENT_ID: { type: 'string', minLength: 1 },
    ACCESSWATCH_OIDC_AUTHORIZATION_URL: { type: 'string', format: 'uri', pattern: '^https?://' },
    ACCESSWATCH_OIDC_TOKEN_URL: { type: 'string', format: 'uri', pattern: '^https?://' },
    ACCESSWATCH_OIDC_SCOPE: { type: 'string', minLength: 1 },
    ACCESSWATCH_ICO_MIN_LIKELIHOOD: { type: 'integer', minimum: 1, maximum: 5, default: 3 },
    ACCESSWATCH_ICO_MIN_SEVERITY: { type: 'integer', minimum: 1, maximum: 5, default: 2 },
    ACCESSWATCH_HIGH_RISK_MIN_LIKELIHOOD: { type: 'integer', minimum: 1, maximum: 5, default: 4 },
    ACCESSWATCH_HIGH_RISK_MIN_SEVERITY: { type: 'integer', minimum: 1, maximum: 5, default: 4 },
    LOG_LEVEL: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], default: 'info' },
  },
} as const;

const ajv = new Ajv({ coerceTypes: true, useDefaults: true, allErrors: true });
addFormats(ajv);
const validateEnv = ajv.compile(envSchema);

export class ConfigError extends Error {}

/** Reads and validates the environment; throws a ConfigError naming every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const known = Object.fromEntries(
    Object.keys(envSchema.properties).filter((name) => env[name] !== undefined && env[name] !== '').map((name) => [name, env[name]]),
  );
  if (!validateEnv(known)) {
    const problems = (validateEnv.errors ?? []).map((e) => `${e.instancePath.slice(1) || 'environment'} ${e.message ?? 'is not valid'}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const v = known as Record<string, never>;
  let oidc: OidcSettings | undefined;
  try {
    oidc = oidcSettingsOf(v);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ${(err as Error).message}`);
  }
  const config: Config = {
    port: v.PORT,
    host: v.HOST,
    dataDir: resolve(v.ACCESSWATCH_DATA_DIR),
    redisUrl: v.REDIS_URL,
    elasticsearchUrl: v.ELASTICSEARCH_URL,
    elasticsearchIndexPrefix: v.ACCESSWATCH_ES_INDEX_PREFIX,
    adminToken: v.ACCESSWATCH_ADMIN_TOKEN,
    bodyLimit: v.ACCESSWATCH_BODY_LIMIT,
    maxEventsPerRequest: v.ACCESSWATCH_MAX_EVENTS,
    queuePrefix: v.ACCESSWATCH_QUEUE_PREFIX,
    maxQueuedBatches: v.ACCESSWATCH_MAX_QUEUED_BATCHES,
    maxInflightBatches: v.ACCESSWATCH_MAX_INFLIGHT_BATCHES,
    workerConcurrency: v.ACCESSWATCH_WORKER_CONCURRENCY,
    explainMarginDays: v.ACCESSWATCH_EXPLAIN_MARGIN_DAYS,
    checkpointRows: v.ACCESSWATCH_CHECKPOINT_ROWS,
    rulesDir: v.ACCESSWATCH_RULES_DIR === undefined ? undefined : resolve(v.ACCESSWATCH_RULES_DIR),
    rulesConfigPath: v.ACCESSWATCH_RULES_CONFIG === undefined ? undefined : resolve(v.ACCESSWATCH_RULES_CONFIG),
    oidc,
    breachThresholds: {
      icoMinLikelihood: v.ACCESSWATCH_ICO_MIN_LIKELIHOOD as GridScore, icoMinSeverity: v.ACCESSWATCH_ICO_MIN_SEVERITY as GridScore,
      highRiskMinLikelihood: v.ACCESSWATCH_HIGH_RISK_MIN_LIKELIHOOD as GridScore, highRiskMinSeverity: v.ACCESSWATCH_HIGH_RISK_MIN_SEVERITY as GridScore,
    },
    logLevel: v.LOG_LEVEL,
    ...overrides,
  };
  try {
    checkBreachThresholds(config.breachThresholds);
  } catch (err) {
    throw new ConfigError(`invalid configuration: ACCESSWATCH_HIGH_RISK_MIN_*: ${(err as Error).message}`);
  }
  return Object.freeze(config);
}
