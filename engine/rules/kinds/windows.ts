import type { AlertSubject, EvidenceRef } from '../../alerts/alert.js';
import { londonDate, londonOffsetMs } from '../../explain/londonTime.js';
import { FIELD_PATHS, fieldText, type Condition, type FieldPath } from '../conditions.js';
import { evidenceOf, type RuleContext, type RuleDefinition, type RuleInput } from '../ruleKind.js';

/**
 * What the windowed rule kinds share: durations, hopping windows by event time, lateness, state
 * keys, first-firing markers, alert subjects and the plain words of their explanations.
 * See README.md beside this file for the semantics every windowed kind keeps.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

/** Kept beyond a window's end plus the lateness, so a slow batch still finds its window's state. */
export const STATE_MARGIN_MS = HOUR_MS;

/** Most windows one event may fall into (window ÷ step): more would multiply state writes. */
export const MAX_WINDOWS_PER_EVENT = 48;

/** A duration in rule files: a whole number of minutes, hours or days (`10m`, `1h`, `14d`). */
export const DURATION_PATTERN = '^[1-9][0-9]{0,4}[mhd]$';
/** A duration of whole days (`7d`, `30d`). */
export const WHOLE_DAYS_PATTERN = '^[1-9][0-9]{0,3}d$';

const UNIT_MS: Record<string, number> = { m: MINUTE_MS, h: HOUR_MS, d: DAY_MS };

/** A duration as written in rule files (`10m`, `1h`, `14d`) in ms; throws on anything else. */
export function parseDuration(text: string): number {
  if (!new RegExp(DURATION_PATTERN).test(text)) throw new Error(`"${text}" is not a duration like 10m, 1h or 14d`);
  return Number(text.slice(0, -1)) * UNIT_MS[text.slice(-1)];
}

/** A duration in words: `1 hour`, `10 minutes`, `14 days`. */
export function durationWords(ms: number): string {
  const [n, unit] = ms % DAY_MS === 0 ? [ms / DAY_MS, 'day'] : ms % HOUR_MS === 0 ? [ms / HOUR_MS, 'hour'] : [Math.round(ms / MINUTE_MS), 'minute'];
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

/** A duration parameter in words as the rule writes it: `24h` is `24 hours`, not `1 day`. */
export function durationAsWritten(text: string): string {
  const n = Number(text.slice(0, -1));
  const unit = { m: 'minute', h: 'hour', d: 'day' }[text.slice(-1)] ?? text.slice(-1);
  return `${n} ${unit}${n === 1 ? '' : 's'}`;
}

// ---- parameter schemas (JSON Schema, draft-07) ----

/** Schema of a duration parameter. */
export function durationParam(description: string, pattern = DURATION_PATTERN): Record<string, unknown> {
  return { type: 'string', pattern, description };
}

/** Schema of a parameter naming one field of an enriched access. */
export function fieldParam(description: string): Record<string, unknown> {
  return { enum: FIELD_PATHS, description };
}

/** The subject of user rules: one user at one organisation. */
export const USER_KEY: readonly FieldPath[] = ['event.organisation', 'event.user.id'];

/** Schema of `key`: the fields whose values together name one subject (a user, a source system). */
export function keyParam(description = 'The fields whose values together name one subject (default [event.organisation, event.user.id]: one user at one organisation).'): Record<string, unknown> {
  return { type: 'array', minItems: 1, uniqueItems: true, items: { enum: FIELD_PATHS }, description };
}

/** Schema of `where`: which events count. */
export const whereParam = { $ref: 'condition', description: 'Only events meeting this condition count (default: every event).' };

/** Schemas of `window` and `step`. */
export const windowParams = {
  window: durationParam('How long each window lasts, by event time (e.g. 1h).'),
  step: durationParam('How far apart windows start (default: the window, so windows do not overlap); shorter than the window gives hopping windows.'),
};

/** The parameters every windowed kind shares. */
export interface SubjectParams {
  key?: FieldPath[];
  where?: Condition;
}

// ---- windows ----

/** Hopping windows aligned to the epoch: each `stepMs` a window of `windowMs` starts. */
export interface Windows {
  windowMs: number;
  stepMs: number;
}

/** Windows from `window` and `step` parameters; throws (naming the rule) when they cannot work. */
export function hoppingWindows(ruleId: string, window: string, step?: string): Windows {
  const windowMs = parseDuration(window);
  const stepMs = step === undefined ? windowMs : parseDuration(step);
  if (stepMs > windowMs) throw new Error(`${ruleId}: params.step (${step}) must not be longer than params.window (${window})`);
  if (windowMs / stepMs > MAX_WINDOWS_PER_EVENT) {
    throw new Error(`${ruleId}: params.window (${window}) over params.step (${step}) puts each event in more than ${MAX_WINDOWS_PER_EVENT} windows`);
  }
  return { windowMs, stepMs };
}

/** The starts of every window containing the instant (earliest first). */
export function windowStartsOf(at: number, windows: Windows): number[] {
  const starts: number[] = [];
  for (let start = Math.floor(at / windows.stepMs) * windows.stepMs; start + windows.windowMs > at; start -= windows.stepMs) starts.unshift(start);
  return starts;
}

/** Whether a window that ends at `end` is closed to new events: it ended more than the lateness ago. */
export function isClosed(end: number, context: RuleContext): boolean {
  return end + context.config.latenessMs < context.clock.now();
}

/** When state about a window that ends at `end` may be forgotten. */
export function expiryOf(end: number, context: RuleContext): number {
  return end + context.config.latenessMs + STATE_MARGIN_MS;
}

// ---- subjects and state keys ----

/** The key's values for an access (undefined when one is absent: such an access has no subject). */
export function keyValuesOf(input: RuleInput, key: readonly FieldPath[]): string[] | undefined {
  const values: string[] = [];
  for (const field of key) {
    const value = fieldText(input, field);
    if (value === undefined) return undefined;
    values.push(value);
  }
  return values;
}

/** A state key: `<ruleId>|<part>|<subject key>|<rest>...` (the subject key is JSON of the key's values). */
export function stateKey(ruleId: string, part: string, subjectKey: string, ...rest: (string | number)[]): string {
  let key = `${ruleId}|${part}|${subjectKey}`;
  for (const value of rest) key += `|${value}`;
  return key;
}

/** Events of one subject in one window of a batch. */
export interface WindowGroup {
  /** JSON of the key's values. */
  subjectKey: string;
  start: number;
  end: number;
  inputs: RuleInput[];
}

/**
 * The batch's events that count, by subject and window, in the order their first events come:
 * those meeting `counts`, with every key field present, in each window containing them that is
 * still open. An event repeated in the batch counts once.
 */
export function groupByWindow(
  inputs: readonly RuleInput[], counts: (input: RuleInput) => boolean, key: readonly FieldPath[], windows: Windows, context: RuleContext,
): WindowGroup[] {
  const groups: WindowGroup[] = [];
  // Per subject, its groups (a few: those of its events' windows), found by their start.
  const bySubject = new Map<string, WindowGroup[]>();
  const seen = new Set<string>();
  const now = context.clock.now();
  const { latenessMs } = context.config;
  const { stepMs, windowMs } = windows;
  for (const input of inputs) {
    if (seen.has(input.stored.docId) || !counts(input)) continue;
    seen.add(input.stored.docId);
    const subjectKey = subjectKeyOf(input, key);
    if (subjectKey === undefined) continue;
    let subjectGroups = bySubject.get(subjectKey);
    // Every window containing the instant, earliest first (as windowStartsOf), skipping closed ones (as isClosed).
    let first = Math.floor(input.at / stepMs) * stepMs;
    while (first - stepMs + windowMs > input.at) first -= stepMs;
    for (let start = first; start <= input.at; start += stepMs) {
      const end = start + windowMs;
      if (end + latenessMs < now) continue;
      let group: WindowGroup | undefined;
      for (let g = (subjectGroups?.length ?? 0) - 1; g >= 0 && !group; g--) if (subjectGroups![g].start === start) group = subjectGroups![g];
      if (group) {
        group.inputs.push(input);
      } else {
        // Lists made with their first item: most of a batch's groups hold one event (an empty array grows to 17 slots on its first push).
        group = { subjectKey, start, end, inputs: [input] };
        if (subjectGroups) subjectGroups.push(group);
        else bySubject.set(subjectKey, (subjectGroups = [group]));
        groups.push(group);
      }
    }
  }
  return groups;
}

/** JSON of the key's values for the default key, per access (every user rule asks for it). */
const userSubjectKeys = new WeakMap<RuleInput, string | null>();

/** The subject key (JSON of the key's values) of an access, or undefined when a key field is absent. */
export function subjectKeyOf(input: RuleInput, key: readonly FieldPath[]): string | undefined {
  if (key !== USER_KEY) {
    const values = keyValuesOf(input, key);
    return values ? JSON.stringify(values) : undefined;
  }
  let subjectKey = userSubjectKeys.get(input);
  if (subjectKey === undefined) {
    const values = keyValuesOf(input, key);
    userSubjectKeys.set(input, (subjectKey = values ? JSON.stringify(values) : null));
  }
  return subjectKey ?? undefined;
}

/**
 * Marks each key as fired and returns those this call marked first: across batches, replays and
 * workers sharing the store, exactly one caller sees a key for the first time (a counter going to 1).
 */
export async function firstFirings(context: RuleContext, markers: { key: string; expiresAt: number }[]): Promise<Set<string>> {
  if (markers.length === 0) return new Set();
  const values = await context.state.addToCounters(markers.map(({ key, expiresAt }) => ({ counter: key, by: 1, expiresAt })));
  return new Set(markers.filter(({ key }) => values.get(key) === 1).map(({ key }) => key));
}

/** Who a windowed match is about, from one of its accesses (the rule's key should hold these fields). */
export function subjectOf(input: RuleInput, definition: Pick<RuleDefinition, 'subject'>, key: readonly FieldPath[]): AlertSubject {
  const { event } = input;
  if (definition.subject === 'system') return { organisation: event.organisation, system: event.system };
  const subject: AlertSubject = { organisation: event.organisation, userId: event.user.id };
  if (definition.subject === 'user-patient' && key.includes('event.patient.nhsNumber')) subject.nhsNumber = event.patient.nhsNumber;
  return subject;
}

// ---- evidence kept in state ----

/** An event as a set member: compact JSON of its time and ids (and any extra values a kind needs). */
export function eventMember(input: RuleInput, ...extra: unknown[]): string {
  return JSON.stringify([input.at, input.stored.docId, input.event.system, input.event.id, ...extra]);
}

/** An event read back from a set member. */
export interface MemberEvent {
  at: number;
  ref: EvidenceRef;
  extra: unknown[];
}

export function parseMember(member: string): MemberEvent {
  const [at, docId, system, id, ...extra] = JSON.parse(member) as [number, string, string, string, ...unknown[]];
  return { at, ref: { docId, system, id, occurredAt: new Date(at).toISOString() }, extra };
}

/** Evidence from accesses and events read back, one per docId, earliest first. */
export function evidenceFrom(inputs: readonly RuleInput[], readBack: readonly MemberEvent[] = []): EvidenceRef[] {
  const byDocId = new Map<string, EvidenceRef>();
  for (const event of readBack) byDocId.set(event.ref.docId, event.ref);
  for (const input of inputs) byDocId.set(input.stored.docId, evidenceOf(input));
  return [...byDocId.values()].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt) || a.docId.localeCompare(b.docId));
}

/** A match's first and last event times from its evidence (or the fallback when it has none). */
export function seenSpan(evidence: readonly EvidenceRef[], fallback: number): { firstSeenAt: string; lastSeenAt: string } {
  if (evidence.length === 0) return { firstSeenAt: new Date(fallback).toISOString(), lastSeenAt: new Date(fallback).toISOString() };
  return { firstSeenAt: evidence[0].occurredAt, lastSeenAt: evidence[evidence.length - 1].occurredAt };
}

// ---- words ----

/** The subject as an IG officer names it: `user U123 at RXX`, `system EPR at RXX`. */
export function describeSubject(subject: AlertSubject): string {
  if (subject.system !== undefined && subject.userId === undefined) return `system ${subject.system} at ${subject.organisation}`;
  return `user ${subject.userId ?? '(unknown)'} at ${subject.organisation}`;
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function londonDay(at: number): string {
  const [year, month, day] = londonDate(at).split('-').map(Number);
  return `${day} ${MONTHS[month - 1]} ${year}`;
}

function londonClock(at: number): string {
  return new Date(at + londonOffsetMs(at)).toISOString().slice(11, 16);
}

/** An instant in UK time: `10:02 on 4 March 2026`. */
export function londonMoment(at: number): string {
  return `${londonClock(at)} on ${londonDay(at)}`;
}

/** A window in UK time: `between 10:00 and 11:00 on 4 March 2026` (the end is exclusive). */
export function londonPeriod(start: number, end: number): string {
  if (londonDay(start) !== londonDay(end - 1)) return `between ${londonMoment(start)} and ${londonMoment(end)}`;
  if (londonClock(start) === '00:00' && londonClock(end) === '00:00') return `on ${londonDay(start)}`;
  const until = londonClock(end) === '00:00' ? '24:00' : londonClock(end);
  return `between ${londonClock(start)} and ${until} on ${londonDay(start)}`;
}

const FIELD_WORDS: Partial<Record<FieldPath, [one: string, many: string]>> = {
  'event.patient.nhsNumber': ["patient's record", "patients' records"],
  'event.workstation': ['workstation', 'workstations'],
  'event.site': ['site', 'sites'],
  'event.ip': ['IP address', 'IP addresses'],
  'event.system': ['system', 'systems'],
  'event.recordPart': ['record part', 'record parts'],
  'event.action': ['action', 'actions'],
  'event.user.id': ['user', 'users'],
  'event.user.role': ['role', 'roles'],
  'event.user.team': ['team', 'teams'],
  'facts.roleClass': ['role class', 'role classes'],
  'staff.roleClass': ['role class', 'role classes'],
  'staff.role': ['role', 'roles'],
};

/** A field in words, one or many (`workstation`, `patients' records`); other fields by their path. */
export function fieldWords(field: FieldPath, many = false): string {
  const words = FIELD_WORDS[field];
  return words ? words[many ? 1 : 0] : `value${many ? 's' : ''} of ${field}`;
}

/** The figures behind a windowed match. */
export function windowDetails(count: number, threshold: number, start: number, end: number): Record<string, number | string> {
  return { count, threshold, windowStart: new Date(start).toISOString(), windowEnd: new Date(end).toISOString() };
}
