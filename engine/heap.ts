/**
 * V8's young generation, where a batch's short-lived objects live (its parsed events, their JSON
 * texts and columns, and the rules' keys and members). Node's default (16 MB semi-spaces) fills
 * several times while a batch is in flight, so objects still in use are copied again and again
 * and then moved to the old generation, which has to be marked and compacted later. With 64 MB
 * the ingest benchmark used about 8% less CPU and was about 10% faster for about 100 MiB more
 * memory; with 128 MB on the main thread, the ICS benchmark with every rule on is about a fifth
 * faster again (five alternating rounds) and ingest alone the same or a little faster, for
 * 100–240 MiB more (BENCHMARKS.md). The process takes it as a node flag (bin/accesswatch.js, the
 * npm scripts, the Dockerfile).
 */
export const SEMI_SPACE_MB = 128;

/** The node flags accesswatch runs with (bench/serverProcess.ts starts the server with them). */
export const NODE_HEAP_FLAGS = [`--max-semi-space-size=${SEMI_SPACE_MB}`];

/**
 * The store's thread, as its resource limit (a young generation is three semi-spaces): 64 MB
 * semi-spaces, measured with the ingest benchmark; 128 was tried on the main thread only.
 */
export const WORKER_SEMI_SPACE_MB = 64;

/** Resource limits of accesswatch's worker threads. */
export const WORKER_RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 3 * WORKER_SEMI_SPACE_MB };
