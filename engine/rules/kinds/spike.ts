import { compileCondition, fieldText, type FieldPath } from '../conditions.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import {
  DAY_MS, HOUR_MS, STATE_MARGIN_MS, USER_KEY, WHOLE_DAYS_PATTERN, describeSubject, durationParam, durationWords, evidenceFrom, expiryOf,
  fieldParam, fieldWords, groupByWindow, keyParam, londonPeriod, parseDuration, seenSpan, stateKey, subjectOf, whereParam, windowDetails,
  type SubjectParams, type WindowGroup,
} from './windows.js';

/** Parameters of a `spike` rule. */
export interface SpikeParams extends SubjectParams {
  /** The period events are counted in (default 1h); must divide a day. */
  bucket?: string;
  /** How far back the user's own usual volume is measured, whole days (default 14d). */
  baseline?: string;
  /** Active buckets the baseline needs before the rule judges a user (default 10). */
  minHistory?: number;
  /** Events in the bucket below which the rule never fires. */
  minEvents: number;
  /** How many times the user's usual volume the bucket must reach. */
  factor: number;
  /** The field that makes people peers at one organisation (default event.user.role). */
  peerKey?: FieldPath;
  /** How many times the peers' mean in the same bucket the user must reach (default 2). */
  peerFactor?: number;
  /** What is counted, in plural words for the alert (default `events`). */
  counts?: string;
}

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['minEvents', 'factor'],
  properties: {
    key: keyParam(),
    where: whereParam,
    bucket: durationParam('The period events are counted in, by event time (default 1h); must divide a day.'),
    baseline: durationParam('How far back the user\'s usual volume is measured, in whole days before the bucket\'s day (default 14d).', WHOLE_DAYS_PATTERN),
    minHistory: { type: 'integer', minimum: 1, description: 'Active buckets the user needs in the baseline before the rule judges them (default 10).' },
    minEvents: { type: 'integer', minimum: 1, description: 'Events in the bucket below which the rule never fires.' },
    factor: { type: 'number', minimum: 1, description: 'How many times the user\'s usual volume per active bucket the bucket must reach.' },
    peerKey: fieldParam('The field that makes users peers at one organisation (default event.user.role), e.g. facts.roleClass.'),
    peerFactor: { type: 'number', minimum: 0, description: 'How many times the mean of other active peers in the same bucket the user must reach (default 2; 0 turns the peer comparison off).' },
    counts: { type: 'string', minLength: 1, maxLength: 80, description: 'What is counted, in plural words for the alert text (default "events").' },
  },
};

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The bucket in words: `hour`, `day`, `period of 10 minutes`. */
function bucketNoun(ms: number, many = false): string {
  if (ms === HOUR_MS || ms === DAY_MS) return `${ms === HOUR_MS ? 'hour' : 'day'}${many ? 's' : ''}`;
  return `period${many ? 's' : ''} of ${durationWords(ms)}`;
}

/** A user's bucket and what it is compared with. */
interface Figures {
  count: number;
  usual: number;
  activeBuckets: number;
  peerGroup: string;
  peerMean: number;
  otherPeers: number;
}

/**
 * `spike`: fires when a user's events in one bucket (an hour) are far above their own usual volume
 * (mean per active bucket over the baseline days, once there is enough history) and far above
 * their role peers at the same organisation in the same bucket. Counters are fed each newly
 * stored event once; daily roll-ups keep the baseline to a few reads per user judged, and only
 * users with at least `minEvents` in the bucket are judged. A replayed batch counts again.
 */
export const spikeKind: RuleKind = {
  name: 'spike',
  windowed: true,
  paramsSchema,
  defaultSubject: 'user',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as SpikeParams;
    const bucketMs = parseDuration(params.bucket ?? '1h');
    if (DAY_MS % bucketMs !== 0) throw new Error(`${definition.id}: params.bucket (${params.bucket}) must divide a day`);
    const baselineDays = parseDuration(params.baseline ?? '14d') / DAY_MS;
    const minHistory = params.minHistory ?? 10;
    const peerKey = params.peerKey ?? 'event.user.role';
    const peerFactor = params.peerFactor ?? 2;
    const counts = params.where ? compileCondition(params.where) : () => true;
    const key: readonly FieldPath[] = params.key ?? USER_KEY;
    const buckets = { windowMs: bucketMs, stepMs: bucketMs };
    const id = definition.id;
    const dayOf = (at: number) => Math.floor(at / DAY_MS) * DAY_MS;
    const baselineDaysOf = (group: WindowGroup) => Array.from({ length: baselineDays }, (_, k) => dayOf(group.start) - (k + 1) * DAY_MS);
    const peerGroupOf = (input: RuleInput) => JSON.stringify([input.event.organisation, fieldText(input, peerKey) ?? null]);

    /** The peer group most of the user's events in the bucket name (ties: the first in order). */
    function mainPeerGroup(group: WindowGroup): string {
      const tally = new Map<string, number>();
      for (const input of group.inputs) tally.set(peerGroupOf(input), (tally.get(peerGroupOf(input)) ?? 0) + 1);
      return [...tally.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0][0];
    }

    /** Adds the batch to the counters and sets; returns each bucket's count and peer figures after. */
    async function addBatch(groups: WindowGroup[], context: RuleContext) {
      const increments = new Map<string, { counter: string; by: number; expiresAt: number }>();
      const increment = (counter: string, by: number, expiresAt: number) => {
        const entry = increments.get(counter);
        if (entry) entry.by += by;
        else increments.set(counter, { counter, by, expiresAt });
      };
      const additions: { set: string; member: string; expiresAt: number }[] = [];
      // A peer group's users one after another (by its peer-events counter), so that the store looks each peer set up once.
      const peerUsers = new Map<string, { set: string; member: string; expiresAt: number }[]>();
      const countKeys = new Map<WindowGroup, string>();
      for (const group of groups) {
        const bucketExpiry = expiryOf(group.end, context);
        const dayExpiry = dayOf(group.start) + (baselineDays + 1) * DAY_MS + context.config.latenessMs + STATE_MARGIN_MS;
        const countKey = stateKey(id, 'count', group.subjectKey, group.start);
        countKeys.set(group, countKey);
        increment(countKey, group.inputs.length, bucketExpiry);
        increment(stateKey(id, 'day-events', group.subjectKey, dayOf(group.start)), group.inputs.length, dayExpiry);
        additions.push({ set: stateKey(id, 'day-buckets', group.subjectKey, dayOf(group.start)), member: String(group.start), expiresAt: dayExpiry });
        // A user's events in a bucket are nearly always of one peer group: each group's key built once.
        const byPeerGroup = new Map<string, number>();
        for (const input of group.inputs) {
          const peerGroup = peerGroupOf(input);
          byPeerGroup.set(peerGroup, (byPeerGroup.get(peerGroup) ?? 0) + 1);
        }
        for (const [peerGroup, events] of byPeerGroup) {
          const peerEvents = stateKey(id, 'peer-events', peerGroup, group.start);
          increment(peerEvents, events, bucketExpiry);
          let users = peerUsers.get(peerEvents);
          if (!users) peerUsers.set(peerEvents, (users = []));
          users.push({ set: users[0]?.set ?? stateKey(id, 'peer-users', peerGroup, group.start), member: group.subjectKey, expiresAt: bucketExpiry });
        }
      }
      for (const users of peerUsers.values()) additions.push(...users);
      const [values, sizes] = await Promise.all([context.state.addToCounters([...increments.values()]), context.state.addToSets(additions)]);
      return { values, sizes, countKeys };
    }

    function describe(group: WindowGroup, figures: Figures, subject: RuleMatch['subject']): string {
      const what = params.counts ?? 'events';
      const own = `${round1(figures.count / figures.usual)} times their usual ${round1(figures.usual)} per ${bucketNoun(bucketMs)} `
        + `(over ${figures.activeBuckets} active ${bucketNoun(bucketMs, true)} in the previous ${baselineDays} days)`;
      const peerValue = (JSON.parse(figures.peerGroup) as [string, string | null])[1] ?? '(unknown)';
      const peers = peerFactor === 0 ? '' : figures.peerMean === 0
        ? `; no other user with ${fieldWords(peerKey)} ${peerValue} at ${subject.organisation} was active then`
        : `; the ${figures.otherPeers} other active user${figures.otherPeers === 1 ? '' : 's'} with ${fieldWords(peerKey)} ${peerValue} at ${subject.organisation} `
          + `averaged ${round1(figures.peerMean)}, so ${round1(figures.count / figures.peerMean)} times their mean`;
      return `${figures.count} ${what} by ${describeSubject(subject)} ${londonPeriod(group.start, group.end)}: ${own}${peers}. `
        + `Thresholds: at least ${params.minEvents} ${what}, ${params.factor} times their usual${peerFactor === 0 ? '' : ` and ${peerFactor} times their peers'`}.`;
    }

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const groups = groupByWindow(inputs, counts, key, buckets, context);
        if (groups.length === 0) return [];
        const { values, sizes, countKeys } = await addBatch(groups, context);
        const candidates = groups.filter((group) => (values.get(countKeys.get(group)!) ?? 0) >= params.minEvents);
        if (candidates.length === 0) return [];

        const dayKeys = (part: string) => [...new Set(candidates.flatMap((group) => baselineDaysOf(group).map((day) => stateKey(id, part, group.subjectKey, day))))];
        const [dayEvents, dayBuckets] = await Promise.all([context.state.readCounters(dayKeys('day-events')), context.state.readSets(dayKeys('day-buckets'))]);

        const matches: RuleMatch[] = [];
        for (const group of candidates) {
          const days = baselineDaysOf(group);
          const activeBuckets = days.reduce((sum, day) => sum + (dayBuckets.get(stateKey(id, 'day-buckets', group.subjectKey, day))?.length ?? 0), 0);
          if (activeBuckets < minHistory) continue;
          const history = days.reduce((sum, day) => sum + (dayEvents.get(stateKey(id, 'day-events', group.subjectKey, day)) ?? 0), 0);
          const figures: Figures = {
            count: values.get(stateKey(id, 'count', group.subjectKey, group.start)) ?? 0,
            usual: history / activeBuckets,
            activeBuckets,
            peerGroup: mainPeerGroup(group),
            peerMean: 0,
            otherPeers: 0,
          };
          if (figures.count < params.factor * figures.usual) continue;
          figures.otherPeers = (sizes.get(stateKey(id, 'peer-users', figures.peerGroup, group.start)) ?? 1) - 1;
          const peerEvents = values.get(stateKey(id, 'peer-events', figures.peerGroup, group.start)) ?? 0;
          figures.peerMean = figures.otherPeers === 0 ? 0 : Math.max(0, peerEvents - figures.count) / figures.otherPeers;
          if (figures.count < peerFactor * figures.peerMean) continue;

          const evidence = evidenceFrom(group.inputs);
          const subject = subjectOf(group.inputs[0], definition, key);
          const threshold = Math.max(params.minEvents, Math.ceil(params.factor * figures.usual), Math.ceil(peerFactor * figures.peerMean));
          matches.push({
            subject,
            evidence,
            explanation: {
              text: describe(group, figures, subject),
              details: {
                ...windowDetails(figures.count, threshold, group.start, group.end),
                usual: round1(figures.usual), activeBuckets: figures.activeBuckets, factor: params.factor,
                peerMean: round1(figures.peerMean), otherPeers: figures.otherPeers, peerFactor,
              },
            },
            ...seenSpan(evidence, group.start),
          });
        }
        return matches;
      },
    };
  },
};
