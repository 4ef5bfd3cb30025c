import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config.js';
import {
  DEFAULT_BREACH_THRESHOLDS, GRID_SCORES, LIKELIHOOD_WORDS, SEVERITY_WORDS, assessBreach, checkBreachThresholds, checkGridPosition, icoClock,
  icoDeadline, type BreachThresholds, type GridScore,
} from './breachAssessment.js';

const AWARE = '2026-11-20T09:30:00.000Z';
/** The clock `hours` (and `ms`) after the organisation became aware. */
const after = (hours: number, ms = 0) => new Date(Date.parse(AWARE) + hours * 3_600_000 + ms).toISOString();

describe('the 72-hour clock', () => {
  it('is due 72 hours after the organisation became aware, whatever offset awareAt is written in', () => {
    expect(icoDeadline(AWARE)).toBe('2026-11-23T09:30:00.000Z');
    expect(icoDeadline('2026-11-20T10:30:00+01:00')).toBe('2026-11-23T09:30:00.000Z');
    expect(icoDeadline(new Date(AWARE))).toBe('2026-11-23T09:30:00.000Z');
    // 72 hours, not three calendar days: the clocks going back on 25 October 2026 do not move it.
    expect(icoDeadline('2026-10-24T12:00:00+01:00')).toBe('2026-10-27T11:00:00.000Z');
  });

  it('counts the hours left, flags the last 24 hours, and is overdue at exactly 72 hours and after', () => {
    const at = (hours: number, ms = 0) => icoClock(AWARE, after(hours, ms));
    expect(at(0)).toEqual({ icoDeadline: '2026-11-23T09:30:00.000Z', hoursLeft: 72, overdue: false, dueSoon: false });
    expect(at(30, 90 * 60_000)).toMatchObject({ hoursLeft: 40.5, overdue: false, dueSoon: false });
    expect(at(48)).toMatchObject({ hoursLeft: 24, overdue: false, dueSoon: false });
    expect(at(48, 1)).toMatchObject({ hoursLeft: 23.9, overdue: false, dueSoon: true });
    expect(at(72, -60_000)).toMatchObject({ hoursLeft: 0, overdue: false, dueSoon: true });
    expect(at(72, -1)).toMatchObject({ overdue: false, dueSoon: true });
    expect(at(72)).toMatchObject({ hoursLeft: 0, overdue: true, dueSoon: false });
    expect(Object.is(at(72).hoursLeft, 0)).toBe(true);
    expect(at(72, 1)).toMatchObject({ hoursLeft: -0.1, overdue: true, dueSoon: false });
    expect(at(80)).toMatchObject({ hoursLeft: -8, overdue: true });
  });

  it('reads the clock passed in, never the wall clock', () => {
    expect(icoClock('2020-01-01T00:00:00Z', '2020-01-02T00:00:00Z')).toMatchObject({ hoursLeft: 48, overdue: false });
  });

  it('refuses a time that is not a date', () => {
    expect(() => icoDeadline('last Tuesday')).toThrow(/awareAt is not a date/);
    expect(() => icoClock(AWARE, 'soon')).toThrow(/now is not a date/);
  });
});

const escape = (text: string) => text.replace(/[()]/g, '\\$&');

/** Every square of the grid, as [likelihood, severity]. */
const GRID = GRID_SCORES.flatMap((likelihood) => GRID_SCORES.map((severity) => [likelihood, severity] as [GridScore, GridScore]));

describe('the DSPT breach assessment grid', () => {
  it.each(GRID)('likelihood %i × severity %i: reportable from likely and minor, high risk from highly likely and serious (defaults)', (likelihood, severity) => {
    const result = assessBreach({ likelihood, severity }, AWARE, after(1));
    expect(result.reportableToIco).toBe(likelihood >= 3 && severity >= 2);
    expect(result.notifyDataSubjects).toBe(likelihood >= 4 && severity >= 4);
    const l = `ikelihood ${likelihood} (${LIKELIHOOD_WORDS[likelihood]})`;
    const s = `everity ${severity} (${SEVERITY_WORDS[severity]})`;
    if (result.reportableToIco) expect(result.reportableReason).toMatch(new RegExp(`^L${escape(l)} and s${escape(s)} reach`));
    if (likelihood < 3) expect(result.reportableReason).toContain(`${l} is below 3 (likely)`);
    if (severity < 2) expect(result.reportableReason).toContain(`${s} is below 2 (minor)`);
    expect(result.reportableReason).toMatch(result.reportableToIco ? /report it to the ICO by 2026-11-23T09:30:00.000Z/ : /need not be reported to the ICO.*Article 33\(5\)/);
    expect(result.notifyReason).toMatch(result.notifyDataSubjects ? /tell the people affected without undue delay.*Article 34/ : /Article 34 does not require/);
  });

  const strict: BreachThresholds = { icoMinLikelihood: 2, icoMinSeverity: 3, highRiskMinLikelihood: 5, highRiskMinSeverity: 3 };
  it.each(GRID)('likelihood %i × severity %i against thresholds from configuration', (likelihood, severity) => {
    const result = assessBreach({ likelihood, severity }, AWARE, after(1), strict);
    expect(result.reportableToIco).toBe(likelihood >= 2 && severity >= 3);
    expect(result.notifyDataSubjects).toBe(likelihood >= 5 && severity >= 3);
  });

  it('says in words which score falls short, and of what', () => {
    const both = assessBreach({ likelihood: 2, severity: 1 }, AWARE, after(1));
    expect(both.reportableReason).toBe(
      'Likelihood 2 (not likely) is below 3 (likely) and severity 1 (no adverse effect) is below 2 (minor), so the breach does not reach the ' +
      'ICO reporting threshold (likelihood at least 3, likely, and severity at least 2, minor): it need not be reported to the ICO, ' +
      'but the breach and the reasons for not reporting it must be recorded (Article 33(5)).',
    );
    const met = assessBreach({ likelihood: 5, severity: 4 }, AWARE, after(1));
    expect(met.reportableReason).toMatch(/^Likelihood 5 \(occurred\) and severity 4 \(serious\) reach the ICO reporting threshold/);
    expect(met.notifyReason).toMatch(/^Likelihood 5 \(occurred\) and severity 4 \(serious\) reach the high-risk threshold/);
    expect(assessBreach({ likelihood: 5, severity: 3 }, AWARE, after(1)).notifyReason)
      .toMatch(/^Severity 3 \(adverse\) is below 4 \(serious\), so the breach does not reach the high-risk threshold/);
    expect(SEVERITY_WORDS[5]).toBe('catastrophic');
  });

  it('runs the clock only for a reportable breach, and asks for the reason for delay once it has passed', () => {
    const reportable = { likelihood: 3, severity: 2 } as const;
    expect(assessBreach(reportable, AWARE, after(71))).toMatchObject({ overdue: false, dueSoon: true, hoursLeft: 1 });
    const late = assessBreach(reportable, AWARE, after(72));
    expect(late).toMatchObject({ overdue: true, dueSoon: false, hoursLeft: 0, icoDeadline: '2026-11-23T09:30:00.000Z' });
    expect(late.reportableReason).toMatch(/that deadline has passed, so the report must give the reason for the delay\.$/);
    const notReportable = assessBreach({ likelihood: 2, severity: 5 }, AWARE, after(100));
    expect(notReportable).toMatchObject({ reportableToIco: false, overdue: false, dueSoon: false, hoursLeft: -28 });
  });

  it('refuses scores off the grid', () => {
    for (const bad of [0, 6, 2.5, Number.NaN]) {
      expect(() => assessBreach({ likelihood: bad as GridScore, severity: 3 }, AWARE, AWARE)).toThrow(/likelihood must be a whole number from 1 to 5/);
      expect(() => checkGridPosition({ likelihood: 3, severity: bad })).toThrow(/severity must be a whole number from 1 to 5/);
    }
  });
});

describe('breach thresholds in configuration', () => {
  it('defaults to likely and minor for the ICO, highly likely and serious for high risk', () => {
    expect(loadConfig({}).breachThresholds).toEqual(DEFAULT_BREACH_THRESHOLDS);
    expect(DEFAULT_BREACH_THRESHOLDS).toEqual({ icoMinLikelihood: 3, icoMinSeverity: 2, highRiskMinLikelihood: 4, highRiskMinSeverity: 4 });
  });

  it('reads the four thresholds from the environment', () => {
    const config = loadConfig({
      ACCESSWATCH_ICO_MIN_LIKELIHOOD: '2', ACCESSWATCH_ICO_MIN_SEVERITY: '3', ACCESSWATCH_HIGH_RISK_MIN_LIKELIHOOD: '5', ACCESSWATCH_HIGH_RISK_MIN_SEVERITY: '3',
    });
    expect(config.breachThresholds).toEqual({ icoMinLikelihood: 2, icoMinSeverity: 3, highRiskMinLikelihood: 5, highRiskMinSeverity: 3 });
  });

  it('refuses a threshold off the grid, and a high-risk threshold below the ICO one', () => {
    expect(() => loadConfig({ ACCESSWATCH_ICO_MIN_LIKELIHOOD: '6' })).toThrow(ConfigError);
    expect(() => loadConfig({ ACCESSWATCH_ICO_MIN_SEVERITY: 'minor' })).toThrow(/ACCESSWATCH_ICO_MIN_SEVERITY/);
    expect(() => loadConfig({ ACCESSWATCH_HIGH_RISK_MIN_LIKELIHOOD: '2' })).toThrow(/high-risk thresholds must be at least the ICO thresholds/);
    expect(() => checkBreachThresholds({ ...DEFAULT_BREACH_THRESHOLDS, highRiskMinSeverity: 1 })).toThrow(RangeError);
  });
});
