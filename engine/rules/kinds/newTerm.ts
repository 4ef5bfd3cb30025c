import { compileCondition, fieldText, type FieldPath } from '../conditions.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import {
  DAY_MS, STATE_MARGIN_MS, USER_KEY, WHOLE_DAYS_PATTERN, describeSubject, durationParam, evidenceFrom, expiryOf, fieldParam, fieldWords,
  firstFirings, groupByWindow, keyParam, londonMoment, parseDuration, seenSpan, stateKey, subjectOf, whereParam,
  type SubjectParams, type WindowGroup,
} from './windows.js';

/** Parameters of a `newTerm` rule. */
export interface NewTermParams extends SubjectParams {
  /** The field whose new values are worth a look, e.g. event.workstation or event.site. */
  term: FieldPath;
  /** How far back a value counts as known, whole days (default 30d). */
  history?: string;
  /** How much history a subject needs before anything is new to it, whole days (default 7d). */
  learning?: string;
}

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['term'],
  properties: {
    key: keyParam(),
    where: whereParam,
    term: fieldParam('The field whose new values are worth a look, e.g. event.workstation or event.site. Not a field with many values per day (such as NHS numbers).'),
    history: durationParam('How far back a value counts as already known to the subject, in whole days (default 30d).', WHOLE_DAYS_PATTERN),
    learning: durationParam('How long after the subject is first seen before anything counts as new, in whole days (default 7d).', WHOLE_DAYS_PATTERN),
  },
};

/** A value new to one subject on one day. */
interface Novelty {
  group: WindowGroup;
  value: string;
  inputs: RuleInput[];
  marker: string;
}

/**
 * `newTerm`: fires when a subject uses a value of `term` (a workstation, a site) it has not used in
 * the previous `history` days, once the subject has at least `learning` days of history. Judged by
 * day: values seen are kept per subject as `[day, value]` members of sets spanning `history`, and
 * a value fires at most once per subject and day, whatever order its events arrive in. Meant for
 * low-severity signals.
 */
export const newTermKind: RuleKind = {
  name: 'new-term',
  windowed: true,
  paramsSchema,
  defaultSubject: 'user',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as NewTermParams;
    const historyDays = parseDuration(params.history ?? '30d') / DAY_MS;
    const learningDays = parseDuration(params.learning ?? '7d') / DAY_MS;
    const periodMs = historyDays * DAY_MS;
    const where = params.where ? compileCondition(params.where) : () => true;
    const termOf = (input: RuleInput) => fieldText(input, params.term);
    const key: readonly FieldPath[] = params.key ?? USER_KEY;
    const days = { windowMs: DAY_MS, stepMs: DAY_MS };
    const id = definition.id;
    const dayIndex = (at: number) => Math.floor(at / DAY_MS);
    const periodOf = (at: number) => Math.floor(at / periodMs) * periodMs;
    const seenSet = (subjectKey: string, period: number) => stateKey(id, 'seen', subjectKey, period);
    const sinceKey = (subjectKey: string) => stateKey(id, 'since', subjectKey);

    /** Records the batch's values and first-seen times; returns when each subject was first seen. */
    async function record(groups: WindowGroup[], context: RuleContext): Promise<Map<string, number>> {
      const since = new Map<string, { key: string; value: number; expiresAt: number }>();
      const additions: { set: string; member: string; expiresAt: number }[] = [];
      for (const group of groups) {
        const expiresAt = expiryOf(group.end + periodMs, context);
        const earliest = Math.min(...group.inputs.map((input) => input.at));
        const entry = since.get(group.subjectKey);
        since.set(group.subjectKey, { key: entry?.key ?? sinceKey(group.subjectKey), value: Math.max(entry?.value ?? -Infinity, -earliest), expiresAt: Math.max(entry?.expiresAt ?? 0, expiresAt) });
        const set = seenSet(group.subjectKey, periodOf(group.start));
        const setExpiry = periodOf(group.start) + 2 * periodMs + context.config.latenessMs + STATE_MARGIN_MS;
        // Each of the group's values once (a group is one subject's day, so no two groups add the same member).
        const terms = new Set<string>();
        for (const input of group.inputs) {
          const term = termOf(input)!;
          if (terms.has(term)) continue;
          terms.add(term);
          additions.push({ set, member: JSON.stringify([dayIndex(group.start), term]), expiresAt: setExpiry });
        }
      }
      const [raised] = await Promise.all([context.state.raiseMaxima([...since.values()]), context.state.addToSets(additions)]);
      return new Map([...since].map(([subjectKey, { key }]) => [subjectKey, -(raised.get(key) ?? 0)]));
    }

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const groups = groupByWindow(inputs, (input) => where(input) && termOf(input) !== undefined, key, days, context);
        if (groups.length === 0) return [];
        const firstSeen = await record(groups, context);
        const learned = groups.filter((group) => dayIndex(firstSeen.get(group.subjectKey)!) <= dayIndex(group.start) - learningDays);
        if (learned.length === 0) return [];

        const setsOf = (group: WindowGroup) => [seenSet(group.subjectKey, periodOf(group.start)), seenSet(group.subjectKey, periodOf(group.start) - periodMs)];
        const known = await context.state.readSets([...new Set(learned.flatMap(setsOf))]);
        const novelties: Novelty[] = [];
        for (const group of learned) {
          const day = dayIndex(group.start);
          const recent = new Set<string>();
          for (const set of setsOf(group)) for (const member of known.get(set) ?? []) {
            const [seenDay, value] = JSON.parse(member) as [number, string];
            if (seenDay < day && seenDay >= day - historyDays) recent.add(value);
          }
          const byValue = new Map<string, RuleInput[]>();
          for (const input of group.inputs) {
            const value = termOf(input)!;
            if (!recent.has(value)) byValue.set(value, [...(byValue.get(value) ?? []), input]);
          }
          for (const [value, valueInputs] of byValue) {
            novelties.push({ group, value, inputs: valueInputs, marker: stateKey(id, 'fired', group.subjectKey, group.start, JSON.stringify(value)) });
          }
        }
        const first = await firstFirings(context, novelties.map((n) => ({ key: n.marker, expiresAt: expiryOf(n.group.end, context) })));

        return novelties.filter((n) => first.has(n.marker)).map(({ group, value, inputs: valueInputs }) => {
          const evidence = evidenceFrom(valueInputs);
          const subject = subjectOf(valueInputs[0], definition, key);
          const firstAt = Math.min(...valueInputs.map((input) => input.at));
          return {
            subject,
            evidence,
            explanation: {
              text: `New ${fieldWords(params.term)} for ${describeSubject(subject)}: ${value}, not used by them in the previous ${historyDays} days `
                + `(seen at ${londonMoment(firstAt)}).`,
              details: {
                count: valueInputs.length,
                windowStart: new Date(group.start).toISOString(),
                windowEnd: new Date(group.end).toISOString(),
                term: params.term,
                value,
                historyDays,
                learningDays,
                subjectFirstSeenAt: new Date(firstSeen.get(group.subjectKey)!).toISOString(),
              },
            },
            ...seenSpan(evidence, group.start),
          };
        });
      },
    };
  },
};
