import { readFileSync } from 'node:fs';
import type { estypes } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../events/accessEvent.js';
import type { EventQuery } from '../port.js';
import type { EventDocument } from './eventDocument.js';
import { InvalidCursorError, encodeCursor } from '../cursor.js';
import {
  MAX_PAGE_SIZE,
  cursorAfter,
  eventCountRequest,
  eventPageFrom,
  eventSearchRequest,
  existingIdsFrom,
  existingIdsSearchRequest,
  searchAfterFrom,
} from './eventQuery.js';
import { indexNamesFor } from './indexNames.js';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

const events = fixture<StoredEvent[]>('stored-events.json');
const names = indexNamesFor('accesswatch');
const everyIndex = { index: 'accesswatch-events-*', ignore_unavailable: true, allow_no_indices: true };

describe('search for a page of events', () => {
  it('filters on the caller organisations only, newest first, asking for one more than the page', () => {
    expect(eventSearchRequest(names, { organisations: ['B82005', 'B82006'], limit: 50 })).toEqual({
      ...everyIndex,
      size: 51,
      track_total_hits: false,
      query: { bool: { filter: [{ terms: { organisation: ['B82005', 'B82006'] } }] } },
      sort: [{ occurredAt: { order: 'desc' } }, { docId: { order: 'desc' } }],
    });
  });

  it('adds an exact filter for each criterion given, and a half-open range on occurredAt', () => {
    const query: EventQuery = {
      organisations: ['B82005'],
      nhsNumber: '9434765919',
      userId: 'u-1041',
      organisation: 'B82005',
      system: 'emis-web',
      from: '2024-03-01T00:00:00Z',
      to: '2024-04-01T00:00:00Z',
      limit: 20,
    };
    expect(eventSearchRequest(names, query).query).toEqual({
      bool: {
        filter: [
          { terms: { organisation: ['B82005'] } },
          { term: { 'patient.nhsNumber': '9434765919' } },
          { term: { 'user.id': 'u-1041' } },
          { term: { organisation: 'B82005' } },
          { term: { system: 'emis-web' } },
          { range: { occurredAt: { gte: '2024-03-01T00:00:00Z', lt: '2024-04-01T00:00:00Z' } } },
        ],
      },
    });
    expect(eventSearchRequest(names, { organisations: ['B82005'], to: '2024-04-01T00:00:00Z', limit: 1 }).query).toEqual({
      bool: { filter: [{ terms: { organisation: ['B82005'] } }, { range: { occurredAt: { lt: '2024-04-01T00:00:00Z' } } }] },
    });
  });

  it('continues after the position a cursor stands for', () => {
    const cursor = cursorAfter([1710248531000, events[2].docId]);
    const request = eventSearchRequest(names, { organisations: ['B82005'], limit: 2, cursor });
    expect(request.search_after).toEqual([1710248531000, events[2].docId]);
  });

  it.each([0, -1, 2.5, MAX_PAGE_SIZE + 1])('refuses a page size of %s', (limit) => {
    expect(() => eventSearchRequest(names, { organisations: ['B82005'], limit })).toThrow(RangeError);
  });
});

describe('cursors', () => {
  it('round-trip the sort values of the last event as URL-safe text', () => {
    const position: [number, string] = [1710248531000, '-1BL8Hqisgc2ftVx7DnRNOd8WYDI8QEr9o_CWOzypbA'];
    const cursor = cursorAfter(position);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(searchAfterFrom(cursor)).toEqual(position);
  });

  it('use the store-wide cursor format, so every store reads the same kind of cursor', () => {
    expect(cursorAfter([1710248531000, 'abc'])).toBe(encodeCursor({ micros: 1710248531000000n, docId: 'abc' }));
  });

  it.each([
    ['text that is no cursor', 'bm90IGpzb24'],
    ['an empty cursor', ''],
    ['a position finer than Elasticsearch keeps', encodeCursor({ micros: 1710248531000001n, docId: 'abc' })],
  ])('refuses %s with the error the API answers 400 for', (_, cursor) => {
    expect(() => searchAfterFrom(cursor)).toThrow(InvalidCursorError);
  });

  it('refuses to make a cursor from sort values it does not recognise', () => {
    expect(() => cursorAfter(['2024-03-12T13:02:11Z', 'abc'])).toThrow(/unexpected sort values/);
  });
});

describe('a page from a search response', () => {
  const page = eventPageFrom(fixture<estypes.SearchResponse<EventDocument>>('search-response-events-page.json'), 2);

  it('returns the stored events as written, at most the page size', () => {
    expect(page.events).toEqual([events[2], events[1]]);
  });

  it('gives a cursor at the last event returned when the extra event came back', () => {
    const hits = fixture<estypes.SearchResponse>('search-response-events-page.json').hits.hits;
    expect(page.nextCursor).toBeDefined();
    expect(searchAfterFrom(page.nextCursor ?? '')).toEqual(hits[1].sort);
  });

  it('gives no cursor on the last page, and keeps original documents', () => {
    const last = eventPageFrom(fixture<estypes.SearchResponse<EventDocument>>('search-response-last-page.json'), 2);
    expect(last).toEqual({ events: [events[5]] });
    expect(last.events[0].original).toMatchObject({ resourceType: 'AuditEvent' });
  });

  it('is empty when there are no events indices yet', () => {
    expect(eventPageFrom(fixture<estypes.SearchResponse<EventDocument>>('search-response-no-indices.json'), 10)).toEqual({
      events: [],
    });
  });
});

describe('which docIds are already stored', () => {
  it('asks for exactly those ids across every monthly index, ids only', () => {
    expect(existingIdsSearchRequest(names, ['a', 'b', 'c'])).toEqual({
      ...everyIndex,
      size: 3,
      track_total_hits: false,
      _source: false,
      query: { ids: { values: ['a', 'b', 'c'] } },
    });
  });

  it('reads the ids found', () => {
    expect(existingIdsFrom(fixture('search-response-existing-ids.json'))).toEqual(new Set([events[0].docId, events[5].docId]));
  });

  it('refuses more ids than one search can return', () => {
    expect(() => existingIdsSearchRequest(names, Array.from({ length: 10_001 }, (_, n) => String(n)))).toThrow(RangeError);
  });
});

describe('counting events', () => {
  it('counts across every monthly index and answers 0 with none', () => {
    expect(eventCountRequest(names)).toEqual(everyIndex);
  });
});
