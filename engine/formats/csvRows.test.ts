import { describe, it, expect } from 'vitest';
import { readCsvRows, readCsvWithCsvParse, readWellFormedCsv } from './csvRows.js';

const trimmed = (rows: { cells: string[]; line: number }[]) =>
  rows.map(({ cells, line }) => ({ cells: cells.map((cell) => cell.trim()), line }));

/** Well-formed bodies: the fast reader must read them exactly as csv-parse does. */
const WELL_FORMED: Record<string, string> = {
  'plain': 'id,action\nevt-1,view\nevt-2,search',
  'trailing newline': 'id,action\nevt-1,view\n',
  'CRLF line ends': 'id,action\r\nevt-1,view\r\nevt-2,search\r\n',
  'empty lines': '\n\nid,action\n\nevt-1,view\n\n\nevt-2,search\n',
  'empty cells and trailing comma': 'id,action,reason\nevt-1,,\n,view,x\n',
  'quoted commas': 'id,user.team\nevt-1,"ED, majors"\n',
  'escaped quotes': 'id,reason\nevt-1,"said ""call my GP"""\nevt-2,""""\n',
  'quoted newlines': 'id,reason,action\nevt-1,"two\nlines",view\nevt-2,"three\nlines\nhere",search\n',
  'empty quoted cell': 'id,reason,action\nevt-1,"",view\n',
  'spaces in unquoted cells': 'id , action\n evt-1 ,  view \n',
  'ragged rows': 'id,action,reason\nevt-1,view\nevt-2,view,a,b\n',
  'whitespace-only lines': '  \nid,action\n   \nevt-1,view\n\t\n',
  'a lone quoted empty cell': 'id\n""\nevt-1\n',
};

describe('reading CSV rows', () => {
  for (const [name, body] of Object.entries(WELL_FORMED)) {
    it(`reads a well-formed body (${name}) as csv-parse does, line numbers included`, () => {
      const fast = readWellFormedCsv(body);
      expect(fast).toBeDefined();
      expect(trimmed(fast ?? [])).toEqual(trimmed(readCsvWithCsvParse(body)));
    });
  }

  it('reads generated bodies with quoted commas, quotes and newlines exactly as csv-parse does', () => {
    let seed = 20250314;
    const random = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const pieces = ['evt', 'R8000', ' ', ',', '"', '\n', 'ward 7', '9434765919', ''];
    const cell = () => {
      const text = Array.from({ length: random(4) }, () => pieces[random(pieces.length)]).join('');
      return /[",\n]/.test(text) || random(3) === 0 ? `"${text.replaceAll('"', '""')}"` : text;
    };
    for (let body = 0; body < 200; body++) {
      const columns = 1 + random(5);
      const lines = Array.from({ length: 1 + random(6) }, () => Array.from({ length: columns }, cell).join(','));
      const text = lines.join(random(2) === 0 ? '\n' : '\r\n');
      const fast = readWellFormedCsv(text);
      expect(fast, text).toBeDefined();
      expect(trimmed(fast ?? []), text).toEqual(trimmed(readCsvWithCsvParse(text)));
    }
  });

  it('counts the start line of records that follow quoted newlines', () => {
    const rows = readCsvRows('id,reason\nevt-1,"a\nb\r\nc"\n\nevt-2,d\n');
    expect(rows.map((row) => row.line)).toEqual([1, 2, 6]);
    expect(rows[1].cells[1]).toBe('a\nb\r\nc');
  });

  it('hands irregular bodies to csv-parse', () => {
    for (const body of ['id,name\nevt-1,O"Brien\n', 'id,reason\nevt-1, "quoted" \n', 'id,action\revt-1,view\r']) {
      expect(readWellFormedCsv(body)).toBeUndefined();
    }
    expect(readCsvRows('id,name\nevt-1,O"Brien\n').map((row) => row.cells)).toEqual([['id', 'name'], ['evt-1', 'O"Brien']]);
    expect(readCsvRows('id,reason\nevt-1, "quoted" \n')[1].cells).toEqual(['evt-1', 'quoted']);
    expect(readCsvRows('id,action\revt-1,view\r').map((row) => row.cells)).toEqual([['id', 'action'], ['evt-1', 'view']]);
  });

  it('reports an unclosed quote through csv-parse, with its line', () => {
    expect(readWellFormedCsv('id,reason\nevt-1,"open\n')).toBeUndefined();
    expect(() => readCsvRows('id,reason\nevt-1,"open\n')).toThrow(
      'CSV is malformed: Quote Not Closed: the parsing is finished with an opening quote at line 2',
    );
  });
});
