import { compileCondition, type Condition } from '../conditions.js';
import type { CompiledRule, RuleDefinition, RuleKind, RuleMatch } from '../ruleKind.js';
import { fillTemplate } from './describe.js';
import { perEventMatch } from './match.js';

/** Parameters of an `unexplained` rule. */
export interface UnexplainedParams {
  /** Accesses this rule leaves to others (e.g. accesswatch's own audit reads), as a condition. */
  except?: Condition;
  /** The alert's first sentence, with `{field.path}` placeholders. */
  text: string;
  /**
   * For an alert about a team (subject `team-patient`): the text instead of `text`, since the
   * alert gathers several users' accesses; `{team}` is the team, other placeholders as in `text`.
   */
  teamText?: string;
}

/**
 * `unexplained`: fires on each access that no legitimate relationship explains. The alert
 * carries the explanation's own words: what was checked and why nothing explained the access.
 */
export const unexplainedKind: RuleKind = {
  name: 'unexplained',
  windowed: false,
  defaultSubject: 'user-patient',
  paramsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['text'],
    properties: {
      except: { $ref: 'condition', description: 'Accesses this rule does not judge.' },
      text: { type: 'string', minLength: 1, description: 'The alert text; {field.path} placeholders are filled from the access.' },
      teamText: { type: 'string', minLength: 1, description: 'The alert text when the alert is about a team (subject team-patient); {team} is the team.' },
    },
  },
  compile(definition: RuleDefinition): CompiledRule {
    const params = definition.params as unknown as UnexplainedParams;
    const excepted = params.except ? compileCondition(params.except) : () => false;
    return {
      definition,
      async evaluate(inputs) {
        const matches: RuleMatch[] = [];
        for (const input of inputs) {
          if (input.explanation.explained || excepted(input)) continue;
          const match = perEventMatch(input, definition, '');
          const { team } = match.subject;
          match.explanation.text = team !== undefined && params.teamText !== undefined
            ? fillTemplate(params.teamText, input, { team })
            : fillTemplate(params.text, input);
          match.explanation = {
            ...match.explanation,
            checked: input.explanation.checked,
            ...(input.explanation.why !== undefined ? { why: input.explanation.why } : {}),
          };
          matches.push(match);
        }
        return matches;
      },
    };
  },
};
