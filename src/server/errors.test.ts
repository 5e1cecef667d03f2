import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteTtsError, errors as domainErrors } from '../errors.js';
import { ApiError, KIND_STATUS, toApiError } from './errors.js';

test('every domain error maps to one status and the contract’s shape', () => {
  const made = [
    domainErrors.voiceNotFound('x'),
    domainErrors.nameTaken('x', 'custom'),
    domainErrors.nameReserved('nova'),
    domainErrors.busy(2),
    domainErrors.engineUnavailable('kokoro', 'Run `litetts models pull`.'),
    domainErrors.invalidParam('speed', 'bad'),
    domainErrors.synthesisFailed('boom'),
  ];
  const statuses = made.map((e) => toApiError(e).status);
  assert.deepEqual(statuses, [404, 409, 409, 503, 503, 400, 500], 'statuses by kind');
  const unavailable = toApiError(domainErrors.engineUnavailable('kokoro', 'hint')).toBody();
  assert.equal(unavailable.error.type, 'engine_unavailable_error', 'engine errors keep their own type');
  assert.equal(toApiError(domainErrors.busy(2)).retryAfter, 2, 'Retry-After travels');
  const details = toApiError(new LiteTtsError('unusable', 'audio_unusable', 'too short', 'audio_file', undefined, { analysis: { speech_seconds: 1 } }));
  assert.deepEqual(details.toBody().error.analysis, { speech_seconds: 1 }, 'details land inside the error object');
  assert.equal(details.status, 422, 'unusable audio is a 422');
  for (const kind of Object.keys(KIND_STATUS)) assert.ok(KIND_STATUS[kind as keyof typeof KIND_STATUS].status >= 400, kind);
  const http = new ApiError(401, 'invalid_api_key', 'no');
  assert.equal(toApiError(http), http, 'HTTP errors pass through');
});
