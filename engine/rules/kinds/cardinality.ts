import { compileCondition, fieldText, type FieldPath } from '../conditions.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import {
  describeSubject, eventMember, evidenceFrom, expiryOf, fieldParam, fieldWords, firstFirings, groupByWindow, hoppingWindows,
  keyParam, londonPeriod, parseMember, seenSpan, stateKey, subjectOf, whereParam, windowDetails, windowParams, USER_KEY, type SubjectParams, type WindowGroup,
} from './windows.js';

/** Parameters of a `cardinality` rule. */
export interface CardinalityParams extends SubjectParams {
  window: string;
  step?: string;
  /** The field whose distinct values are counted, e.g. event.patient.nhsNumber. */
  distinct: FieldPath;
  /** Distinct values (or, with `consecutive`, the run length) at which the rule fires. */
  threshold: number;
  /** Fire on a run of consecutive NHS numbers instead of on the number of distinct values. */
  consecutive?: boolean;
}

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['window', 'distinct', 'threshold'],
  properties: {
    key: keyParam(),
    where: whereParam,
    ...windowParams,
    distinct: fieldParam('The field whose distinct values are counted per subject per window, e.g. event.patient.nhsNumber.'),
    threshold: { type: 'integer', minimum: 2, description: 'Distinct values per subject per window (or, with consecutive, the length of the run) at which the rule fires.' },
    consecutive: {
      type: 'boolean',
      description: 'Fire when the window\'s distinct NHS numbers hold a run of at least threshold consecutive numbers (by their first nine digits; the tenth is a check digit): enumeration.',
    },
  },
};

/** Whether a nine-digit NHS number prefix has a check digit (a remainder of 10 means no valid number starts with it). */
function hasCheckDigit(prefix: number): boolean {
  let sum = 0;
  let rest = prefix;
  for (let weight = 2; weight <= 10; weight++) {
    sum += (rest % 10) * weight;
    rest = Math.floor(rest / 10);
  }
  return 11 - (sum % 11) !== 10;
}

/**
 * The longest run of consecutive NHS numbers (by their first nine digits) holding at least one
 * of `including`. Prefixes that cannot start a valid NHS number do not break a run: someone
 * working through numbers in order never sees them.
 */
export function longestConsecutiveRun(nhsNumbers: readonly string[], including: ReadonlySet<string>): string[] {
  const byPrefix = new Map<number, string>();
  for (const value of nhsNumbers) if (/^\d{10}$/.test(value)) byPrefix.set(Number(value.slice(0, 9)), value);
  const follows = (before: number, after: number): boolean => {
    if (after - before > 12) return false;
    for (let between = before + 1; between < after; between++) if (hasCheckDigit(between)) return false;
    return true;
  };
  /** The nearest prefix held beyond `prefix` (direction -1 or 1) that continues its run, if any. */
  const neighbour = (prefix: number, direction: -1 | 1): number | undefined => {
    for (let gap = 1; gap <= 12; gap++) {
      const next = prefix + direction * gap;
      if (byPrefix.has(next)) return direction < 0 ? (follows(next, prefix) ? next : undefined) : (follows(prefix, next) ? next : undefined);
    }
    return undefined;
  };
  // Walk out from each prefix whose number is one of `including` (not the whole set sorted): the longest run, the earliest on a tie.
  let best: { first: number; length: number } | undefined;
  const covered = new Set<number>();
  for (const [prefix, value] of byPrefix) {
    if (covered.has(prefix) || !including.has(value)) continue;
    let first = prefix;
    for (let before = neighbour(first, -1); before !== undefined; before = neighbour(first, -1)) first = before;
    let length = 0;
    for (let at: number | undefined = first; at !== undefined; at = neighbour(at, 1)) {
      covered.add(at);
      length += 1;
    }
    if (!best || length > best.length || (length === best.length && first < best.first)) best = { first, length };
  }
  const run: string[] = [];
  for (let at = best?.first; at !== undefined && run.length < best!.length; at = neighbour(at, 1)) run.push(byPrefix.get(at)!);
  return run;
}

/** One subject's window that reached the threshold in this batch. */
interface Reached extends WindowGroup {
  count: number;
  /** With `consecutive`: the NHS numbers of the run. */
  run?: Set<string>;
}

/**
 * `cardinality`: fires when a subject touches at least `threshold` distinct values of a field in
 * one window: many distinct patients' records opened by one user, or, with `consecutive`, a run
 * of sequential NHS numbers (enumeration). Values are kept in window sets and events in step sets,
 * so replays count once; the batch that first takes a window over reads back its steps' events as evidence.
 */
export const cardinalityKind: RuleKind = {
  name: 'cardinality',
  windowed: true,
  paramsSchema,
  defaultSubject: 'user',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as CardinalityParams;
    const windows = hoppingWindows(definition.id, params.window, params.step);
    const where = params.where ? compileCondition(params.where) : () => true;
    const valueOf = (input: RuleInput) => fieldText(input, params.distinct);
    const counts = params.consecutive
      ? (input: RuleInput) => where(input) && /^\d{10}$/.test(valueOf(input) ?? '')
      : (input: RuleInput) => where(input) && valueOf(input) !== undefined;
    const key: readonly FieldPath[] = params.key ?? USER_KEY;
    // A group's values set key, built once per group.
    const valuesKeys = new WeakMap<WindowGroup, string>();
    const valuesSet = (group: WindowGroup) => {
      let set = valuesKeys.get(group);
      if (set === undefined) valuesKeys.set(group, (set = stateKey(definition.id, 'values', group.subjectKey, group.start)));
      return set;
    };
    // Events are kept once, by step (not once per window): a window's events are its steps' sets together.
    const stepEventsSet = (subjectKey: string, stepStart: number) => stateKey(definition.id, 'step-events', subjectKey, stepStart);
    const eventsSetsOf = (group: WindowGroup) => {
      const sets: string[] = [];
      for (let step = group.start; step < group.end; step += windows.stepMs) sets.push(stepEventsSet(group.subjectKey, step));
      return sets;
    };

    async function reachedWindows(groups: WindowGroup[], sizes: Map<string, number>, context: RuleContext): Promise<Reached[]> {
      const over = groups.filter((group) => (sizes.get(valuesSet(group)) ?? 0) >= params.threshold);
      if (!params.consecutive) return over.map((group) => ({ ...group, count: sizes.get(valuesSet(group)) ?? 0 }));
      if (over.length === 0) return [];
      const values = await context.state.readSets(over.map(valuesSet));
      const reached: Reached[] = [];
      for (const group of over) {
        const run = longestConsecutiveRun(values.get(valuesSet(group)) ?? [], new Set(group.inputs.map((input) => valueOf(input)!)));
        if (run.length >= params.threshold) reached.push({ ...group, count: run.length, run: new Set(run) });
      }
      return reached;
    }

    function describe(r: Reached, subject: RuleMatch['subject']): string {
      const period = `by ${describeSubject(subject)} ${londonPeriod(r.start, r.end)} (threshold ${params.threshold})`;
      if (r.run) return `${r.count} patients' records with consecutive NHS numbers accessed ${period}: a sign of working through NHS numbers in order.`;
      return `${r.count} distinct ${fieldWords(params.distinct, true)} accessed ${period}.`;
    }

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const groups = [...groupByWindow(inputs, counts, key, windows, context).values()];
        if (groups.length === 0) return [];
        // Each event's value once, its member once in its step's set; each window's values set gets the distinct values once.
        const values = new Map<RuleInput, string>();
        const additions: { set: string; member: string; expiresAt: number }[] = [];
        const eventAdditions: { set: string; member: string; expiresAt: number }[] = [];
        for (const group of groups) {
          const expiresAt = expiryOf(group.end, context);
          const set = valuesSet(group);
          const distinct = new Set<string>();
          for (const input of group.inputs) {
            let value = values.get(input);
            if (value === undefined) {
              values.set(input, (value = valueOf(input)!));
              const step = Math.floor(input.at / windows.stepMs) * windows.stepMs;
              // Kept while any window holding the step may still read it back.
              eventAdditions.push({ set: stepEventsSet(group.subjectKey, step), member: eventMember(input, value), expiresAt: expiryOf(step + windows.windowMs, context) });
            }
            if (!distinct.has(value)) {
              distinct.add(value);
              additions.push({ set, member: value, expiresAt });
            }
          }
        }
        const sizes = await context.state.addToSets(additions.concat(eventAdditions));
        const reached = await reachedWindows(groups, sizes, context);
        const markerOf = (r: Reached) => stateKey(definition.id, 'fired', r.subjectKey, r.start);
        const first = await firstFirings(context, reached.map((r) => ({ key: markerOf(r), expiresAt: expiryOf(r.end, context) })));
        const readBack = first.size === 0
          ? new Map<string, string[]>()
          : await context.state.readSets([...new Set(reached.filter((r) => first.has(markerOf(r))).flatMap(eventsSetsOf))]);

        return reached.map((r) => {
          const inRun = (value: unknown) => !r.run || r.run.has(String(value));
          const kept = (first.has(markerOf(r)) ? eventsSetsOf(r).flatMap((set) => readBack.get(set) ?? []) : []).map(parseMember).filter((event) => inRun(event.extra[0]));
          const evidence = evidenceFrom(r.inputs.filter((input) => inRun(valueOf(input))), kept);
          const subject = subjectOf(r.inputs[0], definition, key);
          const details: Record<string, string | number | boolean> = { ...windowDetails(r.count, params.threshold, r.start, r.end), distinct: params.distinct };
          if (r.run) {
            const run = [...r.run].sort();
            Object.assign(details, { consecutive: true, firstInRun: run[0], lastInRun: run[run.length - 1] });
          }
          return { subject, evidence, explanation: { text: describe(r, subject), details }, ...seenSpan(evidence, r.start) };
        });
      },
    };
  },
};
