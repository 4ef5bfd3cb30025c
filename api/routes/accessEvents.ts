import type { FastifyInstance } from 'fastify';
import type { StoredEvent } from '../../engine/events/accessEvent.js';
import { accessEventSchema } from '../../engine/events/accessEventSchema.js';
import { isValidNhsNumber, normaliseNhsNumber } from '../../engine/events/nhsNumber.js';
import { ACCESS_EVENT_SHAPE } from '../../engine/formats/index.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { accessesOf, lookUpAndExplain } from '../../engine/explain/explainBatch.js';
import { prepareBatch } from '../../engine/ingest/prepareBatch.js';
import type { BatchSink } from '../../engine/ingest/batchSink.js';
import type { IngestBatch } from '../../engine/ingest/processBatch.js';
import { InvalidCursorError } from '../../engine/store/cursor.js';
import type { Store } from '../../engine/store/port.js';
import { acceptBodiesAsText, recordsOfBody } from '../bodies.js';
import { ApiError } from '../errors.js';
import { callerPerson, callerSource } from '../permissions.js';
import { recordPatientReads, type PatientRead } from '../selfAudit.js';
import { errorResponses, eventPageSchema, ingestResultSchema } from '../schemas.js';

export interface AccessEventRoutesOptions {
  store: Store;
  sink: BatchSink;
  maxEventsPerRequest: number;
  bodyLimit: number;
  /** Days either side of a relationship that still explain an access. */
  explainMarginDays: number;
  /** The rules run in this process after storing (embedded mode): look up what they need with what explanation needs. */
  rulesInProcess: boolean;
}

/** Who was read: each patient and organisation shown, or a search per organisation when a query named a patient and found nothing. */
function readsOf(shown: StoredEvent[], searched: readonly string[], nhsNumber?: string): PatientRead[] {
  const reads: PatientRead[] = shown.map(({ event }) => ({ organisation: event.organisation, nhsNumber: event.patient.nhsNumber, action: 'view', recordPart: 'access-log' }));
  if (reads.length === 0 && nhsNumber) {
    for (const organisation of searched) reads.push({ organisation, nhsNumber, action: 'search', recordPart: 'access-log' });
  }
  return reads;
}

export async function accessEventRoutes(app: FastifyInstance, options: AccessEventRoutesOptions): Promise<void> {
  acceptBodiesAsText(app, options.bodyLimit);

  // The key is checked before the body is read (api/permissions.ts): an unknown caller gets 401, never 413 or 415.
  app.post('/v1/access-events', {
    schema: {
      summary: 'Post a batch of access events',
      description: 'Bodies: application/json (array or {"events": [...]}), application/x-ndjson, application/fhir+json (AuditEvent or Bundle), text/csv.',
      response: { 202: ingestResultSchema, ...errorResponses, 400: { anyOf: [ingestResultSchema, errorResponses[400]] } },
    },
  }, async (request, reply) => {
    const source = callerSource(request);
    const expected = request.headers['x-accesswatch-system'];
    if (typeof expected === 'string' && expected !== source.system) {
      throw new ApiError('AW_ERR_FORBIDDEN', `this key belongs to system "${source.system}", not "${expected}"`);
    }
    const records = recordsOfBody(request.headers['content-type'], request.body, ACCESS_EVENT_SHAPE);
    if (records.length > options.maxEventsPerRequest) {
      throw new ApiError('AW_ERR_TOO_MANY_EVENTS', `the body holds ${records.length} events; the limit is ${options.maxEventsPerRequest} per request: post smaller batches`);
    }
    const batch = prepareBatch(records, source);
    if (batch.events.length === 0) {
      return reply.code(400).send({ accepted: 0, duplicates: 0, rejected: batch.rejected });
    }
    const explain = { patientsAsStaff: options.rulesInProcess, marginDays: options.explainMarginDays };
    // Explained as stored (embedded), or here: only to be queued (the texts go to the queue as they are), or for the rules here.
    let explained: Pick<IngestBatch, 'reference' | 'explain' | 'explanationTexts'> = { explain };
    if (!options.sink.explainsWhenStoring) {
      try {
        explained = !options.rulesInProcess && options.store.explanationTexts
          ? { explanationTexts: await options.store.explanationTexts(accessesOf(batch.events), explain) }
          : { reference: await lookUpAndExplain(batch.events, options.store, explain) };
      } catch (err) {
        throw Object.assign(new UnavailableError('the reference data could not be read to explain the batch; nothing was accepted'), { cause: err });
      }
    }
    const { duplicates } = await options.sink.submit({ batchId: batch.batchId, receivedAt: batch.receivedAt, events: batch.events, ...explained });
    request.log.info({ module: 'ingest', batchId: batch.batchId, system: source.system, accepted: batch.events.length - duplicates, duplicates, rejected: batch.rejected.length }, 'batch accepted');
    return reply.code(202).send({ accepted: batch.events.length - duplicates, duplicates, rejected: batch.rejected });
  });

  app.get<{ Querystring: { patient?: string; user?: string; organisation?: string; from?: string; to?: string; limit: number; cursor?: string } }>('/v1/access-events', {
    schema: {
      summary: 'Search stored access events (newest first), within your organisations',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          patient: { type: 'string', description: 'NHS number' },
          user: { type: 'string' },
          organisation: { type: 'string' },
          from: { type: 'string', format: 'date-time' },
          to: { type: 'string', format: 'date-time' },
          limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
          cursor: { type: 'string' },
        },
      },
      response: { 200: eventPageSchema, ...errorResponses },
    },
  }, async (request) => {
    const person = callerPerson(request);
    const query = request.query;
    const nhsNumber = query.patient === undefined ? undefined : normaliseNhsNumber(query.patient);
    if (nhsNumber !== undefined && !isValidNhsNumber(nhsNumber)) {
      throw new ApiError('AW_ERR_VALIDATION', 'patient: is not a valid NHS number (10 digits with a correct check digit)');
    }
    let page;
    try {
      page = await options.store.queryEvents({
        organisations: person.organisations,
        nhsNumber, userId: query.user, organisation: query.organisation, from: query.from, to: query.to,
        limit: query.limit, cursor: query.cursor,
      });
    } catch (err) {
      if (err instanceof InvalidCursorError) throw new ApiError('AW_ERR_VALIDATION', err.message);
      throw Object.assign(new UnavailableError('the store is not reachable; retry shortly'), { cause: err });
    }
    await recordPatientReads(person, readsOf(page.events, query.organisation ? [query.organisation] : person.organisations, nhsNumber), options.sink);
    return {
      events: page.events.map((stored) => ({
        ...stored.event, sha256: stored.sha256, receivedAt: stored.receivedAt,
        ...(stored.explanation ? { explanation: stored.explanation } : {}),
      })),
      ...(page.nextCursor ? { nextCursor: page.nextCursor } : {}),
    };
  });

  app.get('/v1/schemas/access-event', { schema: { summary: 'The JSON Schema of a canonical access event' } }, async () => accessEventSchema);
}
