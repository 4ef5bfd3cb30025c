import { FIELD_PATHS, fieldText, type FieldPath } from '../conditions.js';
import type { RuleInput } from '../ruleKind.js';

/**
 * Alert wording for per-event rules: a sentence with `{field.path}` placeholders filled from the
 * access (`{event.user.id} opened their own record at {event.organisation}`). Every placeholder
 * must name a field rules may use; a rule naming another fails at load.
 */

const PLACEHOLDER = /\{([a-zA-Z.]+)\}/g;

/** Placeholders in a template that are neither fields nor `named` (empty when the template is good). */
export function unknownPlaceholders(template: string, named: readonly string[] = []): string[] {
  const known = new Set<string>([...FIELD_PATHS, ...named]);
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]).filter((path) => !known.has(path));
}

/** The template with each placeholder filled: a `named` value (e.g. `{team}`), else the access's field. */
export function fillTemplate(template: string, input: RuleInput, named: Readonly<Record<string, string>> = {}): string {
  return template.replace(PLACEHOLDER, (_, path: string) => (Object.hasOwn(named, path) ? named[path] : fieldText(input, path as FieldPath)) ?? 'unknown');
}

/** The facts that hold for an access, by name, for an alert's details. */
export function trueFacts(input: RuleInput): string[] {
  return Object.entries(input.facts).filter(([, value]) => value === true).map(([name]) => name);
}
