/**
 * The one catalogue of errors the API can answer with. Every error has a stable
 * code, an HTTP status and an OpenAI-style type; routes and services throw
 * `ApiError`s made here and the error handler shapes them per the contract.
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'rate_limit_error'
  | 'server_error'
  | 'engine_unavailable_error';

export interface ErrorBody {
  error: { message: string; type: ErrorType; param: string | null; code: string };
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
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

function typeForStatus(status: number): ErrorType {
  if (status === 401) return 'authentication_error';
  if (status === 404) return 'not_found_error';
  if (status === 409) return 'conflict_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

export const errors = {
  invalidJson: (detail: string) => new ApiError(400, 'invalid_json', `Request body is not valid JSON: ${detail}`),
  invalidParam: (param: string, message: string, code = 'invalid_parameter') => new ApiError(400, code, message, param),
  missingParam: (param: string) => new ApiError(400, 'missing_parameter', `Missing required parameter '${param}'`, param),
  emptyInput: () => new ApiError(400, 'empty_input', "'input' must contain something to speak", 'input'),
  inputTooLong: (length: number, max: number) =>
    new ApiError(400, 'input_too_long', `'input' is ${length} characters long; the maximum is ${max}`, 'input'),
  invalidSpeed: (value: unknown) =>
    new ApiError(400, 'invalid_speed', `'speed' must be a number from 0.25 to 4.0, got ${JSON.stringify(value)}`, 'speed'),
  invalidFormat: (value: unknown, allowed: readonly string[]) =>
    new ApiError(
      400,
      'invalid_response_format',
      `Unsupported response_format ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`,
      'response_format',
    ),
  invalidModel: (value: unknown, allowed: readonly string[]) =>
    new ApiError(400, 'invalid_model', `Unknown model ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`, 'model'),
  invalidVoiceName: (name: string, param = 'name') =>
    new ApiError(
      400,
      'invalid_voice_name',
      `Invalid voice name ${JSON.stringify(name)}: use 1-64 characters of A-Z a-z 0-9 _ -, starting with a letter or digit`,
      param,
    ),
  voiceNotFound: (name: string, param = 'voice') =>
    new ApiError(404, 'voice_not_found', `Voice '${name}' does not exist`, param),
  nameTaken: (name: string, kind: string, param = 'name') =>
    new ApiError(409, 'voice_name_taken', `The name '${name}' is already taken by a ${kind} voice (names compare case-insensitively)`, param),
  builtinReadOnly: (name: string, verb: string) =>
    new ApiError(409, 'builtin_voice', `'${name}' is a builtin voice and cannot be ${verb}`, 'name'),
  wrongKind: (message: string) => new ApiError(409, 'wrong_voice_kind', message, 'name'),
  sessionMismatch: (message: string) => new ApiError(404, 'session_mismatch', message, 'session_id'),
  invalidVoiceFile: (detail: string) => new ApiError(400, 'invalid_voice_file', `Cannot import voice file: ${detail}`, 'file'),
  routeNotFound: (method: string, url: string) =>
    new ApiError(404, 'not_found', `No route for ${method} ${url}`),
  unauthorized: () =>
    new ApiError(401, 'invalid_api_key', 'Missing or invalid API key; send Authorization: Bearer <key>'),
  payloadTooLarge: (limit: number) =>
    new ApiError(413, 'payload_too_large', `Request body exceeds the limit of ${limit} bytes`),
  unsupportedMediaType: (type: string) =>
    new ApiError(415, 'unsupported_media_type', `Unsupported Content-Type '${type}'`),
  busy: (retryAfter: number) =>
    new ApiError(503, 'server_busy', 'The server is busy; retry shortly', null, 'server_error', retryAfter),
  engineUnavailable: (engine: string, howToInstall: string) =>
    new ApiError(503, 'engine_unavailable', `The ${engine} engine is not installed here. ${howToInstall}`, null, 'engine_unavailable_error', 60),
  engineLoadFailed: (engine: string, detail: string) =>
    new ApiError(
      503,
      'engine_unavailable',
      `The ${engine} engine could not load (${detail}). Reinstall its files with \`litetts models pull\`.`,
      null,
      'engine_unavailable_error',
      60,
    ),
  voiceNotInstalled: (name: string, reason: string, howToInstall: string, param = 'voice') =>
    new ApiError(
      503,
      'voice_not_installed',
      `Voice '${name}' is not installed here: ${reason}. ${howToInstall}`,
      param,
      'engine_unavailable_error',
      60,
    ),
  mixedEngines: (param = 'voice') =>
    new ApiError(400, 'mixed_engines', 'All voices of a blend must belong to one engine', param),
  invalidBlend: (detail: string, param = 'voice') =>
    new ApiError(400, 'invalid_blend', `Invalid voice blend: ${detail}`, param),
  synthesisFailed: (detail: string) => new ApiError(500, 'synthesis_failed', `Synthesis failed: ${detail}`),
  internal: () => new ApiError(500, 'internal_error', 'Internal server error'),
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
} as const;
