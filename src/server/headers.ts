import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The one Content-Security-Policy, for every response: the dashboard and /docs load only their
 * own files (no inline script or style), the dashboard plays audio it made (blob: URLs), and no
 * other site may frame either. No `upgrade-insecure-requests`: the server speaks plain HTTP on a
 * LAN address, where upgrading its own subresources to https would break the page.
 */
export const CONTENT_SECURITY_POLICY: Readonly<Record<string, readonly string[]>> = {
  'default-src': ["'self'"],
  'base-uri': ["'none'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'media-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
};

/** The policy as a header value, for the few answers written before any hook runs. */
export function contentSecurityPolicyHeader(): string {
  return Object.entries(CONTENT_SECURITY_POLICY)
    .map(([name, values]) => `${name} ${values.join(' ')}`)
    .join('; ');
}

/**
 * Security headers on every response, errors and 404s included (helmet runs first in onRequest):
 * the CSP above, `X-Content-Type-Options: nosniff`, `X-Frame-Options`, a no-referrer policy.
 * HSTS is left to whatever terminates TLS in front: sent over plain HTTP it means nothing, and
 * sent by mistake through a proxy it would pin a whole domain to https for a year.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: Object.fromEntries(Object.entries(CONTENT_SECURITY_POLICY).map(([k, v]) => [k, [...v]])),
    },
    strictTransportSecurity: false,
  });
}
