import type { AlertExplanation, AlertRaises, AlertSubject, EvidenceRef, Severity } from '../alerts/alert.js';
import type { AccessEvent, StoredEvent } from '../events/accessEvent.js';
import type { Explanation } from '../explain/explanation.js';
import type { Patient, RoleClass, Staff } from '../reference/referenceData.js';
import type { RuleStateStore } from './ruleState.js';

/**
 * Who an alert of a rule is about: the user, the user and the patient, the user's team and the
 * patient (per-event kinds only: one alert for a team's accesses to one patient, the user alone
 * when the team is not known), or the source system.
 */
export type RuleSubject = 'user' | 'user-patient' | 'team-patient' | 'system';

/** A rule as written in `rules/<family>/<slug>.yaml` (validated against the published schema). */
export interface RuleDefinition {
  /** Stable id (`AW-<FAMILY>-<NNN>`), never reused. */
  id: string;
  title: string;
  /** `inappropriate-access`, `legitimate-relationship` or `breach-pattern` (the folder it lives in). */
  family: string;
  severity: Severity;
  /** A key in the rule-kind registry. */
  kind: string;
  /** What one open alert is about (default: user-patient for per-event kinds, user for windowed ones). */
  subject: RuleSubject;
  /** `alert` (default) or `signal` (raises risk, not listed as an alert on its own). */
  raises: AlertRaises;
  /** The Caldicott principle or policy the rule protects. */
  rationale: string;
  falsePositives: string[];
  enabled: boolean;
  /** The kind's parameters, validated by the kind's own schema. */
  params: Record<string, unknown>;
}

/** Facts about an access worked out from its reference data, named in rules as `facts.<name>`. */
export interface AccessFacts {
  /** The user has a staff record at the organisation of the access. */
  knownUser: boolean;
  /** The user's role class (staff record), when known. */
  roleClass?: RoleClass;
  /** The staff record's NHS number is the patient's. */
  ownRecord: boolean;
  /** Same surname as the patient and the same address (first line and postcode). */
  familyOrNeighbour: boolean;
  sameSurname: boolean;
  sameAddress: boolean;
  samePostcode: boolean;
  /** The patient is on the staff of the access's organisation. */
  coWorker: boolean;
  /** The patient died more than the configured margin before the access. */
  deceasedBeyondMargin: boolean;
  /** The access came after the user's staff record ended. */
  leaver: boolean;
  /** The access fell outside working hours (Europe/London). */
  afterHours: boolean;
  /** The record part is sensitive (configured) and the user's role class is not allowed it. */
  recordPartNotAllowed: boolean;
  /** The patient has opted out (type-1 or national data opt-out). */
  optedOut: boolean;
  /** The purpose is secondary use (research, planning, commissioning). */
  secondaryUse: boolean;
}

/** One access event enriched for the rules: the event, its explanation, its reference data, its facts. */
export interface RuleInput {
  stored: StoredEvent;
  event: AccessEvent;
  explanation: Explanation;
  /** The user's staff record at the access's organisation, if known. */
  staff?: Staff;
  patient?: Patient;
  facts: AccessFacts;
  /** Event time, epoch ms. */
  at: number;
}

/** What rules evaluate against: configuration shared by every rule. */
export interface RulesConfig {
  /** Working hours in Europe/London, `HH:MM`, default 07:00–19:00. */
  workingHours: { start: string; end: string };
  /** Days of the week that are working days (0 = Sunday), default every day. */
  workingDays: number[];
  /** Record parts that are sensitive, and the role classes allowed each. */
  recordPartRoleClasses: Record<string, RoleClass[]>;
  /** Days after death that still count as care (default 30). */
  deceasedMarginDays: number;
  /** How late (ms) an event may arrive and still count in windowed rules (default one hour). */
  latenessMs: number;
}

export interface RuleClock {
  /** Epoch ms now. */
  now(): number;
}

/** What a compiled rule gets for each batch. */
export interface RuleContext {
  state: RuleStateStore;
  clock: RuleClock;
  config: RulesConfig;
}

/** A rule's finding for one subject in one batch; the runtime turns it into an AlertUpdate. */
export interface RuleMatch {
  subject: AlertSubject;
  evidence: EvidenceRef[];
  explanation: AlertExplanation;
  /** For a team subject: the users whose accesses these are. */
  users?: string[];
  /** Overrides the rule's severity for this match (e.g. emergency access without a reason). */
  severity?: Severity;
  /** Event time of the earliest and latest evidence (RFC 3339, UTC). */
  firstSeenAt: string;
  lastSeenAt: string;
}

/** A rule ready to run: the definition with its parameters compiled. No I/O beyond the state port. */
export interface CompiledRule {
  definition: RuleDefinition;
  /** Matches for a batch of newly stored events (each event once, in no particular order). */
  evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]>;
  /** Kinds that fire on the passage of time (flatline) look at the clock here, every minute. */
  tick?(context: RuleContext): Promise<RuleMatch[]>;
}

/** A rule kind: the code behind `kind:` in rule files. */
export interface RuleKind {
  name: string;
  /** Whether it keeps state across batches (and so needs the rule-state store). */
  windowed: boolean;
  /** JSON Schema of the kind's `params` (part of the published rule schema). */
  paramsSchema: Record<string, unknown>;
  /** Default `subject` for rules of this kind. */
  defaultSubject: RuleSubject;
  compile(definition: RuleDefinition, config: RulesConfig): CompiledRule;
}

/** Evidence reference for an input. */
export function evidenceOf(input: RuleInput): EvidenceRef {
  return { docId: input.stored.docId, system: input.event.system, id: input.event.id, occurredAt: new Date(input.at).toISOString() };
}
