import { SEVERITIES } from '../alerts/alert.js';
import { conditionSchema } from './conditions.js';
import { RULE_KINDS } from './kindRegistry.js';

/** The folders of `rules/`: one per rule family. */
export const RULE_FAMILIES = ['inappropriate-access', 'legitimate-relationship', 'breach-pattern'] as const;

/**
 * The published JSON Schema of a rule file (`rules/rule.schema.json` is this, written out):
 * the common fields, and each kind's own `params`.
 */
export function ruleFileSchema(): Record<string, unknown> {
  const kinds = [...RULE_KINDS.values()];
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    $id: 'https://accesswatch.example/schemas/rule.schema.json',
    title: 'accesswatch rule',
    description: 'One detection rule: rules/<family>/<slug>.yaml',
    type: 'object',
    additionalProperties: false,
    required: ['id', 'title', 'severity', 'kind', 'rationale', 'params'],
    properties: {
      id: { type: 'string', pattern: '^AW-[A-Z]{2,4}-[0-9]{3}$', description: 'Stable id, never reused: AW-<family code>-<number>.' },
      title: { type: 'string', minLength: 3, maxLength: 120 },
      severity: { enum: SEVERITIES },
      kind: { enum: kinds.map((kind) => kind.name) },
      subject: {
        enum: ['user', 'user-patient', 'team-patient', 'system'],
        description: 'What one open alert is about (default per kind). team-patient (per-event kinds): one alert for the accesses of the user\'s team to one patient.',
      },
      raises: { enum: ['alert', 'signal'], description: 'signal: raises the user\'s risk but is not listed as an alert on its own.' },
      rationale: { type: 'string', minLength: 10, description: 'The Caldicott principle or policy the rule protects.' },
      falsePositives: { type: 'array', items: { type: 'string', minLength: 3 } },
      enabled: { type: 'boolean' },
      params: { type: 'object' },
    },
    allOf: kinds.map((kind) => ({
      if: { properties: { kind: { const: kind.name } }, required: ['kind'] },
      then: { properties: { params: kind.paramsSchema } },
    })),
    definitions: { condition: conditionSchema },
  };
}
