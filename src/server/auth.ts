import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ConfigError, type Config } from '../config.js';
import { errors } from './errors.js';

/**
 * The configured API keys: `apiKeys` plus the lines of `apiKeysFile` (one key a line, `#`
 * comments and blank lines ignored). Read once at start; a file that cannot be read or holds
 * no key stops the start, since a server meant to be locked must not come up open.
 */
export function loadApiKeys(config: Pick<Config, 'apiKeys' | 'apiKeysFile'>): string[] {
  const keys = [...config.apiKeys];
  if (config.apiKeysFile !== null) {
    let text: string;
    try {
      text = readFileSync(config.apiKeysFile, 'utf8');
    } catch (error) {
      throw new ConfigError(`Cannot read the API key file ${config.apiKeysFile} (setting 'apiKeysFile'): ${(error as Error).message}`);
    }
    const fromFile = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    if (fromFile.length === 0) throw new ConfigError(`The API key file ${config.apiKeysFile} (setting 'apiKeysFile') holds no keys`);
    keys.push(...fromFile);
  }
  return keys;
}

export interface AuthOptions {
  keys: readonly string[];
  /** Serve /metrics without a key even when keys are set. */
  metricsPublic: boolean;
}

/**
 * Whether the route a request matched needs a key. Decided on the route pattern the router
 * chose, never on the URL as sent: `/%761/voices` and `/v1/voices` are the same route, and only
 * the router knows every spelling that reaches it. Unmatched requests get a 404 and serve nothing.
 */
export function routeNeedsKey(route: string | undefined, metricsPublic: boolean): boolean {
  if (route === undefined) return false;
  if (route === '/v1' || route.startsWith('/v1/')) return true;
  return route === '/metrics' && !metricsPublic;
}

/** When API keys are configured, every /v1 route (and /metrics unless public) needs `Authorization: Bearer <key>`. */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  if (options.keys.length === 0) return;
  // Compare digests so neither the length nor the content of a key leaks through timing.
  const digests = options.keys.map(digest);
  app.addHook('onRequest', async (request) => {
    if (!routeNeedsKey(request.routeOptions.url, options.metricsPublic)) return;
    const given = presentedKey(request);
    if (given === null) throw errors.unauthorized();
    const candidate = digest(given);
    // Check every key, so the time taken does not say which one (if any) matched.
    let matched = false;
    for (const d of digests) matched = timingSafeEqual(d, candidate) || matched;
    if (!matched) throw errors.unauthorized();
  });
}

/**
 * The Bearer key of a request, or null. Node keeps only the first of repeated Authorization
 * headers; two of them are refused rather than letting a proxy and this server read different ones.
 */
export function presentedKey(request: FastifyRequest): string | null {
  let count = 0;
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.toLowerCase() === 'authorization') count++;
  if (count > 1) throw errors.multipleAuthorization();
  const match = /^Bearer[ \t]+(.+)$/i.exec(request.headers.authorization ?? '');
  const key = match?.[1]!.trim() ?? '';
  return key === '' ? null : key;
}

function digest(key: string): Buffer {
  return createHash('sha256').update(key).digest();
}
