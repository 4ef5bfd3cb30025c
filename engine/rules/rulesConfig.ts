import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import { SEVERITIES } from '../alerts/alert.js';
import { ROLE_CLASSES } from '../reference/referenceData.js';
import type { RuleOverride } from './loadRules.js';
import { describeRuleErrors, RuleFileError } from './loadRules.js';
import type { RulesConfig } from './ruleKind.js';

/**
 * The rules' configuration: shared settings (working hours, who may see sensitive record parts,
 * lateness) and per-rule overrides (enable, severity, params), read from an optional YAML file
 * (ACCESSWATCH_RULES_CONFIG). Without one, the defaults below apply.
 */

export const DEFAULT_RULES_CONFIG: RulesConfig = Object.freeze<RulesConfig>({
  workingHours: { start: '07:00', end: '19:00' },
  workingDays: [0, 1, 2, 3, 4, 5, 6],
  recordPartRoleClasses: {
    'mental-health': ['clinical'],
    'sexual-health': ['clinical'],
    safeguarding: ['clinical', 'social-care'],
  },
  deceasedMarginDays: 30,
  latenessMs: 3_600_000,
});

/** The shipped rules: `rules/` at the top of the package. */
export const SHIPPED_RULES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'rules');

/** The folder of the shipped rules, from this file's place in the source tree or in dist/. */
export function shippedRulesDir(): string {
  const fromSource = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'rules');
  return existsSync(fromSource) ? fromSource : SHIPPED_RULES_DIR;
}

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

const configFileSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    workingHours: {
      type: 'object', additionalProperties: false, required: ['start', 'end'],
      properties: { start: { type: 'string', pattern: HHMM }, end: { type: 'string', pattern: HHMM } },
    },
    workingDays: { type: 'array', uniqueItems: true, items: { type: 'integer', minimum: 0, maximum: 6 } },
    recordPartRoleClasses: {
      type: 'object',
      additionalProperties: { type: 'array', uniqueItems: true, items: { enum: ROLE_CLASSES } },
    },
    deceasedMarginDays: { type: 'integer', minimum: 0, maximum: 3650 },
    latenessMinutes: { type: 'integer', minimum: 0, maximum: 10_080 },
    rules: {
      type: 'object',
      additionalProperties: {
        type: 'object', additionalProperties: false,
        properties: { enabled: { type: 'boolean' }, severity: { enum: SEVERITIES }, params: { type: 'object' } },
      },
    },
  },
} as const;

export interface RulesSettings {
  config: RulesConfig;
  overrides: Record<string, RuleOverride>;
}

/** Reads the rules configuration file (or the defaults when `path` is undefined); a bad file fails naming the field. */
export function readRulesSettings(path: string | undefined): RulesSettings {
  if (path === undefined) return { config: DEFAULT_RULES_CONFIG, overrides: {} };
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8')) ?? {};
  } catch (err) {
    throw new RuleFileError(path, [(err as Error).message.split('\n')[0]]);
  }
  const validate = new Ajv({ allErrors: true, strict: false }).compile(configFileSchema);
  if (!validate(raw)) throw new RuleFileError(path, describeRuleErrors(validate.errors ?? []));
  const file = raw as {
    workingHours?: RulesConfig['workingHours']; workingDays?: number[]; deceasedMarginDays?: number; latenessMinutes?: number;
    recordPartRoleClasses?: RulesConfig['recordPartRoleClasses']; rules?: Record<string, RuleOverride>;
  };
  return {
    config: Object.freeze({
      workingHours: file.workingHours ?? DEFAULT_RULES_CONFIG.workingHours,
      workingDays: file.workingDays ?? DEFAULT_RULES_CONFIG.workingDays,
      recordPartRoleClasses: file.recordPartRoleClasses ?? DEFAULT_RULES_CONFIG.recordPartRoleClasses,
      deceasedMarginDays: file.deceasedMarginDays ?? DEFAULT_RULES_CONFIG.deceasedMarginDays,
      latenessMs: file.latenessMinutes === undefined ? DEFAULT_RULES_CONFIG.latenessMs : file.latenessMinutes * 60_000,
    }),
    overrides: file.rules ?? {},
  };
}
