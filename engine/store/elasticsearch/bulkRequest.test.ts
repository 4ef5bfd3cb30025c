import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import { describe, expect, it } from 'vitest';
import type { StoredEvent } from '../../events/accessEvent.js';
import { eventDocId } from '../../events/canonical.js';
import {
  UNROUTABLE_EVENT,
  createEventOperations,
  describeRefusal,
  quarantineOperations,
  routeEvents,
  type RefusedEvent,
} from './bulkRequest.js';
import { fromEventDocument, toEventDocument } from './eventDocument.js';
import { eventsIndexFor, indexNamesFor } from './indexNames.js';

function fixture<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as T;
}

const events = fixture<StoredEvent[]>('stored-events.json');
const names = indexNamesFor('accesswatch');

describe('monthly events index', () => {
  it.each([
    ['2024-03-11T09:15:02.120Z', 'accesswatch-events-2024.03.01'],
    ['2024-02-29T23:59:59.999Z', 'accesswatch-events-2024.02.01'],
    // Months are UTC months: the same instant always picks the same index, whatever its offset.
    ['2024-04-01T00:30:00+01:00', 'accesswatch-events-2024.03.01'],
    ['2023-12-31T23:30:00-01:00', 'accesswatch-events-2024.01.01'],
  ])('puts an event that occurred at %s in %s', (occurredAt, index) => {
    expect(eventsIndexFor(names, occurredAt)).toBe(index);
  });

  it('refuses an occurredAt that is not a date', () => {
    expect(() => eventsIndexFor(names, 'yesterday')).toThrow(RangeError);
    expect(() => eventsIndexFor(names, '+012024-03-11T09:15:02Z')).toThrow(/years 1000–9999/);
  });

  it('refuses a prefix that cannot start an index name', () => {
    expect(() => indexNamesFor('AccessWatch')).toThrow(/not usable/);
    expect(() => indexNamesFor('-aw')).toThrow(/not usable/);
    expect(() => indexNamesFor('a*')).toThrow(/not usable/);
    expect(indexNamesFor('test-0b5e4c1a-9c2d-4f7e-8a6b-1d2e3f4a5b6c').eventsPattern).toBe(
      'test-0b5e4c1a-9c2d-4f7e-8a6b-1d2e3f4a5b6c-events-*',
    );
  });
});

describe('bulk body for events', () => {
  const { toStore, refused } = routeEvents(events, names);
  const operations = createEventOperations(toStore);

  it('writes each event with a create action keyed on its docId, followed by its document', () => {
    expect(refused).toEqual([]);
    expect(operations).toHaveLength(events.length * 2);
    events.forEach((stored, position) => {
      const action = operations[position * 2];
      expect(action).toEqual({ create: { _index: eventsIndexFor(names, stored.event.occurredAt), _id: stored.docId } });
      expect(operations[position * 2 + 1]).toEqual(toEventDocument(stored));
    });
    expect(operations.filter((line) => 'index' in line)).toEqual([]);
  });

  it('keeps the docId the event identity gives, so a resent event hits the same document', () => {
    for (const stored of events) expect(stored.docId).toBe(eventDocId(stored.event.system, stored.event.id));
  });

  it('lays the event fields out at the top level with the stored metadata beside them', () => {
    const document = operations[1];
    expect(document).toEqual({
      id: 'evt-0001',
      occurredAt: '2024-03-11T09:15:02.120Z',
      system: 'emis-web',
      organisation: 'B82005',
      user: { id: 'u-1041', role: 'R8000', team: 'practice-nurses' },
      patient: { nhsNumber: '9434765919' },
      action: 'view',
      recordPart: 'summary',
      purpose: 'direct-care',
      outcome: 'success',
      workstation: 'WS-ROOM4',
      ip: '10.20.4.17',
      site: 'Riverside Surgery',
      docId: events[0].docId,
      sha256: events[0].sha256,
      receivedAt: '2024-03-12T17:00:00.000Z',
      batchId: '0f8e5a3c-5d1b-4a43-9b1e-7c2a51d0e9aa',
    });
    expect(operations[11]).toMatchObject({ original: { resourceType: 'AuditEvent' } });
  });

  it('is serialised as NDJSON lines by the client, one action line then one document line', () => {
    const body = new Client({ node: 'http://localhost:9200' }).serializer.ndserialize(operations as Record<string, unknown>[]);
    const lines = String(body).trimEnd().split('\n').map((line) => JSON.parse(line));
    expect(lines).toEqual(operations);
  });

  it('reads a stored document back as the event it was written from', () => {
    for (const stored of events) expect(fromEventDocument(toEventDocument(stored))).toEqual(stored);
  });
});

describe('events that cannot be routed', () => {
  it('are refused with the reason, not thrown, and the rest of the batch still goes', () => {
    const broken: StoredEvent = { ...events[0], docId: 'broken', event: { ...events[0].event, occurredAt: 'soon' } };
    const { toStore, refused } = routeEvents([broken, events[1]], names);
    expect(toStore.map((event) => event.stored.docId)).toEqual([events[1].docId]);
    expect(refused).toEqual([
      { stored: broken, errorType: UNROUTABLE_EVENT, reason: 'occurredAt "soon" is not a date, so the event has no monthly index' },
    ]);
  });
});

describe('bulk body for quarantine', () => {
  const refusal: RefusedEvent = {
    stored: events[3],
    index: 'accesswatch-events-2024.03.01',
    errorType: 'strict_dynamic_mapping_exception',
    reason: '[1:367] mapping set to strict, dynamic introduction of [consentDirective] within [_doc] is not allowed',
  };

  it('indexes one entry per refused event, keyed on its docId, with the reason and the document as text', () => {
    const operations = quarantineOperations([refusal], names, '2024-03-12T17:00:01.000Z');
    expect(operations).toEqual([
      { index: { _index: 'accesswatch-quarantine', _id: events[3].docId } },
      {
        docId: events[3].docId,
        index: 'accesswatch-events-2024.03.01',
        errorType: 'strict_dynamic_mapping_exception',
        reason: refusal.reason,
        document: JSON.stringify(toEventDocument(events[3])),
        system: 'emis-web',
        batchId: events[3].batchId,
        quarantinedAt: '2024-03-12T17:00:01.000Z',
      },
    ]);
    const kept = JSON.parse((operations[1] as { document: string }).document);
    expect(kept.consentDirective).toBe('implied');
  });

  it('reports the refusal to the caller as type and reason', () => {
    expect(describeRefusal(refusal)).toBe(
      'strict_dynamic_mapping_exception: [1:367] mapping set to strict, dynamic introduction of [consentDirective] within [_doc] is not allowed',
    );
  });
});
