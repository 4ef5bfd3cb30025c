import { describe, expect, it } from 'vitest';
import { emptyRows, epochMicros, packRows, unpackRows } from './eventRows.js';

describe('epochMicros', () => {
  it('keeps microseconds and honours the zone', () => {
    expect(epochMicros('2026-11-20T09:30:00Z')).toBe(Date.UTC(2026, 10, 20, 9, 30) * 1000);
    expect(epochMicros('2026-11-20T09:30:00.123456Z')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 123) * 1000 + 456);
    expect(epochMicros('2026-11-20T09:30:00.1234Z')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 123) * 1000 + 400);
    expect(epochMicros('2026-11-20T10:30:00.5+01:00')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 500) * 1000);
  });
});

describe('packRows', () => {
  it('gives back the same rows, nulls, quotes and non-ASCII text included', () => {
    const rows = emptyRows();
    const values = [
      { text: 'a', original: null, explained: null, explanation: null },
      { text: '{"q":"\\"é — 𝄞\\n"}', original: '{"resourceType":"AuditEvent"}', explained: true, explanation: '{"explained":true}' },
      { text: '', original: '', explained: false, explanation: '{"explained":false}' },
    ];
    values.forEach((value, n) => {
      for (const field of ['docId', 'system', 'id', 'organisation', 'userId', 'nhsNumber', 'action', 'batchId', 'sha256'] as const) rows[field].push(`${field}-${n}-${value.text}`);
      rows.event.push(value.text);
      rows.original.push(value.original);
      rows.explained.push(value.explained);
      rows.explanation.push(value.explanation);
      rows.occurredAt.push(Date.UTC(2026, 10, 20) * 1000 + n);
      rows.receivedAt.push(Date.UTC(2026, 10, 21) * 1000 + 123456 + n);
    });
    const packed = structuredClone(packRows(rows));
    expect(unpackRows(packed)).toEqual(rows);
  });

  it('packs an empty batch', () => {
    expect(unpackRows(packRows(emptyRows()))).toEqual(emptyRows());
  });
});
