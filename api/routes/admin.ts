import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { credentialHash, newPersonToken, newSourceKey } from '../../engine/auth/credentials.js';
import type { IngestQueue } from '../../engine/queue/bullmqQueue.js';
import type { PersonRole, SourceScope, Store } from '../../engine/store/port.js';
import { ApiError } from '../errors.js';
import { errorResponses } from '../schemas.js';

export interface AdminRoutesOptions {
  store: Store;
  queue?: IngestQueue;
  /** Called after keys change, so cached credentials are forgotten. */
  credentialsChanged: () => void;
}

const odsCodes = { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[A-Z0-9]{3,10}$' } } as const;

export async function adminRoutes(app: FastifyInstance, options: AdminRoutesOptions): Promise<void> {
  // Admins only (api/permissions.ts).
  app.post<{ Body: { system: string; organisations: string[]; scopes?: SourceScope[]; rotate?: boolean } }>('/v1/admin/sources', {
    schema: {
      summary: 'Register a source system and issue its key (shown once)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['system', 'organisations'],
        properties: {
          system: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,99}$', description: 'e.g. emis-a81001' },
          organisations: odsCodes,
          scopes: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['events', 'reference'] }, default: ['events'] },
          rotate: { type: 'boolean', default: false, description: 'Replace the key of a system that is already registered (its old key stops working).' },
        },
      },
      response: { 201: { type: 'object', required: ['system', 'key'], properties: { system: { type: 'string' }, key: { type: 'string' } } }, ...errorResponses },
    },
  }, async (request, reply) => {
    if (request.body.system === 'accesswatch') throw new ApiError('AW_ERR_VALIDATION', 'system: "accesswatch" is reserved for accesswatch\'s own audit events');
    const existing = await options.store.findSource(request.body.system);
    if (existing && !existing.revokedAt && !request.body.rotate) {
      throw new ApiError('AW_ERR_CONFLICT', `system: "${request.body.system}" is already registered; send "rotate": true (CLI: --rotate) to replace its key, which stops the old one working`);
    }
    const key = newSourceKey();
    await options.store.putSource({
      system: request.body.system,
      organisations: request.body.organisations,
      scopes: request.body.scopes ?? ['events'],
      keyHash: credentialHash(key),
      createdAt: new Date().toISOString(),
    });
    options.credentialsChanged();
    return reply.code(201).send({ system: request.body.system, key });
  });

  app.delete<{ Params: { system: string } }>('/v1/admin/sources/:system', {
    schema: {
      summary: 'Revoke a source system\'s key',
      params: { type: 'object', properties: { system: { type: 'string' } } },
      response: { 204: { type: 'null' }, ...errorResponses },
    },
  }, async (request, reply) => {
    const revoked = await options.store.revokeSource(request.params.system, new Date().toISOString());
    if (!revoked) throw new ApiError('AW_ERR_NOT_FOUND', `no active source system "${request.params.system}"`);
    options.credentialsChanged();
    return reply.code(204).send();
  });

  app.post<{ Body: { name: string; role: PersonRole; organisations?: string[] } }>('/v1/admin/users', {
    schema: {
      summary: 'Create a person and issue their bearer token (shown once)',
      body: {
        type: 'object',
        additionalProperties: false,
        required: ['name', 'role'],
        properties: {
          name: { type: 'string', minLength: 1, maxLength: 200 },
          role: { enum: ['ig-officer', 'caldicott-guardian', 'admin', 'auditor'] },
          organisations: { ...odsCodes, minItems: 0, default: [] },
        },
      },
      response: { 201: { type: 'object', required: ['id', 'name', 'token'], properties: { id: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, token: { type: 'string' } } }, ...errorResponses },
    },
  }, async (request, reply) => {
    const { name, role } = request.body;
    const organisations = request.body.organisations ?? [];
    if (role !== 'admin' && organisations.length === 0) {
      throw new ApiError('AW_ERR_VALIDATION', `organisations: a ${role} needs at least one organisation (ODS code)`);
    }
    if (await options.store.findPersonByName(name)) {
      throw new ApiError('AW_ERR_CONFLICT', `name: "${name}" is already taken; names identify people in reports, so each must be unique`);
    }
    const token = newPersonToken();
    const id = `person-${randomUUID()}`;
    await options.store.putPerson({ id, name, role, organisations, tokenHash: credentialHash(token), createdAt: new Date().toISOString() });
    return reply.code(201).send({ id, name, role, token });
  });

  app.get('/v1/admin/queue', {
    schema: {
      summary: 'Ingest queue counts and the most recent failed batches (scaled modes)',
      response: {
        200: {
          type: 'object',
          properties: {
            mode: { type: 'string' },
            counts: { type: 'object', properties: { waiting: { type: 'integer' }, active: { type: 'integer' }, delayed: { type: 'integer' }, failed: { type: 'integer' }, completed: { type: 'integer' } } },
            failed: { type: 'array', items: { type: 'object', properties: { batchId: { type: 'string' }, events: { type: 'integer' }, reason: { type: 'string' }, attempts: { type: 'integer' } } } },
          },
        },
        ...errorResponses,
      },
    },
  }, async () => {
    if (!options.queue) return { mode: 'embedded', counts: { waiting: 0, active: 0, delayed: 0, failed: 0, completed: 0 }, failed: [] };
    return { mode: 'queued', counts: await options.queue.counts(), failed: await options.queue.failedBatches() };
  });

  app.get('/v1/admin/stats', {
    schema: {
      summary: 'How many access events are stored (no patient data)',
      response: { 200: { type: 'object', properties: { events: { type: 'integer' }, store: { type: 'string' } } }, ...errorResponses },
    },
  }, async () => ({ events: await options.store.countEvents(), store: options.store.kind }));

  app.post('/v1/admin/queue/retry-failed', {
    schema: { summary: 'Put failed batches back on the queue', response: { 200: { type: 'object', properties: { retried: { type: 'integer' } } }, ...errorResponses } },
  }, async () => ({ retried: options.queue ? await options.queue.retryFailed() : 0 }));
}
