import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, mutateWithin, mutationsArb, resultOr, tensorFromSeed } from '../../test-support/fuzz.js';
import { NPY_MAGIC, parseNpyHeader, readNpy, writeNpy } from './npy.js';
import { VoiceFormatError, isKokoroShape } from './tensor.js';

/** A .npy file: magic, version, header length, `header` text, then `data`. */
function npyBytes(major: number, header: string, data: Uint8Array = new Uint8Array(0)): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = major === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set(NPY_MAGIC);
  out[6] = major;
  const view = new DataView(out.buffer);
  if (major === 1) view.setUint16(8, text.length & 0xffff, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

/** Pieces numpy headers are made of, so that random headers are often nearly right. */
const TOKENS = [
  '{', '}', '(', ')', '[', ']', ',', ':', ' ', '\n', "'", '"', '\\', 'descr', 'fortran_order', 'shape',
  "'<f4'", "'<f2'", "'<f8'", "'>f4'", "'|u1'", 'True', 'False', 'None', '510', '1', '256', '0', '-1', 'L',
  '99999999999999999999', "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), }",
];
const headerArb = fc.string({ unit: fc.constantFrom(...TOKENS), maxLength: 40 });

test('parseNpyHeader: any header text gives a header or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.constantFrom(1, 2, 3, 4), headerArb, (major, header) => {
      const r = resultOr(VoiceFormatError, () => parseNpyHeader(npyBytes(major, header)));
      if (!r.ok) return;
      assert.ok(major <= 3, 'only versions 1 to 3 parse');
      assert.equal(typeof r.value.descr, 'string', 'descr is a string');
      assert.equal(typeof r.value.fortranOrder, 'boolean', 'fortran_order is a boolean');
      assert.ok(r.value.shape.every((n) => Number.isSafeInteger(n) && n >= 0), 'shape holds non-negative integers');
    }),
    fuzzParams(500),
  );
});

test('parseNpyHeader: any bytes after the magic give a header or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
      const bytes = new Uint8Array(6 + tail.length);
      bytes.set(NPY_MAGIC);
      bytes.set(tail, 6);
      resultOr(VoiceFormatError, () => parseNpyHeader(bytes));
      resultOr(VoiceFormatError, () => readNpy(bytes));
    }),
    fuzzParams(500),
  );
});

const DESCR_SIZE: Record<string, number> = { '<f4': 4, '<f2': 2, '<f8': 8 };

test('readNpy accepts exactly a supported dtype, C order, a Kokoro shape and the right data length', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const shapes = [[510, 1, 256], [510, 256], [1, 510, 256], [256, 510], [510, 1, 255], [0], [], [130560]];
  fc.assert(
    fc.property(
      fc.constantFrom('<f4', '<f2', '<f8', '>f4', '<i4', '|b1'),
      fc.constantFrom(...shapes),
      fc.boolean(),
      fc.constantFrom(-2, 0, 0, 0, 1),
      fc.constantFrom(1, 2, 3),
      (descr, shape, fortran, lengthError, major) => {
        const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
        const header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': ${shapeText}, }\n`;
        const count = shape.reduce((a, b) => a * b, 1);
        const size = DESCR_SIZE[descr] ?? 4;
        // Real data only where it can be a voice; elsewhere a few bytes do.
        const data = isKokoroShape(shape) ? new Uint8Array(count * size + lengthError) : new Uint8Array(16);
        const r = resultOr(VoiceFormatError, () => readNpy(npyBytes(major, header, data)));
        const valid = descr in DESCR_SIZE && !fortran && isKokoroShape(shape) && lengthError === 0;
        assert.equal(r.ok, valid, `${descr} ${shapeText} fortran=${fortran} length${lengthError >= 0 ? '+' : ''}${lengthError}`);
      },
    ),
    fuzzParams(300),
  );
});

test('readNpy: a real .npy with its header mutated is the same voice or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const tensor = tensorFromSeed(3);
  const good = writeNpy(tensor);
  fc.assert(
    fc.property(mutationsArb(4), (mutations) => {
      const r = resultOr(VoiceFormatError, () => readNpy(mutateWithin(good, mutations, 0, 128)));
      if (r.ok) assert.deepEqual(r.value, tensor, 'a header that still parses describes the same array');
    }),
    fuzzParams(500),
  );
});
