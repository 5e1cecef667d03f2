import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** The dashboard's files: `web/` beside `src/` and `dist/` (this file is at <root>/{src,dist}/server/routes/). */
export const WEB_ROOT = fileURLToPath(new URL('../../../web/', import.meta.url));

/**
 * GET / — the dashboard: static files over the public API, so it can do nothing a client cannot.
 * Only the files that exist are routed (no wildcard), so unknown paths keep their JSON 404.
 */
export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: WEB_ROOT,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    decorateReply: false,
    cacheControl: true,
    maxAge: 0,
    // Its Content-Security-Policy and nosniff come with every response (server/headers.ts).
  });
}
