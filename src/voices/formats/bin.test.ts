import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBin, toBin } from './bin.js';
import { KOKORO_BYTES, KOKORO_FLOATS, VoiceFormatError } from './tensor.js';
import { KOKORO_PACKS_DIR } from '../../test-support/fixtures.js';

const PACKS = KOKORO_PACKS_DIR;

function isFormatError(pattern: RegExp) {
  return (e: unknown) => e instanceof VoiceFormatError && pattern.test(e.message);
}

test('the 54 official packs: parseBin → toBin is byte-identical', (t) => {
  if (!PACKS) return t.skip('Kokoro voice packs not present');
  const files = readdirSync(PACKS).filter((f) => f.endsWith('.bin')).sort();
  assert.equal(files.length, 54);
  for (const file of files) {
    const bytes: Uint8Array = new Uint8Array(readFileSync(join(PACKS, file)));
    const tensor = parseBin(bytes);
    assert.equal(tensor.length, KOKORO_FLOATS);
    assert.deepEqual(toBin(tensor), bytes, file);
  }
});

test('parseBin reads little-endian whatever the host', () => {
  const bytes = new Uint8Array(KOKORO_BYTES);
  const view = new DataView(bytes.buffer);
  view.setFloat32(0, 1.5, true);
  view.setFloat32(4 * 1000, -0.125, true);
  view.setFloat32(KOKORO_BYTES - 4, 3e-39, true); // subnormal
  const t = parseBin(bytes);
  assert.equal(t[0], 1.5);
  assert.equal(t[1000], -0.125);
  assert.equal(t[KOKORO_FLOATS - 1], Math.fround(3e-39));
  // and writes it back the same way
  const out = toBin(t);
  assert.equal(new DataView(out.buffer).getFloat32(4 * 1000, true), -0.125);
  assert.deepEqual(out, bytes);
});

test('parseBin rejects truncated and oversized files', () => {
  assert.throws(() => parseBin(new Uint8Array(KOKORO_BYTES - 4)), isFormatError(/truncated/));
  assert.throws(() => parseBin(new Uint8Array(0)), isFormatError(/522240/));
  assert.throws(() => parseBin(new Uint8Array(KOKORO_BYTES + 4)), isFormatError(/too long/));
  assert.throws(() => parseBin(new Uint8Array(KOKORO_BYTES - 1)), VoiceFormatError);
});

test('parseBin rejects NaN and Infinity inside', () => {
  for (const bad of [NaN, Infinity, -Infinity]) {
    const bytes = new Uint8Array(KOKORO_BYTES);
    new DataView(bytes.buffer).setFloat32(4 * 600, bad, true);
    assert.throws(() => parseBin(bytes), isFormatError(/non-finite.*row 2, column 88/));
  }
});

test('toBin refuses what is not a valid voice', () => {
  assert.throws(() => toBin(new Float32Array(10)), VoiceFormatError);
  const t = new Float32Array(KOKORO_FLOATS);
  t[9] = NaN;
  assert.throws(() => toBin(t), VoiceFormatError);
});
