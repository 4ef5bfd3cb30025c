import type { StoredEvent } from '../events/accessEvent.js';
import type { PatientsAndRelationships, ReferenceStore } from '../store/port.js';
import { staffKey, type Patient, type Relationship, type Staff, type StoredPatient, type StoredRelationship, type StoredStaff } from './referenceData.js';

/**
 * The reference data of one batch of events, looked up once for the whole batch (one round trip
 * per kind of record, in parallel): the users' staff records, the patients, the patients'
 * relationships (for explanation) and staff records that are the patients themselves (for the
 * own-record and co-worker rules).
 */
export interface BatchReference {
  staffOf(event: { user: { id: string }; organisation: string }): Staff | undefined;
  patientOf(nhsNumber: string): Patient | undefined;
  relationshipsOf(nhsNumber: string): readonly Relationship[];
  /** Staff records (any organisation) whose NHS number is this one. */
  staffWithNhsNumber(nhsNumber: string): readonly Staff[];
}

export interface LookupOptions {
  /** Look up the patients' relationships (explanation needs them; rules read the stored explanation). */
  relationships: boolean;
  /** Look up staff records by the patients' NHS numbers (rules need them; explanation does not). */
  patientsAsStaff: boolean;
}

function groupBy<T>(records: T[], keyOf: (record: T) => string | undefined): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const record of records) {
    const key = keyOf(record);
    if (key === undefined) continue;
    const list = groups.get(key);
    if (list) list.push(record);
    else groups.set(key, [record]);
  }
  return groups;
}

/** The records a batch's lookups found, as the store returned them. */
export interface FoundReference {
  staff: StoredStaff[];
  patients: StoredPatient[];
  relationships: StoredRelationship[];
  patientsAsStaff: StoredStaff[];
}

/** What of an access the lookups key on (an AccessEvent has it). */
export interface AccessKeys {
  organisation: string;
  user: { id: string };
  patient: { nhsNumber: string };
}

export async function lookUpBatchReference(events: readonly StoredEvent[], store: ReferenceStore, options: LookupOptions): Promise<BatchReference> {
  return referenceOf(await findBatchReference(events.map(({ event }) => event), store, options));
}

/** The lookups of lookUpBatchReference, one round trip per kind of record, in parallel. */
export async function findBatchReference(accesses: readonly AccessKeys[], store: ReferenceStore, options: LookupOptions): Promise<FoundReference> {
  const staffKeys = new Map<string, { userId: string; organisation: string }>();
  const nhsNumbers = new Set<string>();
  for (const event of accesses) {
    const key = { userId: event.user.id, organisation: event.organisation };
    staffKeys.set(staffKey(key), key);
    nhsNumbers.add(event.patient.nhsNumber);
  }
  const wanted = [...nhsNumbers];
  const [staff, { patients, relationships }, patientsAsStaff] = await Promise.all([
    staffKeys.size > 0 ? store.findStaff([...staffKeys.values()]) : [],
    findPatientsOf(store, wanted, options.relationships),
    options.patientsAsStaff && wanted.length > 0 ? store.findStaffByNhsNumbers(wanted) : [],
  ]);
  return { staff, patients, relationships, patientsAsStaff };
}

/** The patients and, when wanted, their relationships: in one lookup where the store offers it. */
async function findPatientsOf(store: ReferenceStore, nhsNumbers: string[], withRelationships: boolean): Promise<PatientsAndRelationships> {
  if (nhsNumbers.length === 0) return { patients: [], relationships: [] };
  if (!withRelationships) return { patients: await store.findPatients(nhsNumbers), relationships: [] };
  if (store.findPatientsAndRelationships) return store.findPatientsAndRelationships(nhsNumbers);
  const [patients, relationships] = await Promise.all([store.findPatients(nhsNumbers), store.findRelationships(nhsNumbers)]);
  return { patients, relationships };
}

/** A batch's reference data from what its lookups found. */
export function referenceOf({ staff, patients, relationships, patientsAsStaff }: FoundReference): BatchReference {
  const staffByKey = new Map<string, Staff>(staff.map(({ record }) => [staffKey(record), record]));
  const patientByNhs = new Map<string, Patient>(patients.map(({ record }) => [record.nhsNumber, record]));
  const relationshipsByNhs = groupBy(relationships.map(({ record }) => record), (record) => record.nhsNumber);
  const staffByNhs = groupBy(patientsAsStaff.map(({ record }) => record), (record) => record.nhsNumber);
  return {
    staffOf: (event) => staffByKey.get(staffKey({ userId: event.user.id, organisation: event.organisation })),
    patientOf: (nhsNumber) => patientByNhs.get(nhsNumber),
    relationshipsOf: (nhsNumber) => relationshipsByNhs.get(nhsNumber) ?? [],
    staffWithNhsNumber: (nhsNumber) => staffByNhs.get(nhsNumber) ?? [],
  };
}
