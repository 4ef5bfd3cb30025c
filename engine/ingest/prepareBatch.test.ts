import { describe, expect, it } from 'vitest';
import { accessEvent } from '../../test/harness.js';
import { prepareBatch } from './prepareBatch.js';

const source = { system: 'emis-a81001', organisations: ['A81001'] };
const now = new Date('2026-11-22T12:00:00Z');

describe('prepareBatch: times that pass the schema but cannot be an access', () => {
  it('rejects leap seconds, hour-only offsets, the distant past and the future, keeping the rest', () => {
    const batch = prepareBatch([
      { index: 0, value: accessEvent({ occurredAt: '2016-12-31T23:59:60Z' }) },
      { index: 1, value: accessEvent({ occurredAt: '2026-11-20T09:00:00+01' }) },
      { index: 2, value: accessEvent({ occurredAt: '1970-01-01T00:00:00Z' }) },
      { index: 3, value: accessEvent({ occurredAt: '2026-11-24T09:00:00Z' }) },
      { index: 4, value: accessEvent({ occurredAt: '2026-11-22T12:30:00+00:00' }) },
    ], source, now);
    expect(batch.events.map((e) => e.event.occurredAt)).toEqual(['2026-11-22T12:30:00+00:00']);
    const reasons = batch.rejected.map((r) => `${r.index}: ${r.errors.join(' | ')}`);
    expect(reasons[0]).toMatch(/^0: occurredAt: .* (is not a time that can be stored|must be an RFC 3339)/);
    expect(reasons[1]).toMatch(/^1: occurredAt: /);
    expect(reasons[2]).toBe('2: occurredAt: 1970-01-01T00:00:00Z is before 1990');
    expect(reasons[3]).toMatch(/^3: occurredAt: 2026-11-24T09:00:00Z is more than a day in the future/);
  });
});
