import type { StoredEvent } from '../events/accessEvent.js';
import { staffKey, type Relationship, type Staff, type Patient } from '../reference/referenceData.js';
import type { ReferenceStore } from '../store/port.js';
import { explainAccess, type ExplainOptions } from './explainAccess.js';

/**
 * Explains every event of a batch. Reference data is looked up once per batch (its staff, its
 * patients and their relationships), never per event; the explanation is stored with the event.
 */
export async function explainBatch(events: StoredEvent[], store: ReferenceStore, options: ExplainOptions): Promise<void> {
  if (events.length === 0) return;
  const staffKeys = new Map<string, { userId: string; organisation: string }>();
  const nhsNumbers = new Set<string>();
  for (const { event } of events) {
    const key = { userId: event.user.id, organisation: event.organisation };
    staffKeys.set(staffKey(key), key);
    nhsNumbers.add(event.patient.nhsNumber);
  }
  const [staff, patients, relationships] = await Promise.all([
    store.findStaff([...staffKeys.values()]),
    store.findPatients([...nhsNumbers]),
    store.findRelationships([...nhsNumbers]),
  ]);
  const staffByKey = new Map<string, Staff>(staff.map(({ record }) => [staffKey(record), record]));
  const patientByNhs = new Map<string, Patient>(patients.map(({ record }) => [record.nhsNumber, record]));
  const relationshipsByNhs = new Map<string, Relationship[]>();
  for (const { record } of relationships) {
    const list = relationshipsByNhs.get(record.nhsNumber);
    if (list) list.push(record);
    else relationshipsByNhs.set(record.nhsNumber, [record]);
  }
  for (const stored of events) {
    const { event } = stored;
    stored.explanation = explainAccess(event, {
      staff: staffByKey.get(staffKey({ userId: event.user.id, organisation: event.organisation })),
      patient: patientByNhs.get(event.patient.nhsNumber),
      relationships: relationshipsByNhs.get(event.patient.nhsNumber) ?? [],
    }, options);
  }
}
