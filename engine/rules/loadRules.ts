import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { RULE_KINDS } from './kindRegistry.js';
import type { RuleDefinition, RulesConfig, CompiledRule } from './ruleKind.js';
import { RULE_FAMILIES, ruleFileSchema } from './ruleSchema.js';
import { unknownPlaceholders } from './kinds/describe.js';

/**
 * Reads the rule files under a folder (`rules/<family>/<slug>.yaml`), validates each against the
 * published schema and compiles it with its kind. A bad file stops the load with the file, the
 * path inside it and what is wrong; so do two files with one id.
 */

export class RuleFileError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.join('; ')}`);
    this.name = 'RuleFileError';
  }
}

/** Per-rule changes an organisation makes without editing the shipped files (the rules config file). */
export interface RuleOverride {
  enabled?: boolean;
  severity?: RuleDefinition['severity'];
  /** Merged over the file's params, then validated like them. */
  params?: Record<string, unknown>;
}

let validator: ReturnType<Ajv['compile']> | undefined;

function validateRuleFile(candidate: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(ruleFileSchema());
  return validator(candidate) ? [] : [...(validator.errors ?? [])];
}

/** Ajv's errors as `path: reason`, leaving out the branch bookkeeping of if/then and oneOf when a more specific reason exists. */
export function describeRuleErrors(errors: ErrorObject[]): string[] {
  const specific = errors.filter((e) => !['if', 'oneOf', 'anyOf'].includes(e.keyword));
  const chosen = specific.length > 0 ? specific : errors;
  const seen = new Set<string>();
  for (const error of chosen) {
    const path = error.instancePath.slice(1).replaceAll('/', '.') || '(top level)';
    const params = error.params as Record<string, unknown>;
    let reason = error.message ?? 'is not valid';
    if (error.keyword === 'additionalProperties') reason = `has an unknown field "${String(params.additionalProperty)}"`;
    else if (error.keyword === 'enum') reason = `must be one of ${(params.allowedValues as unknown[]).join(', ')}`;
    else if (error.keyword === 'required') reason = `needs the field "${String(params.missingProperty)}"`;
    seen.add(`${path}: ${reason}`);
  }
  return [...seen];
}

function ruleFiles(folder: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) files.push(...ruleFiles(path));
    else if (entry.name.endsWith('.yaml') && !entry.name.endsWith('.fixtures.yaml')) files.push(path);
  }
  return files.sort();
}

/** Reads one rule file into a definition (validated); throws a RuleFileError naming the file. */
export function readRuleFile(path: string, root: string, override?: RuleOverride): RuleDefinition {
  const name = relative(root, path) || basename(path);
  const document = parseDocument(readFileSync(path, 'utf8'), { prettyErrors: true });
  if (document.errors.length > 0) throw new RuleFileError(name, document.errors.map((e) => e.message.split('\n')[0]));
  const raw = document.toJS() as Record<string, unknown> | null;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new RuleFileError(name, ['the file must hold one rule (a mapping)']);
  const candidate = override
    ? {
      ...raw,
      ...(override.enabled !== undefined ? { enabled: override.enabled } : {}),
      ...(override.severity !== undefined ? { severity: override.severity } : {}),
      params: { ...(raw.params as object), ...override.params },
    }
    : raw;
  const problems = describeRuleErrors(validateRuleFile(candidate));
  const family = relative(root, path).split(/[\\/]/)[0];
  if (!(RULE_FAMILIES as readonly string[]).includes(family)) {
    problems.push(`(file) must be in a family folder: ${RULE_FAMILIES.join(', ')}`);
  }
  // Alert wording: `teamText` may also name the team an alert is about.
  for (const [key, named] of [['text', []], ['teamText', ['team']]] as const) {
    const template = (candidate.params as Record<string, unknown> | undefined)?.[key];
    if (typeof template === 'string') {
      for (const unknown of unknownPlaceholders(template, named)) problems.push(`params.${key}: {${unknown}} is not a field rules may use`);
    }
  }
  if (problems.length > 0) throw new RuleFileError(name, problems);
  const kind = RULE_KINDS.get(candidate.kind as string);
  if (!kind) throw new RuleFileError(name, [`kind: no such rule kind "${String(candidate.kind)}"`]);
  if (candidate.subject === 'team-patient' && kind.windowed) {
    throw new RuleFileError(name, [`subject: team-patient is for per-event kinds; ${kind.name} counts per user or system`]);
  }
  return {
    id: candidate.id as string,
    title: candidate.title as string,
    family,
    severity: candidate.severity as RuleDefinition['severity'],
    kind: kind.name,
    subject: (candidate.subject as RuleDefinition['subject'] | undefined) ?? kind.defaultSubject,
    raises: (candidate.raises as RuleDefinition['raises'] | undefined) ?? 'alert',
    rationale: candidate.rationale as string,
    falsePositives: (candidate.falsePositives as string[] | undefined) ?? [],
    enabled: (candidate.enabled as boolean | undefined) ?? true,
    params: candidate.params as Record<string, unknown>,
  };
}

/** Every rule under the folder, validated; ids must be unique and overrides must name known rules. */
export function readRules(folder: string, overrides: Record<string, RuleOverride> = {}): RuleDefinition[] {
  const definitions: RuleDefinition[] = [];
  const fileOf = new Map<string, string>();
  for (const path of ruleFiles(folder)) {
    const id = (parseDocument(readFileSync(path, 'utf8')).toJS() as { id?: unknown } | null)?.id;
    const definition = readRuleFile(path, folder, typeof id === 'string' ? overrides[id] : undefined);
    const earlier = fileOf.get(definition.id);
    const name = relative(folder, path);
    if (earlier) throw new RuleFileError(name, [`id: ${definition.id} is already the id of ${earlier}`]);
    fileOf.set(definition.id, name);
    definitions.push(definition);
  }
  const unknown = Object.keys(overrides).filter((id) => !fileOf.has(id));
  if (unknown.length > 0) throw new RuleFileError('rules configuration', unknown.map((id) => `rules.${id}: no rule has this id`));
  return definitions;
}

/** Compiles definitions with their kinds (disabled rules included: they are listed, not run). */
export function compileRules(definitions: RuleDefinition[], config: RulesConfig): CompiledRule[] {
  return definitions.map((definition) => RULE_KINDS.get(definition.kind)!.compile(definition, config));
}
