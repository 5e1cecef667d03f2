import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { Pickle } from '../../test-support/pickle.js';
import { craftZip, deflateRepeated } from '../../test-support/zip.js';
import { MAX_PICKLE_BYTES, readPt, readPtTensors, type TorchTensor } from './pt.js';
import { VoiceFormatError } from './tensor.js';

const FIXTURES = new URL('./fixtures/', import.meta.url);
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

interface Expected {
  shape: number[];
  dtype: string;
  sum: number;
  sha256: string;
}
const EXPECTED = JSON.parse(readFileSync(new URL('expected.json', FIXTURES), 'utf8')) as Record<
  string,
  Expected & { type: string; keys?: string[]; entries?: Record<string, Expected> }
>;

function leBytes(f: Float32Array): Uint8Array {
  const out = new Uint8Array(f.length * 4);
  const view = new DataView(out.buffer);
  f.forEach((v, i) => view.setFloat32(i * 4, v, true));
  return out;
}
const sha256 = (f: Float32Array) => createHash('sha256').update(leBytes(f)).digest('hex');

function checkTensor(t: TorchTensor, e: Expected, label: string): void {
  assert.deepEqual(t.shape, e.shape, label);
  assert.equal(t.dtype, e.dtype, label);
  assert.equal(sha256(t.data), e.sha256, label);
  const sum = t.data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - e.sum) <= 1e-6 * Math.max(1, Math.abs(e.sum)), `${label}: ${sum} vs ${e.sum}`);
}

function isFormatError(pattern: RegExp, code = 'invalid_voice_file') {
  return (e: unknown) => e instanceof VoiceFormatError && e.code === code && pattern.test(e.message);
}

// ---------------------------------------------------------------------------
// Fixtures made by real PyTorch (see fixtures/README.md)

test('fixtures: every tensor matches what PyTorch computed', () => {
  for (const [file, e] of Object.entries(EXPECTED)) {
    if (file.startsWith('_')) continue;
    const result = readPtTensors(fixture(file));
    if (e.type === 'tensor') {
      assert.ok(!(result instanceof Map), file);
      checkTensor(result as TorchTensor, e, file);
    } else {
      assert.ok(result instanceof Map, file);
      assert.deepEqual([...result.keys()], e.keys, `${file} keys in order`);
      for (const [key, entry] of Object.entries(e.entries!)) checkTensor(result.get(key)!, entry, `${file}:${key}`);
    }
  }
});

test('strided fixture: offset 14, strides (2, 12) read in C order', () => {
  const t = readPtTensors(fixture('strided.pt')) as TorchTensor;
  // base = arange(60).reshape(5, 12) * 0.5 - 7; view = base[1:4, 2:10:2].t()
  const expected: number[] = [];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 3; j++) expected.push((12 * (1 + j) + 2 + 2 * i) * 0.5 - 7);
  assert.deepEqual([...t.data], expected);
});

test('readPt: single Kokoro voices (float32, float16) and a dict of voices (bfloat16, shared storage)', () => {
  const f32 = readPt(fixture('voice-f32.pt'));
  assert.ok(f32 instanceof Float32Array);
  assert.equal(sha256(f32), EXPECTED['voice-f32.pt']!.sha256);
  const f16 = readPt(fixture('voice-f16.pt'));
  assert.ok(f16 instanceof Float32Array);
  assert.equal(sha256(f16), EXPECTED['voice-f16.pt']!.sha256);
  const dict = readPt(fixture('voices-dict.pt'));
  assert.ok(dict instanceof Map);
  assert.deepEqual([...dict.keys()], ['af_one', 'am_two']);
  const entries = EXPECTED['voices-dict.pt']!.entries!;
  assert.equal(sha256(dict.get('af_one')!), entries.af_one!.sha256);
  assert.equal(sha256(dict.get('am_two')!), entries.am_two!.sha256);
  // one row apart in the shared storage
  assert.deepEqual(dict.get('af_one')!.subarray(256), dict.get('am_two')!.subarray(0, 509 * 256));
});

test('readPt refuses tensors that are not Kokoro voices', () => {
  assert.throws(() => readPt(fixture('strided.pt')), isFormatError(/shape \(4, 3\)/));
  assert.throws(() => readPt(fixture('generic.pt')), isFormatError(/"bf16_permuted" has shape \(4, 2, 3\)/));
  assert.throws(() => readPt(fixture('state-dict.pt')), isFormatError(/"weight" has shape \(2, 3\)/));
});

// ---------------------------------------------------------------------------
// Re-packed fixtures: PyTorch 2 layout, byte order, compression

function repack(
  bytes: Uint8Array,
  change: (files: Record<string, Uint8Array>, prefix: string) => Record<string, Uint8Array>,
  level: 0 | 6 = 0,
): Uint8Array {
  const files = unzipSync(bytes);
  const pkl = Object.keys(files).find((n) => n.endsWith('/data.pkl'))!;
  return zipSync(change(files, pkl.slice(0, -'data.pkl'.length)), { level });
}

function withPrefix(files: Record<string, Uint8Array>, from: string, to: string): Record<string, Uint8Array> {
  return Object.fromEntries(Object.entries(files).map(([n, d]) => [to + n.slice(from.length), d]));
}

const ascii = (s: string) => new TextEncoder().encode(s);

function byteswap(data: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i += size) for (let j = 0; j < size; j++) out[i + j] = data[i + size - 1 - j]!;
  return out;
}

test('PyTorch 2 layout: archive/ folder, byteorder record, deflated entries', () => {
  const expected = readPt(fixture('voice-f32.pt'));
  const v2 = repack(
    fixture('voice-f32.pt'),
    (files, prefix) => ({
      ...withPrefix(files, prefix, 'archive/'),
      'archive/byteorder': ascii('little'),
      'archive/.format_version': ascii('1'),
      'archive/.storage_alignment': ascii('64'),
      'archive/.data/serialization_id': ascii('1234567890'),
    }),
    6,
  );
  assert.deepEqual(readPt(v2), expected);
});

test('big-endian files (byteorder "big") are byte-swapped', () => {
  for (const [file, size] of [
    ['voice-f32.pt', 4],
    ['voice-f16.pt', 2],
    ['voices-dict.pt', 2],
    ['generic.pt', 0],
  ] as const) {
    const expected = readPtTensors(fixture(file));
    const big = repack(fixture(file), (files, prefix) => {
      const out: Record<string, Uint8Array> = { [`${prefix}byteorder`]: ascii('big') };
      for (const [name, data] of Object.entries(files)) {
        if (!name.startsWith(`${prefix}data/`)) out[name] = data;
        else if (size) out[name] = byteswap(data, size);
      }
      if (!size) {
        // generic.pt's storages, as its data.pkl names them: 0 BFloat16, 1 and 2 Float, 3 Double
        const widths: Record<string, number> = { 0: 2, 1: 4, 2: 4, 3: 8 };
        for (const [key, width] of Object.entries(widths)) {
          out[`${prefix}data/${key}`] = byteswap(files[`${prefix}data/${key}`]!, width);
        }
      }
      return out;
    });
    assert.deepEqual(readPtTensors(big), expected, file);
  }
  const odd = repack(fixture('strided.pt'), (files, prefix) => ({ ...files, [`${prefix}byteorder`]: ascii('middle') }));
  assert.throws(() => readPtTensors(odd), isFormatError(/byteorder/));
});

// ---------------------------------------------------------------------------
// Hand-made pickles: the unsafe and the malformed

function ptZip(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}, prefix = 'archive/'): Uint8Array {
  const files: Record<string, Uint8Array> = { [`${prefix}data.pkl`]: pkl, [`${prefix}version`]: ascii('3\n') };
  for (const [k, v] of Object.entries(storages)) files[`${prefix}data/${k}`] = v;
  return zipSync(files, { level: 0 });
}

function f32(values: number[]): Uint8Array {
  return leBytes(Float32Array.from(values));
}

test('hand-made tensor pickles: offsets, strides, 7-argument form, float16', () => {
  const storage = f32([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const t = readPtTensors(ptZip(new Pickle().proto().tensor({ numel: 12, offset: 1, size: [2, 3], stride: [1, 4], extra: true }).stop(), { 0: storage })) as TorchTensor;
  assert.deepEqual(t.shape, [2, 3]);
  assert.deepEqual([...t.data], [1, 5, 9, 2, 6, 10]);
  const half = new Uint8Array([0x00, 0x3c, 0x00, 0xc0]); // 1, -2
  const h = readPtTensors(ptZip(new Pickle().proto().tensor({ storage: 'HalfStorage', numel: 2, size: [2], stride: [1] }).stop(), { 0: half })) as TorchTensor;
  assert.deepEqual([...h.data], [1, -2]);
  assert.equal(h.dtype, 'float16');
  const empty = readPtTensors(ptZip(new Pickle().proto().tensor({ numel: 0, size: [0, 5], stride: [5, 1] }).stop(), { 0: new Uint8Array(0) })) as TorchTensor;
  assert.deepEqual(empty.shape, [0, 5]);
  assert.equal(empty.data.length, 0);
});

test('a pickle naming a forbidden global is refused, never run', () => {
  const evil: [string, Uint8Array][] = [
    ['os.system', new Pickle().proto().global('os', 'system').str('touch /tmp/pwned').raw(0x85).reduce().stop()],
    ['posix.system', new Pickle().proto().global('posix', 'system').str('id').raw(0x85).reduce().stop()],
    ['builtins.eval', new Pickle().proto().global('builtins', 'eval').str('1').raw(0x85).reduce().stop()],
    ['builtins.getattr', new Pickle().proto().global('builtins', 'getattr').raw(0x30).raw(0x4e).stop()], // never called
    ['torch.load', new Pickle().proto().global('torch', 'load').stop()],
    ['torch._utils._rebuild_qtensor', new Pickle().proto().global('torch._utils', '_rebuild_qtensor').stop()],
    ['collections.defaultdict', new Pickle().proto().global('collections', 'defaultdict').stop()],
    // protocol 4: FRAME, SHORT_BINUNICODE, MEMOIZE, STACK_GLOBAL
    [
      'subprocess.check_output',
      new Pickle()
        .proto(4)
        .raw(0x95, 30, 0, 0, 0, 0, 0, 0, 0)
        .raw(0x8c, 10, ...ascii('subprocess'), 0x94, 0x8c, 12, ...ascii('check_output'), 0x94, 0x93)
        .stop(),
    ],
  ];
  for (const [name, pkl] of evil) {
    assert.throws(
      () => readPtTensors(ptZip(pkl)),
      (e: unknown) => e instanceof VoiceFormatError && e.message.includes(`"${name}"`) && /not allowed/.test(e.message),
      name,
    );
  }
});

test('unsupported opcodes are refused', () => {
  const ops: [string, number[]][] = [
    ['INST', [0x69, ...ascii('os\nsystem\n')]],
    ['OBJ', [0x28, 0x6f]],
    ['NEWOBJ', [0x4e, 0x29, 0x81]],
    ['EXT1', [0x82, 1]],
    ['PERSID (text)', [0x50, ...ascii('x\n')]],
    ['INT (text)', [0x49, ...ascii('1\n')]],
  ];
  for (const [name, bytes] of ops) {
    assert.throws(() => readPtTensors(ptZip(new Pickle().proto().raw(...bytes).stop())), isFormatError(/not supported/), name);
  }
  assert.throws(() => readPtTensors(ptZip(new Pickle().proto(1).raw(0x4e).stop())), isFormatError(/protocol 1/));
});

test('malformed tensors are refused with clear errors', () => {
  const zip = (p: Pickle, storages: Record<string, Uint8Array> = { 0: f32(Array(12).fill(1)) }) => ptZip(p.stop(), storages);
  const cases: [string, Uint8Array, RegExp][] = [
    ['stride past the storage', zip(new Pickle().proto().tensor({ numel: 12, size: [4, 4], stride: [4, 1] })), /reaches element 15/],
    ['offset past the storage', zip(new Pickle().proto().tensor({ numel: 12, offset: 12, size: [1], stride: [1] })), /reaches element 12/],
    ['negative offset', zip(new Pickle().proto().tensor({ numel: 12, offset: -1, size: [1], stride: [1] })), /non-negative/],
    ['size/stride mismatch', zip(new Pickle().proto().tensor({ numel: 12, size: [2, 2], stride: [1] })), /differ in length/],
    ['missing storage', zip(new Pickle().proto().tensor({ numel: 12, key: '7', size: [2], stride: [1] })), /storage 7 .* is missing/],
    ['short storage', zip(new Pickle().proto().tensor({ numel: 12, size: [2], stride: [1] }), { 0: f32([1, 2]) }), /holds 8 bytes where 48/],
    ['int tensor', zip(new Pickle().proto().tensor({ storage: 'LongStorage', numel: 1, size: [1], stride: [1] })), /int64 tensor/],
    ['bad storage key', zip(new Pickle().proto().tensor({ numel: 1, key: '../x', size: [1], stride: [1] })), /storage key/],
    ['not a tensor', zip(new Pickle().proto().int(5)), /neither a tensor nor a dict/],
    ['list', zip(new Pickle().proto().raw(0x5d)), /neither a tensor nor a dict/],
    ['dict of ints', zip(new Pickle().proto().raw(0x7d).str('a').int(1).raw(0x73)), /"a" is not a tensor/],
    ['empty dict', zip(new Pickle().proto().raw(0x7d)), /no tensors/],
    ['other persistent id', zip(new Pickle().proto().str('module').raw(0x85, 0x51)), /persistent id/],
    ['truncated pickle', ptZip(new Pickle().proto().str('abc').stop().subarray(0, 6)), /truncated/],
    ['no STOP', ptZip(new Pickle().proto().raw(0x4e).stop().subarray(0, 3)), /truncated/],
    ['missing memo', zip(new Pickle().proto().raw(0x68, 9)), /memo entry 9/],
    ['stack underflow', zip(new Pickle().proto().raw(0x86)), /underflow/],
    ['setitem on a list', zip(new Pickle().proto().raw(0x5d).int(1).int(2).raw(0x73)), /not a dict/],
    ['call a storage type', zip(new Pickle().proto().global('torch', 'FloatStorage').raw(0x29).reduce()), /cannot be called/],
    ['huge long', zip(new Pickle().proto().raw(0x8b, 0xff, 0xff, 0xff, 0x7f)), /too large/],
  ];
  for (const [name, bytes, pattern] of cases) {
    assert.throws(() => readPtTensors(bytes), isFormatError(pattern), name);
  }
});

test('a stride-0 expansion cannot blow up memory', () => {
  const pkl = new Pickle().proto().tensor({ numel: 1, size: [100_000, 100_000], stride: [0, 0] }).stop();
  assert.throws(() => readPtTensors(ptZip(pkl, { 0: f32([1]) })), isFormatError(/size limit/));
  // and a tensor referenced over and over from a dict counts each time
  const p = new Pickle().proto().raw(0x7d).mark();
  p.str('a').tensor({ numel: 1, size: [1000], stride: [0] }).raw(0x71, 1); // BINPUT 1
  for (let i = 0; i < 50; i++) p.str(`k${i}`).raw(0x68, 1);
  const many = ptZip(p.raw(0x75).stop(), { 0: f32([1]) });
  assert.equal((readPtTensors(many) as Map<string, TorchTensor>).size, 51);
  assert.throws(() => readPtTensors(many, { maxUncompressedBytes: 100_000 }), isFormatError(/size limit/));
});

test('not-a-PyTorch-file cases', () => {
  assert.throws(() => readPt(new Uint8Array([0x80, 0x02, 0x8a, 0x0a])), isFormatError(/legacy/));
  assert.throws(() => readPt(ascii('hello')), isFormatError(/not a PyTorch zip/));
  assert.throws(() => readPt(zipSync({ 'x/other.bin': new Uint8Array(4) })), isFormatError(/no <archive>\/data\.pkl/));
  assert.throws(
    () => readPt(zipSync({ 'a/data.pkl': new Pickle().proto().raw(0x4e).stop(), 'b/data.pkl': new Uint8Array(1) })),
    isFormatError(/more than one/),
  );
  assert.throws(() => readPt(fixture('voice-f32.pt').subarray(0, 300_000)), VoiceFormatError);
});

test('dict keys of a voices .pt must be valid, distinct voice names', () => {
  const storage = { 0: f32(Array(130_560).fill(0.5)) };
  const voice = (p: Pickle) => p.tensor({ numel: 130_560, size: [510, 1, 256], stride: [256, 256, 1] });
  const bad = new Pickle().proto().raw(0x7d).mark().str('bad name');
  assert.throws(() => readPt(ptZip(voice(bad).raw(0x75).stop(), storage)), isFormatError(/"bad name"/, 'invalid_voice_name'));
  const dup = new Pickle().proto().raw(0x7d).mark().str('Af');
  voice(dup).str('aF');
  assert.throws(() => readPt(ptZip(voice(dup).raw(0x75).stop(), storage)), isFormatError(/twice/, 'invalid_voice_name'));
  const nan = f32(Array(130_560).fill(0.5));
  new DataView(nan.buffer).setFloat32(4 * 300, NaN, true);
  assert.throws(() => readPt(ptZip(voice(new Pickle().proto()).stop(), { 0: nan })), isFormatError(/non-finite/));
});

test('random corruption of a real .pt gives a VoiceFormatError or the right data, never a crash', () => {
  const good = fixture('strided.pt');
  const expected = readPtTensors(good);
  for (let i = 0; i < 400; i++) {
    const copy = good.slice();
    const at = (i * 2654435761) % copy.length;
    copy[at] = copy[at]! ^ (1 + (i % 255));
    try {
      readPtTensors(copy);
    } catch (e) {
      assert.ok(e instanceof VoiceFormatError, `flip at ${at}: ${String(e)}`);
      continue;
    }
  }
  assert.deepEqual(readPtTensors(good), expected);
});

// ---------------------------------------------------------------------------
// Bombs: a small file must not cost much CPU or memory

function cpuMs(fn: () => void): { ms: number; error: unknown } {
  const start = process.cpuUsage();
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  const used = process.cpuUsage(start);
  return { ms: (used.user + used.system) / 1000, error };
}

test('an 83 KB .pt whose data.pkl inflates to 80 million NONEs is refused in milliseconds', () => {
  const nones = new Uint8Array(1 << 20).fill(0x4e);
  const deflated = deflateRepeated(nones, 80, new Uint8Array([0x80, 2]), new Uint8Array([0x2e]));
  const size = 2 + 80 * nones.length + 1;
  const version = { name: 'archive/version', stored: ascii('3\n'), declaredSize: 2 };
  const honest = craftZip([{ name: 'archive/data.pkl', stored: deflated, method: 8, declaredSize: size }, version]);
  assert.ok(honest.length < 100_000, `the bomb is ${honest.length} bytes`);
  const refused = cpuMs(() => readPt(honest));
  assert.ok(isFormatError(/data\.pkl declares 83886083 bytes/)(refused.error), String(refused.error));
  assert.ok(refused.ms < 100, `honest header: ${refused.ms} ms of CPU`);

  // The same data under a header claiming 1 MiB: inflation stops at 1 MiB.
  const lying = craftZip([{ name: 'archive/data.pkl', stored: deflated, method: 8, declaredSize: 1 << 20 }, version]);
  const stopped = cpuMs(() => readPt(lying));
  assert.ok(isFormatError(/inflates to more than the 1048576 bytes it declares/)(stopped.error), String(stopped.error));
  assert.ok(stopped.ms < 100, `lying header: ${stopped.ms} ms of CPU`);

  // Within the size limit, the pickle reader's own limits stop it.
  const small = new Uint8Array(MAX_PICKLE_BYTES).fill(0x4e);
  small.set([0x80, 2]);
  small[small.length - 1] = 0x2e;
  const within = cpuMs(() => readPt(ptZip(small)));
  assert.ok(isFormatError(/stack items, the limit/)(within.error), String(within.error));
  assert.ok(within.ms < 100, `within the size limit: ${within.ms} ms of CPU`);
});

test('views cannot multiply one small storage past the inflate limit', () => {
  // 40 voices, all views of one 522 KB storage: 21 MB of tensors from a 523 KB file,
  // over the 16 MiB an archive this small may inflate to.
  const p = new Pickle().proto().raw(0x7d).mark();
  p.str('v0').tensor({ numel: 130_560, size: [510, 1, 256], stride: [256, 256, 1] }).raw(0x71, 1);
  for (let i = 1; i < 40; i++) p.str(`v${i}`).raw(0x68, 1);
  const storage = { 0: f32(Array(130_560).fill(0.25)) };
  const many = ptZip(p.raw(0x75).stop(), storage);
  assert.throws(() => readPt(many), isFormatError(/size limit/), '40 views of one storage');
  // Within it, shared storages read as before.
  const few = new Pickle().proto().raw(0x7d).mark();
  few.str('v0').tensor({ numel: 130_560, size: [510, 1, 256], stride: [256, 256, 1] }).raw(0x71, 1);
  for (let i = 1; i < 8; i++) few.str(`v${i}`).raw(0x68, 1);
  assert.equal((readPt(ptZip(few.raw(0x75).stop(), storage)) as Map<string, Float32Array>).size, 8, '8 views are fine');
});
