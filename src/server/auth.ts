import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { errors } from './errors.js';

/** When API keys are configured, every /v1 route needs `Authorization: Bearer <key>`. */
export function installAuth(app: FastifyInstance, keys: readonly string[]): void {
  if (keys.length === 0) return;
  // Compare digests so neither the length nor the content of a key leaks through timing.
  const digests = keys.map(digest);
  app.addHook('onRequest', async (request) => {
    if (!request.url.startsWith('/v1/') && request.url !== '/v1') return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = match ? digest(match[1]!.trim()) : null;
    if (!given || !digests.some((d) => timingSafeEqual(d, given))) throw errors.unauthorized();
  });
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
