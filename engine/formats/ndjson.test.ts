import { describe, it, expect } from 'vitest';
import { parseAccessEvents } from './index.js';

const parse = (body: string) => parseAccessEvents('application/x-ndjson', body);

const event = (id: string) => ({ id, action: 'view', patient: { nhsNumber: '9434765919' } });

describe('application/x-ndjson', () => {
  it('reads one event per line', () => {
    const body = [event('a'), event('b'), event('c')].map((e) => JSON.stringify(e)).join('\n');
    expect(parse(body)).toEqual([
      { index: 0, value: event('a') },
      { index: 1, value: event('b') },
      { index: 2, value: event('c') },
    ]);
  });

  it('ignores blank lines, which do not count towards indexes', () => {
    const body = `\n${JSON.stringify(event('a'))}\n   \n\n${JSON.stringify(event('b'))}\n\n`;
    expect(parse(body)).toEqual([
      { index: 0, value: event('a') },
      { index: 1, value: event('b') },
    ]);
  });

  it('accepts Windows line endings', () => {
    expect(parse(`${JSON.stringify(event('a'))}\r\n${JSON.stringify(event('b'))}\r\n`)).toEqual([
      { index: 0, value: event('a') },
      { index: 1, value: event('b') },
    ]);
  });

  it('keeps a bad line apart, naming its line, and keeps the rest', () => {
    const body = [JSON.stringify(event('a')), '', '{"id": "b", "action": view}', JSON.stringify(event('c'))].join('\n');
    const records = parse(body);
    expect(records).toHaveLength(3);
    expect(records[0]).toEqual({ index: 0, value: event('a') });
    expect(records[1].index).toBe(1);
    expect(records[1].value).toBeUndefined();
    expect(records[1].errors).toHaveLength(1);
    expect(records[1].errors?.[0]).toMatch(/^line 3: not valid JSON \(.+\)$/);
    expect(records[2]).toEqual({ index: 2, value: event('c') });
  });

  it('reports a line that is JSON but not an object', () => {
    const records = parse(`${JSON.stringify(event('a'))}\n[1, 2]\n"evt"`);
    expect(records[1]).toEqual({ index: 1, errors: ['line 2: not a JSON object (got an array)'] });
    expect(records[2]).toEqual({ index: 2, errors: ['line 3: not a JSON object (got a string)'] });
  });

  it('reads an empty body as no records', () => {
    expect(parse('')).toEqual([]);
    expect(parse('\n\n')).toEqual([]);
  });
});
