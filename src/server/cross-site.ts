import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError } from '../config.js';
import { errors } from './errors.js';

/** Methods that read only; everything else may change something and is guarded. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The `corsOrigins` setting as exact origins (`https://app.example`, `http://localhost:3000`).
 * A path, a wildcard or anything that is not an http(s) origin stops the start: a typo here
 * would otherwise silently refuse (or, with `*`, silently allow) every page.
 */
export function parseOrigins(list: readonly string[]): string[] {
  return list.map((entry) => {
    let url: URL | null = null;
    try {
      url = new URL(entry);
    } catch {
      // reported below
    }
    if (!url || !/^https?:$/.test(url.protocol) || url.href !== `${url.origin}/`) {
      throw new ConfigError(`Invalid setting 'corsOrigins': '${entry}' is not an origin such as https://app.example (scheme, host and port only)`);
    }
    return url.origin;
  });
}

/**
 * A browser page on another site must not drive this server: any request that may change
 * something (POST, PUT, PATCH, DELETE) whose `Origin` is not this server's own and not listed,
 * or that the browser marks `Sec-Fetch-Site: cross-site`, is refused with 403 before its key or
 * body is looked at. Requests without Origin (curl, SDKs) pass; browsers always send one on
 * such requests. `Origin: null` (sandboxed frames, file: pages) is refused.
 */
export function installCrossSiteGuard(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = request.headers.origin;
    if (origin !== undefined && allowed.has(origin)) return;
    const crossSite = request.headers['sec-fetch-site'] === 'cross-site';
    if (crossSite || (origin !== undefined && !isOwnOrigin(origin, request))) throw errors.crossSite(origin ?? '(none sent)');
  });
}

/** Same host and port as the request was sent to; the scheme is not compared (a TLS proxy may sit in front). */
function isOwnOrigin(origin: string, request: FastifyRequest): boolean {
  const host = request.headers.host;
  if (origin === 'null' || host === undefined) return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  if (url.origin !== origin) return false;
  const bare = (h: string) => h.toLowerCase().replace(/:(80|443)$/, '');
  return bare(url.host) === bare(host);
}

/**
 * CORS only for the listed origins (and not at all without a list): their pages may call the
 * API with an Authorization header and read the answers, including the audio headers.
 */
export async function registerCors(app: FastifyInstance, allowedOrigins: readonly string[]): Promise<void> {
  if (allowedOrigins.length === 0) return;
  await app.register(cors, {
    origin: [...allowedOrigins],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type'],
    exposedHeaders: ['X-Sample-Rate', 'X-Voice', 'Retry-After', 'Content-Disposition'],
    maxAge: 600,
  });
}
