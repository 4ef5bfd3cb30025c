import { describe, it, expect } from 'vitest';
import {
  BodyFormatError, parseAccessEvents, parseRecords, SUPPORTED_MEDIA_TYPES, UnsupportedMediaTypeError, type RecordShape,
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

describe('parseRecords for other kinds of record', () => {
  const shape: RecordShape = {
    one: 'patient', many: 'patients', title: 'patients', wrapperKey: 'patients', headerExample: 'nhsNumber,surname',
    knownFields: new Set(['nhsNumber', 'surname', 'address', 'flags']), listFields: new Set(['flags']),
  };

  it('reads the shape\'s wrapper key and names its records in messages', () => {
    expect(parseRecords('application/json', '{"patients": [{"surname": "Smith"}]}', shape)).toEqual([{ index: 0, value: { surname: 'Smith' } }]);
    expect(() => parseRecords('application/json', '{"events": []}', shape)).toThrow(
      'body is a single object: expected an array of patients or {"patients": [...]} (wrap a single patient in an array)',
    );
    expect(() => parseRecords('application/json', '{"resourceType": "Patient"}', shape)).toThrow(
      'body is a FHIR Patient: patients are taken as plain JSON, NDJSON or CSV, not FHIR',
    );
  });

  it('splits list cells on semicolons, and only in list columns', () => {
    const body = 'nhsNumber,surname,flags,address.line1\n9434765919,Smith; Jones,vip; restricted;,1 High St; Flat 2\n9434765870,Brown,,x';
    expect(parseRecords('text/csv', body, shape)).toEqual([
      { index: 0, value: { nhsNumber: '9434765919', surname: 'Smith; Jones', flags: ['vip', 'restricted'], address: { line1: '1 High St; Flat 2' } } },
      { index: 1, value: { nhsNumber: '9434765870', surname: 'Brown', address: { line1: 'x' } } },
    ]);
    expect(() => parseRecords('text/csv', 'id,action\ne1,view', shape)).toThrow(/^CSV header row names none of the patient fields \(nhsNumber, surname, address, flags\)/);
  });

  it('refuses FHIR, which carries access events only, naming the types it takes', () => {
    expect(() => parseRecords('application/fhir+json', '{}', shape)).toThrow(UnsupportedMediaTypeError);
    expect(() => parseRecords('application/fhir+json', '{}', shape)).toThrow(
      'Content-Type application/fhir+json is not supported: post patients as application/json, application/x-ndjson, text/csv',
    );
    expect(parseRecords('application/ndjson', '{"surname": "Smith"}', shape)).toEqual([{ index: 0, value: { surname: 'Smith' } }]);
  });
});
