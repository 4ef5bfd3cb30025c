import { describe, expect, it } from 'vitest';
import { londonDate, londonDayEnd, londonDayStart, londonOffsetMs } from './londonTime.js';

describe('London time', () => {
  it('switches to BST at 01:00 UTC on the last Sundays of March and October', () => {
    expect(londonOffsetMs(Date.parse('2026-03-29T00:59:59Z'))).toBe(0);
    expect(londonOffsetMs(Date.parse('2026-03-29T01:00:00Z'))).toBe(3_600_000);
    expect(londonOffsetMs(Date.parse('2026-10-25T00:59:59Z'))).toBe(3_600_000);
    expect(londonOffsetMs(Date.parse('2026-10-25T01:00:00Z'))).toBe(0);
  });

  it('gives days as they are in England', () => {
    expect(new Date(londonDayStart('2026-06-01')).toISOString()).toBe('2026-05-31T23:00:00.000Z');
    expect(new Date(londonDayEnd('2026-06-01')).toISOString()).toBe('2026-06-01T22:59:59.999Z');
    expect(new Date(londonDayStart('2026-12-01')).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(londonDate(Date.parse('2026-06-01T23:30:00Z'))).toBe('2026-06-02');
    expect(londonDate(Date.parse('2026-12-01T23:30:00Z'))).toBe('2026-12-01');
  });
});
