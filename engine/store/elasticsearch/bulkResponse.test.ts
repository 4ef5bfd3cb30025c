import { readFileSync } from 'node:fs';
import { errors, type estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../events/accessEvent.js';
import { describeErrorCause, describeFailures, readBulkResponse } from './bulkResponse.js';
import { DEFAULT_RETRY, backoffDelay, isRetryableRequestError, retryPolicyFrom } from './bulkRetry.js';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

const events = fixture<StoredEvent[]>('stored-events.json');
const ids = events.map((event) => event.docId);
const [created, duplicate, busy, strict, unparsable, february] = ids;

function answeredIds(response: estypes.BulkResponse): (string | null | undefined)[] {
  return response.items.map((item) => Object.values(item)[0]?._id);
}

describe('bulk response fixtures', () => {
  it.each([
    'bulk-response-mixed.json',
    'bulk-response-all-created.json',
    'bulk-response-index-blocked.json',
  ])('%s answers the sample events in order', (name) => {
    expect(answeredIds(fixture(name))).toEqual(ids);
  });
});

describe('reading a bulk response item by item', () => {
  const outcome = readBulkResponse(ids, fixture<estypes.BulkResponse>('bulk-response-mixed.json'));

  it('counts 201 created as written, in either monthly index', () => {
    expect(outcome.written).toEqual([created, february]);
  });

  it('counts 409 version_conflict_engine_exception on create as a duplicate, not an error', () => {
    expect(outcome.duplicates).toEqual([duplicate]);
    expect(outcome.failed).toEqual([]);
  });

  it('sends 429 es_rejected_execution_exception items again', () => {
    expect(outcome.retry).toHaveLength(1);
    expect(outcome.retry[0]).toMatchObject({ item: busy, status: 429, errorType: 'es_rejected_execution_exception' });
    expect(outcome.retry[0].reason).toMatch(/^rejected execution of processing of .*es01\/write, queue capacity = 10000/);
  });

  it('refuses strict mapping and parsing errors for their content, with Elasticsearch reason and causes', () => {
    expect(outcome.refused).toEqual([
      {
        item: strict,
        status: 400,
        errorType: 'strict_dynamic_mapping_exception',
        reason: '[1:367] mapping set to strict, dynamic introduction of [consentDirective] within [_doc] is not allowed',
      },
      {
        item: unparsable,
        status: 400,
        errorType: 'document_parsing_exception',
        reason:
          `[1:206] failed to parse field [user.team] of type [keyword] in document with id '${unparsable}'. ` +
          "Preview of field's value: '{code=T1}' (caused by illegal_state_exception: Can't get text on a START_OBJECT at 1:198)",
      },
    ]);
  });

  it('treats a blocked index as a failure that must not be retried or quarantined', () => {
    const blocked = readBulkResponse(ids, fixture<estypes.BulkResponse>('bulk-response-index-blocked.json'));
    expect(blocked.failed.map((failure) => failure.item)).toEqual([created, duplicate, strict, unparsable]);
    expect(blocked.refused).toEqual([]);
    expect(blocked.written).toEqual([february]);
    expect(describeFailures([...blocked.failed, ...blocked.retry])).toMatch(
      /^4 × cluster_block_exception \[403\]: index \[accesswatch-events-2024\.03\.01\] blocked by: \[FORBIDDEN\/8\/index write \(api\)\];; 1 × es_rejected_execution_exception \[429\]: rejected execution/,
    );
  });

  it('throws when the response does not answer every item sent', () => {
    const response = fixture<estypes.BulkResponse>('bulk-response-resend-created.json');
    expect(() => readBulkResponse(ids, response)).toThrow(/answered 1 bulk items for 6 sent/);
  });

  it('counts a 200 from an index action as written', () => {
    const response = fixture<estypes.BulkResponse>('bulk-response-quarantine-indexed.json');
    const first = Object.values(response.items[0])[0];
    if (first) first.status = 200;
    expect(readBulkResponse(['a', 'b'], response).written).toEqual(['a', 'b']);
  });
});

describe('error causes', () => {
  it('follows caused_by a few levels and says when there is no reason', () => {
    expect(
      describeErrorCause({
        type: 'document_parsing_exception',
        reason: "[1:48] failed to parse field [occurredAt] of type [date] in document with id 'x'. Preview of field's value: 'soon'",
        caused_by: {
          type: 'illegal_argument_exception',
          reason: 'failed to parse date field [soon] with format [strict_date_optional_time||epoch_millis]',
          caused_by: { type: 'date_time_parse_exception', reason: 'Failed to parse with all enclosed parsers' },
        },
      }),
    ).toBe(
      "[1:48] failed to parse field [occurredAt] of type [date] in document with id 'x'. Preview of field's value: 'soon'" +
        ' (caused by illegal_argument_exception: failed to parse date field [soon] with format [strict_date_optional_time||epoch_millis])' +
        ' (caused by date_time_parse_exception: Failed to parse with all enclosed parsers)',
    );
    expect(describeErrorCause(undefined)).toBe('no reason given');
  });
});

describe('retry policy', () => {
  const policy = retryPolicyFrom({ attempts: 5, initialDelayMs: 100, maxDelayMs: 1_000 });

  it('doubles the pause ceiling each attempt, up to the maximum, with jitter in its upper half', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect([1, 2, 3, 4, 5].map((attempt) => backoffDelay(attempt, policy, () => 0))).toEqual([50, 100, 200, 400, 500]);
  });

  it('fills in defaults and refuses nonsense', () => {
    expect(retryPolicyFrom()).toEqual(DEFAULT_RETRY);
    expect(() => retryPolicyFrom({ attempts: 0 })).toThrow(/attempts/);
    expect(() => retryPolicyFrom({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow(/delays/);
  });

  it('retries whole requests lost to the connection, and only those among plain errors', () => {
    expect(isRetryableRequestError(new errors.ConnectionError('connect ECONNREFUSED 127.0.0.1:9200'))).toBe(true);
    expect(isRetryableRequestError(new errors.TimeoutError('Request timed out'))).toBe(true);
    expect(isRetryableRequestError(new errors.NoLivingConnectionsError('There are no living connections', {} as never))).toBe(true);
    expect(isRetryableRequestError(new Error('something else'))).toBe(false);
  });
});
