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
  // 16 MiB of zeros deflates to ~16 KiB.
  const zeros = new Uint8Array(16 * 1024 * 1024);
  const bomb = zipSync({ 'af_x.npy': zeros }, { level: 1 });
  assert.ok(bomb.length < 256 * 1024);
  assert.throws(() => readNpz(bomb, { maxUncompressedBytes: 4 * 1024 * 1024 }), isFormatError(/inflate to more than/));

  // A declared size of ~4 GiB is refused under the default 1 GiB limit, nothing allocated.
  const small = zipSync({ 'af_x.npy': writeNpy(sampleTensor()) }, { level: 6 });
  const [cd] = centralHeaders(small);
  new DataView(small.buffer).setUint32(cd! + 24, 0xfffffff0, true);
  assert.throws(() => readNpz(small), isFormatError(/inflate to more than 1073741824 bytes/));

  // The sum counts, not each entry alone.
  const two = writeNpz([['a', sampleTensor(1)], ['b', sampleTensor(2)]]);
  assert.throws(() => readNpz(two, { maxUncompressedBytes: 600_000 }), isFormatError(/inflate to more than/));
  assert.equal(readNpz(two, { maxUncompressedBytes: 2_000_000 }).size, 2);
});

test('zip-bomb guard: a declared size smaller than the real data cannot overflow', () => {
  const zip = zipSync({ 'af_x.npy': writeNpy(sampleTensor()) }, { level: 6 });
  const [cd] = centralHeaders(zip);
  new DataView(zip.buffer).setUint32(cd! + 24, 1000, true);
  assert.throws(() => readNpz(zip), VoiceFormatError);
});

test('archives listing more than 10,000 entries are refused', () => {
  const files: Record<string, Uint8Array> = {};
  for (let i = 0; i <= 10_000; i++) files[`v${i}.npy`] = new Uint8Array(0);
  assert.throws(() => readNpz(zipSync(files, { level: 0 })), isFormatError(/more than 10000 entries/));
});
