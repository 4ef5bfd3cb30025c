import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { OidcWebApp } from '../engine/auth/oidcClaims.js';

/** Where `vite build` writes the dashboards app (from api/ or, compiled, dist/api/). */
function defaultDistDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', 'dashboards', 'app', 'dist'), join(here, '..', '..', 'dashboards', 'app', 'dist')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0];
}

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Built asset names: hashed file names, no folders, nothing hidden. */
const ASSET_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*\.(js|css|svg|png|ico|woff2)$/;

/**
 * The dashboards web app (dashboards/app), served without credentials: it holds no data, and
 * every data call it makes goes to the API with the person's bearer token. Its routes are kept
 * out of the OpenAPI document. Without a build, `/` says how to make one.
 */
export async function webAppRoutes(app: FastifyInstance, options: { distDir?: string; oidc?: OidcWebApp }): Promise<void> {
  const distDir = options.distDir ?? defaultDistDir();
  // Signing in through the identity provider, the page calls its token endpoint (and nothing else outside).
  const connect = options.oidc ? `connect-src 'self' ${new URL(options.oidc.tokenUrl).origin}; ` : '';
  const policy = `default-src 'self'; ${connect}img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'`;

  const security = (reply: import('fastify').FastifyReply) => reply
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer');

  /** GET /v1/auth/oidc: whether the web app may sign people in through the provider, and how (no secret: a public client). */
  app.get('/v1/auth/oidc', {
    schema: {
      hide: true,
      response: {
        200: {
          type: 'object', additionalProperties: false, required: ['enabled'],
          properties: { enabled: { type: 'boolean' }, clientId: { type: 'string' }, authorizationUrl: { type: 'string' }, tokenUrl: { type: 'string' }, scope: { type: 'string' } },
        },
      },
    },
  }, async (_request, reply) => {
    security(reply);
    return options.oidc
      ? { enabled: true, clientId: options.oidc.clientId, authorizationUrl: options.oidc.authorizationUrl, tokenUrl: options.oidc.tokenUrl, scope: options.oidc.scope }
      : { enabled: false };
  });

  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const html = await readFile(join(distDir, 'index.html'), 'utf8').catch(() => undefined);
    security(reply);
    if (html === undefined) {
      return reply.code(503).type('text/plain; charset=utf-8')
        .send('The dashboards web app is not built: run `npm run build` (or `npm ci`), then reload.\n');
    }
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache')
      .header('content-security-policy', policy)
      .send(html);
  });

  app.get<{ Params: { file: string } }>('/assets/:file', { schema: { hide: true } }, async (request, reply) => {
    const { file } = request.params;
    const match = ASSET_NAME.exec(file);
    const body = match ? await readFile(join(distDir, 'assets', file)).catch(() => undefined) : undefined;
    if (!match || body === undefined) {
      return reply.code(404).send({ error: { code: 'AW_ERR_NOT_FOUND', message: `no asset ${file}` } });
    }
    security(reply);
    return reply.type(TYPES[`.${match[1]}`]).header('cache-control', 'public, max-age=31536000, immutable').send(body);
  });
}
