import { compileCondition, type FieldPath } from '../conditions.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import {
  describeSubject, eventMember, evidenceFrom, expiryOf, firstFirings, groupByWindow, hoppingWindows, keyParam, londonPeriod,
  parseMember, seenSpan, stateKey, subjectOf, whereParam, windowDetails, windowParams, type MemberEvent, USER_KEY, type SubjectParams, type WindowGroup,
} from './windows.js';

/** Parameters of a `threshold` rule. */
export interface ThresholdParams extends SubjectParams {
  window: string;
  step?: string;
  /** Distinct events per subject per window at which the rule fires. */
  threshold: number;
  /** What is counted, in plural words for the alert (default `events`), e.g. `prints or exports`. */
  counts?: string;
}

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['window', 'threshold'],
  properties: {
    key: keyParam(),
    where: whereParam,
    ...windowParams,
    threshold: { type: 'integer', minimum: 1, description: 'Distinct events per subject per window at which the rule fires.' },
    counts: { type: 'string', minLength: 1, maxLength: 80, description: 'What is counted, in plural words for the alert text (default "events"), e.g. "prints or exports".' },
  },
};

/** One subject's window that reached the threshold in this batch. */
interface Reached extends WindowGroup {
  count: number;
  set: string;
  marker: string;
}

/**
 * `threshold`: fires when a subject has at least `threshold` events meeting `where` in one window
 * (bulk print or export, bursts of denied attempts, searches without care, alteration bursts).
 * Events are counted as set members by docId, so a replayed or redelivered event counts once.
 * The batch that first takes a window to the threshold reads back the window's events as
 * evidence; later batches add their own events in that window to the alert.
 */
export const thresholdKind: RuleKind = {
  name: 'threshold',
  windowed: true,
  paramsSchema,
  defaultSubject: 'user',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as ThresholdParams;
    const windows = hoppingWindows(definition.id, params.window, params.step);
    const counts = params.where ? compileCondition(params.where) : () => true;
    const key: readonly FieldPath[] = params.key ?? USER_KEY;

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const groups = groupByWindow(inputs, counts, key, windows, context);
        if (groups.length === 0) return [];
        const setOf = (subjectKey: string, start: number) => stateKey(definition.id, 'events', subjectKey, start);
        const sets = groups.map((group) => setOf(group.subjectKey, group.start));
        const members = new Map<RuleInput, string>();
        const memberOf = (input: RuleInput) => {
          let member = members.get(input);
          if (member === undefined) members.set(input, (member = eventMember(input)));
          return member;
        };
        const sizes = await context.state.addToSets(groups.flatMap((group, g) => {
          const expiresAt = expiryOf(group.end, context);
          return group.inputs.map((input) => ({ set: sets[g], member: memberOf(input), expiresAt }));
        }));

        const reached: Reached[] = [];
        for (const [g, group] of groups.entries()) {
          const set = sets[g];
          const count = sizes.get(set) ?? 0;
          if (count < params.threshold) continue;
          reached.push({ ...group, count, set, marker: stateKey(definition.id, 'fired', group.subjectKey, group.start) });
        }
        const first = await firstFirings(context, reached.map((r) => ({ key: r.marker, expiresAt: expiryOf(r.end, context) })));
        const readBack = first.size === 0
          ? new Map<string, string[]>()
          : await context.state.readSets(reached.filter((r) => first.has(r.marker)).map((r) => r.set));

        return reached.map((r) => {
          const kept: MemberEvent[] = (readBack.get(r.set) ?? []).map(parseMember);
          const evidence = evidenceFrom(r.inputs, kept);
          const subject = subjectOf(r.inputs[0], definition, key);
          return {
            subject,
            evidence,
            explanation: {
              text: `${r.count} ${params.counts ?? 'events'} by ${describeSubject(subject)} ${londonPeriod(r.start, r.end)} (threshold ${params.threshold}).`,
              details: { ...windowDetails(r.count, params.threshold, r.start, r.end), window: params.window },
            },
            ...seenSpan(evidence, r.start),
          };
        });
      },
    };
  },
};
