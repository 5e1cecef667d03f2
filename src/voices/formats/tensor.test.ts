import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  KOKORO_BYTES,
  KOKORO_DIM,
  KOKORO_FLOATS,
  KOKORO_ROWS,
  VoiceFormatError,
  checkKokoroShape,
  isKokoroShape,
  validateKokoroTensor,
} from './tensor.js';

test('constants describe a (510, 1, 256) float32 tensor', () => {
  assert.equal(KOKORO_ROWS, 510);
  assert.equal(KOKORO_DIM, 256);
  assert.equal(KOKORO_FLOATS, 130_560);
  assert.equal(KOKORO_BYTES, 522_240);
});

test('validateKokoroTensor accepts a finite tensor of the right length and returns it', () => {
  const t = new Float32Array(KOKORO_FLOATS).fill(0.25);
  t[5] = -0; // negative zero and subnormals are finite
  t[6] = 1e-45;
  assert.equal(validateKokoroTensor(t), t);
});

test('validateKokoroTensor rejects wrong lengths', () => {
  for (const n of [0, KOKORO_FLOATS - 1, KOKORO_FLOATS + 1, KOKORO_ROWS * 1 * 255]) {
    assert.throws(
      () => validateKokoroTensor(new Float32Array(n)),
      (e: unknown) => e instanceof VoiceFormatError && e.code === 'invalid_voice_file' && /130560/.test(e.message),
      `length ${n}`,
    );
  }
});

test('validateKokoroTensor rejects NaN and ±Infinity and says where', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const t = new Float32Array(KOKORO_FLOATS);
    t[3 * KOKORO_DIM + 7] = bad;
    assert.throws(
      () => validateKokoroTensor(t, 'my voice'),
      (e: unknown) => e instanceof VoiceFormatError && /my voice/.test(e.message) && /row 3, column 7/.test(e.message),
    );
  }
});

test('VoiceFormatError is an Error with a code', () => {
  const e = new VoiceFormatError('x', 'unsupported_voice_format');
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'VoiceFormatError');
  assert.equal(e.code, 'unsupported_voice_format');
  assert.equal(new VoiceFormatError('y').code, 'invalid_voice_file');
});

test('accepted Kokoro shapes', () => {
  assert.ok(isKokoroShape([510, 1, 256]));
  assert.ok(isKokoroShape([510, 256]));
  assert.ok(isKokoroShape([1, 510, 256]));
  assert.ok(!isKokoroShape([256, 510]));
  assert.ok(!isKokoroShape([510, 2, 128]));
  assert.ok(!isKokoroShape([130560]));
  assert.throws(() => checkKokoroShape([130560], 'x'), /\(130560,\)/);
});
