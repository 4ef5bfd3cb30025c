import type { RuleInput } from './ruleKind.js';

/**
 * Conditions over an enriched access, as rule files write them:
 *   all: [...] | any: [...] | not: {...} | { field: <path>, <one operator>: <value> }
 * Fields are paths into the access (`event.*`), the user's staff record (`staff.*`), the patient
 * (`patient.*`), the access's explanation (`explanation.*`) and its facts (`facts.*`). Only the
 * paths in FIELD_PATHS exist: a rule naming any other fails at load.
 */

type Scalar = string | number | boolean;

export interface FieldCondition {
  field: FieldPath;
  /** The field equals the value. */
  equals?: Scalar;
  /** The field is one of the values. */
  in?: Scalar[];
  /** The field is present and none of the values. */
  notIn?: Scalar[];
  /** The field is present (true) or absent (false). */
  exists?: boolean;
  /** The field (a list) holds at least one of the values. */
  includesAny?: string[];
}

export type Condition = { all: Condition[] } | { any: Condition[] } | { not: Condition } | FieldCondition;

export const OPERATORS = ['equals', 'in', 'notIn', 'exists', 'includesAny'] as const;

const getters = {
  'event.action': (i: RuleInput) => i.event.action,
  'event.recordPart': (i: RuleInput) => i.event.recordPart,
  'event.purpose': (i: RuleInput) => i.event.purpose,
  'event.outcome': (i: RuleInput) => i.event.outcome,
  'event.system': (i: RuleInput) => i.event.system,
  'event.organisation': (i: RuleInput) => i.event.organisation,
  'event.user.id': (i: RuleInput) => i.event.user.id,
  'event.user.role': (i: RuleInput) => i.event.user.role,
  'event.user.team': (i: RuleInput) => i.event.user.team,
  'event.patient.nhsNumber': (i: RuleInput) => i.event.patient.nhsNumber,
  'event.workstation': (i: RuleInput) => i.event.workstation,
  'event.ip': (i: RuleInput) => i.event.ip,
  'event.site': (i: RuleInput) => i.event.site,
  'event.reason': (i: RuleInput) => i.event.reason,
  'event.relationshipClaim': (i: RuleInput) => i.event.relationshipClaim,
  'staff.role': (i: RuleInput) => i.staff?.role,
  'staff.roleClass': (i: RuleInput) => i.staff?.roleClass,
  'staff.team': (i: RuleInput) => i.staff?.team,
  'staff.end': (i: RuleInput) => i.staff?.end,
  'patient.flags': (i: RuleInput) => i.patient?.flags,
  'patient.optOuts': (i: RuleInput) => i.patient?.optOuts,
  'patient.dateOfDeath': (i: RuleInput) => i.patient?.dateOfDeath,
  'patient.registeredPractice': (i: RuleInput) => i.patient?.registeredPractice,
  'explanation.explained': (i: RuleInput) => i.explanation.explained,
  'explanation.by.type': (i: RuleInput) => i.explanation.by?.type,
  'explanation.by.level': (i: RuleInput) => i.explanation.by?.level,
  'facts.knownUser': (i: RuleInput) => i.facts.knownUser,
  'facts.roleClass': (i: RuleInput) => i.facts.roleClass,
  'facts.ownRecord': (i: RuleInput) => i.facts.ownRecord,
  'facts.familyOrNeighbour': (i: RuleInput) => i.facts.familyOrNeighbour,
  'facts.sameSurname': (i: RuleInput) => i.facts.sameSurname,
  'facts.sameAddress': (i: RuleInput) => i.facts.sameAddress,
  'facts.samePostcode': (i: RuleInput) => i.facts.samePostcode,
  'facts.coWorker': (i: RuleInput) => i.facts.coWorker,
  'facts.deceasedBeyondMargin': (i: RuleInput) => i.facts.deceasedBeyondMargin,
  'facts.leaver': (i: RuleInput) => i.facts.leaver,
  'facts.afterHours': (i: RuleInput) => i.facts.afterHours,
  'facts.recordPartNotAllowed': (i: RuleInput) => i.facts.recordPartNotAllowed,
  'facts.optedOut': (i: RuleInput) => i.facts.optedOut,
  'facts.secondaryUse': (i: RuleInput) => i.facts.secondaryUse,
} satisfies Record<string, (input: RuleInput) => unknown>;

export type FieldPath = keyof typeof getters;

/** Every field a rule may name. */
export const FIELD_PATHS = Object.keys(getters) as FieldPath[];

/** Reads a field of an enriched access (undefined when absent). */
export function fieldValue(input: RuleInput, field: FieldPath): unknown {
  return getters[field](input);
}

/** Reads a field as the string a windowed rule keys or counts by (undefined when absent). */
export function fieldText(input: RuleInput, field: FieldPath): string | undefined {
  const value = getters[field](input);
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value.join(',') : String(value);
}

export type Predicate = (input: RuleInput) => boolean;

/** Compiles a condition (already validated by the rule schema) into a predicate. */
export function compileCondition(condition: Condition): Predicate {
  if ('all' in condition) {
    const parts = condition.all.map(compileCondition);
    return (input) => parts.every((part) => part(input));
  }
  if ('any' in condition) {
    const parts = condition.any.map(compileCondition);
    return (input) => parts.some((part) => part(input));
  }
  if ('not' in condition) {
    const inner = compileCondition(condition.not);
    return (input) => !inner(input);
  }
  const get = getters[condition.field];
  if (condition.equals !== undefined) {
    const expected = condition.equals;
    return (input) => get(input) === expected;
  }
  if (condition.in !== undefined) {
    const values = new Set<unknown>(condition.in);
    return (input) => values.has(get(input));
  }
  if (condition.notIn !== undefined) {
    const values = new Set<unknown>(condition.notIn);
    return (input) => { const value = get(input); return value !== undefined && !values.has(value); };
  }
  if (condition.exists !== undefined) {
    const wanted = condition.exists;
    return (input) => (get(input) !== undefined) === wanted;
  }
  if (condition.includesAny !== undefined) {
    const values = condition.includesAny;
    return (input) => { const value = get(input); return Array.isArray(value) && values.some((v) => (value as unknown[]).includes(v)); };
  }
  throw new Error(`condition on ${condition.field} has no operator`);
}

/** JSON Schema of a condition (part of the published rule schema). */
export const conditionSchema = {
  $id: 'condition',
  oneOf: [
    { type: 'object', additionalProperties: false, required: ['all'], properties: { all: { type: 'array', minItems: 1, items: { $ref: 'condition' } } } },
    { type: 'object', additionalProperties: false, required: ['any'], properties: { any: { type: 'array', minItems: 1, items: { $ref: 'condition' } } } },
    { type: 'object', additionalProperties: false, required: ['not'], properties: { not: { $ref: 'condition' } } },
    {
      type: 'object',
      additionalProperties: false,
      required: ['field'],
      minProperties: 2,
      maxProperties: 2,
      properties: {
        field: { enum: FIELD_PATHS },
        equals: { type: ['string', 'number', 'boolean'] },
        in: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
        notIn: { type: 'array', minItems: 1, items: { type: ['string', 'number', 'boolean'] } },
        exists: { type: 'boolean' },
        includesAny: { type: 'array', minItems: 1, items: { type: 'string' } },
      },
    },
  ],
} as const;
