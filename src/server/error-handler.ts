import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AUDIO_FORMATS } from '../audio/formats.js';
import { MODEL_IDS } from '../engines/index.js';
import type { Logger } from '../logging.js';
import { LiteTtsError, errors as domainErrors } from '../errors.js';
import { CatalogError } from '../store/catalog.js';
import { acceptedTypes, mediaType } from './body.js';
import { ApiError, errors, toApiError, type ErrorBody } from './errors.js';
import { contentSecurityPolicyHeader } from './headers.js';

interface ValidationIssue {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** Params with their own, clearer message than the schema validator's. */
const PARAM_ERRORS: Record<string, (value: unknown) => LiteTtsError> = {
  response_format: (v) => errors.invalidFormat(v, AUDIO_FORMATS),
  speed: (v) => errors.invalidSpeed(v),
  model: (v) => errors.invalidModel(v, MODEL_IDS),
};

/**
 * Turns a schema-validation failure into the contract's 400, naming the parameter. `required`
 * is the body schema's list of required fields: a route that needs a body and got none names
 * the first of them, as it would for a body that lacks it.
 */
export function validationError(issues: readonly ValidationIssue[], body: unknown, required: readonly string[] = []): LiteTtsError | ApiError {
  const issue = issues[0];
  if (!issue) return errors.invalidParam('body', 'Invalid request');
  const path = issue.instancePath.replace(/^\//, '').split('/');
  const param = path.join('.');
  // A field missing inside the body is named with its place (`entries.1.word`), as other nested errors are.
  if (issue.keyword === 'required') return errors.missingParam([param, String(issue.params.missingProperty)].filter(Boolean).join('.'));
  if (param === '' && body === undefined && required[0] !== undefined) return errors.missingParam(required[0]);
  if (param === '') return errors.invalidParam('body', 'Request body must be a JSON object', 'invalid_body');
  const special = PARAM_ERRORS[param];
  if (special) return special(valueAt(body, path));
  if (param === 'voice' || param.startsWith('voice.')) {
    return errors.invalidParam('voice', `'voice' must be a voice name or an object {"id": name}`, 'invalid_voice');
  }
  // `additionalProperties: Type.Never()` (an object that refuses names it does not know) fails with `not`.
  if (issue.keyword === 'not' && path.length > 1) {
    return errors.invalidParam(param, `Unknown field '${path.at(-1)!}' in '${path.slice(0, -1).join('.')}'`, 'unknown_parameter');
  }
  const code = issue.keyword === 'type' ? 'invalid_type' : 'invalid_value';
  const allowed = Array.isArray(issue.params.allowedValues) ? `: one of ${issue.params.allowedValues.join(', ')}` : '';
  return errors.invalidParam(param, `Invalid '${param}': ${issue.message ?? 'invalid value'}${allowed}`, code);
}

function valueAt(body: unknown, path: readonly string[]): unknown {
  let value: unknown = body;
  for (const key of path) value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

/** What the multipart parser (busboy) throws, without a status, on a body it cannot read. */
const MULTIPART_FAILURES = /^(Multipart: |Unexpected end of (multipart data|form)|Malformed part header|.* terminated early|The needle cannot)/;

/** Maps framework errors (bad JSON, size, media type, broken multipart) to the catalogue. */
function frameworkError(error: FastifyError, request: FastifyRequest, bodyLimit: number): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return errors.invalidJson(error.message);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.badContentLength();
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return errors.wrongContentType(mediaType(request.headers['content-type']), acceptedTypes(request));
    case 'FST_MP_PREMATURE_CLOSE':
      return errors.invalidMultipart('the body ended before the form did');
    // Counts, not sizes: a 413 "body too large" would send the client looking in the wrong place.
    case 'FST_FILES_LIMIT':
      return errors.tooManyParts('files (send one)');
    case 'FST_FIELDS_LIMIT':
      return errors.tooManyParts('fields');
    case 'FST_PARTS_LIMIT':
      return errors.tooManyParts('parts');
    default:
      break;
  }
  if (error.statusCode === undefined && MULTIPART_FAILURES.test(error.message)) return errors.invalidMultipart(error.message);
  // Body-parser SyntaxErrors surface with status 400 and no code of their own.
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return errors.invalidJson(error.message);
  }
  if (error.statusCode === 413) return errors.payloadTooLarge(bodyLimit);
  if (error.statusCode === 415) return errors.wrongContentType(mediaType(request.headers['content-type']), acceptedTypes(request));
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(error.statusCode, 'invalid_request', error.message);
  }
  return null;
}

/** Longest message an answer carries; longer ones (echoes of a huge input) are cut. */
const MAX_MESSAGE = 1000;

/**
 * Messages never show where the server lives: words (runs between spaces and quotes) holding
 * an absolute path under its own directories (data, models, logs, install, temp, home), a file:
 * URL, a Windows drive path or node_modules become `<path>`, and stack frames are cut. One
 * linear pass over a bounded text, since messages echo client input of any size.
 */
export function messageScrubber(privatePaths: readonly string[]): (message: string) => string {
  const roots = [...new Set(privatePaths.map((p) => p.replace(/[\\/]+$/, '')).filter((p) => p.length > 1))];
  const isPrivate = (word: string) =>
    word.includes('node_modules') ||
    /file:\//i.test(word) || // a file: URL, not the word "file:" ending a phrase
    /^[A-Za-z]:\\/.test(word) ||
    roots.some((root) => word.endsWith(root) || word.includes(`${root}/`) || word.includes(`${root}\\`));
  return (message) => {
    const scrubbed = message
      .slice(0, 4 * MAX_MESSAGE)
      .replace(/\n\s*at [^\n]*/g, '')
      .replace(/[^\s'"`()]+/g, (word) => (isPrivate(word) ? '<path>' : word));
    return scrubbed.length > MAX_MESSAGE ? `${scrubbed.slice(0, MAX_MESSAGE)}…` : scrubbed;
  };
}

export interface ErrorHandlingOptions {
  bodyLimit: number;
  /** Directories whose paths must not appear in answers (see messageScrubber). */
  privatePaths: readonly string[];
}

export function installErrorHandling(app: FastifyInstance, logger: Logger, options: ErrorHandlingOptions): void {
  const scrub = messageScrubber(options.privatePaths);
  const bodyOf = (apiError: ApiError): ErrorBody => {
    const body = apiError.toBody();
    body.error.message = scrub(body.error.message);
    return body;
  };
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError: ApiError | null;
    if (error instanceof ApiError || error instanceof LiteTtsError) apiError = toApiError(error);
    // A read that waited out the catalog's busy timeout (another process writing): retry, not a 500.
    else if (error instanceof CatalogError && error.code === 'busy') apiError = toApiError(domainErrors.busy(1));
    else if (error instanceof CatalogError && error.code === 'invalid_text') apiError = toApiError(domainErrors.invalidText(error.message));
    else if (error.validation) {
      const required = (request.routeOptions.schema?.body as { required?: string[] } | undefined)?.required;
      apiError = toApiError(validationError(error.validation as ValidationIssue[], request.body, required));
    } else apiError = frameworkError(error, request, options.bodyLimit);
    if (!apiError) {
      logger.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
      apiError = errors.internal();
    } else if (apiError.status >= 500) {
      logger.error({ code: apiError.code, url: request.url }, apiError.message);
    }
    if (apiError.retryAfter !== undefined) void reply.header('Retry-After', String(apiError.retryAfter));
    void reply.status(apiError.status).type('application/json').send(bodyOf(apiError));
  });
  app.setNotFoundHandler((request, reply) => {
    const apiError = errors.routeNotFound(request.method, request.url.split('?')[0] ?? request.url);
    void reply.status(404).send(bodyOf(apiError));
  });
}

/** Fastify's router refuses a few paths before any hook runs: longest path segment it routes. */
export const MAX_PARAM_LENGTH = 100;

/**
 * Paths the router cannot decode (`%FF`, overlong UTF-8) or whose segments are too long are
 * answered here, in the error shape and with the security headers no hook has set yet.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const apiError =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? errors.pathSegmentTooLong(MAX_PARAM_LENGTH)
      : error.code === 'FST_ERR_BAD_URL'
        ? errors.invalidUrl()
        : errors.badRequest('the request could not be routed');
  void reply
    .status(apiError.status)
    .headers({ 'x-content-type-options': 'nosniff', 'content-security-policy': contentSecurityPolicyHeader() })
    .type('application/json; charset=utf-8')
    .send(apiError.toBody());
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a Content-Length that is not a
 * number, two of them, oversized headers, a request line that is not HTTP) are answered in the
 * error shape too, on the raw socket, which is then closed.
 */
export function clientErrorHandler(this: FastifyInstance, error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const apiError =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? errors.requestTimeout()
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? errors.headersTooLarge()
        : errors.badRequest(describeParseError(error.code));
  this.log.debug({ code: error.code }, 'refused a malformed request');
  if (socket.writable) {
    const body = JSON.stringify(apiError.toBody());
    socket.write(
      `HTTP/1.1 ${apiError.status} ${STATUS_CODES[apiError.status] ?? 'Error'}\r\n` +
        `Content-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `X-Content-Type-Options: nosniff\r\nContent-Security-Policy: ${contentSecurityPolicyHeader()}\r\nConnection: close\r\n\r\n` +
        body,
    );
  }
  socket.destroy();
}

function describeParseError(code: string | undefined): string {
  switch (code) {
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return 'invalid or conflicting Content-Length';
    case 'HPE_INVALID_TRANSFER_ENCODING':
      return 'invalid Transfer-Encoding';
    case 'HPE_INVALID_METHOD':
      return 'unknown method';
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_CONSTANT':
      return 'not an HTTP/1.x request';
    case 'HPE_INVALID_HEADER_TOKEN':
      return 'invalid character in a header';
    default:
      return 'the request could not be parsed';
  }
}
