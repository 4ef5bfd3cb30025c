import { describe, it, expect } from 'vitest';
import { BodyFormatError, parseAccessEvents } from './index.js';

const parse = (body: string) => parseAccessEvents('application/json', body);

const first = {
  id: 'evt-1', occurredAt: '2025-03-14T09:42:18Z', organisation: 'RX1',
  user: { id: '555021935107', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view',
};
const second = { ...first, id: 'evt-2', patient: { nhsNumber: '9434765870' } };

describe('application/json', () => {
  it('reads an array of events, one record per element in order', () => {
    expect(parse(JSON.stringify([first, second]))).toEqual([
      { index: 0, value: first },
      { index: 1, value: second },
    ]);
  });

  it('reads {"events": [...]}', () => {
    expect(parse(JSON.stringify({ events: [first, second], batchNote: 'nightly' }))).toEqual([
      { index: 0, value: first },
      { index: 1, value: second },
    ]);
  });

  it('reads an empty array as no records', () => {
    expect(parse('[]')).toEqual([]);
  });

  it('keeps the other records when an element is not an object', () => {
    const records = parse(JSON.stringify([first, 'evt-2', null, [second], second]));
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3, 4]);
    expect(records[0].value).toEqual(first);
    expect(records[1]).toEqual({ index: 1, errors: ['record is not a JSON object (got a string)'] });
    expect(records[2].errors).toEqual(['record is not a JSON object (got null)']);
    expect(records[3].errors).toEqual(['record is not a JSON object (got an array)']);
    expect(records[4].value).toEqual(second);
  });

  it('rejects a body that is not JSON, quoting the syntax error', () => {
    expect(() => parse('[{"id": "evt-1",}]')).toThrow(BodyFormatError);
    expect(() => parse('[{"id": "evt-1",}]')).toThrow(/^body is not valid JSON \(.+\)/);
    expect(() => parse('')).toThrow(/^body is not valid JSON/);
  });

  it('rejects a single event that is not wrapped in an array', () => {
    expect(() => parse(JSON.stringify(first))).toThrow(
      'body is a single object: expected an array of events or {"events": [...]} (wrap a single event in an array)',
    );
  });

  it('rejects bodies of other shapes', () => {
    expect(() => parse('"evt-1"')).toThrow('body is a string: expected an array of events or {"events": [...]}');
    expect(() => parse('{"events": {"id": "evt-1"}}')).toThrow('events: expected an array of events, got an object');
  });

  it('points a FHIR resource posted as plain JSON at the FHIR media type', () => {
    expect(() => parse('{"resourceType": "AuditEvent"}')).toThrow(
      'body is a FHIR AuditEvent: post FHIR resources with Content-Type application/fhir+json',
    );
  });
});
