import type { FastifyInstance } from 'fastify';
import type { ParsedRecord } from '../../engine/formats/index.js';
import type { ReferenceKind, ReferenceRecords, Stored } from '../../engine/reference/referenceData.js';
import { prepareReference, type ReferenceScope } from '../../engine/reference/prepareReference.js';
import { REFERENCE_SCHEMAS, REFERENCE_SHAPES } from '../../engine/reference/referenceSchemas.js';
import type { Store } from '../../engine/store/port.js';
import type { Principal } from '../auth.js';
import { acceptBodiesAsText, recordsOfBody } from '../bodies.js';
import { UnavailableError } from '../../engine/ingest/errors.js';
import { ApiError } from '../errors.js';
import { callerOf } from '../permissions.js';
import { errorResponses, referenceResultSchema } from '../schemas.js';

export interface ReferenceRoutesOptions {
  store: Store;
  maxEventsPerRequest: number;
  bodyLimit: number;
}

const KINDS: ReferenceKind[] = ['staff', 'patients', 'relationships'];

/** A source key (with the `reference` scope) posts for its organisations; an admin for any (api/permissions.ts lets in only these). */
function referenceScope(principal: Principal): ReferenceScope {
  return principal.kind === 'person' ? 'any-organisation' : { organisations: principal.source.organisations };
}

type Upserts = { [K in ReferenceKind]: (records: Stored<ReferenceRecords[K]>[]) => Promise<void> };

function upsertsOf(store: Store): Upserts {
  return {
    staff: (records) => store.upsertStaff(records),
    patients: (records) => store.upsertPatients(records),
    relationships: (records) => store.upsertRelationships(records),
  };
}

/** Validates a parsed batch of one kind and upserts what is good; what the API answers. */
async function storeBatch<K extends ReferenceKind>(upserts: Upserts, kind: K, parsed: ParsedRecord[], scope: ReferenceScope) {
  const batch = prepareReference(kind, parsed, scope);
  if (batch.records.length > 0) {
    try {
      await upserts[kind](batch.records);
    } catch (err) {
      throw Object.assign(new UnavailableError(`the store could not take the ${kind}; nothing was accepted`), { cause: err });
    }
  }
  return { accepted: batch.records.length, rejected: batch.rejected };
}

/**
 * Reference data: staff, patients and care relationships, upserted by natural key straight into
 * the store (202 means stored, in every mode), and their published JSON Schemas.
 */
export async function referenceRoutes(app: FastifyInstance, options: ReferenceRoutesOptions): Promise<void> {
  acceptBodiesAsText(app, options.bodyLimit);

  const upserts = upsertsOf(options.store);
  for (const kind of KINDS) {
    const shape = REFERENCE_SHAPES[kind];
    app.post(`/v1/reference/${kind}`, {
      schema: {
        summary: `Upsert ${shape.many}`,
        description: `Bodies: application/json (array or {"${kind}": [...]}), application/x-ndjson, text/csv (dotted column names; list fields as ;-separated cells). `
          + `Schema: GET /v1/schemas/${kind}.`,
        response: { 202: referenceResultSchema, ...errorResponses, 400: { anyOf: [referenceResultSchema, errorResponses[400]] } },
      },
    }, async (request, reply) => {
      const scope = referenceScope(callerOf(request));
      const parsed = recordsOfBody(request.headers['content-type'], request.body, shape);
      if (parsed.length > options.maxEventsPerRequest) {
        throw new ApiError('AW_ERR_TOO_MANY_EVENTS', `the body holds ${parsed.length} ${shape.many}; the limit is ${options.maxEventsPerRequest} records per request: post smaller batches`);
      }
      const result = await storeBatch(upserts, kind, parsed, scope);
      if (result.accepted === 0) return reply.code(400).send(result);
      request.log.info({ module: 'reference', kind, accepted: result.accepted, rejected: result.rejected.length }, 'reference data stored');
      return reply.code(202).send(result);
    });

    app.get(`/v1/schemas/${kind}`, { schema: { summary: `The JSON Schema of ${shape.many}` } }, async () => REFERENCE_SCHEMAS[kind]);
  }
}
