import { describe, it, expect } from 'vitest';
import { BodyFormatError, parseAccessEvents } from './index.js';

const parse = (body: string) => parseAccessEvents('text/csv', body);

const HEADER = 'id,occurredAt,organisation,user.id,user.role,user.team,patient.nhsNumber,action,reason';

describe('text/csv', () => {
  it('builds nested objects from dotted column names', () => {
    const body = `${HEADER}\nevt-1,2025-03-14T09:42:18Z,RX1,555021935107,R8000,ward-7,9434765919,view,\n`;
    expect(parse(body)).toEqual([{
      index: 0,
      value: {
        id: 'evt-1', occurredAt: '2025-03-14T09:42:18Z', organisation: 'RX1',
        user: { id: '555021935107', role: 'R8000', team: 'ward-7' },
        patient: { nhsNumber: '9434765919' }, action: 'view',
      },
    }]);
  });

  it('reads quoted fields holding commas, quotes and newlines', () => {
    const body = [
      HEADER,
      'evt-1,2025-03-14T02:17:44Z,RX1,555021935107,R8000,"ED, majors",9000000009,emergency-access,"Unconscious, no relationship yet;',
      'patient said ""call my GP"""',
    ].join('\n');
    const [record] = parse(body);
    expect(record.errors).toBeUndefined();
    expect(record.value).toMatchObject({
      user: { id: '555021935107', role: 'R8000', team: 'ED, majors' },
      reason: 'Unconscious, no relationship yet;\npatient said "call my GP"',
    });
  });

  it('omits empty cells rather than keeping empty strings, and trims whitespace', () => {
    const body = `${HEADER}\n evt-1 , 2025-03-14T09:42:18Z ,RX1,555021935107, R8000 ,,9434765919,view,"  "\n`;
    const [record] = parse(body);
    expect(record.value).toEqual({
      id: 'evt-1', occurredAt: '2025-03-14T09:42:18Z', organisation: 'RX1',
      user: { id: '555021935107', role: 'R8000' }, patient: { nhsNumber: '9434765919' }, action: 'view',
    });
    expect(record.value).not.toHaveProperty('reason');
  });

  it('leaves out a nested object whose cells are all empty', () => {
    const [record] = parse('id,user.id,user.role,action\nevt-1,,,view');
    expect(record.value).toEqual({ id: 'evt-1', action: 'view' });
  });

  it('keeps unknown columns as they are, for the validator to reject', () => {
    const [record] = parse('id,action,user.id,user.grade,ward\nevt-1,view,555021935107,F2,7B');
    expect(record.value).toEqual({ id: 'evt-1', action: 'view', user: { id: '555021935107', grade: 'F2' }, ward: '7B' });
  });

  it('reports a row with the wrong number of columns, naming its line, and keeps the others', () => {
    const body = ['id,action,patient.nhsNumber', 'evt-1,view,9434765919', 'evt-2,view', 'evt-3,view,9434765870,extra', 'evt-4,search,9449306060'].join('\n');
    const records = parse(body);
    expect(records.map((record) => record.index)).toEqual([0, 1, 2, 3]);
    expect(records[0].value).toEqual({ id: 'evt-1', action: 'view', patient: { nhsNumber: '9434765919' } });
    expect(records[1]).toEqual({ index: 1, errors: ['line 3 (data row 2): expected 3 columns as in the header, found 2'] });
    expect(records[2]).toEqual({ index: 2, errors: ['line 4 (data row 3): expected 3 columns as in the header, found 4'] });
    expect(records[3].value).toEqual({ id: 'evt-4', action: 'search', patient: { nhsNumber: '9449306060' } });
  });

  it('names the line a bad row starts on when an earlier field spans lines', () => {
    const body = 'id,reason,action\nevt-1,"two\nlines",view\n\nevt-2,"also\ntwo lines"\n';
    const records = parse(body);
    expect(records[0].value).toEqual({ id: 'evt-1', reason: 'two\nlines', action: 'view' });
    expect(records[1].errors).toEqual(['line 5 (data row 2): expected 3 columns as in the header, found 2']);
  });

  it('skips blank lines and rows of empty cells, as a spreadsheet export leaves them', () => {
    const records = parse('id,action\n\nevt-1,view\n,\n , \nevt-2,view\n');
    expect(records).toEqual([
      { index: 0, value: { id: 'evt-1', action: 'view' } },
      { index: 1, value: { id: 'evt-2', action: 'view' } },
    ]);
  });

  it('reports a value under a column with no name, but tolerates unnamed empty columns', () => {
    const records = parse('id,action,\nevt-1,view,\nevt-2,view,oops');
    expect(records[0]).toEqual({ index: 0, value: { id: 'evt-1', action: 'view' } });
    expect(records[1]).toEqual({ index: 1, errors: ['line 3 (data row 2): column 3 has a value but no name in the header'] });
  });

  it('reads a header with no data rows as no records', () => {
    expect(parse(`${HEADER}\n`)).toEqual([]);
  });

  it('rejects a body without a header row', () => {
    expect(() => parse('')).toThrow(BodyFormatError);
    expect(() => parse('\n\n')).toThrow(/^CSV has no header row: the first line must name the fields, e\.g\. id,occurredAt/);
    expect(() => parse(',,,\nevt-1,view,,')).toThrow(/^CSV header row is empty/);
  });

  it('rejects a first row that is data rather than field names', () => {
    expect(() => parse('evt-1,2025-03-14T09:42:18Z,RX1,9434765919,view')).toThrow(/^CSV header row names none of the event fields/);
  });

  it('rejects header names that cannot become fields', () => {
    expect(() => parse('id,action,id\nevt-1,view,evt-2')).toThrow('header: column "id" appears more than once');
    expect(() => parse('id,user,user.id\nevt-1,x,y')).toThrow(
      'header: column "user" conflicts with "user.id" (a field cannot be both a value and an object)',
    );
    expect(() => parse('id,user..id\nevt-1,x')).toThrow('header: column 2 "user..id" has an empty part between dots');
    expect(() => parse('id,__proto__.polluted\nevt-1,yes')).toThrow('header: column 2 "__proto__.polluted" is not a field name');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects malformed quoting as a body error with csv-parse\'s reason', () => {
    expect(() => parse('id,reason\nevt-1,"never closed\n')).toThrow(/^CSV is malformed: Quote Not Closed/);
  });

  it('reads a large body, one record per row', () => {
    const rows = Array.from({ length: 1000 }, (_, i) =>
      `evt-${i},2025-03-14T09:42:18Z,RX1,555021935107,R8000,,9434765919,view,"note, ${i}"`);
    const records = parse([HEADER, ...rows].join('\r\n'));
    expect(records).toHaveLength(1000);
    expect(records[999]).toMatchObject({ index: 999, value: { id: 'evt-999', reason: 'note, 999' } });
    expect(records.every((record) => record.errors === undefined)).toBe(true);
  });
});
