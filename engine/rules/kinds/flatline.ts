import { compileCondition, type FieldPath } from '../conditions.js';
import type { CompiledRule, RuleContext, RuleDefinition, RuleInput, RuleKind, RuleMatch } from '../ruleKind.js';
import {
  DAY_MS, HOUR_MS, MINUTE_MS, durationAsWritten, durationParam, durationWords, keyParam, keyValuesOf, londonMoment, parseDuration, stateKey, whereParam,
  type SubjectParams,
} from './windows.js';

/** Parameters of a `flatline` rule. */
export interface FlatlineParams extends SubjectParams {
  /** Silence longer than this is an audit gap (e.g. 24h). */
  expectedInterval: string;
  /** A source silent this long is forgotten, taken as retired (default 30d). */
  forgetAfter?: string;
}

/** A source system feeding one organisation. */
const SOURCE_KEY: readonly FieldPath[] = ['event.organisation', 'event.system'];

const paramsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['expectedInterval'],
  properties: {
    key: keyParam('The fields that name one source (default [event.organisation, event.system]); must include both of those.'),
    where: whereParam,
    expectedInterval: durationParam('Silence from a source longer than this is an audit gap (e.g. 24h).'),
    forgetAfter: durationParam('A source silent this long is forgotten, taken as retired (default 30d).'),
  },
};

/** Silence in words, to the hour or day: `26 hours`, `3 days`. */
function silenceWords(ms: number): string {
  if (ms >= 2 * DAY_MS) return durationWords(Math.floor(ms / DAY_MS) * DAY_MS);
  if (ms >= 2 * HOUR_MS) return durationWords(Math.floor(ms / HOUR_MS) * HOUR_MS);
  return durationWords(Math.max(1, Math.floor(ms / MINUTE_MS)) * MINUTE_MS);
}

/**
 * `flatline`: an audit gap. Each batch raises, per source system, the last time accesswatch
 * received an event from it (`stored.receivedAt`: it is about the feed, not the accesses); each
 * tick reports every source silent for longer than `expectedInterval`. A source never heard from
 * is not reported, nor one silent longer than `forgetAfter`.
 */
export const flatlineKind: RuleKind = {
  name: 'flatline',
  windowed: true,
  paramsSchema,
  defaultSubject: 'system',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as FlatlineParams;
    const key: readonly FieldPath[] = params.key ?? SOURCE_KEY;
    for (const field of SOURCE_KEY) {
      if (!key.includes(field)) throw new Error(`${definition.id}: params.key must include ${field}: the alert names the organisation and the system`);
    }
    const expectedMs = parseDuration(params.expectedInterval);
    const forgetMs = parseDuration(params.forgetAfter ?? '30d');
    const counts = params.where ? compileCondition(params.where) : () => true;
    const prefix = stateKey(definition.id, 'last-heard', '');

    return {
      definition,
      async evaluate(inputs: readonly RuleInput[], context: RuleContext): Promise<RuleMatch[]> {
        const latest = new Map<string, number>();
        // A batch's accesses mostly come from one source and arrived together: the last source and time are reused.
        let [lastValues, lastSource, lastReceived, lastAt] = [[] as string[], '', '', 0];
        for (const input of inputs) {
          const values = counts(input) ? keyValuesOf(input, key) : undefined;
          if (!values) continue;
          if (values.length !== lastValues.length || values.some((value, i) => value !== lastValues[i])) {
            [lastValues, lastSource] = [values, prefix + JSON.stringify(values)];
          }
          if (input.stored.receivedAt !== lastReceived) [lastReceived, lastAt] = [input.stored.receivedAt, Date.parse(input.stored.receivedAt)];
          latest.set(lastSource, Math.max(latest.get(lastSource) ?? 0, lastAt));
        }
        if (latest.size > 0) {
          await context.state.raiseMaxima([...latest].map(([source, value]) => ({ key: source, value, expiresAt: value + forgetMs })));
        }
        return [];
      },

      async tick(context: RuleContext): Promise<RuleMatch[]> {
        const now = context.clock.now();
        const matches: RuleMatch[] = [];
        for (const [source, lastHeard] of await context.state.readMaxima(prefix)) {
          const silentMs = now - lastHeard;
          if (silentMs <= expectedMs || silentMs > forgetMs) continue;
          const values = JSON.parse(source.slice(prefix.length)) as string[];
          const organisation = values[key.indexOf('event.organisation')];
          const system = values[key.indexOf('event.system')];
          const more = key.map((field, i) => (SOURCE_KEY.includes(field) ? '' : ` (${field} ${values[i]})`)).join('');
          const heard = new Date(lastHeard).toISOString();
          matches.push({
            subject: { organisation, system },
            evidence: [],
            explanation: {
              text: `No access events received from system ${system} at ${organisation}${more} since ${londonMoment(lastHeard)}: `
                + `silent for ${silenceWords(silentMs)}, when events are expected at least every ${durationAsWritten(params.expectedInterval)}. `
                + 'Accesses in this time may be going unrecorded (an audit gap).',
              details: {
                lastHeardAt: heard,
                silentMinutes: Math.floor(silentMs / MINUTE_MS),
                expectedInterval: params.expectedInterval,
                windowStart: heard,
                windowEnd: new Date(now).toISOString(),
              },
            },
            firstSeenAt: heard,
            lastSeenAt: heard,
          });
        }
        return matches;
      },
    };
  },
};
