import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { isValidNhsNumber, nhsNumberProblem } from '../events/nhsNumber.js';

/**
 * Validation of posted records against the published JSON Schemas (access events, reference
 * data), with one wording of field-level reasons for all of them: each reason starts with the
 * dotted field (`patient.nhsNumber: fails the NHS number check digit`).
 */

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

/** ODS codes: the pattern every schema uses for an organisation, so the reason can say so. */
export const ODS_CODE_PATTERN = '^[A-Z0-9]{3,10}$';

/** What a group of alternative formats (`anyOf: [{format}, {format}]`) means, in words. */
const FORMAT_CHOICES = new Map<string, string>([
  ['ipv4|ipv6', 'an IPv4 or IPv6 address'],
  ['date|date-time', 'a date (YYYY-MM-DD) or an RFC 3339 date-time with a time zone (e.g. 2026-11-22T09:30:00Z)'],
]);

export type Validation<T> = { ok: true; value: T } | { ok: false; errors: string[] };

function compile<T>(schema: object, allErrors: boolean) {
  const ajv = new Ajv2020({ allErrors, strict: true, strictTypes: false });
  addFormats(ajv);
  ajv.addFormat('nhs-number', { type: 'string', validate: isValidNhsNumber });
  return ajv.compile<T>(schema);
}

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

/** Turns Ajv's errors for one record into reasons an integrator can act on. */
class ErrorWording {
  /** Formats tried inside each `anyOf`, by the anyOf's schema path, reported once by the anyOf. */
  private readonly choices = new Map<string, string[]>();

  constructor(private readonly recordName: string, private readonly record: unknown) {}

  describe(error: ErrorObject): string | undefined {
    const field = fieldOf(error.instancePath);
    const value = valueAt(this.record, error.instancePath);
    const params = error.params as Record<string, unknown>;
    const alternative = /^(.*\/anyOf)\/\d+\/format$/.exec(error.schemaPath);
    if (alternative && error.keyword === 'format') {
      const formats = this.choices.get(alternative[1]) ?? [];
      formats.push(String(params.format));
      this.choices.set(alternative[1], formats);
      return undefined;
    }
    switch (error.keyword) {
      case 'required':
        return `${joinField(field, String(params.missingProperty))}: is required`;
      case 'additionalProperties':
        return `${joinField(field, String(params.additionalProperty))}: is not a field of ${this.recordName}`;
      case 'type':
        return `${field || 'record'}: must be ${params.type === 'object' || params.type === 'array' ? 'an' : 'a'} ${String(params.type)}, got ${show(value)}`;
      case 'enum':
        return `${field}: must be one of ${(params.allowedValues as unknown[]).join(', ')}; got ${show(value)}`;
      case 'minLength':
        return `${field}: must not be empty`;
      case 'maxLength':
        return `${field}: must be at most ${String(params.limit)} characters`;
      case 'uniqueItems':
        return `${field}: must not repeat a value`;
      case 'pattern':
        if (params.pattern === ODS_CODE_PATTERN) return `${field}: must be an ODS code (3 to 10 capital letters and digits), got ${show(value)}`;
        return `${field}: must be lower-case words joined by dashes, got ${show(value)}`;
      case 'format':
        if (params.format === 'nhs-number') return `${field}: ${nhsNumberProblem(String(value)) ?? 'is not an NHS number'}`;
        if (params.format === 'date-time') {
          return `${field}: must be an RFC 3339 date-time with a time zone (e.g. 2026-11-22T09:30:00Z), got ${show(value)}`;
        }
        return `${field}: must be a valid ${String(params.format)}`;
      case 'anyOf': {
        const words = FORMAT_CHOICES.get((this.choices.get(error.schemaPath) ?? []).join('|'));
        return words ? `${field}: must be ${words}, got ${show(value)}` : `${field}: is not valid`;
      }
      default:
        return `${field || 'record'}: ${error.message ?? 'is not valid'}`;
    }
  }
}

/**
 * A validator for one published schema: a fast check that stops at the first problem (what every
 * record goes through) and, only for records that fail it, a second pass that says all that is
 * wrong. `recordName` names the record in reasons ("an access event", "a staff record").
 */
export function schemaValidator<T>(schema: object, recordName: string): (candidate: unknown) => Validation<T> {
  const isValid = compile<T>(schema, false);
  const everyProblem = compile<T>(schema, true);
  return (candidate) => {
    if (isValid(candidate)) return { ok: true, value: candidate };
    everyProblem(candidate);
    const wording = new ErrorWording(recordName, candidate);
    const errors: string[] = [];
    for (const error of everyProblem.errors ?? []) {
      const text = wording.describe(error);
      if (text && !errors.includes(text)) errors.push(text);
    }
    return { ok: false, errors };
  };
}
