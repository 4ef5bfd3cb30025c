import { endOf, startOf } from '../explain/explainAccess.js';
import { normaliseNhsNumber } from '../events/nhsNumber.js';
import type { ParsedRecord } from '../formats/index.js';
import type { Rejection } from '../ingest/prepareBatch.js';
import { schemaValidator, type Validation } from '../schema/schemaValidator.js';
import type { Patient, ReferenceKind, ReferenceRecords, Relationship, Staff, Stored } from './referenceData.js';
import { patientSchema, relationshipSchema, staffSchema } from './referenceSchemas.js';

/** Which organisations the poster may send records for: a reference key's, or any (an admin). */
export type ReferenceScope = { organisations: readonly string[] } | 'any-organisation';

/** A posted batch of reference records after validation: what to upsert and what was refused. */
export interface PreparedReference<T> {
  receivedAt: string;
  records: Stored<T>[];
  rejected: Rejection[];
}

type Candidate = Record<string, unknown>;

/** Each kind's validator, and the field that must be among the poster's organisations (patients have none). */
const KINDS = {
  staff: { validate: schemaValidator<Staff>(staffSchema, 'a staff record'), organisationField: 'organisation' },
  patients: { validate: schemaValidator<Patient>(patientSchema, 'a patient'), organisationField: undefined },
  relationships: { validate: schemaValidator<Relationship>(relationshipSchema, 'a relationship'), organisationField: 'organisation' },
} as const;

/**
 * Tidies what people type before validation: spaces and dashes in NHS numbers; patients' lists
 * default to none. Changes the parsed record in place: it was made from this request's body alone.
 */
function tidy(kind: ReferenceKind, record: Candidate): Candidate {
  if (typeof record.nhsNumber === 'string' && record.nhsNumber.length !== 10) record.nhsNumber = normaliseNhsNumber(record.nhsNumber);
  if (kind === 'patients') {
    record.flags ??= [];
    record.optOuts ??= [];
  }
  return record;
}

/** `end` before `start`, read as explanation reads them (a date-only end lasts the whole day in England). */
function periodProblem(record: Candidate): string | undefined {
  const { start, end } = record;
  if (typeof start !== 'string' || typeof end !== 'string') return undefined;
  return endOf(end) < startOf(start) ? `end: must not be before start (${start}), got "${end}"` : undefined;
}

/** A death before the birth, or either in the future, is a data error worth naming. */
function lifeProblem(kind: ReferenceKind, record: Candidate, now: Date): string | undefined {
  if (kind !== 'patients') return undefined;
  const { dateOfBirth, dateOfDeath } = record;
  if (typeof dateOfBirth === 'string' && startOf(dateOfBirth) > now.getTime()) return `dateOfBirth: ${dateOfBirth} is in the future`;
  if (typeof dateOfDeath !== 'string') return undefined;
  if (startOf(dateOfDeath) > now.getTime()) return `dateOfDeath: ${dateOfDeath} is in the future`;
  if (typeof dateOfBirth === 'string' && endOf(dateOfDeath) < startOf(dateOfBirth)) return `dateOfDeath: must not be before dateOfBirth (${dateOfBirth}), got "${dateOfDeath}"`;
  return undefined;
}

/**
 * A key scoped to organisations may say a patient is registered only with one of them: the
 * registration explains every access by that practice, so it must come from the practice.
 */
function registrationProblem(kind: ReferenceKind, record: Candidate, scope: ReferenceScope): string | undefined {
  if (kind !== 'patients' || scope === 'any-organisation') return undefined;
  const practice = record.registeredPractice;
  if (typeof practice === 'string' && scope.organisations.includes(practice)) return undefined;
  return `registeredPractice: a key for ${scope.organisations.join(', ')} may post only patients registered with ${scope.organisations.length === 1 ? 'it' : 'one of them'}` +
    (typeof practice === 'string' ? `, not "${practice}"` : ' (registeredPractice is missing)');
}

function scopeProblem(kind: ReferenceKind, record: Candidate, scope: ReferenceScope): string | undefined {
  const field = KINDS[kind].organisationField;
  if (field === undefined || scope === 'any-organisation') return undefined;
  const organisation = String(record[field]);
  if (scope.organisations.includes(organisation)) return undefined;
  return `${field}: "${organisation}" is outside this key's organisations (${scope.organisations.join(', ')})`;
}

function validateRecord(kind: ReferenceKind, candidate: Candidate, scope: ReferenceScope, now: Date): Validation<Candidate> {
  const result = KINDS[kind].validate(tidy(kind, candidate)) as Validation<Candidate>;
  if (!result.ok) return result;
  const problems = [periodProblem(result.value), lifeProblem(kind, result.value, now), scopeProblem(kind, result.value, scope), registrationProblem(kind, result.value, scope)]
    .filter((p): p is string => p !== undefined);
  return problems.length > 0 ? { ok: false, errors: problems } : result;
}

/**
 * Turns parsed records of one kind into records ready to upsert: tidying, schema validation,
 * the period check and the poster's organisations. Good records are kept even when others in the
 * batch are refused; each refused one is listed by its index with every reason.
 */
export function prepareReference<K extends ReferenceKind>(
  kind: K, parsed: ParsedRecord[], scope: ReferenceScope, now: Date = new Date(),
): PreparedReference<ReferenceRecords[K]> {
  const batch: PreparedReference<ReferenceRecords[K]> = { receivedAt: now.toISOString(), records: [], rejected: [] };
  for (const { index, value, errors } of parsed) {
    if (errors?.length || !value) {
      batch.rejected.push({ index, errors: errors ?? ['record: could not be read'] });
      continue;
    }
    const result = validateRecord(kind, value, scope, now);
    if (result.ok) batch.records.push({ record: result.value as unknown as ReferenceRecords[K], receivedAt: batch.receivedAt });
    else batch.rejected.push({ index, errors: result.errors });
  }
  return batch;
}
