import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from './errors.js';

/** Keys that prototype-polluting merges act on; no field of the API is named so. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);

/** The media type of a Content-Type header, lower-cased, without parameters. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase() || 'none';
}

/**
 * The content types a route takes: its schema's `consumes` (which the OpenAPI document shows
 * too), else JSON. Upload routes say `consumes: ['multipart/form-data']`.
 */
export function acceptedTypes(request: FastifyRequest): readonly string[] {
  return request.routeOptions.schema?.consumes ?? ['application/json'];
}

/**
 * Request bodies: JSON (strictly) and, where a route says so, multipart; nothing else.
 * - An empty body with a JSON content type is no body, as many client wrappers send it on
 *   DELETE and on POSTs without parameters; a route that needs a body then names the missing field.
 * - JSON must be UTF-8 (RFC 8259), so a charset parameter saying otherwise is a 415.
 * - Numbers JSON.parse turns into ±Infinity (1e400) and `__proto__`/`constructor` keys are 400s
 *   naming the field, instead of reaching validation as `null` or a merge as a prototype.
 * - A body of the wrong kind for the route (multipart to a JSON route, JSON to an upload) is a
 *   415 naming both types, before the handler reads anything.
 */
export function installBodyParsing(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, async (request: FastifyRequest, body: string) => {
    const charset = /;\s*charset\s*=\s*"?([^";\s]*)"?/i.exec(request.headers['content-type'] ?? '')?.[1];
    if (charset !== undefined && !/^utf-?8$/i.test(charset)) throw errors.jsonCharset(charset);
    if (body.length === 0) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch (error) {
      throw errors.invalidJson(shorten((error as Error).message));
    }
    inspect(value);
    return value;
  });

  app.addHook('preValidation', async (request) => {
    const header = request.headers['content-type'];
    if (header === undefined) return;
    const schema = request.routeOptions.schema;
    // A route that takes no body ignores whatever type an empty or stray body was labelled with.
    if (schema?.consumes === undefined && schema?.body === undefined) return;
    const wanted = acceptedTypes(request);
    const got = mediaType(header);
    if (!wanted.includes(got)) throw errors.wrongContentType(got, wanted);
  });
}

interface Node {
  value: unknown;
  key: string;
  parent: Node | null;
}

/**
 * Walks a parsed body without recursion (10,000 levels of nesting are valid JSON) and refuses
 * non-finite numbers and forbidden keys. Paths are built only for the error, from parent links,
 * so deep documents cost no quadratic string building.
 */
function inspect(root: unknown): void {
  const stack: Node[] = [{ value: root, key: '', parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw errors.numberOutOfRange(pathOf(node));
      continue;
    }
    if (typeof value !== 'object' || value === null) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: node });
      continue;
    }
    const keys = Object.keys(value);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i]!;
      const child: Node = { value: (value as Record<string, unknown>)[key], key, parent: node };
      if (FORBIDDEN_KEYS.has(key)) throw errors.forbiddenKey(pathOf(child), key);
      stack.push(child);
    }
  }
}

/** `voices.0.weight`, the way validation errors name a field; `body` for the whole body. */
function pathOf(node: Node): string {
  const parts: string[] = [];
  for (let n: Node | null = node; n !== null && n.parent !== null; n = n.parent) parts.push(n.key);
  return shorten(parts.reverse().join('.')) || 'body';
}

function shorten(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
