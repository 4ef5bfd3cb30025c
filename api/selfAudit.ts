import { randomUUID } from 'node:crypto';
import { SELF_AUDIT_SYSTEM, type AccessEvent, type StoredEvent } from '../engine/events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../engine/events/canonical.js';
import type { BatchSink } from '../engine/ingest/batchSink.js';
import type { Principal } from './auth.js';

export { SELF_AUDIT_SYSTEM };

/** One patient's data shown to (or searched for by) a person through the API. */
export interface PatientRead {
  organisation: string;
  nhsNumber: string;
  action: 'view' | 'search';
  /** What was shown: `access-log` (access events) or `alert`. */
  recordPart: 'access-log' | 'alert';
}

/**
 * Reading patient data through the API is itself an access, audited like any other: one event
 * per patient and organisation shown, recorded under the reader's stable person id.
 */
export async function recordPatientReads(reader: Extract<Principal, { kind: 'person' }>, reads: PatientRead[], sink: BatchSink): Promise<void> {
  if (reads.length === 0) return;
  const now = new Date().toISOString();
  const batchId = randomUUID();
  const unique = new Map(reads.map((read) => [`${read.organisation}/${read.nhsNumber}/${read.action}/${read.recordPart}`, read]));
  const events: StoredEvent[] = [...unique.values()].map((read) => {
    const event: AccessEvent = {
      id: randomUUID(),
      occurredAt: now,
      system: SELF_AUDIT_SYSTEM,
      organisation: read.organisation,
      user: { id: reader.id, role: reader.role },
      patient: { nhsNumber: read.nhsNumber },
      action: read.action,
      purpose: 'audit',
      recordPart: read.recordPart,
    };
    return { docId: eventDocId(event.system, event.id), event, sha256: eventFingerprint(event), receivedAt: now, batchId };
  });
  await sink.submit({ batchId, receivedAt: now, events });
}
