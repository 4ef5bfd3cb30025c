/** What explained an access, as stored with the event and shown with alerts. */

/** How specific the explaining relationship is: the user themself, their team, or their organisation. */
export type ExplanationLevel = 'user' | 'team' | 'organisation';

export interface ExplainedBy {
  /** `registration` (the patient's registered practice) or the relationship's type. */
  type: string;
  level: ExplanationLevel;
  organisation: string;
  /** The relationship's id, when it has one. */
  relationshipId?: string;
  start?: string;
  end?: string;
  /** True when the access fell outside the relationship's dates but within the margin. */
  withinMargin: boolean;
}

export interface Explanation {
  explained: boolean;
  /** What explained the access (absent when nothing did). */
  by?: ExplainedBy;
  /** What was checked, in words, in the order checked. */
  checked: string[];
  /** Why nothing explained the access, in words (absent when explained). */
  why?: string;
}
