/**
 * The breach assessment and the ICO's 72-hour clock. Pure: the clock is passed in.
 *
 * The grid is the NHS Data Security and Protection Toolkit's (see docs/ico-reporting.md):
 * how likely it is that people's rights and freedoms are affected (likelihood 1–5) against how
 * bad the effect would be (severity 1–5). A breach at or above both ICO thresholds is reported
 * to the ICO within 72 hours of the organisation becoming aware of it (UK GDPR Article 33); one
 * at or above both high-risk thresholds is also told to the people affected (Article 34).
 */

/** A point on either axis of the grid. */
export type GridScore = 1 | 2 | 3 | 4 | 5;

export const GRID_SCORES: readonly GridScore[] = [1, 2, 3, 4, 5];

/** The likelihood that the breach affects people's rights and freedoms, in the DSPT's words. */
export const LIKELIHOOD_WORDS: Readonly<Record<GridScore, string>> = {
  1: 'not occurred',
  2: 'not likely',
  3: 'likely',
  4: 'highly likely',
  5: 'occurred',
};

/** How bad the effect on the people affected would be, in the DSPT's words. */
export const SEVERITY_WORDS: Readonly<Record<GridScore, string>> = {
  1: 'no adverse effect',
  2: 'minor',
  3: 'adverse',
  4: 'serious',
  5: 'catastrophic',
};

/** Where the grid turns: configuration (`ACCESSWATCH_ICO_MIN_*`, `ACCESSWATCH_HIGH_RISK_MIN_*`). */
export interface BreachThresholds {
  /** Reportable to the ICO from this likelihood (default 3, likely). */
  icoMinLikelihood: GridScore;
  /** ... and this severity (default 2, minor). */
  icoMinSeverity: GridScore;
  /** High risk (Article 34: tell the people affected) from this likelihood (default 4, highly likely). */
  highRiskMinLikelihood: GridScore;
  /** ... and this severity (default 4, serious). */
  highRiskMinSeverity: GridScore;
}

export const DEFAULT_BREACH_THRESHOLDS: Readonly<BreachThresholds> = Object.freeze({
  icoMinLikelihood: 3,
  icoMinSeverity: 2,
  highRiskMinLikelihood: 4,
  highRiskMinSeverity: 4,
});

/** Hours from becoming aware to the ICO deadline (Article 33(1)). */
export const ICO_HOURS = 72;

/** A running clock with less than this many hours left is flagged `dueSoon`. */
export const DUE_SOON_HOURS = 24;

const HOUR_MS = 3_600_000;

function instant(value: string | Date, what: string): number {
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new RangeError(`${what} is not a date: ${String(value)}`);
  return ms;
}

/** When the report to the ICO is due: 72 hours after the organisation became aware. */
export function icoDeadline(awareAt: string | Date): string {
  return new Date(instant(awareAt, 'awareAt') + ICO_HOURS * HOUR_MS).toISOString();
}

/** Where the 72-hour clock stands at `now`. */
export interface IcoClock {
  icoDeadline: string;
  /** Hours to the deadline in tenths, rounded down; negative once it has passed (how late). */
  hoursLeft: number;
  /** The deadline has been reached: at exactly 72 hours, and after. */
  overdue: boolean;
  /** Less than 24 hours left and not yet overdue. */
  dueSoon: boolean;
}

/** The clock for an organisation that became aware at `awareAt`, read at `now`. */
export function icoClock(awareAt: string | Date, now: string | Date): IcoClock {
  const deadline = instant(awareAt, 'awareAt') + ICO_HOURS * HOUR_MS;
  const left = deadline - instant(now, 'now');
  const overdue = left <= 0;
  return {
    icoDeadline: new Date(deadline).toISOString(),
    hoursLeft: Math.floor((left / HOUR_MS) * 10) / 10 + 0, // + 0 turns -0 into 0
    overdue,
    dueSoon: !overdue && left < DUE_SOON_HOURS * HOUR_MS,
  };
}

/** The two scores an assessment is made of. */
export interface GridPosition {
  likelihood: GridScore;
  severity: GridScore;
}

/** What the grid says about a breach, each answer with its reason in words. */
export interface BreachAssessmentResult extends IcoClock {
  reportableToIco: boolean;
  reportableReason: string;
  notifyDataSubjects: boolean;
  notifyReason: string;
}

const likelihood = (score: GridScore) => `likelihood ${score} (${LIKELIHOOD_WORDS[score]})`;
const severity = (score: GridScore) => `severity ${score} (${SEVERITY_WORDS[score]})`;
const capitalised = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/** Whether a position reaches both thresholds, and the sentence that says why (or why not). */
function judge(position: GridPosition, minLikelihood: GridScore, minSeverity: GridScore, threshold: string): { met: boolean; why: string } {
  const short: string[] = [];
  if (position.likelihood < minLikelihood) short.push(`${likelihood(position.likelihood)} is below ${minLikelihood} (${LIKELIHOOD_WORDS[minLikelihood]})`);
  if (position.severity < minSeverity) short.push(`${severity(position.severity)} is below ${minSeverity} (${SEVERITY_WORDS[minSeverity]})`);
  const bar = `${threshold} (likelihood at least ${minLikelihood}, ${LIKELIHOOD_WORDS[minLikelihood]}, and severity at least ${minSeverity}, ${SEVERITY_WORDS[minSeverity]})`;
  if (short.length > 0) return { met: false, why: `${capitalised(short.join(' and '))}, so the breach does not reach the ${bar}` };
  return { met: true, why: `${capitalised(likelihood(position.likelihood))} and ${severity(position.severity)} reach the ${bar}` };
}

/** Throws a RangeError unless both scores are whole numbers from 1 to 5. */
export function checkGridPosition(position: { likelihood: number; severity: number }): asserts position is GridPosition {
  for (const axis of ['likelihood', 'severity'] as const) {
    const score = position[axis];
    if (!GRID_SCORES.includes(score as GridScore)) throw new RangeError(`${axis} must be a whole number from 1 to 5, got ${score}`);
  }
}

/**
 * Assesses a breach on the DSPT grid: reportable to the ICO when likelihood and severity both
 * reach the ICO thresholds (by default likely and minor), the deadline 72 hours after `awareAt`
 * and how it stands at `now`, and whether the people affected must be told (high risk, Article 34).
 * `overdue` and `dueSoon` only apply to a reportable breach: the clock does not bind one that is not.
 */
export function assessBreach(
  position: GridPosition, awareAt: string | Date, now: string | Date, thresholds: BreachThresholds = DEFAULT_BREACH_THRESHOLDS,
): BreachAssessmentResult {
  checkGridPosition(position);
  const clock = icoClock(awareAt, now);
  const ico = judge(position, thresholds.icoMinLikelihood, thresholds.icoMinSeverity, 'ICO reporting threshold');
  const highRisk = judge(position, thresholds.highRiskMinLikelihood, thresholds.highRiskMinSeverity, 'high-risk threshold');
  const reportableReason = ico.met
    ? `${ico.why}: report it to the ICO by ${clock.icoDeadline}, 72 hours after becoming aware (Article 33(1))` +
      (clock.overdue ? `; that deadline has passed, so the report must give the reason for the delay.` : '.')
    : `${ico.why}: it need not be reported to the ICO, but the breach and the reasons for not reporting it must be recorded (Article 33(5)).`;
  const notifyDataSubjects = highRisk.met;
  const notifyReason = notifyDataSubjects
    ? `${highRisk.why}: tell the people affected without undue delay, in clear and plain language (Article 34).`
    : `${highRisk.why}: Article 34 does not require telling the people affected.`;
  return {
    reportableToIco: ico.met,
    reportableReason,
    ...clock,
    overdue: ico.met && clock.overdue,
    dueSoon: ico.met && clock.dueSoon,
    notifyDataSubjects,
    notifyReason,
  };
}

/** Throws a RangeError when the thresholds are not grid scores, or high risk sits below the ICO threshold. */
export function checkBreachThresholds(thresholds: BreachThresholds): void {
  checkGridPosition({ likelihood: thresholds.icoMinLikelihood, severity: thresholds.icoMinSeverity });
  checkGridPosition({ likelihood: thresholds.highRiskMinLikelihood, severity: thresholds.highRiskMinSeverity });
  if (thresholds.highRiskMinLikelihood < thresholds.icoMinLikelihood || thresholds.highRiskMinSeverity < thresholds.icoMinSeverity) {
    throw new RangeError('the high-risk thresholds must be at least the ICO thresholds: a breach people must be told about is also reported to the ICO');
  }
}
