import { FIELD_PATHS, fieldText, type FieldPath } from '../conditions.js';
import type { RuleInput } from '../ruleKind.js';

/**
 * Alert wording for per-event rules: a sentence with `{field.path}` placeholders filled from the
 * access (`{event.user.id} opened their own record at {event.organisation}`). Every placeholder
 * must name a field rules may use; a rule naming another fails at load.
 */

const PLACEHOLDER = /\{([a-zA-Z.]+)\}/g;

/** Placeholders in a template that are not fields (empty when the template is good). */
export function unknownPlaceholders(template: string): string[] {
  const known = new Set<string>(FIELD_PATHS);
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((path) => !known.has(path));
}

export function fillTemplate(template: string, input: RuleInput): string {
  return template.replace(PLACEHOLDER, (_, path: string) => fieldText(input, path as FieldPath) ?? 'unknown');
}

/** The facts that hold for an access, by name, for an alert's details. */
export function trueFacts(input: RuleInput): string[] {
  return Object.entries(input.facts).filter(([, value]) => value === true).map(([name]) => name);
}
