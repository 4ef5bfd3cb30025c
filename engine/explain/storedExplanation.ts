import type { Explanation } from './explanation.js';
import { londonDate } from './londonTime.js';

/**
 * An explanation as a store keeps it. Its `checked` words are most of its size (two sentences
 * naming the organisation, the user, their team, the day and the margin), and all of them but the
 * team and the margin are the access's own fields; storing the words for every access made
 * writes about a tenth dearer. So an explanation made here is stored with what it checked against
 * instead, and its words are written again when it is read.
 */

/** The fields of an access that its `checked` words name (an AccessToExplain has them). */
export interface CheckedAccess {
  occurredAt: string;
  organisation: string;
  user: { id: string };
}

/** What an access was checked against besides its own fields. */
export interface CheckedAgainst {
  /** The team the user was taken to be in (their staff record's, else the event's). */
  team?: string;
  marginDays: number;
}

/** Kept on an explanation made by explainAccess, hidden (JSON, copies and threads leave it behind). */
const CHECKED_AGAINST = Symbol('checked against');

/** The `checked` words of an access's explanation, in the order explainAccess checks. */
export function checkedWords(access: CheckedAccess, against: CheckedAgainst, day = londonDate(Date.parse(access.occurredAt))): string[] {
  return [
    `registration of the patient with ${access.organisation}`,
    `care relationships of ${access.user.id}${against.team ? `, team ${against.team}` : ''} or ${access.organisation} with the patient active on ${day} (±${against.marginDays} days)`,
  ];
}

/** Marks an explanation whose `checked` words are checkedWords(access, against). */
export function rememberCheckedAgainst(explanation: Explanation, against: CheckedAgainst): Explanation {
  Object.defineProperty(explanation, CHECKED_AGAINST, { value: against, enumerable: false });
  return explanation;
}

/** An explanation as stored, or as it crosses the queue: whole, or without its words and with what it checked against. */
export interface StoredExplanation extends Omit<Explanation, 'checked'> {
  checked?: string[];
  checkedAgainst?: CheckedAgainst;
}

/** The fields storedExplanationText writes out: a field added to Explanation fails to compile here until it is written. */
const WRITTEN: Record<keyof Explanation, true> = { explained: true, by: true, checked: true, why: true };
void WRITTEN;

/** The JSON text to store: without the words when they can be written again from the access. */
export function storedExplanationText(explanation: Explanation): string {
  const against = (explanation as { [CHECKED_AGAINST]?: CheckedAgainst })[CHECKED_AGAINST];
  if (against === undefined) return JSON.stringify(explanation);
  // Written out (the fields of Explanation but `checked`): a copy without the words to stringify cost more than the rest.
  const by = explanation.by === undefined ? '' : `,"by":${JSON.stringify(explanation.by)}`;
  const why = explanation.why === undefined ? '' : `,"why":${JSON.stringify(explanation.why)}`;
  return `{"explained":${explanation.explained}${by}${why},"checkedAgainst":${JSON.stringify(against)}}`;
}

/**
 * The whole explanation of this access from its stored form (storedExplanationText's, parsed; or
 * whole, as earlier versions stored it). Stored again, it is stored without its words again.
 */
export function explanationFromStoredForm(stored: StoredExplanation | Explanation, access: CheckedAccess): Explanation {
  if (!('checkedAgainst' in stored) || stored.checkedAgainst === undefined) return stored as Explanation;
  const { checkedAgainst, why, ...rest } = stored;
  const explanation: Explanation = { ...rest, checked: checkedWords(access, checkedAgainst), ...(why === undefined ? {} : { why }) };
  return rememberCheckedAgainst(explanation, checkedAgainst);
}

/** explanationFromStoredForm of a stored text. */
export function explanationFromStored(text: string, access: CheckedAccess): Explanation {
  return explanationFromStoredForm(JSON.parse(text) as StoredExplanation, access);
}
