import { randomUUID } from 'node:crypto';
import type { StoredEvent } from '../events/accessEvent.js';
import { eventDocId, eventFingerprint } from '../events/canonical.js';
import { normaliseNhsNumber } from '../events/nhsNumber.js';
import { validateAccessEvent } from '../events/validateEvent.js';
import type { ParsedRecord } from '../formats/index.js';

/** Who posted the batch: the system and organisations the source key is scoped to. */
export interface PostingSource {
  system: string;
  organisations: readonly string[];
}

/** A record that was not accepted, with its position in the posted body and the reasons. */
export interface Rejection {
  index: number;
  id?: string;
  errors: string[];
}

/** A posted batch after validation: the events to store and the records refused. */
export interface PreparedBatch {
  batchId: string;
  receivedAt: string;
  events: StoredEvent[];
  rejected: Rejection[];
}

function candidateId(value: Record<string, unknown> | undefined): string | undefined {
  const id = value?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}

/**
 * Fills what the posting key implies and tidies what people type (spaces in NHS numbers).
 * Changes the parsed record in place: it was made from this request's body and nothing else holds it.
 */
function withDefaults(event: Record<string, unknown>, source: PostingSource): Record<string, unknown> {
  if (event.system === undefined) event.system = source.system;
  const patient = event.patient as Record<string, unknown> | undefined;
  if (patient && typeof patient === 'object' && typeof patient.nhsNumber === 'string' && patient.nhsNumber.length !== 10) {
    patient.nhsNumber = normaliseNhsNumber(patient.nhsNumber);
  }
  return event;
}

const EARLIEST = Date.UTC(1990, 0, 1);
const LATEST_AHEAD_MS = 24 * 3600 * 1000;

/**
 * The schema accepts every RFC 3339 form, including leap seconds (23:59:60) that no clock stores;
 * an access also has to have happened in this era and not tomorrow.
 */
function timeProblem(occurredAt: string, now: Date): string | undefined {
  const at = Date.parse(occurredAt);
  if (!Number.isFinite(at)) return `occurredAt: ${JSON.stringify(occurredAt)} is not a time that can be stored (write leap seconds as :59 and offsets as +hh:mm)`;
  if (at < EARLIEST) return `occurredAt: ${occurredAt} is before 1990`;
  if (at > now.getTime() + LATEST_AHEAD_MS) return `occurredAt: ${occurredAt} is more than a day in the future (is the source system's clock right?)`;
  return undefined;
}

function scopeProblems(system: string, organisation: string, source: PostingSource): string[] {
  const problems: string[] = [];
  if (system !== source.system) {
    problems.push(`system: "${system}" is not this key's system; the key may post only for "${source.system}"`);
  }
  if (!source.organisations.includes(organisation)) {
    problems.push(`organisation: "${organisation}" is outside this key's organisations (${source.organisations.join(', ')})`);
  }
  return problems;
}

/**
 * Turns parsed records into events ready to store: defaults, schema validation, the key's scope,
 * identity and fingerprint. Good records are kept even when others in the batch are refused.
 */
export function prepareBatch(records: ParsedRecord[], source: PostingSource, now: Date = new Date()): PreparedBatch {
  const batch: PreparedBatch = { batchId: randomUUID(), receivedAt: now.toISOString(), events: [], rejected: [] };
  for (const record of records) {
    const id = candidateId(record.value);
    if (record.errors?.length || !record.value) {
      batch.rejected.push({ index: record.index, ...(id ? { id } : {}), errors: record.errors ?? ['record: could not be read'] });
      continue;
    }
    const result = validateAccessEvent(withDefaults(record.value, source));
    if (!result.ok) {
      batch.rejected.push({ index: record.index, ...(id ? { id } : {}), errors: result.errors });
      continue;
    }
    const { event } = result;
    const badTime = timeProblem(event.occurredAt, now);
    if (badTime) {
      batch.rejected.push({ index: record.index, id: event.id, errors: [badTime] });
      continue;
    }
    const outOfScope = scopeProblems(event.system, event.organisation, source);
    if (outOfScope.length > 0) {
      batch.rejected.push({ index: record.index, id: event.id, errors: outOfScope });
      continue;
    }
    batch.events.push({
      docId: eventDocId(event.system, event.id),
      event,
      sha256: eventFingerprint(event),
      receivedAt: batch.receivedAt,
      batchId: batch.batchId,
      ...(record.original === undefined ? {} : { original: record.original }),
    });
  }
  return batch;
}
