import type { Explanation } from '../explain/explanation.js';

/**
 * The canonical access event: what every source format is normalised to.
 * Field names are the public contract (see DESIGN.md); never rename them.
 */

export const ACTIONS = [
  'view', 'search', 'create', 'update', 'delete', 'print', 'export', 'disclose', 'emergency-access',
] as const;
export const RECORD_PARTS = [
  'summary', 'clinical-note', 'medication', 'result', 'mental-health', 'sexual-health', 'safeguarding',
  'demographics', 'allergy', 'document', 'referral', 'social-care',
] as const;
export const PURPOSES = [
  'direct-care', 'emergency', 'safeguarding', 'research', 'planning', 'commissioning', 'legal', 'audit',
] as const;
export const OUTCOMES = ['success', 'denied', 'error'] as const;

/** The system name accesswatch uses for the access events it records about its own users (every read of patient data through the API). */
export const SELF_AUDIT_SYSTEM = 'accesswatch';

export type Action = (typeof ACTIONS)[number];
export type Purpose = (typeof PURPOSES)[number];
export type Outcome = (typeof OUTCOMES)[number];

/** An access event as a source system posts it, after format normalisation. */
export interface AccessEvent {
  id: string;
  occurredAt: string;
  system: string;
  organisation: string;
  user: { id: string; role: string; team?: string };
  patient: { nhsNumber: string };
  action: Action;
  recordPart?: string;
  purpose?: Purpose;
  outcome?: Outcome;
  workstation?: string;
  ip?: string;
  site?: string;
  reason?: string;
  relationshipClaim?: 'self-claimed';
}

/** An accepted event as the store keeps it. */
export interface StoredEvent {
  /** Deterministic store id derived from `(system, id)`. */
  docId: string;
  event: AccessEvent;
  /** SHA-256 (hex) of the event's canonical JSON form: the basis for tamper evidence. */
  sha256: string;
  /** When accesswatch received the batch (RFC 3339, UTC). */
  receivedAt: string;
  /** The batch the event arrived in. */
  batchId: string;
  /** The source document before normalisation, when it was not canonical JSON (e.g. a FHIR AuditEvent). */
  original?: unknown;
  /**
   * Whether the care system's own data explains the access, and by what (see engine/explain).
   * Not part of the fingerprint: it is accesswatch's judgement, not what the source reported.
   */
  explanation?: Explanation;
}
