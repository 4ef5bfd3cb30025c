import { londonOffsetMs } from '../explain/londonTime.js';
import type { ShiftPattern } from './organisations.js';

/**
 * When people work, in UK time: GP practices on weekdays with a Saturday and Sunday extended
 * access session, hospital wards and the emergency department round the clock on a rota with
 * day and night shifts, offices on weekdays, social care's emergency duty team evenings and
 * weekends, community nursing seven days a week, pharmacies Monday to Saturday with a Sunday
 * rota. Within a shift, work peaks mid-morning and mid-afternoon and dips at lunch and overnight.
 */

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** What decides one person's shifts. */
export interface Rota {
  pattern: ShiftPattern;
  /** Position in the team: spreads rota days and weekend turns across its members. */
  member: number;
  teamSize: number;
  /** Works nights (round-the-clock teams). */
  nights: boolean;
  /** Weekdays worked (bit 1 = Monday ... bit 5 = Friday) for weekday patterns; part-timers have three. */
  weekdays: number;
}

/** Minutes of a local day worked, from and to (to past 1440 for a night shift ending the next morning). */
type Shift = readonly [from: number, to: number];

const FULL_WEEK = 0b111110;

/** The London day number (days since 1970-01-01 in UK time) and the minute of that day. */
export function londonClock(at: number): { day: number; minute: number; weekday: number } {
  const local = at + londonOffsetMs(at);
  const day = Math.floor(local / DAY_MS);
  return { day, minute: Math.floor((local - day * DAY_MS) / MINUTE_MS), weekday: (day + 4) % 7 };
}

const onRota = (rota: Rota, day: number, daysOn: number) => ((day + Math.round((rota.member * 7) / Math.max(1, rota.teamSize))) % 7) < daysOn;
const weekendTurn = (rota: Rota, day: number) => (Math.floor((day + 3) / 7) + rota.member) % Math.max(1, rota.teamSize) === 0;
const weekdayWorked = (rota: Rota, weekday: number) => weekday >= 1 && weekday <= 5 && ((rota.weekdays >> weekday) & 1) === 1;

/** The shift worked on London day `day`, if any. */
export function shiftOn(rota: Rota, day: number): Shift | undefined {
  const weekday = (day + 4) % 7;
  switch (rota.pattern) {
    case 'gp-day':
      if (weekdayWorked(rota, weekday)) return [8 * 60, 18 * 60 + 30];
      if (weekday === 6 && weekendTurn(rota, day)) return [9 * 60, 13 * 60];
      if (weekday === 0 && weekendTurn(rota, day)) return [10 * 60, 12 * 60];
      return undefined;
    case 'round-the-clock':
      if (!onRota(rota, day, 4)) return undefined;
      return rota.nights ? [19 * 60 + 30, 31 * 60 + 30] : [7 * 60 + 30, 19 * 60 + 30];
    case 'weekday':
      return weekdayWorked(rota, weekday) ? [8 * 60 + 30, 17 * 60 + 30] : undefined;
    case 'office':
      return weekdayWorked(rota, weekday) ? [9 * 60, 17 * 60] : undefined;
    case 'extended':
      return onRota(rota, day, 5) ? [8 * 60, 20 * 60] : undefined;
    case 'out-of-hours':
      if (!onRota(rota, day, 4)) return undefined;
      return weekday === 0 || weekday === 6 ? [9 * 60, 23 * 60 + 30] : [17 * 60, 23 * 60 + 30];
    case 'seven-day':
      return onRota(rota, day, 5) ? [8 * 60, 18 * 60] : undefined;
    case 'pharmacy':
      if (weekday === 0) return weekendTurn(rota, day) ? [10 * 60, 16 * 60] : undefined;
      return (day + rota.member) % 6 !== 0 ? [9 * 60, 18 * 60] : undefined;
  }
}

/** The part of the hour starting at `at` (epoch ms) that falls in a shift, as minutes from `at`; undefined when off shift. */
export function minutesOnShift(rota: Rota, at: number): readonly [from: number, to: number] | undefined {
  const { day, minute } = londonClock(at);
  let from = Infinity;
  let to = -Infinity;
  for (let d = day - 1; d <= day + 1; d++) {
    const shift = shiftOn(rota, d);
    if (!shift) continue;
    const start = shift[0] + (d - day) * 1440 - minute;
    const end = shift[1] + (d - day) * 1440 - minute;
    const a = Math.max(0, start);
    const b = Math.min(60, end);
    if (a < b) {
      from = Math.min(from, a);
      to = Math.max(to, b);
    }
  }
  return from < to ? [from, to] : undefined;
}

/** How busy people are at a minute of the London day, relative to their peak (1). */
export function intensity(minuteOfDay: number, weekday: number, pattern: ShiftPattern): number {
  const hour = minuteOfDay / 60;
  const weekend = weekday === 0 || weekday === 6;
  if (hour < 6.5 || hour >= 22) return 0.5; // overnight: wards and the emergency department, quieter
  if (hour < 8) return 0.55;
  let level = hour < 9 ? 0.75 : hour < 12 ? 1 : hour < 14 ? 0.6 : hour < 17 ? 0.95 : hour < 19 ? 0.7 : 0.55;
  if (weekend && pattern === 'gp-day') level *= 0.7;
  if (weekend && pattern === 'round-the-clock') level *= 0.85;
  return level;
}

/** Weekdays for a full-timer, or three of the five for a part-timer (`choice` picks which). */
export function weekdaysWorked(partTime: boolean, choice: number): number {
  if (!partTime) return FULL_WEEK;
  const off = [[1, 5], [2, 4], [3, 5], [1, 3], [4, 5]][choice % 5];
  return FULL_WEEK & ~(1 << off[0]) & ~(1 << off[1]);
}
