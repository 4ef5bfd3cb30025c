import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { accessEventSchema } from './accessEventSchema.js';
import type { AccessEvent } from './accessEvent.js';
import { nhsNumberProblem, isValidNhsNumber } from './nhsNumber.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function compile(allErrors: boolean) {
  const ajv = new Ajv2020({ allErrors, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('nhs-number', { type: 'string', validate: isValidNhsNumber });
  return ajv.compile<AccessEvent>(accessEventSchema);
}

/** Stops at the first problem: the fast check every event goes through. */
const isAccessEvent = compile(false);
/** Collects every problem: run only for events that failed, to say all that is wrong. */
const everyProblem = compile(true);

/** Dotted field path of an Ajv instance path: `/patient/nhsNumber` → `patient.nhsNumber`. */
function fieldOf(instancePath: string): string {
  return instancePath.slice(1).split('/').join('.');
}

function joinField(parent: string, child: string): string {
  return parent ? `${parent}.${child}` : child;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function valueAt(record: unknown, instancePath: string): unknown {
  let current = record;
  for (const part of instancePath.split('/').slice(1)) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** One Ajv error in words an integrator can act on, starting with the field. */
function describeError(error: ErrorObject, record: unknown): string | undefined {
  const field = fieldOf(error.instancePath);
  const value = valueAt(record, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return `${joinField(field, String(params.missingProperty))}: is required`;
    case 'additionalProperties':
      return `${joinField(field, String(params.additionalProperty))}: is not a field of an access event`;
    case 'type':
      return `${field || 'record'}: must be ${params.type === 'object' ? 'an object' : `a ${String(params.type)}`}, got ${show(value)}`;
    case 'enum':
      return `${field}: must be one of ${(params.allowedValues as unknown[]).join(', ')}; got ${show(value)}`;
    case 'minLength':
      return `${field}: must not be empty`;
    case 'maxLength':
      return `${field}: must be at most ${String(params.limit)} characters`;
    case 'pattern':
      if (field === 'organisation') return `${field}: must be an ODS code (3 to 10 capital letters and digits), got ${show(value)}`;
      return `${field}: must be lower-case words joined by dashes, got ${show(value)}`;
    case 'format':
      if (params.format === 'nhs-number') return `${field}: ${nhsNumberProblem(String(value)) ?? 'is not an NHS number'}`;
      if (params.format === 'date-time') {
        return `${field}: must be an RFC 3339 date-time with a time zone (e.g. 2026-11-22T09:30:00Z), got ${show(value)}`;
      }
      if (field === 'ip') return undefined; // reported once by anyOf
      return `${field}: must be a valid ${String(params.format)}`;
    case 'anyOf':
      if (field === 'ip') return `${field}: must be an IPv4 or IPv6 address, got ${show(value)}`;
      return `${field}: is not valid`;
    default:
      return `${field || 'record'}: ${error.message ?? 'is not valid'}`;
  }
}

export type EventValidation = { ok: true; event: AccessEvent } | { ok: false; errors: string[] };

/** Validates a candidate event against the published schema, with field-level reasons. */
export function validateAccessEvent(candidate: unknown): EventValidation {
  if (isAccessEvent(candidate)) return { ok: true, event: candidate };
  everyProblem(candidate);
  const errors: string[] = [];
  for (const error of everyProblem.errors ?? []) {
    const text = describeError(error, candidate);
    if (text && !errors.includes(text)) errors.push(text);
  }
  return { ok: false, errors };
}
