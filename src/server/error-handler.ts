import type { FastifyError, FastifyInstance } from 'fastify';
import { AUDIO_FORMATS } from '../audio/formats.js';
import { MODEL_IDS } from '../engines/index.js';
import type { Logger } from '../logging.js';
import { LiteTtsError, errors as domainErrors } from '../errors.js';
import { CatalogError } from '../store/catalog.js';
import { ApiError, errors, toApiError } from './errors.js';

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

/** Turns a schema-validation failure into the contract's 400, naming the parameter. */
export function validationError(issues: readonly ValidationIssue[], body: unknown): LiteTtsError {
  const issue = issues[0];
  if (!issue) return errors.invalidParam('body', 'Invalid request');
  if (issue.keyword === 'required') return errors.missingParam(String(issue.params.missingProperty));
  const path = issue.instancePath.replace(/^\//, '').split('/');
  const param = path.join('.');
  if (param === '') return errors.invalidParam('body', 'Request body must be a JSON object', 'invalid_body');
  const special = PARAM_ERRORS[param];
  if (special) return special(valueAt(body, path));
  if (param === 'voice' || param.startsWith('voice.')) {
    return errors.invalidParam('voice', `'voice' must be a voice name or an object {"id": name}`, 'invalid_voice');
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

/** Maps framework errors (bad JSON, size, media type) to the catalogue. */
function frameworkError(error: FastifyError, bodyLimit: number): ApiError | null {
  switch (error.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return errors.invalidJson(error.message);
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return errors.payloadTooLarge(bodyLimit);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return errors.unsupportedMediaType(String(error.message.match(/'([^']*)'/)?.[1] ?? 'unknown'));
    default:
      break;
  }
  // Body-parser SyntaxErrors surface with status 400 and no code of their own.
  if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
    return errors.invalidJson(error.message);
  }
  if (error.statusCode === 413) return errors.payloadTooLarge(bodyLimit);
  if (error.statusCode === 415) return errors.unsupportedMediaType(String(error.message));
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
    return new ApiError(error.statusCode, 'invalid_request', error.message);
  }
  return null;
}

export function installErrorHandling(app: FastifyInstance, logger: Logger, bodyLimit: number): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    let apiError: ApiError | null;
    if (error instanceof ApiError || error instanceof LiteTtsError) apiError = toApiError(error);
    // A read that waited out the catalog's busy timeout (another process writing): retry, not a 500.
    else if (error instanceof CatalogError && error.code === 'busy') apiError = toApiError(domainErrors.busy(1));
    else if (error.validation) apiError = toApiError(validationError(error.validation as ValidationIssue[], request.body));
    else apiError = frameworkError(error, bodyLimit);
    if (!apiError) {
      logger.error({ err: error, url: request.url, method: request.method }, 'unhandled error');
      apiError = errors.internal();
    } else if (apiError.status >= 500) {
      logger.error({ code: apiError.code, url: request.url }, apiError.message);
    }
    if (apiError.retryAfter !== undefined) void reply.header('Retry-After', String(apiError.retryAfter));
    void reply.status(apiError.status).type('application/json').send(apiError.toBody());
  });
  app.setNotFoundHandler((request, reply) => {
    const apiError = errors.routeNotFound(request.method, request.url.split('?')[0] ?? request.url);
    void reply.status(404).send(apiError.toBody());
  });
}
