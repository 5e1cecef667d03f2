import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import { parseBin } from './bin.js';
import { writeNpy } from './npy.js';
import { readNpz, writeNpz } from './npz.js';
import { VoiceFormatError } from './tensor.js';
import { KOKORO_PACKS_DIR, sampleTensor } from '../../test-support/fixtures.js';
import { craftZip, deflateRepeated } from '../../test-support/zip.js';
import { MIN_INFLATE_BUDGET_BYTES, inflateLimit } from './zip.js';

const PACKS = KOKORO_PACKS_DIR;

function isFormatError(pattern: RegExp, code?: string) {
  return (e: unknown) => e instanceof VoiceFormatError && pattern.test(e.message) && (!code || e.code === code);
}

/** Offsets of the central-directory headers of a zip. */
function centralHeaders(zip: Uint8Array): number[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= zip.length; i++) if (view.getUint32(i, true) === 0x02014b50) out.push(i);
  return out;
}

test('the 54 official packs: writeNpz → readNpz gives every tensor back byte-identical', (t) => {
  if (!PACKS) return t.skip('Kokoro voice packs not present');
  const files = readdirSync(PACKS).filter((f) => f.endsWith('.bin')).sort();
  assert.equal(files.length, 54);
  const originals = new Map(files.map((f) => [f.slice(0, -4), new Uint8Array(readFileSync(join(PACKS, f)))]));
  const npz = writeNpz([...originals].map(([name, bytes]) => [name, parseBin(bytes)] as const));
  const back = readNpz(npz);
  assert.deepEqual([...back.keys()], [...originals.keys()]);
  for (const [name, bytes] of originals) {
    const tensor = back.get(name)!;
    assert.equal(tensor.byteOffset, 0);
    assert.deepEqual(new Uint8Array(tensor.buffer), bytes, name);
  }
});

test('writeNpz writes an uncompressed zip of <name>.npy entries, deterministic', () => {
  const a = sampleTensor(1);
  const b = sampleTensor(2);
  const npz = writeNpz([
    ['af_test', a],
    ['Bm-2', b],
  ]);
  assert.deepEqual(writeNpz([['af_test', a], ['Bm-2', b]]), npz, 'same input, same bytes');
  const names: string[] = [];
  const files = unzipSync(npz, {
    filter(f) {
      names.push(f.name);
      assert.equal(f.compression, 0, 'stored, as np.savez writes');
      return true;
    },
  });
  assert.deepEqual(names, ['af_test.npy', 'Bm-2.npy']);
  assert.deepEqual(files['af_test.npy'], writeNpy(a));
  assert.deepEqual(files['Bm-2.npy'], writeNpy(b));
});

test('writeNpz refuses bad names, duplicates and invalid tensors', () => {
  const t = sampleTensor();
  assert.throws(() => writeNpz([['a/b', t]]), isFormatError(/not a valid voice name/, 'invalid_voice_name'));
  assert.throws(() => writeNpz([['_x', t]]), VoiceFormatError);
  assert.throws(() => writeNpz([['x'.repeat(65), t]]), VoiceFormatError);
  assert.throws(() => writeNpz([['Heart', t], ['heart', t]]), isFormatError(/twice/));
  assert.throws(() => writeNpz([['ok', new Float32Array(4)]]), isFormatError(/voice "ok"/));
});

test('readNpz reads deflated archives (as np.savez_compressed writes)', () => {
  const a = sampleTensor(7);
  const zip = zipSync({ 'af_x.npy': writeNpy(a), 'bm_y.npy': writeNpy(sampleTensor(8)) }, { level: 6 });
  const back = readNpz(zip);
  assert.deepEqual([...back.keys()], ['af_x', 'bm_y']);
  assert.deepEqual(back.get('af_x'), a);
});

test('readNpz rejects entries with bad names, in folders, or of other kinds', () => {
  const npy = writeNpy(sampleTensor());
  const cases: [Record<string, Uint8Array>, RegExp, string][] = [
    [{ 'voices/af_x.npy': npy }, /inside a folder/, 'invalid_voice_file'],
    [{ '__MACOSX/._af_x.npy': npy }, /inside a folder/, 'invalid_voice_file'],
    [{ 'af_x.bin': npy }, /not a \.npy/, 'invalid_voice_file'],
    [{ 'af_x.NPY': npy }, /not a \.npy/, 'invalid_voice_file'],
    [{ 'readme.txt': new Uint8Array(3) }, /not a \.npy/, 'invalid_voice_file'],
    [{ 'bad name.npy': npy }, /not a valid voice name/, 'invalid_voice_name'],
    [{ '.npy': npy }, /not a valid voice name/, 'invalid_voice_name'],
    [{ '-x.npy': npy }, /not a valid voice name/, 'invalid_voice_name'],
    [{ 'af_x.npy': npy, 'AF_X.npy': npy }, /unique/, 'invalid_voice_name'],
  ];
  for (const [files, pattern, code] of cases) {
    assert.throws(() => readNpz(zipSync(files, { level: 0 })), isFormatError(pattern, code), Object.keys(files).join());
  }
});

test('readNpz rejects broken entries and broken archives', () => {
  const bad = writeNpy(sampleTensor());
  new DataView(bad.buffer).setFloat32(128 + 4 * 77, NaN, true);
  assert.throws(() => readNpz(zipSync({ 'af_x.npy': bad }, { level: 0 })), isFormatError(/af_x\.npy.*non-finite/));
  assert.throws(() => readNpz(zipSync({ 'af_x.npy': new Uint8Array(10) }, { level: 0 })), isFormatError(/af_x\.npy/));
  assert.equal(readNpz(writeNpz([])).size, 0, 'an empty archive is a valid, empty .npz');
  assert.throws(() => readNpz(new Uint8Array(100)), isFormatError(/not a valid zip/));
  assert.throws(() => readNpz(new Uint8Array(5)), isFormatError(/not a valid zip/));
  const good = writeNpz([['af_x', sampleTensor()]]);
  for (const cut of [30, 1000, good.length - 30, good.length - 1]) {
    assert.throws(() => readNpz(good.subarray(0, cut)), VoiceFormatError, `cut at ${cut}`);
  }
  // random corruption anywhere: an error or the exact data, never a crash
  for (let i = 0; i < 200; i++) {
    const copy = good.slice();
    const at = (i * 2654435761) % copy.length;
    copy[at] = copy[at]! ^ 0x5a;
    try {
      readNpz(copy);
    } catch (e) {
      assert.ok(e instanceof VoiceFormatError, `corruption at ${at}: ${String(e)}`);
    }
  }
});

test('zip-bomb guard: sizes from the central directory are checked before inflating', () => {
  // An entry declaring more than a voice .npy can hold is refused before inflating.
  const zeros = new Uint8Array(16 * 1024 * 1024);
  const bomb = zipSync({ 'af_x.npy': zeros }, { level: 1 });
  assert.ok(bomb.length < 256 * 1024);
  assert.throws(() => readNpz(bomb), isFormatError(/"af_x\.npy" declares 16777216 bytes, more than a voice \.npy can hold/));

  // So is a declared size of ~4 GiB, nothing allocated.
  const small = zipSync({ 'af_x.npy': writeNpy(sampleTensor()) }, { level: 6 });
  const [cd] = centralHeaders(small);
  new DataView(small.buffer).setUint32(cd! + 24, 0xfffffff0, true);
  assert.throws(() => readNpz(small), isFormatError(/declares 4294967280 bytes/));

  // The sum counts, not each entry alone.
  const two = writeNpz([['a', sampleTensor(1)], ['b', sampleTensor(2)]]);
  assert.throws(() => readNpz(two, { maxUncompressedBytes: 600_000 }), isFormatError(/inflate to more than/));
  assert.equal(readNpz(two, { maxUncompressedBytes: 2_000_000 }).size, 2);
});

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

test('zip-bomb guard: a 1 MB archive of entries that each look like a voice cannot inflate to 1 GiB', () => {
  // 1,000 entries of 1 MiB of zeros each (under the per-voice cap), deflated to ~1 KB each.
  const mib = 1 << 20;
  const stored = deflateRepeated(new Uint8Array(64 * 1024), 16);
  const entries = Array.from({ length: 1000 }, (_, i) => ({ name: `v${i}.npy`, stored, method: 8, declaredSize: mib }));
  const bomb = craftZip(entries);
  assert.ok(bomb.length < 1_500_000, `${bomb.length} bytes`);
  const { ms, error } = cpuMs(() => readNpz(bomb));
  assert.ok(isFormatError(/would inflate to more than \d+ bytes, over 8 times its own size/)(error), String(error));
  assert.ok(ms < 100, `${ms} ms of CPU`);
});

test('zip-bomb guard: the inflate limit follows the upload limit', () => {
  const five = writeNpz(Array.from({ length: 5 }, (_, i) => [`v${i}`, sampleTensor(i)] as const));
  // A stored archive is its own size inflated: 2.6 MB, over twice a 1 MB upload limit.
  assert.throws(() => readNpz(five, { maxUploadBytes: 1_000_000 }), isFormatError(/more than 2000000 bytes \(the limit for one upload\)/));
  assert.equal(readNpz(five, { maxUploadBytes: 2_000_000 }).size, 5, 'within twice a 2 MB upload limit');
  assert.equal(inflateLimit(1000, { maxUploadBytes: 100 << 20 }), MIN_INFLATE_BUDGET_BYTES, 'small archives get the floor');
  assert.equal(inflateLimit(50 << 20, { maxUploadBytes: 100 << 20 }), 200 << 20, 'large ones twice the upload limit');
  assert.equal(inflateLimit(4 << 20, {}), 32 << 20, 'in between, 8 times their size');
});

test('zip-bomb guard: a declared size smaller than the real data cannot overflow', () => {
  const zip = zipSync({ 'af_x.npy': writeNpy(sampleTensor()) }, { level: 6 });
  const [cd] = centralHeaders(zip);
  new DataView(zip.buffer).setUint32(cd! + 24, 1000, true);
  assert.throws(() => readNpz(zip), isFormatError(/inflates to more than the 1000 bytes it declares/));

  // A header claiming 1 MiB over a gigabyte of deflated zeros: inflation stops at 1 MiB.
  const lying = craftZip([{ name: 'af_x.npy', stored: deflateRepeated(new Uint8Array(1 << 20), 1024), method: 8, declaredSize: 1 << 20 }]);
  const { ms, error } = cpuMs(() => readNpz(lying));
  assert.ok(isFormatError(/inflates to more than the 1048576 bytes it declares/)(error), String(error));
  assert.ok(ms < 100, `${ms} ms of CPU`);
});

test('entries are checked against their CRC', () => {
  const good = writeNpz([['af_x', sampleTensor()]]);
  const copy = good.slice();
  copy[2000] = copy[2000]! ^ 1; // inside the float data: still a valid voice, but not the one written
  assert.throws(() => readNpz(copy), isFormatError(/fails its CRC check/));
});

test('archives listing more than 10,000 entries are refused', () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i <= 10_000; i++) files[`v${i}.npy`] = new Uint8Array(0);
  assert.throws(() => readNpz(zipSync(files, { level: 0 })), isFormatError(/more than 10000 entries/));
});
