import { describe, expect, it } from 'vitest';
import { MemoryRuleState } from '../state/memoryRuleState.js';
import { testContext, testInput } from './testInputs.js';
import {
  DAY_MS, HOUR_MS, MINUTE_MS, durationAsWritten, durationWords, firstFirings, groupByWindow, hoppingWindows, londonPeriod, parseDuration, windowStartsOf,
} from './windows.js';

describe('windows', () => {
  it('reads durations as rule files write them and refuses anything else', () => {
    expect(parseDuration('10m')).toBe(10 * MINUTE_MS);
    expect(parseDuration('1h')).toBe(HOUR_MS);
    expect(parseDuration('14d')).toBe(14 * DAY_MS);
    for (const bad of ['', '1', '0h', '1.5h', '90s', '1 hour', 'h', '-1d']) expect(() => parseDuration(bad)).toThrow(/not a duration/);
  });

  it('says durations in words', () => {
    expect(durationWords(HOUR_MS)).toBe('1 hour');
    expect(durationWords(90 * MINUTE_MS)).toBe('90 minutes');
    expect(durationWords(14 * DAY_MS)).toBe('14 days');
    expect(durationAsWritten('24h')).toBe('24 hours');
  });

  it('puts an instant in every hopping window that holds it, aligned to the epoch', () => {
    const at = Date.parse('2026-03-02T10:40:00.000Z');
    const iso = (starts: number[]) => starts.map((start) => new Date(start).toISOString());
    expect(iso(windowStartsOf(at, hoppingWindows('AW-X-001', '1h')))).toEqual(['2026-03-02T10:00:00.000Z']);
    expect(iso(windowStartsOf(at, hoppingWindows('AW-X-001', '1h', '20m')))).toEqual([
      '2026-03-02T10:00:00.000Z', '2026-03-02T10:20:00.000Z', '2026-03-02T10:40:00.000Z',
    ]);
    // An event exactly at a window's start belongs to it, not to the window that ends there.
    expect(iso(windowStartsOf(Date.parse('2026-03-02T10:00:00.000Z'), hoppingWindows('AW-X-001', '1h')))).toEqual(['2026-03-02T10:00:00.000Z']);
    expect(() => hoppingWindows('AW-X-001', '1h', '2h')).toThrow('AW-X-001: params.step (2h) must not be longer than params.window (1h)');
    expect(() => hoppingWindows('AW-X-001', '1d', '1m')).toThrow(/more than 48 windows/);
  });

  it('groups a batch by subject and open window, leaving out closed windows, absent keys and repeats', () => {
    const at = (occurredAt: string, userId?: string) => testInput({ event: { occurredAt, ...(userId ? { user: { id: userId } } : {}) } });
    const late = at('2026-03-02T08:30:00.000Z');
    const onTime = at('2026-03-02T10:10:00.000Z');
    const otherUser = at('2026-03-02T10:20:00.000Z', 'U2');
    const groups = groupByWindow([late, onTime, onTime, otherUser], () => true, ['event.organisation', 'event.user.id'], hoppingWindows('AW-X-001', '1h'), testContext('2026-03-02T10:30:00.000Z'));
    expect(groups.map(({ subjectKey, start }) => [subjectKey, start])).toEqual([
      ['["RX1","U1"]', Date.parse('2026-03-02T10:00:00.000Z')], ['["RX1","U2"]', Date.parse('2026-03-02T10:00:00.000Z')],
    ]);
    expect(groups[0].inputs).toEqual([onTime]);
    const byTeam = groupByWindow([onTime], () => true, ['event.user.team'], hoppingWindows('AW-X-001', '1h'), testContext('2026-03-02T10:30:00.000Z'));
    expect(byTeam).toEqual([]);
  });

  it('marks a firing first exactly once across callers sharing a store', async () => {
    const context = testContext('2026-03-02T10:00:00.000Z', new MemoryRuleState());
    const markers = [{ key: 'AW-X-001|fired|a', expiresAt: Date.now() + HOUR_MS }, { key: 'AW-X-001|fired|b', expiresAt: Date.now() + HOUR_MS }];
    const [one, two] = await Promise.all([firstFirings(context, markers), firstFirings(context, markers.slice(1))]);
    expect([...one]).toEqual(['AW-X-001|fired|a', 'AW-X-001|fired|b']);
    expect([...two]).toEqual([]);
    expect(await firstFirings(context, markers)).toEqual(new Set());
  });

  it('says windows in UK time, British Summer Time included', () => {
    expect(londonPeriod(Date.parse('2026-03-02T10:00:00Z'), Date.parse('2026-03-02T11:00:00Z'))).toBe('between 10:00 and 11:00 on 2 March 2026');
    expect(londonPeriod(Date.parse('2026-07-02T10:00:00Z'), Date.parse('2026-07-02T11:00:00Z'))).toBe('between 11:00 and 12:00 on 2 July 2026');
    expect(londonPeriod(Date.parse('2026-03-02T23:00:00Z'), Date.parse('2026-03-03T00:00:00Z'))).toBe('between 23:00 and 24:00 on 2 March 2026');
    expect(londonPeriod(Date.parse('2026-03-02T00:00:00Z'), Date.parse('2026-03-03T00:00:00Z'))).toBe('on 2 March 2026');
    expect(londonPeriod(Date.parse('2026-07-02T00:00:00Z'), Date.parse('2026-07-03T00:00:00Z'))).toBe('between 01:00 on 2 July 2026 and 01:00 on 3 July 2026');
  });
});
