import type { StoredEvent } from '../events/accessEvent.js';
import { findBatchReference, lookUpBatchReference, referenceOf, type BatchReference } from '../reference/batchReference.js';
import type { ExplainAccessesOptions, ExplainedAccesses, ReferenceStore } from '../store/port.js';
import { explainAccess, type AccessToExplain, type ExplainOptions } from './explainAccess.js';
import type { Explanation } from './explanation.js';

/**
 * Explains every event of a batch from the batch's reference data (looked up once for the whole
 * batch, see lookUpBatchReference); the explanation is stored with the event.
 */
export function explainBatch(events: StoredEvent[], reference: BatchReference, options: ExplainOptions): void {
  const explanations = explanationsOf(events.map(({ event }) => event), reference, options);
  events.forEach((stored, n) => { stored.explanation = explanations[n]; });
}

/** The explanation of each access, in order, from the batch's reference data. */
export function explanationsOf(accesses: readonly AccessToExplain[], reference: BatchReference, options: ExplainOptions): Explanation[] {
  return accesses.map((access) => explainAccess(access, {
    staff: reference.staffOf(access),
    patient: reference.patientOf(access.patient.nhsNumber),
    relationships: reference.relationshipsOf(access.patient.nhsNumber),
  }, options));
}

/**
 * What ReferenceStore.explainAccesses does, for a store to run where its data is: the batch's
 * lookups (relationships included) and each access's explanation.
 */
export async function explainWithLookups(accesses: AccessToExplain[], store: ReferenceStore, options: ExplainAccessesOptions): Promise<ExplainedAccesses> {
  const found = await findBatchReference(accesses, store, { relationships: true, patientsAsStaff: options.patientsAsStaff });
  const explanations = explanationsOf(accesses, referenceOf(found), options);
  return { explanations, staff: found.staff, patients: found.patients, patientsAsStaff: found.patientsAsStaff };
}

/** What explaining each event reads of it (all a store that explains beside its data is sent). */
export function accessesOf(events: readonly StoredEvent[]): AccessToExplain[] {
  return events.map(({ event }): AccessToExplain => ({
    occurredAt: event.occurredAt, organisation: event.organisation,
    user: event.user.team === undefined ? { id: event.user.id } : { id: event.user.id, team: event.user.team },
    patient: { nhsNumber: event.patient.nhsNumber },
  }));
}

/** Gives each event its explanation from a store's answer; answers with the reference data the rules read (no relationships). */
export function withExplanations(events: readonly StoredEvent[], explained: ExplainedAccesses): BatchReference {
  events.forEach((stored, n) => { stored.explanation = explained.explanations[n]; });
  return referenceOf({ ...explained, relationships: [] });
}

/**
 * Looks up a batch's reference data and explains each event (stored with it), where the store
 * can do so beside its data (ReferenceStore.explainAccesses), else here. Answers with the
 * reference data the rules read (the relationships only when explained here).
 */
export async function lookUpAndExplain(events: StoredEvent[], store: ReferenceStore, options: ExplainAccessesOptions): Promise<BatchReference> {
  if (!store.explainAccesses) {
    const reference = await lookUpBatchReference(events, store, { relationships: true, patientsAsStaff: options.patientsAsStaff });
    explainBatch(events, reference, options);
    return reference;
  }
  return withExplanations(events, await store.explainAccesses(accessesOf(events), options));
}
