import { LiteTtsError, errors as domainErrors, type ErrorKind } from '../errors.js';

/**
 * The HTTP side of the one catalogue of errors. Domain code throws LiteTtsErrors (src/errors.ts)
 * with a kind; this file maps each kind to a status and an OpenAI-style type, once. Errors born
 * in the HTTP layer itself (auth, bodies, routes) are ApiErrors made here. The error handler
 * shapes both per the contract.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'engine_unavailable_error';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string; [detail: string]: unknown };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    readonly type: ErrorType = typeForStatus(status),
    /** Seconds, sent as Retry-After on 429/503. */
    readonly retryAfter?: number,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code, ...this.details } };
  }
}

function typeForStatus(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

/** Each kind of domain error, as HTTP says it. */
export const KIND_STATUS: Readonly<Record<ErrorKind, { status: number; type?: ErrorType }>> = {
  invalid: { status: 400 },
  not_found: { status: 404 },
  conflict: { status: 409 },
  too_large: { status: 413 },
  unsupported: { status: 415 },
  unusable: { status: 422 },
  busy: { status: 503 },
  unavailable: { status: 503, type: 'engine_unavailable_error' },
  failed: { status: 500 },
};

/** A domain error as the API answers it. */
export function toApiError(error: LiteTtsError | ApiError): ApiError {
  if (error instanceof ApiError) return error;
  const { status, type } = KIND_STATUS[error.kind];
  return new ApiError(status, error.code, error.message, error.param, type ?? typeForStatus(status), error.retryAfter, error.details);
}

/** The status a domain or HTTP error is answered with (for tests and the CLI's messages). */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof ApiError) return error.status;
  if (error instanceof LiteTtsError) return KIND_STATUS[error.kind].status;
  return undefined;
}

export const errors = {
  ...domainErrors,
  invalidJson: (detail: string) => new ApiError(400, 'invalid_json', `Request body is not valid JSON: ${detail}`),
  routeNotFound: (method: string, url: string) =>
    new ApiError(404, 'not_found', `No route for ${method} ${url}`),
  unauthorized: () =>
    new ApiError(401, 'invalid_api_key', 'Missing or invalid API key; send Authorization: Bearer <key>'),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${limit} bytes`),
  unsupportedMediaType: (type: string) =>
    new ApiError(415, 'unsupported_media_type', `Unsupported Content-Type '${type}'`),
  internal: () => new ApiError(500, 'internal_error', 'Internal server error'),
  // Uploads: reading multipart bodies and the bounded work done on uploaded files.
  tooManyFiles: (field: string, expected: string) =>
    new ApiError(400, 'too_many_files', `Only one file may be sent, as '${expected}'; the file in '${field}' is one too many`, field),
  requestAborted: () => new ApiError(400, 'request_aborted', 'The client closed the connection before the request was answered'),
  uploadTimeout: (param: string, seconds: number) =>
    new ApiError(422, 'upload_timeout', `The file took too long to process (more than ${seconds} s) and was given up`, param),
  uploadTooComplex: (param: string) =>
    new ApiError(413, 'upload_too_complex', 'The file is too large to process: reading it needs more memory than one upload may use', param),
  unsupportedAudio: (param: string, detail: string) =>
    new ApiError(415, 'unsupported_audio', `Cannot decode '${param}' as audio: ${detail}`, param),
  emptyAudio: (param: string) => new ApiError(400, 'empty_audio', `'${param}' is empty`, param),
  // HTTP hardening: cross-site refusal, body parsing, headers, shutdown and rate limits.
  crossSite: (origin: string) =>
    new ApiError(
      403,
      'cross_site_request',
      `Refused a cross-site request from origin ${JSON.stringify(origin)}: list it in --cors-origins to allow it`,
    ),
  multipleAuthorization: () =>
    new ApiError(401, 'invalid_api_key', 'Send exactly one Authorization header: Bearer <key>'),
  wrongContentType: (got: string, wanted: readonly string[]) =>
    new ApiError(415, 'unsupported_media_type', `Unsupported Content-Type ${JSON.stringify(got)}; this route takes ${wanted.join(' or ')}`),
  jsonCharset: (charset: string) =>
    new ApiError(415, 'unsupported_media_type', `JSON must be UTF-8, got charset ${JSON.stringify(charset)}`),
  numberOutOfRange: (param: string) =>
    new ApiError(400, 'number_out_of_range', `The number in '${param}' is out of range`, param),
  forbiddenKey: (param: string, key: string) =>
    new ApiError(400, 'forbidden_key', `JSON keys named '${key}' are not allowed (found at '${param}')`, param),
  invalidMultipart: (detail: string) =>
    new ApiError(400, 'invalid_multipart', `Malformed multipart/form-data body: ${detail}`),
  badContentLength: () =>
    new ApiError(400, 'invalid_content_length', 'The request body does not match its Content-Length'),
  badRequest: (detail: string) => new ApiError(400, 'bad_request', `Malformed HTTP request: ${detail}`),
  headersTooLarge: () => new ApiError(431, 'headers_too_large', 'Request headers are too large'),
  requestTimeout: () => new ApiError(408, 'request_timeout', 'The request took too long to arrive'),
  malformedContentType: (header: string) =>
    new ApiError(415, 'unsupported_media_type', `Malformed Content-Type ${JSON.stringify(header.slice(0, 100))}: parameters are name=value pairs`),
  unsupportedEncoding: (encoding: string) =>
    new ApiError(415, 'unsupported_content_encoding', `Content-Encoding ${JSON.stringify(encoding.slice(0, 100))} is not supported; send the body uncompressed`),
  tooManyParts: (what: string) => new ApiError(400, 'invalid_multipart', `The form has too many ${what}`),
  invalidUrl: () => new ApiError(400, 'invalid_url', 'The path is not valid percent-encoded UTF-8'),
  pathSegmentTooLong: (max: number) => new ApiError(414, 'path_segment_too_long', `A path segment is longer than ${max} characters`),
  shuttingDown: () =>
    new ApiError(503, 'shutting_down', 'The server is shutting down; retry shortly', null, 'server_error', 1),
  rateLimited: (limit: number, retryAfter: number) =>
    new ApiError(429, 'rate_limited', `Rate limit of ${limit} requests per minute exceeded; retry in ${retryAfter} s`, null, 'rate_limit_error', retryAfter),
  // Speaker similarity: the one route that takes several files.
  tooManyUploads: (field: string, max: number) =>
    new ApiError(400, 'too_many_files', `At most ${max} files may be sent in one request; the file in '${field}' is one too many`, field),
  tooManyCandidates: (count: number, max: number) =>
    new ApiError(400, 'too_many_candidates', `At most ${max} candidates may be compared in one request, got ${count}`, 'candidate'),
} as const;
