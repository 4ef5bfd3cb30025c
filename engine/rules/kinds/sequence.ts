import { FIELD_PATHS, compileCondition, fieldText, type Condition, type FieldPath } from '../conditions.js';
import type { EvidenceRef } from '../../alerts/alert.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import type { SetAddition } from '../ruleState.js';
import {
  USER_KEY, describeSubject, durationParam, durationWords, eventMember, expiryOf, fieldWords, firstFirings, groupByWindow, keyParam,
  londonMoment, parseDuration, parseMember, stateKey, subjectOf, whereParam, type SubjectParams, type WindowGroup,
} from './windows.js';

/** Parameters of a `sequence` rule. */
export interface SequenceParams extends SubjectParams {
  /** Conditions that events must meet one after another, by event time. */
  steps: Condition[];
  /** How close in time the first and last step must be (e.g. 10m). */
  within: string;
  /** Fields on which consecutive steps must all differ (e.g. event.site: two places at once). */
  differ?: FieldPath[];
}

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['steps', 'within'],
  properties: {
    key: keyParam(),
    where: whereParam,
    steps: {
      type: 'array', minItems: 2, maxItems: 5, items: { $ref: 'condition' },
      description: 'Conditions events must meet one after another, by event time: the first step, then the second, and so on.',
    },
    within: durationParam('How close in event time the first and the last step must be (e.g. 10m).'),
    differ: {
      type: 'array', minItems: 1, uniqueItems: true, items: { enum: FIELD_PATHS },
      description: 'Fields on which each step must differ from the one before (every field listed), e.g. [event.site] for one user at two sites.',
    },
  },
};

/** An event of the subject as the sequence needs it: its time, evidence, the steps it meets and its `differ` values. */
/** A recent event as read back: its time, docId, the steps it meets and its `differ` values (the rest parsed only for a chain found). */
interface Step {
  at: number;
  docId: string;
  member: string;
  steps: number[];
  values: (string | null)[];
}

function stepOf(member: string): Step {
  const [at, docId, , , steps, values] = JSON.parse(member) as [number, string, string, string, number[], (string | null)[]];
  return { at, docId, member, steps, values };
}

/** Most members whose parse a sequence rule remembers: a subject's recent events are read back batch after batch. */
const PARSED_MEMBERS = 100_000;

const refOf = (step: Step): EvidenceRef => parseMember(step.member).ref;

const differs = (a: Step, b: Step) => a.values.every((value, i) => value !== b.values[i]);

/**
 * For each event that can end the sequence, the chain of events meeting the steps in order within
 * `withinMs` that starts latest (so it is found whenever any chain exists), or nothing.
 * `events` are in event-time order.
 */
function chainsEndingAt(events: readonly Step[], stepCount: number, withinMs: number): Map<number, Step[]> {
  /** best[j][s]: the latest start of a chain ending at event j as step s, and the event before it. */
  const best: ({ start: number; previous: number } | undefined)[][] = events.map(() => []);
  for (let j = 0; j < events.length; j++) {
    const event = events[j];
    if (event.steps.includes(0)) best[j][0] = { start: event.at, previous: -1 };
    for (let s = 1; s < stepCount; s++) {
      if (!event.steps.includes(s)) continue;
      for (let i = j - 1; i >= 0 && event.at - events[i].at <= withinMs; i--) {
        const before = best[i][s - 1];
        if (!before || event.at - before.start > withinMs || !differs(events[i], event)) continue;
        if (!best[j][s] || before.start > best[j][s]!.start) best[j][s] = { start: before.start, previous: i };
      }
    }
  }
  const chains = new Map<number, Step[]>();
  events.forEach((_, j) => {
    if (!best[j][stepCount - 1]) return;
    const chain: Step[] = [];
    for (let at = j, s = stepCount - 1; at >= 0; s--) {
      chain.unshift(events[at]);
      at = best[at][s]!.previous;
    }
    chains.set(j, chain);
  });
  return chains;
}

/**
 * `sequence`: fires when a subject's events meet the steps in order (by event time) within
 * `within`: one user at two sites ten minutes apart (impossible travel), a denied attempt then an
 * emergency access. Recent events are kept per subject in window sets and each batch looks at
 * them together with its own, so a pair is found whichever of its events arrives last; each
 * sequence fires once, by the event that ends it.
 */
export const sequenceKind: RuleKind = {
  name: 'sequence',
  windowed: true,
  paramsSchema,
  defaultSubject: 'user',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as SequenceParams;
    const withinMs = parseDuration(params.within);
    const windows = { windowMs: withinMs, stepMs: withinMs };
    const stepTests = params.steps.map(compileCondition);
    const where = params.where ? compileCondition(params.where) : () => true;
    const differ = params.differ ?? [];
    const key: readonly FieldPath[] = params.key ?? USER_KEY;
    const id = definition.id;
    const setOf = (subjectKey: string, start: number) => stateKey(id, 'recent', subjectKey, start);
    /** The `differ` values (JSON) of the subject's events in the sets starting at `start` and the one after. */
    const pairOf = (subjectKey: string, start: number) => stateKey(id, 'differ-values', subjectKey, start);
    // Steps are read-only once parsed, so the same member may share one (forgotten wholesale when full).
    let parsed = new Map<string, Step>();
    const parsedStep = (member: string) => {
      let step = parsed.get(member);
      if (!step) {
        if (parsed.size >= PARSED_MEMBERS) parsed = new Map();
        parsed.set(member, (step = stepOf(member)));
      }
      return step;
    };

    function describe(chain: Step[], subject: RuleMatch['subject']): string {
      const steps = chain.map((step) => {
        const values = differ.map((field, i) => `${fieldWords(field)} ${step.values[i] ?? '(none)'}`).join(', ');
        return `${values ? `${values} ` : ''}at ${londonMoment(step.at)}`;
      });
      const apart = chain[chain.length - 1].at - chain[0].at;
      const gap = apart < 60_000 ? 'under a minute' : durationWords(Math.floor(apart / 60_000) * 60_000);
      return `${describeSubject(subject)}: ${steps.join(', then ')} (${gap} apart; the rule looks for ${chain.length} steps within ${durationWords(withinMs)}).`
        .replace(/^./, (c) => c.toUpperCase());
    }

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const stepsMet = new Map<RuleInput, number[]>();
        for (const input of inputs) {
          const met = where(input) ? stepTests.flatMap((test, s) => (test(input) ? [s] : [])) : [];
          if (met.length > 0) stepsMet.set(input, met);
        }
        const groups = groupByWindow(inputs, (input) => stepsMet.has(input), key, windows, context);
        if (groups.length === 0) return [];
        const valuesOf = new Map<RuleInput, (string | null)[]>();
        const additions: SetAddition[] = [];
        for (const group of groups) {
          const set = setOf(group.subjectKey, group.start);
          const expiresAt = expiryOf(group.end + withinMs, context);
          for (const input of group.inputs) {
            let values = valuesOf.get(input);
            if (!values) valuesOf.set(input, (values = differ.map((field) => fieldText(input, field) ?? null)));
            additions.push({ set, member: eventMember(input, stepsMet.get(input), values), expiresAt });
          }
        }
        // With `differ`, each event's values also go into the two pair sets covering its set and a neighbour, after the events.
        const pairs = new Map<WindowGroup, [string, string]>();
        if (differ.length > 0) {
          for (const group of groups) {
            const pair: [string, string] = [pairOf(group.subjectKey, group.start - withinMs), pairOf(group.subjectKey, group.start)];
            pairs.set(group, pair);
            const distinct = new Set(group.inputs.map((input) => JSON.stringify(valuesOf.get(input))));
            for (const [p, start] of [[pair[0], group.start - withinMs], [pair[1], group.start]] as const) {
              const expiresAt = expiryOf(start + 2 * withinMs, context);
              for (const member of distinct) additions.push({ set: p, member, expiresAt });
            }
          }
        }
        const sizes = await context.state.addToSets(additions);

        // A chain that a batch's event could complete lies within `within` of it, so in its set or a neighbour: when the
        // two pair sets over those three hold one set of `differ` values, no two steps there differ, and nothing is read back.
        const varied = new Set<string>();
        for (const group of groups) {
          const pair = pairs.get(group);
          if (!pair || (sizes.get(pair[0]) ?? 0) > 1 || (sizes.get(pair[1]) ?? 0) > 1) varied.add(group.subjectKey);
        }
        if (varied.size === 0) return [];
        const bySubject = new Map<string, { input: RuleInput; times: number[]; sets: Set<string> }>();
        for (const group of groups) {
          if (!varied.has(group.subjectKey)) continue;
          const seen = bySubject.get(group.subjectKey) ?? { input: group.inputs[0], times: [], sets: new Set<string>() };
          for (const input of group.inputs) seen.times.push(input.at);
          for (const start of [group.start - withinMs, group.start, group.start + withinMs]) seen.sets.add(setOf(group.subjectKey, start));
          bySubject.set(group.subjectKey, seen);
        }
        const stored = await context.state.readSets([...new Set([...bySubject.values()].flatMap((s) => [...s.sets]))]);

        const found: { subjectKey: string; input: RuleInput; chain: Step[]; marker: string }[] = [];
        for (const [subjectKey, seen] of bySubject) {
          const byDocId = new Map<string, Step>();
          for (const set of seen.sets) for (const member of stored.get(set) ?? []) {
            const step = parsedStep(member);
            byDocId.set(step.docId, step);
          }
          const events = [...byDocId.values()].sort((a, b) => a.at - b.at || a.docId.localeCompare(b.docId));
          for (const [j, chain] of chainsEndingAt(events, stepTests.length, withinMs)) {
            const endAt = events[j].at;
            // Only chains this batch's events could have completed: the end within `within` after one of them.
            if (!seen.times.some((at) => endAt >= at && endAt - at <= withinMs)) continue;
            found.push({ subjectKey, input: seen.input, chain, marker: stateKey(id, 'fired', subjectKey, events[j].docId) });
          }
        }
        const first = await firstFirings(context, found.map((f) => ({ key: f.marker, expiresAt: expiryOf(f.chain[f.chain.length - 1].at + 2 * withinMs, context) })));

        return found.filter((f) => first.has(f.marker)).map(({ input, chain }) => {
          const subject = subjectOf(input, definition, key);
          const details: Record<string, string | number | string[]> = {
            count: chain.length,
            threshold: stepTests.length,
            windowStart: refOf(chain[0]).occurredAt,
            windowEnd: refOf(chain[chain.length - 1]).occurredAt,
            within: params.within,
          };
          differ.forEach((field, i) => { details[field] = chain.map((step) => step.values[i] ?? '(none)'); });
          return {
            subject,
            evidence: chain.map(refOf),
            explanation: { text: describe(chain, subject), details },
            firstSeenAt: refOf(chain[0]).occurredAt,
            lastSeenAt: refOf(chain[chain.length - 1]).occurredAt,
          };
        });
      },
    };
  },
};
