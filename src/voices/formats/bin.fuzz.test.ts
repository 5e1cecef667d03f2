import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, mutationsArb, mutate, resultOr, tensorFromSeed } from '../../test-support/fuzz.js';
import { parseBin, toBin } from './bin.js';
import { KOKORO_BYTES, VoiceFormatError } from './tensor.js';

test('parseBin: any bytes give a voice or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 4096 }), (bytes) => {
      const r = resultOr(VoiceFormatError, () => parseBin(bytes));
      assert.ok(!r.ok, `${bytes.length} bytes cannot be a raw pack`);
      assert.match(r.error.message, /a raw Kokoro voice \(\.bin\) is exactly 522240 bytes/, 'the message says why');
    }),
    fuzzParams(300),
  );
});

test('parseBin: a pack-sized input with any bytes changed is its exact floats, or refused for a non-finite value', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const base = toBin(tensorFromSeed(7));
  fc.assert(
    fc.property(mutationsArb(16), fc.boolean(), (mutations, exponentOnly) => {
      // Mutating exponent bytes (every 4th, the high byte) is the way to reach NaN and Infinity.
      const input = mutate(base, exponentOnly ? mutations.map((m) => ({ ...m, at: m.at * 4 + 3 })) : mutations);
      const r = resultOr(VoiceFormatError, () => parseBin(input));
      const view = new DataView(input.buffer);
      let finite = true;
      for (let i = 0; i < KOKORO_BYTES; i += 4) if (!Number.isFinite(view.getFloat32(i, true))) finite = false;
      assert.equal(r.ok, finite, 'accepted exactly when every value is finite');
      if (r.ok) assert.deepEqual(toBin(r.value), input, 'the floats are the bytes, unchanged');
      else assert.match(r.error.message, /non-finite value/, 'refused for its non-finite value');
    }),
    fuzzParams(300),
  );
});

test('toBin → parseBin is the identity on finite tensors', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.integer(), fc.array(fc.record({ at: fc.nat(510 * 256 - 1), v: fc.float({ noNaN: true, noDefaultInfinity: true }) }), { maxLength: 8 }), (seed, edits) => {
      const tensor = tensorFromSeed(seed);
      for (const { at, v } of edits) tensor[at] = v; // subnormals, ±0, the extremes of float32
      assert.deepEqual(parseBin(toBin(tensor)), tensor, 'round trip');
    }),
    fuzzParams(200),
  );
});
