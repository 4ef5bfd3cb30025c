import { SEVERITIES, type Severity } from '../../alerts/alert.js';
import { compileCondition, conditionSchema, type Condition } from '../conditions.js';
import { evidenceOf, type CompiledRule, type RuleDefinition, type RuleInput, type RuleKind, type RuleMatch, type RuleSubject } from '../ruleKind.js';
import { fillTemplate, trueFacts } from './describe.js';

/** Parameters of a `match` rule. */
export interface MatchParams {
  /** The condition over the enriched access that makes the rule fire. */
  where: Condition;
  /** The alert's first sentence, with `{field.path}` placeholders. */
  text: string;
  /** A higher severity when this further condition also holds (e.g. emergency access without a reason). */
  escalate?: { where: Condition; severity: Severity; text?: string };
}

export const matchParamsSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['where', 'text'],
  properties: {
    where: { $ref: 'condition', description: 'When the rule fires.' },
    text: { type: 'string', minLength: 1, description: 'The alert text; {field.path} placeholders are filled from the access.' },
    escalate: {
      type: 'object',
      additionalProperties: false,
      required: ['where', 'severity'],
      description: 'A higher severity when a further condition holds.',
      properties: {
        where: { $ref: 'condition' },
        severity: { enum: SEVERITIES },
        text: { type: 'string', minLength: 1, description: 'Replaces the alert text when escalated.' },
      },
    },
  },
} as const;

/**
 * The subject of a per-event match: the user (and the patient unless the rule is about the user
 * alone); for `team-patient`, the user's team (the staff record's word first, as in explaining
 * the access) and the patient, or the user and the patient when no team is known.
 */
export function subjectOf(input: RuleInput, subject: RuleSubject): RuleMatch['subject'] {
  const { event } = input;
  if (subject === 'system') return { organisation: event.organisation, system: event.system };
  if (subject === 'user') return { organisation: event.organisation, userId: event.user.id };
  const team = subject === 'team-patient' ? input.staff?.team ?? event.user.team : undefined;
  if (team !== undefined) return { organisation: event.organisation, team, nhsNumber: event.patient.nhsNumber };
  return { organisation: event.organisation, userId: event.user.id, nhsNumber: event.patient.nhsNumber };
}

/** One match per access (the alert store merges matches of the same subject into one alert). */
export function perEventMatch(input: RuleInput, definition: RuleDefinition, text: string, extra: Partial<RuleMatch> = {}): RuleMatch {
  const at = new Date(input.at).toISOString();
  const subject = subjectOf(input, definition.subject);
  return {
    subject,
    ...(subject.team !== undefined ? { users: [input.event.user.id] } : {}),
    evidence: [evidenceOf(input)],
    explanation: { text, details: { facts: trueFacts(input), action: input.event.action } },
    firstSeenAt: at,
    lastSeenAt: at,
    ...extra,
  };
}

/** `match`: fires on each access that meets a condition. Per event, no state. */
export const matchKind: RuleKind = {
  name: 'match',
  windowed: false,
  paramsSchema: matchParamsSchema,
  defaultSubject: 'user-patient',
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as MatchParams;
    const fires = compileCondition(params.where);
    const escalates = params.escalate ? compileCondition(params.escalate.where) : undefined;
    return {
      definition,
      async evaluate(inputs) {
        const matches: RuleMatch[] = [];
        for (const input of inputs) {
          if (!fires(input)) continue;
          if (escalates?.(input) && params.escalate) {
            matches.push(perEventMatch(input, definition, fillTemplate(params.escalate.text ?? params.text, input), { severity: params.escalate.severity }));
          } else {
            matches.push(perEventMatch(input, definition, fillTemplate(params.text, input)));
          }
        }
        return matches;
      },
    };
  },
};
