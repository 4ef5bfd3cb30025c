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

  it('agrees with the Europe/London time zone at any instant, in any order of years', () => {
    const reference = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' });
    const offset = (at: number) => {
      const hour = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/London', hour: '2-digit', hourCycle: 'h23' }).format(at));
      return ((hour - new Date(at).getUTCHours() + 24) % 24) * 3_600_000;
    };
    let seed = 7;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    for (let i = 0; i < 2000; i++) {
      // Runs of nearby instants, then a jump to another year (the cached year and day change).
      const at = i % 5 === 0 ? Date.UTC(2000 + Math.floor(next() * 40), 0, 1) + next() * 366 * 86_400_000 : Date.UTC(2026, 2, 29) + (next() - 0.5) * 4 * 86_400_000;
      expect(londonDate(at), new Date(at).toISOString()).toBe(reference.format(at));
      expect(londonOffsetMs(at), new Date(at).toISOString()).toBe(offset(at));
    }
  });
});
