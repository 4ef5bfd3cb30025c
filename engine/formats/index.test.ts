import { describe, it, expect } from 'vitest';
import {
  BodyFormatError, parseAccessEvents, SUPPORTED_MEDIA_TYPES, UnsupportedMediaTypeError,
} from './index.js';

const event = { id: 'e1', action: 'view' };

describe('parseAccessEvents media types', () => {
  it('ignores parameters and case in the Content-Type', () => {
    const records = parseAccessEvents('Application/JSON; charset=UTF-8', JSON.stringify([event]));
    expect(records).toEqual([{ index: 0, value: event }]);
  });

  it('accepts application/ndjson as an alias of application/x-ndjson', () => {
    const body = `${JSON.stringify(event)}\n`;
    expect(parseAccessEvents('application/ndjson', body)).toEqual(parseAccessEvents('application/x-ndjson', body));
    expect(parseAccessEvents('application/ndjson', body)).toEqual([{ index: 0, value: event }]);
  });

  it('reads every supported type', () => {
    expect(SUPPORTED_MEDIA_TYPES).toEqual(['application/json', 'application/x-ndjson', 'application/fhir+json', 'text/csv']);
    expect(parseAccessEvents('text/csv; header=present', 'id,action\ne1,view\n')).toEqual([{ index: 0, value: event }]);
  });

  it('rejects other media types with a message listing the supported ones', () => {
    for (const contentType of ['application/xml', 'text/plain', undefined, '', 'constructor']) {
      expect(() => parseAccessEvents(contentType, '[]')).toThrow(UnsupportedMediaTypeError);
    }
    expect(() => parseAccessEvents('application/xml', '<a/>')).toThrow(
      'Content-Type application/xml is not supported: post access events as application/json, application/x-ndjson, application/fhir+json, text/csv',
    );
    expect(() => parseAccessEvents(undefined, '[]')).toThrow(/^no Content-Type is not supported/);
  });

  it('skips a UTF-8 byte order mark', () => {
    expect(parseAccessEvents('application/json', `\uFEFF${JSON.stringify([event])}`)).toEqual([{ index: 0, value: event }]);
    expect(parseAccessEvents('text/csv', '\uFEFFid,action\ne1,view')).toEqual([{ index: 0, value: event }]);
  });

  it('throws errors an API can tell apart by class', () => {
    const error = (() => {
      try {
        parseAccessEvents('application/json', '{');
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(BodyFormatError);
    expect(error).not.toBeInstanceOf(UnsupportedMediaTypeError);
    expect((error as Error).name).toBe('BodyFormatError');
  });
});
