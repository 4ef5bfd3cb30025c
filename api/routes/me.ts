import type { FastifyInstance } from 'fastify';
import { callerPerson } from '../permissions.js';
import { errorResponses } from '../schemas.js';

/** Who the bearer of a person token (or an identity provider's token) is, as accesswatch sees them. */
const meSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'name', 'role', 'organisations'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    role: { type: 'string', enum: ['ig-officer', 'caldicott-guardian', 'auditor', 'admin'] },
    organisations: { type: 'array', items: { type: 'string' } },
  },
} as const;

export async function meRoutes(app: FastifyInstance): Promise<void> {
  app.get('/v1/me', {
    schema: { summary: 'The signed-in person: id, name, role and organisations (what every other route is scoped to)', response: { 200: meSchema, ...errorResponses } },
  }, async (request) => {
    const { id, name, role, organisations } = callerPerson(request);
    return { id, name, role, organisations };
  });
}
