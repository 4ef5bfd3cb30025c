import type { Patient, Relationship, Staff } from '../reference/referenceData.js';
import type { ExplanationLevel, Explanation } from './explanation.js';
import { londonDate, londonDayEnd, londonDayStart } from './londonTime.js';
import { checkedWords, rememberCheckedAgainst } from './storedExplanation.js';

export type { ExplainedBy, Explanation, ExplanationLevel } from './explanation.js';

/**
 * Explanation-based auditing: an access is legitimate when the care system's own data explains
 * it. Here: the patient is registered with the user's organisation, or the user, their team or
 * their organisation has a care relationship with the patient active when the access happened
 * (within a margin either side). Pure: reference data in, explanation out, no I/O.
 */

/** Reference data about one access, looked up for its batch. */
export interface AccessContext {
  /** The user's staff record at the organisation of the access, if known. */
  staff?: Staff;
  /** The patient's record, if known. */
  patient?: Patient;
  /** Every known relationship of the patient (any organisation, any time). */
  relationships: readonly Relationship[];
}

/** The parts of an access that explaining it reads (an AccessEvent has them all). */
export interface AccessToExplain {
  occurredAt: string;
  organisation: string;
  user: { id: string; team?: string };
  patient: { nhsNumber: string };
}

export interface ExplainOptions {
  /** Days either side of a relationship's dates that still explain an access (default 30). */
  marginDays: number;
}

const DAY_MS = 24 * 3600 * 1000;
const LEVEL_ORDER: Record<ExplanationLevel, number> = { user: 0, team: 1, organisation: 2 };

/** Start of a posted date (`YYYY-MM-DD` is the start of that day in England). */
export function startOf(date: string): number {
  return date.length === 10 ? londonDayStart(date) : Date.parse(date);
}

/** End of a posted date (`YYYY-MM-DD` is inclusive: the end of that day in England). */
export function endOf(date: string | undefined): number {
  if (date === undefined) return Number.POSITIVE_INFINITY;
  return date.length === 10 ? londonDayEnd(date) : Date.parse(date);
}

function levelOf(relationship: Relationship, event: AccessToExplain, team: string | undefined): ExplanationLevel | undefined {
  if (relationship.organisation !== event.organisation) return undefined;
  if (relationship.userId !== undefined && relationship.userId === event.user.id) return 'user';
  if (relationship.team !== undefined && team !== undefined && relationship.team === team) return 'team';
  return 'organisation';
}

function describe(relationship: Relationship): string {
  const dates = `${relationship.start} to ${relationship.end ?? 'open'}`;
  return `${relationship.type} with ${relationship.organisation} (${dates})`;
}

/** Each relationship's dates as instants, worked out once however many accesses of a batch it is weighed for. */
const spans = new WeakMap<Relationship, [start: number, end: number]>();

function spanOf(relationship: Relationship): [start: number, end: number] {
  let span = spans.get(relationship);
  if (!span) spans.set(relationship, (span = [startOf(relationship.start), endOf(relationship.end)]));
  return span;
}

/**
 * The relationship at the access's organisation active at `at` (within `margin`) that explains it
 * most closely: the user's own, then their team's, then the organisation's; one active within its
 * dates before one only within the margin.
 */
function closestRelationship(event: AccessToExplain, relationships: readonly Relationship[], team: string | undefined, at: number, margin: number) {
  let best: { relationship: Relationship; level: ExplanationLevel; withinMargin: boolean } | undefined;
  for (const relationship of relationships) {
    const level = levelOf(relationship, event, team);
    if (!level) continue;
    const [start, end] = spanOf(relationship);
    if (at < start - margin || at > end + margin) continue;
    const withinMargin = at < start || at > end;
    const better = !best
      || LEVEL_ORDER[level] < LEVEL_ORDER[best.level]
      || (LEVEL_ORDER[level] === LEVEL_ORDER[best.level] && best.withinMargin && !withinMargin);
    if (better) best = { relationship, level, withinMargin };
  }
  return best;
}

/** Explains one access by registration or an active care relationship, or says why nothing did. */
export function explainAccess(event: AccessToExplain, context: AccessContext, options: ExplainOptions): Explanation {
  const at = Date.parse(event.occurredAt);
  // The staff record is the organisation's own word on someone's team; the event's is the source system's.
  const team = context.staff?.team ?? event.user.team;
  const day = londonDate(at);
  const against = team ? { team, marginDays: options.marginDays } : { marginDays: options.marginDays };
  const checked = checkedWords(event, against, day);

  const practice = context.patient?.registeredPractice;
  const best = closestRelationship(event, context.relationships, team, at, options.marginDays * DAY_MS);
  // Registration explains at organisation level: the user's or their team's own care, when there
  // is some, is the closer explanation (rules such as family or co-worker look at the level).
  if (practice === event.organisation && (!best || best.level === 'organisation')) {
    return rememberCheckedAgainst({ explained: true, by: { type: 'registration', level: 'organisation', organisation: practice, withinMargin: false }, checked }, against);
  }
  if (best) {
    const { relationship, level, withinMargin } = best;
    return rememberCheckedAgainst({
      explained: true,
      by: {
        type: relationship.type, level, organisation: relationship.organisation, withinMargin,
        start: relationship.start,
        ...(relationship.id !== undefined ? { relationshipId: relationship.id } : {}),
        ...(relationship.end !== undefined ? { end: relationship.end } : {}),
      },
      checked,
    }, against);
  }
  return rememberCheckedAgainst({ explained: false, checked, why: whyUnexplained(event, context, day, options.marginDays) }, against);
}

function whyUnexplained(event: AccessToExplain, context: AccessContext, day: string, marginDays: number): string {
  const reasons: string[] = [];
  if (!context.patient) reasons.push('the patient is not in the reference data');
  else if (context.patient.registeredPractice) reasons.push(`the patient is registered with ${context.patient.registeredPractice}, not ${event.organisation}`);
  else reasons.push('the patient has no registered practice on record');
  const here = context.relationships.filter((r) => r.organisation === event.organisation);
  if (here.length === 0) {
    reasons.push(context.relationships.length === 0
      ? 'the patient has no care relationships on record'
      : `none of the patient's ${context.relationships.length} care relationships is with ${event.organisation}`);
  } else {
    reasons.push(`${event.organisation}'s relationships with the patient (${here.slice(0, 3).map(describe).join('; ')}${here.length > 3 ? '; …' : ''}) were not active on ${day} within ${marginDays} days`);
  }
  return `${reasons.join('; ')}.`;
}
