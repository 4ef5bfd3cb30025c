import { compileCondition, fieldText, type FieldPath } from '../conditions.js';
import { isValidNhsNumber } from '../../events/nhsNumber.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import type { SetAddition, SetMembership } from '../ruleState.js';
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

/** The NHS number (ten digits) with this nine-digit prefix, or undefined when the prefix has no check digit. */
function nhsNumberWithPrefix(prefix: number): string | undefined {
  if (!hasCheckDigit(prefix)) return undefined;
  const nine = String(prefix).padStart(9, '0');
  let sum = 0;
  for (let i = 0; i < 9; i++) sum += (nine.charCodeAt(i) - 48) * (10 - i);
  return `${nine}${(11 - (sum % 11)) % 11}`;
}

/**
 * The NHS numbers that would continue a run from this one, one either side: the nearest prefix
 * with a check digit within 12, below and above (prefixes without one never break a run, and a
 * held number beyond the nearest valid prefix does not follow on, as in `longestConsecutiveRun`).
 */
export function runNeighbours(nhsNumber: string): string[] {
  const prefix = Number(nhsNumber.slice(0, 9));
  const found: string[] = [];
  for (const direction of [-1, 1]) {
    for (let gap = 1; gap <= 12; gap++) {
      const next = prefix + direction * gap;
      if (next < 0 || next > 999_999_999) break;
      const number = nhsNumberWithPrefix(next);
      if (number !== undefined) {
        found.push(number);
        break;
      }
    }
  }
  return found;
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
 * of sequential NHS numbers (enumeration). Values and events are kept once, in sets per `step`
 * (not per hopping window), so replays count once: a window's distinct values are its steps'
 * value sets together, counted by the store; with `consecutive` the store is first asked whether
 * any of the batch's numbers has a neighbour in the window, and only then are its values read.
 * The batch that first takes a window over reads back its steps' events as evidence.
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
    // Only valid NHS numbers (as every stored event's is) take part in a run.
    const counts = params.consecutive
      ? (input: RuleInput) => where(input) && isValidNhsNumber(valueOf(input) ?? '')
      : (input: RuleInput) => where(input) && valueOf(input) !== undefined;
    const key: readonly FieldPath[] = params.key ?? USER_KEY;
    const stepOf = (at: number) => Math.floor(at / windows.stepMs) * windows.stepMs;
    const { id } = definition;
    const latestStepKey = `${id}|latest-step`;

    /** A subject's steps over the batch's windows: their values sets' keys (each built once, when needed) and their sizes. */
    interface Span {
      subjectKey: string;
      first: number;
      /** How many steps, from `first`. */
      steps: number;
      values: (string | undefined)[];
      sizes?: number[];
      /** Per step, the values already added in this batch. */
      added: (Set<string> | undefined)[];
      /** Per step the batch adds to, its events set's key. */
      events: (string | undefined)[];
      /** `<ruleId>|step-values|<subject key>|` and `<ruleId>|step-events|<subject key>|`: a step's key is one of them and its start. */
      valuesPrefix?: string;
      eventsPrefix?: string;
    }
    const stepIndex = (span: Span, at: number) => (at - span.first) / windows.stepMs;
    const valuesSetOf = (span: Span, i: number) => span.values[i]
      ?? (span.values[i] = (span.valuesPrefix ??= `${stateKey(id, 'step-values', span.subjectKey)}|`) + (span.first + i * windows.stepMs));
    const eventsSetOf = (span: Span, i: number) => span.events[i]
      ?? (span.events[i] = (span.eventsPrefix ??= `${stateKey(id, 'step-events', span.subjectKey)}|`) + (span.first + i * windows.stepMs));
    const valuesSetsOf = (span: Span, group: WindowGroup) => {
      const sets: string[] = [];
      for (let i = stepIndex(span, group.start), end = stepIndex(span, group.end); i < end; i++) sets.push(valuesSetOf(span, i));
      return sets;
    };
    const eventsSetsOf = (group: WindowGroup) => {
      const sets: string[] = [];
      for (let step = group.start; step < group.end; step += windows.stepMs) sets.push(stateKey(id, 'step-events', group.subjectKey, step));
      return sets;
    };
    function spansOf(groups: readonly WindowGroup[]): Map<string, Span> {
      const spans = new Map<string, Span>();
      for (const { subjectKey, start, end } of groups) {
        const span = spans.get(subjectKey);
        if (!span) {
          spans.set(subjectKey, { subjectKey, first: start, steps: (end - start) / windows.stepMs, values: [], added: [], events: [] });
        } else {
          const last = Math.max(span.first + span.steps * windows.stepMs, end);
          span.first = Math.min(span.first, start);
          span.steps = (last - span.first) / windows.stepMs;
        }
      }
      return spans;
    }

    /**
     * Raises the rule's latest step holding values (any subject's) to the batch's latest and returns it: a later step
     * holds nothing yet. Called after the batch's additions, so with several workers whichever raises it second also
     * asks about the other's steps.
     */
    async function latestStepHeld(spans: Map<string, Span>, context: RuleContext): Promise<number> {
      let latest = Number.NEGATIVE_INFINITY;
      for (const span of spans.values()) {
        for (let i = span.added.length - 1; i >= 0; i--) {
          if (span.added[i]) {
            latest = Math.max(latest, span.first + i * windows.stepMs);
            break;
          }
        }
      }
      // Kept as long as the sets of the steps up to it.
      const values = await context.state.raiseMaxima([{ key: latestStepKey, value: latest, expiresAt: expiryOf(latest + windows.windowMs, context) }]);
      return values.get(latestStepKey) ?? latest;
    }

    async function reachedWindows(
      groups: WindowGroup[], values: Map<RuleInput, string>, spans: Map<string, Span>, sizesAfter: Map<string, number>, context: RuleContext,
    ): Promise<Reached[]> {
      const latest = await latestStepHeld(spans, context);
      if (!params.consecutive) {
        // Each step's size once (windows of a subject share steps): from the additions for the batch's own steps, none for
        // steps after the latest held, the others asked. A window is counted as a union only when its steps' sizes add up
        // to the threshold and more than one of them holds values.
        // (A step's key is hashed only when used: the batch's own were by the additions; later ones never are.)
        const asked: string[][] = [];
        for (const span of spans.values()) {
          const sizes: number[] = (span.sizes = []);
          for (let i = 0, step = span.first; i < span.steps; i++, step += windows.stepMs) {
            if (span.added[i]) sizes.push(sizesAfter.get(span.values[i]!)!);
            else {
              sizes.push(0);
              if (step <= latest) asked.push([valuesSetOf(span, i)]);
            }
          }
        }
        const sizes = await context.state.countUnions(asked);
        let at = 0;
        for (const span of spans.values()) {
          for (let i = 0, step = span.first; i < span.steps; i++, step += windows.stepMs) {
            if (!span.added[i] && step <= latest) span.sizes![i] = sizes[at++];
          }
        }
        const found = new Map<WindowGroup, number>();
        const unions: WindowGroup[] = [];
        for (const group of groups) {
          const span = spans.get(group.subjectKey)!;
          let total = 0;
          let held = 0;
          for (let i = stepIndex(span, group.start), end = stepIndex(span, group.end); i < end; i++) {
            total += span.sizes![i];
            if (span.sizes![i] > 0) held += 1;
          }
          if (total < params.threshold) continue;
          if (held === 1) found.set(group, total);
          else unions.push(group);
        }
        if (unions.length > 0) {
          const counts = await context.state.countUnions(unions.map((group) => valuesSetsOf(spans.get(group.subjectKey)!, group)), params.threshold);
          unions.forEach((group, g) => { if (counts[g] >= params.threshold) found.set(group, counts[g]); });
        }
        return groups.flatMap((group) => (found.has(group) ? [{ ...group, count: found.get(group)! }] : []));
      }
      // A run of two or more holding one of the batch's numbers needs that number's neighbour in one of the window's steps.
      // Per subject and step (up to the latest held), the neighbours to look for.
      const neighbours = new Map<string, string[]>();
      const wanted = new Map<Span, (Set<string> | undefined)[]>();
      for (const group of groups) {
        const span = spans.get(group.subjectKey)!;
        let steps = wanted.get(span);
        if (!steps) wanted.set(span, (steps = []));
        const from = stepIndex(span, group.start);
        const to = Math.min(stepIndex(span, group.end), stepIndex(span, latest) + 1);
        for (const input of group.inputs) {
          const value = values.get(input)!;
          let near = neighbours.get(value);
          if (!near) neighbours.set(value, (near = runNeighbours(value)));
          for (let i = from; i < to; i++) {
            const members = steps[i] ?? (steps[i] = new Set());
            for (const member of near) members.add(member);
          }
        }
      }
      const queries: SetMembership[] = [];
      for (const [span, steps] of wanted) steps.forEach((members, i) => { for (const member of members!) queries.push({ set: valuesSetOf(span, i), member }); });
      const answers = await context.state.hasMembers(queries);
      const held = new Map<string, Set<string>>();
      answers.forEach((yes, q) => {
        if (!yes) return;
        const { set, member } = queries[q];
        let members = held.get(set);
        if (!members) held.set(set, (members = new Set()));
        members.add(member);
      });
      if (held.size === 0) return [];
      const near = groups.filter((group) => valuesSetsOf(spans.get(group.subjectKey)!, group).some((set) => {
        const members = held.get(set);
        return members !== undefined && group.inputs.some((input) => neighbours.get(values.get(input)!)!.some((member) => members.has(member)));
      }));
      if (near.length === 0) return [];
      const read = await context.state.readSets([...new Set(near.flatMap((group) => valuesSetsOf(spans.get(group.subjectKey)!, group)))]);
      const reached: Reached[] = [];
      for (const group of near) {
        const windowValues = valuesSetsOf(spans.get(group.subjectKey)!, group).flatMap((set) => read.get(set) ?? []);
        const run = longestConsecutiveRun(windowValues, new Set(group.inputs.map((input) => values.get(input)!)));
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
        const groups = groupByWindow(inputs, counts, key, windows, context);
        if (groups.length === 0) return [];
        // Each event once: its value into its step's values set (once per set and batch), its member into its step's events set.
        const spans = spansOf(groups);
        const values = new Map<RuleInput, string>();
        const additions: SetAddition[] = [];
        const eventAdditions: SetAddition[] = [];
        for (const group of groups) {
          const span = spans.get(group.subjectKey)!;
          for (const input of group.inputs) {
            if (values.has(input)) continue;
            const value = valueOf(input)!;
            values.set(input, value);
            const step = stepOf(input.at);
            // Kept while any window holding the step may still read it.
            const expiresAt = expiryOf(step + windows.windowMs, context);
            const i = stepIndex(span, step);
            const added = span.added[i] ?? (span.added[i] = new Set());
            if (!added.has(value)) {
              added.add(value);
              additions.push({ set: valuesSetOf(span, i), member: value, expiresAt });
            }
            eventAdditions.push({ set: eventsSetOf(span, i), member: eventMember(input, value), expiresAt });
          }
        }
        const sizesAfter = await context.state.addToSets(additions.concat(eventAdditions));
        const reached = await reachedWindows(groups, values, spans, sizesAfter, context);
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
