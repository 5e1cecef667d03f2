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
    setHeaders: (res) => {
      // The page loads only its own files and plays audio it made (blob: URLs).
      res.header('Content-Security-Policy', "default-src 'self'; media-src 'self' blob:; img-src 'self' data:; object-src 'none'; base-uri 'none'");
      res.header('X-Content-Type-Options', 'nosniff');
    },
  });
}
