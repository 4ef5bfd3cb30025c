import { describe, expect, it } from 'vitest';
import { epochMicros } from './eventRows.js';

describe('epochMicros', () => {
  it('keeps microseconds and honours the zone', () => {
    expect(epochMicros('2026-11-20T09:30:00Z')).toBe(Date.UTC(2026, 10, 20, 9, 30) * 1000);
    expect(epochMicros('2026-11-20T09:30:00.123456Z')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 123) * 1000 + 456);
    expect(epochMicros('2026-11-20T09:30:00.1234Z')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 123) * 1000 + 400);
    expect(epochMicros('2026-11-20T10:30:00.5+01:00')).toBe(Date.UTC(2026, 10, 20, 9, 30, 0, 500) * 1000);
  });
});
