import { createHash } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { presentedKey, routeNeedsKey } from './auth.js';
import { errors } from './errors.js';

export interface RateLimitOptions {
  perMinute: number;
  /** Whether API keys are configured: then each key has its own budget. */
  keyed: boolean;
  metricsPublic: boolean;
}

/**
 * Optional per-client limit (off at 0). With API keys, the budget belongs to the key (its
 * SHA-256, so no raw key sits in the limiter's memory); without, and on the open routes, to the
 * client address. It runs after the key check, so a key only buys a budget where it was verified
 * (made-up keys sent to open routes do not each get a fresh one). /health is exempt: it is the
 * load balancer's. Must be registered before the routes it limits.
 */
export async function registerRateLimit(app: FastifyInstance, options: RateLimitOptions): Promise<void> {
  if (options.perMinute === 0) return;
  await app.register(rateLimit, {
    global: true,
    max: options.perMinute,
    timeWindow: 60_000,
    keyGenerator: (request: FastifyRequest) => {
      const verified = options.keyed && routeNeedsKey(request.routeOptions.url, options.metricsPublic);
      const key = verified ? presentedKey(request) : null;
      return key === null ? `address:${request.ip}` : `key:${createHash('sha256').update(key).digest('hex')}`;
    },
    allowList: (request: FastifyRequest) => request.routeOptions.url === '/health',
    errorResponseBuilder: (_request, context) => errors.rateLimited(context.max, Math.max(1, Math.ceil(context.ttl / 1000))),
  });
}
