/**
 * UK civil time. Date-only values in reference data (`start: 2026-06-01`) mean days in England,
 * not in UTC: during British Summer Time a day starts at 23:00 UTC the evening before.
 * BST runs from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October
 * (the rule in force since 1996).
 */
const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

function lastSundayAt1Utc(year: number, month: number): number {
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, lastDay.getUTCDate() - lastDay.getUTCDay(), 1);
}

/** London's offset from UTC at an instant, in ms (0 or one hour). */
export function londonOffsetMs(utcMs: number): number {
  const year = new Date(utcMs).getUTCFullYear();
  return utcMs >= lastSundayAt1Utc(year, 2) && utcMs < lastSundayAt1Utc(year, 9) ? HOUR_MS : 0;
}

/** The instant a `YYYY-MM-DD` day starts in London. */
export function londonDayStart(date: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  return utcMidnight - londonOffsetMs(utcMidnight - HOUR_MS);
}

/** The last instant of a `YYYY-MM-DD` day in London. */
export function londonDayEnd(date: string): number {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
  return londonDayStart(next) - 1;
}

/** The London date (`YYYY-MM-DD`) of an instant. */
export function londonDate(utcMs: number): string {
  return new Date(utcMs + londonOffsetMs(utcMs)).toISOString().slice(0, 10);
}
