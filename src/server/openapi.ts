/**
 * The OpenAPI document's error responses. Route schemas say what a route answers when it works
 * (and some say their own errors); this adds, to the document only, the errors the server's
 * hooks give on every route and the ones each kind of route can give, all in the one error shape.
 * Only the document changes: replies are not serialised through these schemas.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifySchema } from 'fastify';

export const ErrorBody = Type.Object(
  {
    error: Type.Object(
      { message: Type.String(), type: Type.String(), param: Type.Union([Type.String(), Type.Null()]), code: Type.String() },
      { additionalProperties: true },
    ),
  },
  { additionalProperties: true, description: 'An error, in OpenAI’s shape' },
);

/** Errors are JSON whatever the route's success answers are (speech answers audio). */
const described = (description: string): { description: string; content: Record<string, { schema: TSchema }> } => ({
  description,
  content: { 'application/json': { schema: ErrorBody } },
});

/** What every route can answer, whatever it does (the Host check, the cross-site guard, keys, the rate limit, the drain). */
const EVERY_ROUTE: Readonly<Record<number, string>> = {
  400: 'malformed or out-of-range input',
  401: 'missing or wrong API key (only when keys are configured)',
  403: 'a cross-site request from a browser origin that is not allowed',
  429: 'too many requests: rate limited (Retry-After says when to retry)',
  503: 'overloaded or shutting down (Retry-After), or an engine or model not installed (the message says how to install it)',
};

/** Errors by what a route takes or does. */
const NOT_FOUND = 'unknown voice, job, consent or route';
const CONFLICT = 'the name is already taken, or the operation conflicts with the voice’s kind or the job’s state';
const UPLOAD: Readonly<Record<number, string>> = {
  413: 'upload too large',
  415: 'unsupported media: not a file of the kinds this route reads',
  422: 'audio that cannot be used (too short, silent, clipped), with its analysis',
};

interface RouteInfo {
  method: string | string[];
  url: string;
}

/** The error responses to document for one route, beside those its schema lists already. */
export function errorResponses(route: RouteInfo, schema: { consumes?: readonly string[]; body?: unknown } | undefined): Record<number, string> {
  const methods = ([] as string[]).concat(route.method);
  const writes = methods.some((m) => m !== 'GET' && m !== 'HEAD');
  const out: Record<number, string> = { ...EVERY_ROUTE };
  // A path parameter names something that may not exist; speech and blends name voices.
  if (route.url.includes(':') || route.url === '/v1/audio/speech' || route.url.startsWith('/v1/voices') || route.url.startsWith('/v1/audio/')) out[404] = NOT_FOUND;
  if (writes && (route.url.startsWith('/v1/voices') || route.url.startsWith('/v1/audio/voice') || route.url.startsWith('/v1/jobs'))) out[409] = CONFLICT;
  if (schema?.consumes?.includes('multipart/form-data')) Object.assign(out, UPLOAD);
  else if (writes) out[413] = 'request body too large';
  return out;
}

/** For @fastify/swagger's `transform`: each route's schema with its error responses added. */
export function withErrorResponses({ schema, url, route }: { schema: FastifySchema | undefined; url: string; route: RouteInfo }): { schema: FastifySchema; url: string } {
  const given = (schema ?? {}) as FastifySchema & { response?: Record<string, unknown>; consumes?: string[]; hide?: boolean };
  if (given.hide) return { schema: given, url };
  const response: Record<string, unknown> = { ...given.response };
  for (const [status, description] of Object.entries(errorResponses(route, given))) {
    if (!(status in response)) response[status] = described(description);
  }
  return { schema: { ...given, response }, url };
}
