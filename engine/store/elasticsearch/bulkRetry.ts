import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@elastic/elasticsearch';
import type { Logger } from 'pino';
import type { BulkOperations } from './bulkRequest.js';
import { describeFailures, readBulkResponse, type ItemFailure } from './bulkResponse.js';

/**
 * Sending a `_bulk` request until every item has an answer: items rejected because the cluster
 * is busy (429) are sent again, alone, after an exponential pause with jitter; a whole request
 * rejected with 429 or lost to a connection error is sent again too. Whatever still fails is
 * thrown, so the caller's job fails and is retried; nothing is dropped silently.
 */

/** How hard to try before giving up on a bulk write. */
export interface RetryOptions {
  /** Attempts in all, the first included (default 6). */
  attempts?: number;
  /** Pause ceiling after the first attempt; it doubles each time (default 200 ms). */
  initialDelayMs?: number;
  /** Largest pause between attempts (default 10 s). */
  maxDelayMs?: number;
}

export type RetryPolicy = Required<RetryOptions>;

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, initialDelayMs: 200, maxDelayMs: 10_000 };

/** The retry policy with defaults filled in; throws on values that make no sense. */
export function retryPolicyFrom(options: RetryOptions = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY, ...options };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new Error(`retry.attempts must be a whole number of at least 1, got ${policy.attempts}`);
  }
  if (!(policy.initialDelayMs >= 0) || !(policy.maxDelayMs >= policy.initialDelayMs)) {
    throw new Error('retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  }
  return policy;
}

/**
 * The pause after `attemptsSoFar` failed attempts: a ceiling that doubles each time (capped at
 * `maxDelayMs`), of which a random second half is added, so many workers do not retry in step.
 */
export function backoffDelay(attemptsSoFar: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** (attemptsSoFar - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

interface TransportErrorLike {
  name?: unknown;
  message?: unknown;
  meta?: { statusCode?: unknown; body?: unknown };
}

/** Status of a whole-request error from the client (`ResponseError`), if it has one. */
export function requestErrorStatus(error: unknown): number | undefined {
  const status = (error as TransportErrorLike | undefined)?.meta?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

/** Whether a whole bulk request is worth sending again: overload, or the node unreachable. */
export function isRetryableRequestError(error: unknown): boolean {
  const name = (error as TransportErrorLike | undefined)?.name;
  if (name === 'ConnectionError' || name === 'TimeoutError' || name === 'NoLivingConnectionsError') return true;
  const status = requestErrorStatus(error);
  return status === 429 || status === 502 || status === 503 || status === 504;
}

/** A whole-request error in one line: status, Elasticsearch's error type and reason when known. */
export function describeRequestError(error: unknown): string {
  const { name, message, meta } = (error ?? {}) as TransportErrorLike;
  const body = meta?.body as { error?: { type?: string; reason?: string } } | undefined;
  const status = requestErrorStatus(error);
  if (status !== undefined && body?.error?.type) {
    return `${status} ${body.error.type}: ${body.error.reason ?? 'no reason given'}`;
  }
  return `${typeof name === 'string' ? name : 'Error'}: ${typeof message === 'string' ? message : String(error)}`;
}

/** Thrown when a bulk write could not store every item; says how many and why. */
export class BulkWriteError extends Error {
  constructor(
    message: string,
    /** How many items were not stored. */
    readonly notStored: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'BulkWriteError';
  }
}

/** What a bulk write achieved once every item had a final answer. */
export interface BulkResult<T> {
  written: T[];
  duplicates: T[];
  /** Items refused for their content (400 mapping or parsing errors). */
  refused: ItemFailure<T>[];
}

/** Where bulk writes go and how hard to try. */
export interface BulkSender {
  client: Client;
  retry: RetryPolicy;
  logger?: Pick<Logger, 'warn'>;
}

/**
 * Sends `items` with `_bulk` (`refresh: false`), resending only the items rejected as busy, and
 * returns once each item is written, a duplicate or refused for its content. Throws a
 * {@link BulkWriteError} for any other failure, or when retries run out.
 * `what` names the items in messages ("events").
 */
export async function sendInBulk<T>(
  sender: BulkSender,
  items: T[],
  operationsFor: (items: T[]) => BulkOperations,
  what: string,
  /** `wait_for`: answer once the writes are visible to searches (reference data, read back at once). */
  refresh: false | 'wait_for' = false,
): Promise<BulkResult<T>> {
  const result: BulkResult<T> = { written: [], duplicates: [], refused: [] };
  const { attempts } = sender.retry;
  let pending = items;
  for (let attempt = 1; pending.length > 0; attempt++) {
    const triesSoFar = attempt === 1 ? '' : ` after ${attempt} attempts`;
    let response;
    try {
      // maxRetries 0: this loop is the one retry policy for bulk writes (the client would
      // otherwise retry connection errors itself, with its own pauses, inside each attempt).
      response = await sender.client.bulk({ operations: operationsFor(pending), refresh }, { maxRetries: 0 });
    } catch (error) {
      if (!isRetryableRequestError(error) || attempt >= attempts) {
        throw new BulkWriteError(
          `Elasticsearch did not store ${pending.length} of ${items.length} ${what}${triesSoFar}: the bulk request failed: ${describeRequestError(error)}`,
          pending.length,
          { cause: error },
        );
      }
      sender.logger?.warn(
        { module: 'elasticsearch-store', attempt, items: pending.length, reason: describeRequestError(error) },
        `Elasticsearch bulk request for ${what} failed; sending it again`,
      );
      await sleep(backoffDelay(attempt, sender.retry));
      continue;
    }

    const outcome = readBulkResponse(pending, response);
    result.written.push(...outcome.written);
    result.duplicates.push(...outcome.duplicates);
    result.refused.push(...outcome.refused);

    const giveUp = outcome.failed.length > 0 || (outcome.retry.length > 0 && attempt >= attempts);
    if (giveUp) {
      const notStored = [...outcome.failed, ...outcome.retry];
      throw new BulkWriteError(
        `Elasticsearch did not store ${notStored.length} of ${items.length} ${what}${triesSoFar}: ${describeFailures(notStored)}`,
        notStored.length,
      );
    }
    pending = outcome.retry.map((failure) => failure.item);
    if (pending.length > 0) {
      sender.logger?.warn(
        { module: 'elasticsearch-store', attempt, items: pending.length, reason: describeFailures(outcome.retry) },
        `Elasticsearch rejected some ${what} as busy; sending those again`,
      );
      await sleep(backoffDelay(attempt, sender.retry));
    }
  }
  return result;
}
