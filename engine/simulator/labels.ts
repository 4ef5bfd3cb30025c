import type { Action, Outcome, Purpose } from '../events/accessEvent.js';
import type { StaffMember } from './workforce.js';

/**
 * Ground truth. Every injected misuse scenario, a sample of the routine patterns that look odd
 * but are legitimate (controls), and the legitimate accesses some rule raises by its design (a
 * colleague or a neighbour treated as a patient; care whose relationship was never recorded)
 * are written to `labels.ndjson` with the rules expected to fire, the subject, the time range and
 * the ids of the events, so that detection can be scored.
 */

/** The rule families of the catalogue (the folders of `rules/`). */
export type RuleFamily = 'inappropriate-access' | 'legitimate-relationship' | 'breach-pattern';

/**
 * What a scenario needs to be detected, beyond being posted:
 * - `posted-within-lateness`: a windowed rule judges it, so its events must reach accesswatch
 *   within the lateness (an hour by default) of their event time;
 * - `history`: the user's activity on earlier days must have been posted (the spike's baseline);
 * - `seven-days-of-history`: the user must have been seen at least seven days before (new-term's learning);
 * - `arrival-gap`: accesswatch's clock must pass 24 hours after the source's last batch arrived (audit gap).
 */
export type Need = 'posted-within-lateness' | 'history' | 'seven-days-of-history' | 'arrival-gap';

/** Who or what a label is about, as an alert's subject names it. */
export interface LabelSubject {
  organisation: string;
  userId?: string;
  /** Present when the scenario is about one patient. */
  nhsNumber?: string;
  /** Present when the scenario is about a source system (audit gap). */
  system?: string;
}

/** One line of `labels.ndjson`. */
export interface ScenarioLabel {
  /**
   * `misuse`: injected, the rules in `ruleIds` should fire. `control`: legitimate, nothing should
   * (signals aside). `legitimate-alert`: legitimate care that the rules in `ruleIds` raise by their
   * design (AW-IA-003 on every colleague's record, AW-IA-002 on a neighbour's) or, for AW-LR-001,
   * because its relationship never reached the reference data (unless another explains it).
   */
  kind: 'misuse' | 'control' | 'legitimate-alert';
  /** `<rule slug>/<variant>` for misuse (`family-or-neighbour/one-look-at-a-neighbour`), the pattern's name for controls. */
  scenario: string;
  /** The family of the rule the scenario is written for (misuse only). */
  family?: RuleFamily;
  /** Rules expected to raise an alert (or signal) about the subject from these events; others may fire too. */
  ruleIds: string[];
  /** A pattern meant to be hard to see (a single look, a slow drip, a stale account used once). */
  subtle: boolean;
  description: string;
  subject: LabelSubject;
  /** NHS numbers of the patients involved, when there are several. */
  patients?: string[];
  /** First and last event time (RFC 3339); for an audit gap, the silence. */
  from: string;
  to: string;
  needs: Need[];
  /** The events of the scenario, by their identity `(system, id)`. */
  events: { system: string; id: string }[];
}

/** A label being built while its events are generated and given ids. */
export class LabelDraft {
  readonly events: { system: string; id: string }[] = [];
  private first = Infinity;
  private last = -Infinity;
  private readonly patients = new Set<string>();

  constructor(readonly label: Omit<ScenarioLabel, 'events' | 'from' | 'to' | 'patients'>, private readonly span?: { from: number; to: number }) {}

  /** Records an event of the scenario once it has its id. */
  add(system: string, id: string, at: number, nhsNumber: string): void {
    this.events.push({ system, id });
    this.patients.add(nhsNumber);
    if (at < this.first) this.first = at;
    if (at > this.last) this.last = at;
  }

  /** The finished label (undefined when none of its events was generated, e.g. the period ended first). */
  finish(): ScenarioLabel | undefined {
    const from = this.span?.from ?? this.first;
    const to = this.span?.to ?? this.last;
    if (!Number.isFinite(from) || (this.events.length === 0 && !this.span)) return undefined;
    const patients = this.patients.size > 1 ? { patients: [...this.patients].sort() } : {};
    const subject = this.label.kind !== 'misuse' && this.patients.size === 1 ? { ...this.label.subject, nhsNumber: [...this.patients][0] } : this.label.subject;
    return { ...this.label, subject, ...patients, from: new Date(from).toISOString(), to: new Date(to).toISOString(), events: this.events };
  }
}

/** One access before it is given an id and written in its system's format. */
export interface AccessDraft {
  at: number;
  system: string;
  organisation: string;
  user: { id: string; role: string; team?: string };
  nhsNumber: string;
  action: Action;
  recordPart?: string;
  purpose?: Purpose;
  outcome?: Outcome;
  workstation?: string;
  site?: string;
  ip?: string;
  reason?: string;
  relationshipClaim?: 'self-claimed';
  /** The scenario or control the access belongs to. */
  label?: LabelDraft;
  /** Legitimate, but its care episode never reached the reference data. */
  unrecorded?: boolean;
  /** For routine accesses: who, and the patient's index (to spot colleagues and neighbours). */
  routine?: { staff: StaffMember; patient: number };
}
