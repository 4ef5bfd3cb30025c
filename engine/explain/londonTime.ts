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

/** The BST span of the last year asked about (accesses come in runs of the same year). */
let summer = { from: 0, to: 0, yearStart: 1, yearEnd: 0 };

/** London's offset from UTC at an instant, in ms (0 or one hour). */
export function londonOffsetMs(utcMs: number): number {
  if (!(utcMs >= summer.yearStart && utcMs < summer.yearEnd)) {
    const year = new Date(utcMs).getUTCFullYear();
    summer = { from: lastSundayAt1Utc(year, 2), to: lastSundayAt1Utc(year, 9), yearStart: Date.UTC(year, 0, 1), yearEnd: Date.UTC(year + 1, 0, 1) };
  }
  return utcMs >= summer.from && utcMs < summer.to ? HOUR_MS : 0;
}

/**
 * Day starts and ends already worked out, by date. Relationship dates span years, so converting
 * them one after another kept missing the one-year span above; a batch's 10,000 relationships
 * name a few hundred dates. Each is cleared when it holds more dates than 30 years have.
 */
const dayStarts = new Map<string, number>();
const dayEnds = new Map<string, number>();

function remembered(memo: Map<string, number>, date: string, work: (date: string) => number): number {
  let value = memo.get(date);
  if (value === undefined) {
    value = work(date);
    if (memo.size >= 11_000) memo.clear();
    memo.set(date, value);
  }
  return value;
}

/** The instant a `YYYY-MM-DD` day starts in London. */
export function londonDayStart(date: string): number {
  return remembered(dayStarts, date, (day) => {
    const utcMidnight = Date.parse(`${day}T00:00:00Z`);
    return utcMidnight - londonOffsetMs(utcMidnight - HOUR_MS);
  });
}

/** The last instant of a `YYYY-MM-DD` day in London. */
export function londonDayEnd(date: string): number {
  return remembered(dayEnds, date, (day) => {
    const next = new Date(Date.parse(`${day}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);
    return londonDayStart(next) - 1;
  });
}

/** The last London date worked out, by its day number (accesses of a batch share a few days). */
let lastDate = { day: Number.NaN, text: '' };

/** The London date (`YYYY-MM-DD`) of an instant. */
export function londonDate(utcMs: number): string {
  const local = utcMs + londonOffsetMs(utcMs);
  const day = Math.floor(local / DAY_MS);
  if (day !== lastDate.day) lastDate = { day, text: new Date(local).toISOString().slice(0, 10) };
  return lastDate.text;
}
