import type { FastifyInstance, FastifyRequest } from 'fastify';
import { errors } from './errors.js';

/** Keys that prototype-polluting merges act on; no field of the API is named so. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor']);
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

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
 * - JSON must be UTF-8 (RFC 8259): a charset parameter saying otherwise is a 415, bytes that
 *   are not UTF-8 a 400.
 * - Numbers JSON.parse turns into ±Infinity (1e400) and `__proto__`/`constructor` keys are 400s
 *   naming the field, instead of reaching validation as `null` or a merge as a prototype.
 * - A body of the wrong kind for the route (multipart to a JSON route, JSON to an upload) is a
 *   415 naming both types, before the handler reads anything.
 */
export function installBodyParsing(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, async (request: FastifyRequest, body: Buffer) => {
    const header = request.headers['content-type'] ?? '';
    const params = mediaTypeParams(header);
    if (params === null) throw errors.malformedContentType(header);
    // Every charset parameter counts: `charset=utf-8; charset=latin1` is not UTF-8 either.
    for (const [name, value] of params) if (name === 'charset' && !/^utf-?8$/i.test(value)) throw errors.jsonCharset(value);
    if (body.length === 0) return undefined;
    let value: unknown;
    try {
      // Strict decoding: bytes that are not UTF-8 are refused, not silently turned into U+FFFD;
      // a byte-order mark is kept, so JSON.parse refuses it like any stray character.
      value = JSON.parse(UTF8.decode(body));
    } catch (error) {
      const detail = error instanceof TypeError ? 'the body is not valid UTF-8' : (error as Error).message;
      throw errors.invalidJson(shorten(detail));
    }
    inspect(value);
    return value;
  });

  // The server decodes no content coding; a compressed body would otherwise be read as bytes.
  app.addHook('preParsing', async (request) => {
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') throw errors.unsupportedEncoding(encoding);
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

const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const PARAMETER = new RegExp(`\\s*;\\s*(?:(${TOKEN})=(${TOKEN}|"(?:[^"\\\\]|\\\\.)*")\\s*)?`, 'y');

/**
 * The parameters of a Content-Type (RFC 9110: `; name=value`, value a token or a quoted
 * string), names lower-cased and quotes removed; null when they do not parse.
 */
function mediaTypeParams(header: string): [string, string][] | null {
  const params: [string, string][] = [];
  const start = header.indexOf(';');
  if (start < 0) return params;
  PARAMETER.lastIndex = start;
  while (PARAMETER.lastIndex < header.length) {
    const match = PARAMETER.exec(header);
    if (!match) return null;
    if (match[1] !== undefined) params.push([match[1].toLowerCase(), match[2]!.replace(/^"(.*)"$/, '$1').replace(/\\(.)/g, '$1')]);
  }
  return params;
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
