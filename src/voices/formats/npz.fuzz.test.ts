import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { zipSync } from 'fflate';
import { FUZZ_TIMEOUT_MS, fuzzParams, mutate, mutationsArb, resultOr, tensorFromSeed } from '../../test-support/fuzz.js';
import { writeNpy } from './npy.js';
import { readNpz, writeNpz } from './npz.js';
import { VoiceFormatError } from './tensor.js';

const A = tensorFromSeed(1);
const B = tensorFromSeed(2);
/** One archive as writeNpz (and np.savez) writes it, one as np.savez_compressed would. */
const STORED = writeNpz([['af_a', A], ['bm_b', B]]);
const DEFLATED = zipSync({ 'af_a.npy': writeNpy(A), 'bm_b.npy': writeNpy(B) }, { level: 6 });

function checkOutcome(input: Uint8Array): void {
  const r = resultOr(VoiceFormatError, () => readNpz(input));
  // Every entry is checked against its CRC: what reads is what was written (a
  // mutated name in the directory is still a valid name, so only the data is compared).
  if (r.ok) {
    for (const [name, tensor] of r.value) {
      const same = (t: Float32Array) => t.length === tensor.length && t.every((v, i) => Object.is(v, tensor[i]));
      assert.ok(same(A) || same(B), `entry ${name} reads back as one of the voices written`);
    }
  }
}

test('readNpz: real archives, mutated anywhere and cut anywhere, read right or give a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.boolean(), mutationsArb(6), fc.option(fc.nat(), { nil: undefined }), (stored, mutations, cut) => {
      const archive = stored ? STORED : DEFLATED;
      checkOutcome(mutate(archive, mutations, cut === undefined ? archive.length : cut % archive.length));
    }),
    fuzzParams(300),
  );
});

test('readNpz: mutations of the zip structures (headers, directory, end record)', { timeout: FUZZ_TIMEOUT_MS }, () => {
  // The last ~150 bytes are the central directory and end record; the first 100 a local header.
  fc.assert(
    fc.property(fc.boolean(), fc.boolean(), mutationsArb(4), (stored, tail, mutations) => {
      const archive = stored ? STORED : DEFLATED;
      const from = tail ? archive.length - 150 : 0;
      checkOutcome(mutate(archive, mutations.map((m) => ({ ...m, at: from + (m.at % 150) }))));
    }),
    fuzzParams(400),
  );
});

test('readNpz: random bytes behind a zip signature give a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2048 }), fc.boolean(), (tail, endRecord) => {
      const bytes = new Uint8Array(4 + tail.length + (endRecord ? 22 : 0));
      bytes.set([0x50, 0x4b, 0x03, 0x04]);
      bytes.set(tail, 4);
      // With an end record at the end, the reader gets as far as the central directory.
      if (endRecord) bytes.set([0x50, 0x4b, 0x05, 0x06], 4 + tail.length);
      const r = resultOr(VoiceFormatError, () => readNpz(bytes));
      if (r.ok) assert.equal(r.value.size, 0, 'only an empty directory can read');
    }),
    fuzzParams(500),
  );
});

/** Valid voice names, distinct case-insensitively. */
const namesArb = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/), {
  maxLength: 6,
  selector: (name) => name.toLowerCase(),
});

test('writeNpz → readNpz gives back every voice under its name, in order', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(namesArb, fc.integer(), (names, seed) => {
      const voices = names.map((name, i) => [name, tensorFromSeed(seed + i)] as const);
      const back = readNpz(writeNpz(voices));
      assert.deepEqual([...back.keys()], names, 'names in order');
      for (const [name, tensor] of voices) assert.deepEqual(back.get(name), tensor, name);
    }),
    fuzzParams(100),
  );
});
