import { schemaValidator } from '../schema/schemaValidator.js';
import { accessEventSchema } from './accessEventSchema.js';
import type { AccessEvent } from './accessEvent.js';

export type EventValidation = { ok: true; event: AccessEvent } | { ok: false; errors: string[] };

const validate = schemaValidator<AccessEvent>(accessEventSchema, 'an access event');

/** Validates a candidate event against the published schema, with field-level reasons. */
export function validateAccessEvent(candidate: unknown): EventValidation {
  const result = validate(candidate);
  return result.ok ? { ok: true, event: result.value } : result;
}
