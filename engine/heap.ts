/**
 * V8's young generation, where a batch's short-lived objects live (its parsed events, their JSON
 * texts and columns). Node's default (16 MB semi-spaces) fills several times while a batch is in
 * flight, so objects still in use are copied again and again and then moved to the old
 * generation, which has to be marked and compacted later. With 64 MB the ingest benchmark uses
 * about 8% less CPU and is about 10% faster for about 100 MiB more memory (BENCHMARKS.md).
 * The process takes it as a node flag (bin/accesswatch.js, the npm scripts, the Dockerfile);
 * the store's thread as its resource limit (a young generation is three semi-spaces).
 */
export const SEMI_SPACE_MB = 64;

/** The node flags accesswatch runs with (bench/serverProcess.ts starts the server with them). */
export const NODE_HEAP_FLAGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/** Resource limits of accesswatch's worker threads. */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 3 * SEMI_SPACE_MB };
