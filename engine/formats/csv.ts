import { ACCESS_EVENT_SHAPE } from './accessEventShape.js';
import { readCsvRows } from './csvRows.js';
import { BodyFormatError, type ParsedRecord, type RecordShape } from './parsedRecord.js';

const FORBIDDEN_SEGMENTS = new Set(['__proto__', 'constructor', 'prototype']);

/** A header column, split into its path once so rows only do property assignments. */
interface Column {
  name: string;
  /** Objects to descend into (`['user']` for `user.id`); empty for a top-level field. */
  parents: string[];
  key: string;
  /** The cell is a `;`-separated list (a list field of the shape). */
  list: boolean;
}

/**
 * text/csv: a header row of field names, dotted for nested fields
 * (`user.id,user.role,patient.nhsNumber`), then one record per row. Cells are trimmed and empty
 * cells omitted; unknown column names are kept as they are for the validator to reject. The
 * shape's list fields take `;`-separated cells (`vip;restricted`). A row whose cells are all
 * empty carries no record and is skipped, like a blank line. A row with a different number of
 * cells from the header is a record with an error naming its line.
 */
export function parseCsvRecords(body: string, shape: RecordShape): ParsedRecord[] {
  const rows = readCsvRows(body);
  if (rows.length === 0) {
    throw new BodyFormatError(`CSV has no header row: the first line must name the fields, e.g. ${shape.headerExample}`);
  }
  const columns = readHeader(rows[0].cells, shape);
  const records: ParsedRecord[] = [];
  for (let r = 1; r < rows.length; r++) {
    const { cells, line } = rows[r];
    if (isEmptyRow(cells)) continue;
    const index = records.length;
    const where = `line ${line} (data row ${index + 1})`;
    if (cells.length !== columns.length) {
      records.push({ index, errors: [`${where}: expected ${columns.length} columns as in the header, found ${cells.length}`] });
      continue;
    }
    const value: Record<string, unknown> = {};
    const errors: string[] = [];
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c].trim();
      if (cell === '') continue;
      const column = columns[c];
      if (column === undefined) {
        errors.push(`${where}: column ${c + 1} has a value but no name in the header`);
        continue;
      }
      let target = value;
      for (const parent of column.parents) {
        target = (target[parent] ??= {}) as Record<string, unknown>;
      }
      target[column.key] = column.list ? listCell(cell) : cell;
    }
    records.push(errors.length > 0 ? { index, errors } : { index, value });
  }
  return records;
}

/** parseCsvRecords for access events. */
export function parseCsvEvents(body: string): ParsedRecord[] {
  return parseCsvRecords(body, ACCESS_EVENT_SHAPE);
}

/** The items of a list cell: `vip; restricted` → `['vip', 'restricted']`. */
function listCell(cell: string): string[] {
  return cell.split(';').map((item) => item.trim()).filter((item) => item !== '');
}

/** Column paths from the header row; `undefined` for a column with no name. */
function readHeader(names: string[], shape: RecordShape): (Column | undefined)[] {
  const columns = names.map((raw, position): Column | undefined => {
    const name = raw.trim();
    if (name === '') return undefined;
    const segments = name.split('.');
    if (segments.some((segment) => segment === '')) {
      throw new BodyFormatError(`header: column ${position + 1} "${name}" has an empty part between dots`);
    }
    if (segments.some((segment) => FORBIDDEN_SEGMENTS.has(segment))) {
      throw new BodyFormatError(`header: column ${position + 1} "${name}" is not a field name`);
    }
    return { name, parents: segments.slice(0, -1), key: segments[segments.length - 1], list: shape.listFields?.has(name) ?? false };
  });
  const named = columns.filter((column): column is Column => column !== undefined);
  if (named.length === 0) {
    throw new BodyFormatError(`CSV header row is empty: the first line must name the fields, e.g. ${shape.headerExample}`);
  }
  if (!named.some((column) => shape.knownFields.has(column.parents[0] ?? column.key))) {
    throw new BodyFormatError(
      `CSV header row names none of the ${shape.one} fields (${[...shape.knownFields].join(', ')}): ` +
      `the first line must be a header, e.g. ${shape.headerExample}`,
    );
  }
  const seen = new Set<string>();
  for (const column of named) {
    if (seen.has(column.name)) throw new BodyFormatError(`header: column "${column.name}" appears more than once`);
    seen.add(column.name);
  }
  for (const column of named) {
    for (let depth = 1; depth <= column.parents.length; depth++) {
      const prefix = column.parents.slice(0, depth).join('.');
      if (seen.has(prefix)) {
        throw new BodyFormatError(
          `header: column "${prefix}" conflicts with "${column.name}" (a field cannot be both a value and an object)`,
        );
      }
    }
  }
  return columns;
}

function isEmptyRow(cells: string[]): boolean {
  for (const cell of cells) if (cell.trim() !== '') return false;
  return true;
}
