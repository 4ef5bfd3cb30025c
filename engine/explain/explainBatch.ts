import type { StoredEvent } from '../events/accessEvent.js';
import type { BatchReference } from '../reference/batchReference.js';
import { explainAccess, type ExplainOptions } from './explainAccess.js';

/**
 * Explains every event of a batch from the batch's reference data (looked up once for the whole
 * batch, see lookUpBatchReference); the explanation is stored with the event.
 */
export function explainBatch(events: StoredEvent[], reference: BatchReference, options: ExplainOptions): void {
  for (const stored of events) {
    const { event } = stored;
    stored.explanation = explainAccess(event, {
      staff: reference.staffOf(event),
      patient: reference.patientOf(event.patient.nhsNumber),
      relationships: reference.relationshipsOf(event.patient.nhsNumber),
    }, options);
  }
}
