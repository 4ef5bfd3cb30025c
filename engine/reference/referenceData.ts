import { createHash } from 'node:crypto';

/**
 * Reference data: who works where (staff), who the patients are, and which care relationships
 * exist. Source systems upsert it; the rule engine looks it up once per batch of events.
 * Field names are the public contract (see DESIGN.md); never rename them.
 */

export const ROLE_CLASSES = ['clinical', 'non-clinical', 'social-care', 'admin'] as const;
export const PATIENT_FLAGS = ['vip', 'restricted', 'safeguarding', 'staff'] as const;
export const OPT_OUTS = ['type-1', 'national'] as const;
/** The relationship types named in the contract; other lower-case dashed words are allowed too. */
export const RELATIONSHIP_TYPES = [
  'registration', 'appointment', 'admission', 'referral', 'care-team', 'social-care-allocation', 'prescription', 'test-order',
] as const;

export type RoleClass = (typeof ROLE_CLASSES)[number];
export type PatientFlag = (typeof PATIENT_FLAGS)[number];
export type OptOut = (typeof OPT_OUTS)[number];

export interface Address {
  line1: string;
  postcode: string;
}

/** A member of staff at one organisation; a leaver has an `end`. */
export interface Staff {
  userId: string;
  organisation: string;
  name: string;
  surname: string;
  role: string;
  roleClass: RoleClass;
  team?: string;
  address?: Address;
  nhsNumber?: string;
  /** `YYYY-MM-DD` or an RFC 3339 date-time, as posted. */
  start: string;
  end?: string;
}

export interface Patient {
  nhsNumber: string;
  surname: string;
  dateOfBirth: string;
  address: Address;
  dateOfDeath?: string;
  flags: PatientFlag[];
  optOuts: OptOut[];
  /** ODS code of the GP practice. */
  registeredPractice?: string;
}

/** A care relationship between a patient and an organisation, and optionally a team or a user. */
export interface Relationship {
  /** The source's own id; when given, the relationship is upserted by it (within its organisation). */
  id?: string;
  nhsNumber: string;
  organisation: string;
  team?: string;
  userId?: string;
  type: string;
  start: string;
  end?: string;
}

/** A reference record as stored: the record as posted (validated, tidied) and when it was received. */
export interface Stored<T> {
  record: T;
  receivedAt: string;
}

export type StoredStaff = Stored<Staff>;
export type StoredPatient = Stored<Patient>;
export type StoredRelationship = Stored<Relationship>;

/** The record of each kind of reference data, by the kind's name in the API's paths. */
export interface ReferenceRecords {
  staff: Staff;
  patients: Patient;
  relationships: Relationship;
}

export type ReferenceKind = keyof ReferenceRecords;

/** The key a staff lookup names: one person at one organisation. */
export interface StaffKey {
  userId: string;
  organisation: string;
}

/** Natural key of a staff record: `userId` at `organisation`. */
export function staffKey(staff: StaffKey): string {
  return JSON.stringify([staff.userId, staff.organisation]);
}

/**
 * Natural key of a relationship: its `id` within its organisation when given (so one
 * organisation's key can never replace another's relationship), else the full tuple.
 */
export function relationshipKey(relationship: Relationship): string {
  if (relationship.id !== undefined) return JSON.stringify(['id', relationship.organisation, relationship.id]);
  const { nhsNumber, organisation, team, userId, type, start } = relationship;
  return JSON.stringify(['tuple', nhsNumber, organisation, team ?? null, userId ?? null, type, start]);
}

/** A natural key as a fixed-length document id (SHA-256, base64url). */
export function keyHash(key: string): string {
  return createHash('sha256').update(key).digest('base64url');
}

/** One record per key, the last of each in the batch winning (a key repeated in one batch). */
export function lastByKey<T>(records: T[], keyOf: (record: T) => string): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) {
    const key = keyOf(record);
    byKey.delete(key); // keeps the winner in the position of its last appearance
    byKey.set(key, record);
  }
  return [...byKey.values()];
}
