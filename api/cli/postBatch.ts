/**
 * Posts one batch to the ingest API and waits out a busy server: 429 and 503 are retried after
 * `Retry-After`, dropped connections with backoff, a bounded number of times. A 400 that still
 * lists per-record rejections is a normal answer (no record in the batch was valid); any other
 * refusal is an error in words an operator can act on.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { FileBatch } from './fileBatches.js';
import { isConnectionFailure, refusalMessage, unreachableMessage } from './serverReplies.js';

/** The API's answer to one batch. Indexes in `rejected` count from the batch's first record. */
export interface BatchReply {
  accepted: number;
  duplicates: number;
  rejected: { index: number; id?: string; errors: string[] }[];
}

/** Where and how to post, shared by all batches of one file. */
export interface BatchDestination {
  /** Base URL the operator gave, for messages. */
  url: string;
  /** Full address of the ingest endpoint. */
  target: string;
  key: string;
  /** The system the operator expects the key to belong to; the server refuses the batch if it does not. */
  system?: string;
  contentType: string;
  /** Attempts per batch before giving up on a busy or dropped server. */
  maxAttempts: number;
  /**
   * Set once any answer has come back. Until then a refused connection means the server is not
   * running, so it fails at once instead of retrying.
   */
  reached: boolean;
}

const longestWaitMs = 60_000;

/** Posts `batch`, retrying while the server is busy, unavailable or dropped the connection. */
export async function postBatch(batch: FileBatch, destination: BatchDestination): Promise<BatchReply> {
  const { target, key, contentType, maxAttempts } = destination;
  for (let attempt = 1; ; attempt++) {
    let status: number;
    let retryAfter: string | null;
    let text: string;
    try {
      const response = await fetch(target, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`, 'content-type': contentType, accept: 'application/json',
          ...(destination.system ? { 'x-accesswatch-system': destination.system } : {}),
        },
        body: batch.body,
      });
      destination.reached = true;
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      text = await response.text();
    } catch (err) {
      if (!isConnectionFailure(err) && !(err instanceof TypeError && err.message === 'terminated')) throw err;
      if (!destination.reached) throw new Error(unreachableMessage(destination.url, err), { cause: err });
      if (attempt >= maxAttempts) {
        throw new Error(`${unreachableMessage(destination.url, err)} (gave up after ${attempt} attempts)`, { cause: err });
      }
      await sleep(backoffMs(attempt));
      continue;
    }

    if (status === 429 || status === 503) {
      if (attempt >= maxAttempts) {
        throw new Error(`${refusalMessage(status, text, 'key')} (gave up after ${attempt} attempts)`);
      }
      await sleep(waitMs(retryAfter, attempt));
      continue;
    }
    const reply = ingestReply(text);
    if (reply && (status === 400 || (status >= 200 && status < 300))) return reply;
    if (status >= 200 && status < 300) {
      throw new Error(`the server answered ${status} but not with the number of records accepted`);
    }
    const hint = status === 413 ? '; try a smaller batch size' : '';
    throw new Error(refusalMessage(status, text, 'key') + hint);
  }
}

/** Reads `{accepted, duplicates, rejected}`; undefined for anything else (such as an error body). */
function ingestReply(text: string): BatchReply | undefined {
  let body: Partial<BatchReply> | null;
  try {
    body = JSON.parse(text) as Partial<BatchReply> | null;
  } catch {
    return undefined;
  }
  if (typeof body?.accepted !== 'number') return undefined;
  return {
    accepted: body.accepted,
    duplicates: typeof body.duplicates === 'number' ? body.duplicates : 0,
    rejected: Array.isArray(body.rejected) ? body.rejected : [],
  };
}

/** `Retry-After` as seconds or an HTTP date, else backoff; never longer than a minute. */
function waitMs(retryAfter: string | null, attempt: number): number {
  if (retryAfter !== null && retryAfter.trim() !== '') {
    const seconds = Number(retryAfter);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, longestWaitMs);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.min(Math.max(at - Date.now(), 0), longestWaitMs);
  }
  return backoffMs(attempt);
}

function backoffMs(attempt: number): number {
  return Math.min(250 * 2 ** (attempt - 1), 8_000);
}
