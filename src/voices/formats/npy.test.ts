import assert from 'node:assert/strict';
import { test } from 'node:test';
import { halfToFloat } from './dtypes.js';
import { looksLikeNpy, parseNpyHeader, readNpy, writeNpy } from './npy.js';
import { KOKORO_FLOATS, VoiceFormatError } from './tensor.js';
import { sampleTensor } from '../../test-support/fixtures.js';

/** A voice-like tensor with distinct, exactly representable values. */
/** Builds a .npy file by hand: any header text, any version, any payload. */
function makeNpy(header: string, payload: Uint8Array, version: 1 | 2 | 3 = 1): Uint8Array {
  const text = new TextEncoder().encode(header);
  const prefix = version === 1 ? 10 : 12;
  const out = new Uint8Array(prefix + text.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(payload, prefix + text.length);
  return out;
}

function f32Bytes(t: Float32Array, littleEndian = true): Uint8Array {
  const out = new Uint8Array(t.length * 4);
  const view = new DataView(out.buffer);
  t.forEach((v, i) => view.setFloat32(i * 4, v, littleEndian));
  return out;
}

const DICT = (descr: string, shape: string, fortran = 'False') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }          \n`;

function isFormatError(pattern: RegExp) {
  return (e: unknown) => e instanceof VoiceFormatError && pattern.test(e.message);
}

test('writeNpy writes what np.save writes: v1.0 header, 64-byte aligned data', () => {
  const t = sampleTensor();
  const bytes = writeNpy(t);
  assert.ok(looksLikeNpy(bytes));
  assert.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = new DataView(bytes.buffer).getUint16(8, true);
  assert.equal((10 + headerLen) % 64, 0);
  assert.equal(10 + headerLen, 128);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLen));
  assert.match(header, /^\{'descr': '<f4', 'fortran_order': False, 'shape': \(510, 1, 256\), \} +\n$/);
  assert.equal(bytes.length, 128 + KOKORO_FLOATS * 4);
  assert.deepEqual(bytes.subarray(128), f32Bytes(t));
  const h = parseNpyHeader(bytes);
  assert.deepEqual(h, { version: [1, 0], descr: '<f4', fortranOrder: false, shape: [510, 1, 256], dataOffset: 128 });
});

test('readNpy(writeNpy(t)) is t', () => {
  const t = sampleTensor(3);
  assert.deepEqual(readNpy(writeNpy(t)), t);
});

test('readNpy reads versions 2.0 and 3.0 and the other accepted shapes', () => {
  const t = sampleTensor(5);
  const payload = f32Bytes(t);
  for (const version of [1, 2, 3] as const) {
    for (const shape of ['(510, 1, 256)', '(510, 256)', '(1, 510, 256)', '(510,1,256,)', '(510L, 1L, 256L)']) {
      assert.deepEqual(readNpy(makeNpy(DICT('<f4', shape), payload, version)), t, `v${version} ${shape}`);
    }
  }
  // double quotes and a different key order are fine too
  const other = `{"shape": (510, 1, 256), "fortran_order": False, "descr": "<f4"}\n`;
  assert.deepEqual(readNpy(makeNpy(other, payload)), t);
});

test('readNpy converts float16 and float64 to float32', () => {
  const halves = new Uint8Array(KOKORO_FLOATS * 2);
  const hv = new DataView(halves.buffer);
  const doubles = new Uint8Array(KOKORO_FLOATS * 8);
  const dv = new DataView(doubles.buffer);
  const expected = new Float32Array(KOKORO_FLOATS);
  for (let i = 0; i < KOKORO_FLOATS; i++) {
    const h = (i * 31) % 0x7c00; // finite positive halves, subnormals included
    const bits = i % 2 ? h | 0x8000 : h;
    hv.setUint16(i * 2, bits, true);
    expected[i] = halfToFloat(bits);
    dv.setFloat64(i * 8, expected[i]!, true);
  }
  assert.equal(halfToFloat(0x3c00), 1);
  assert.equal(halfToFloat(0xc000), -2);
  assert.equal(halfToFloat(0x0001), 2 ** -24);
  assert.equal(halfToFloat(0x7bff), 65504);
  assert.deepEqual(readNpy(makeNpy(DICT('<f2', '(510, 1, 256)'), halves)), expected);
  assert.deepEqual(readNpy(makeNpy(DICT('<f8', '(510, 256)'), doubles)), expected);
});

test('readNpy rejects float64 values beyond float32 range and float16 infinities', () => {
  const doubles = new Uint8Array(KOKORO_FLOATS * 8);
  new DataView(doubles.buffer).setFloat64(8 * 10, 1e300, true);
  assert.throws(() => readNpy(makeNpy(DICT('<f8', '(510, 1, 256)'), doubles)), isFormatError(/non-finite/));
  const halves = new Uint8Array(KOKORO_FLOATS * 2);
  new DataView(halves.buffer).setUint16(2 * 10, 0x7c00, true);
  assert.throws(() => readNpy(makeNpy(DICT('<f2', '(510, 1, 256)'), halves)), isFormatError(/non-finite/));
});

test('readNpy rejects wrong shapes, dtypes, byte order and Fortran order', () => {
  const payload = f32Bytes(sampleTensor());
  const cases: [string, RegExp][] = [
    [DICT('<f4', '(256, 510)'), /shape \(256, 510\)/],
    [DICT('<f4', '(130560,)'), /shape \(130560,\)/],
    [DICT('<f4', '(510, 2, 128)'), /shape/],
    [DICT('>f4', '(510, 1, 256)'), /big-endian/],
    [DICT('>f8', '(510, 1, 256)'), /big-endian/],
    [DICT('<i4', '(510, 1, 256)'), /dtype '<i4'/],
    [DICT('|O', '(510, 1, 256)'), /dtype '\|O'/],
    [DICT('<c8', '(510, 1, 256)'), /dtype/],
    [DICT('<f4', '(510, 1, 256)', 'True'), /Fortran order/],
    [`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (510, 1, 256), }\n`, /structured/],
  ];
  for (const [header, pattern] of cases) {
    assert.throws(() => readNpy(makeNpy(header, payload)), isFormatError(pattern), header);
  }
});

test('readNpy rejects truncated and padded data', () => {
  const payload = f32Bytes(sampleTensor());
  assert.throws(() => readNpy(makeNpy(DICT('<f4', '(510, 1, 256)'), payload.subarray(0, 1000))), isFormatError(/truncated/));
  const longer = new Uint8Array(payload.length + 4);
  longer.set(payload);
  assert.throws(() => readNpy(makeNpy(DICT('<f4', '(510, 1, 256)'), longer)), isFormatError(/data bytes/));
  const full = writeNpy(sampleTensor());
  for (const n of [0, 5, 9, 60, 127]) assert.throws(() => readNpy(full.subarray(0, n)), VoiceFormatError, `cut at ${n}`);
});

test('readNpy rejects malformed headers without crashing', () => {
  const payload = f32Bytes(sampleTensor());
  const headers = [
    "{'descr': '<f4', 'fortran_order': False}\n", // missing shape
    "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256), 'extra': 1}\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256)\n", // unterminated
    "{'descr': '<f4', 'fortran_order': 0, 'shape': (510, 1, 256)}\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': [510, 1, 256]}\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (510, -1, 256)}\n",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256)} junk\n",
    "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (510, 1, 256)}\n",
    "{'descr: '<f4'}\n",
    '__import__("os").system("echo hi")\n',
    '[1, 2, 3]\n',
    `${'('.repeat(100)}${')'.repeat(100)}\n`,
    "{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999, 1, 256)}\n",
  ];
  for (const header of headers) {
    assert.throws(() => readNpy(makeNpy(header, payload)), VoiceFormatError, header);
  }
  // unsupported format version and an oversized header
  const v4 = writeNpy(sampleTensor());
  v4[6] = 4;
  assert.throws(() => readNpy(v4), isFormatError(/version 4\.0/));
  const huge = makeNpy(`${' '.repeat(20_000)}\n`, payload, 2);
  assert.throws(() => readNpy(huge), isFormatError(/header/));
  assert.throws(() => readNpy(new Uint8Array([1, 2, 3])), isFormatError(/not a NumPy/));
});

test('writeNpy refuses invalid tensors', () => {
  assert.throws(() => writeNpy(new Float32Array(3)), VoiceFormatError);
  const t = sampleTensor();
  t[0] = Infinity;
  assert.throws(() => writeNpy(t), VoiceFormatError);
});
