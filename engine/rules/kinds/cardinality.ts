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
  const prefixes = [...byPrefix.keys()].sort((a, b) => a - b);
  const follows = (before: number, after: number): boolean => {
    if (after - before > 12) return false;
    for (let between = before + 1; between < after; between++) if (hasCheckDigit(between)) return false;
    return true;
  };
  let best: string[] = [];
  let run: string[] = [];
  prefixes.forEach((prefix, i) => {
    run = i > 0 && follows(prefixes[i - 1], prefix) ? run : [];
    run.push(byPrefix.get(prefix)!);
    const next = prefixes[i + 1];
    const ends = next === undefined || !follows(prefix, next);
    if (ends && run.length > best.length && run.some((value) => including.has(value))) best = run;
  });
  return best;
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
 * of sequential NHS numbers (enumeration). Values and events are kept in window sets, so replays
 * count once; the batch that first takes a window over reads back the window's events as evidence.
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
    const valuesSet = (group: WindowGroup) => stateKey(definition.id, 'values', group.subjectKey, group.start);
    const eventsSet = (group: WindowGroup) => stateKey(definition.id, 'events', group.subjectKey, group.start);

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
        const additions = new Map<string, { set: string; member: string; expiresAt: number }>();
        for (const group of groups) {
          const expiresAt = expiryOf(group.end, context);
          for (const input of group.inputs) {
            const value = valueOf(input)!;
            additions.set(`${valuesSet(group)} ${value}`, { set: valuesSet(group), member: value, expiresAt });
            additions.set(`${eventsSet(group)} ${input.stored.docId}`, { set: eventsSet(group), member: eventMember(input, value), expiresAt });
          }
        }
        const sizes = await context.state.addToSets([...additions.values()]);
        const reached = await reachedWindows(groups, sizes, context);
        const markerOf = (r: Reached) => stateKey(definition.id, 'fired', r.subjectKey, r.start);
        const first = await firstFirings(context, reached.map((r) => ({ key: markerOf(r), expiresAt: expiryOf(r.end, context) })));
        const readBack = first.size === 0
          ? new Map<string, string[]>()
          : await context.state.readSets(reached.filter((r) => first.has(markerOf(r))).map(eventsSet));

        return reached.map((r) => {
          const inRun = (value: unknown) => !r.run || r.run.has(String(value));
          const kept = (readBack.get(eventsSet(r)) ?? []).map(parseMember).filter((event) => inRun(event.extra[0]));
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
