import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { installedModels } from '../engines/kokoro/installed.js';
import { readManifest, type KokoroManifest } from '../engines/kokoro/manifest.js';
import { KOKORO_VOICE_NAMES, KOKORO_VOICE_SIZE } from '../engines/kokoro/model-files.js';
import { KOKORO_PACKS_DIR, sampleTensor } from '../test-support/fixtures.js';
import { toBin, writeNpy, writeNpz } from './formats/index.js';
import { installVoicePacks } from './packs.js';

const PT_FIXTURE = new URL('./formats/fixtures/voice-f32.pt', import.meta.url);

let root = '';
/** The model directory packs are installed into. */
let dir = '';
/** Where the source files are put. */
let src = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'litetts-packs-'));
  dir = join(root, 'model');
  src = join(root, 'source');
  await mkdir(src);
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');
const packAt = (name: string): string => join(dir, 'voices', `${name}.bin`);

/** Files left in `<dir>/voices` that are not finished packs (temporary files of a write). */
async function leftovers(): Promise<string[]> {
  const names = existsSync(join(dir, 'voices')) ? await readdir(join(dir, 'voices')) : [];
  return names.filter((n) => !/^[A-Za-z0-9][A-Za-z0-9_-]*\.bin$/.test(n));
}

async function assertPack(name: string, tensor: Float32Array): Promise<void> {
  const bytes = await readFile(packAt(name));
  assert.equal(bytes.length, KOKORO_VOICE_SIZE, `${name}.bin has the pack size`);
  assert.ok(Buffer.from(toBin(tensor)).equals(bytes), `${name}.bin holds the voice's float32 bytes`);
}

function manifestFixture(): KokoroManifest {
  return {
    version: 1,
    repository: 'onnx-community/Kokoro-82M-v1.0-ONNX',
    variant: 'model_quantized.onnx',
    models: { 'model_quantized.onnx': { path: 'model_quantized.onnx', size: 3, sha256: 'a'.repeat(64) } },
    voices: { af_heart: { path: 'voices/af_heart.bin', size: KOKORO_VOICE_SIZE, sha256: 'b'.repeat(64) } },
    installedAt: '2025-01-01T00:00:00.000Z',
  };
}

describe('installVoicePacks', () => {
  test('a folder of .bin, .npy and .pt files: every voice installed as a raw pack', async () => {
    await writeFile(join(src, 'af_one.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'bm_two.npy'), writeNpy(sampleTensor(2)));
    await copyFile(PT_FIXTURE, join(src, 'zf_three.pt'));
    await writeFile(join(src, 'README.md'), 'not a voice');
    await writeFile(join(src, 'config.json'), '{"not": "a voice"}');

    const result = await installVoicePacks({ dir, source: src });
    assert.deepEqual(result.installed, ['af_one', 'bm_two', 'zf_three'], 'the three voices are installed, in file order');
    assert.deepEqual(result.skipped, [], 'nothing skipped');
    assert.deepEqual(result.rejected, [], `nothing rejected: ${JSON.stringify(result.rejected)}`);
    assert.equal(result.manifestUpdated, false, 'no manifest to update');
    assert.equal(existsSync(join(dir, 'manifest.json')), false, 'no manifest is created');
    await assertPack('af_one', sampleTensor(1));
    await assertPack('bm_two', sampleTensor(2));
    assert.equal((await readFile(packAt('zf_three'))).length, KOKORO_VOICE_SIZE, 'the .pt voice became a raw pack');
    assert.deepEqual(await leftovers(), [], 'no temporary files remain');
  });

  test("a kokoro-onnx voices-v1.0.bin (an .npz) and a plain .npz file are installed voice by voice", async () => {
    const archive = join(src, 'voices-v1.0.bin');
    await writeFile(archive, writeNpz([['af_a', sampleTensor(3)], ['am_b', sampleTensor(4)]]));
    const first = await installVoicePacks({ dir, source: archive });
    assert.deepEqual(first.installed, ['af_a', 'am_b'], 'both archive entries installed');
    assert.deepEqual(first.rejected, [], `nothing rejected: ${JSON.stringify(first.rejected)}`);
    await assertPack('af_a', sampleTensor(3));
    await assertPack('am_b', sampleTensor(4));

    const npz = join(src, 'more.npz');
    await writeFile(npz, writeNpz([['custom_voice', sampleTensor(5)]]));
    const second = await installVoicePacks({ dir, source: npz });
    assert.deepEqual(second.installed, ['custom_voice'], 'a name outside the official 54 is allowed');
    await assertPack('custom_voice', sampleTensor(5));
  });

  test('a wrong-sized or unreadable file is rejected with a reason; the others still install', async () => {
    await writeFile(join(src, 'af_good.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'af_short.bin'), Buffer.alloc(1000));
    await writeFile(join(src, 'af_junk.npy'), 'not numpy');
    await writeFile(join(src, 'bad name.bin'), toBin(sampleTensor(2)));
    const nan = sampleTensor(3);
    nan[7] = Number.NaN;
    await writeFile(join(src, 'af_nan.bin'), Buffer.from(nan.buffer));

    const result = await installVoicePacks({ dir, source: src });
    assert.deepEqual(result.installed, ['af_good'], 'only the good pack is installed');
    const reasons = new Map(result.rejected.map((r) => [r.name, r.reason]));
    assert.deepEqual([...reasons.keys()].sort(), ['af_junk.npy', 'af_nan.bin', 'af_short.bin', 'bad name.bin'], `rejected: ${JSON.stringify(result.rejected)}`);
    assert.match(reasons.get('af_short.bin') ?? '', /1000 bytes.*exactly 522240 bytes/, 'the size is the reason');
    assert.match(reasons.get('af_junk.npy') ?? '', /NumPy/, 'a broken .npy says so');
    assert.match(reasons.get('af_nan.bin') ?? '', /non-finite/, 'a NaN is refused');
    assert.match(reasons.get('bad name.bin') ?? '', /not a valid voice name/, 'a name that cannot be a file name is refused');
    for (const name of ['af_short', 'af_junk', 'af_nan']) assert.equal(existsSync(packAt(name)), false, `nothing written for ${name}`);
    assert.deepEqual(await leftovers(), [], 'no temporary files remain');
  });

  test('an identical installed pack is skipped; a different one is kept unless overwrite; a broken one is repaired', async () => {
    await mkdir(join(dir, 'voices'), { recursive: true });
    await writeFile(packAt('af_same'), toBin(sampleTensor(1)));
    await writeFile(packAt('af_diff'), toBin(sampleTensor(9)));
    await writeFile(packAt('af_broken'), Buffer.alloc(100));
    await writeFile(join(src, 'af_same.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'af_diff.bin'), toBin(sampleTensor(2)));
    await writeFile(join(src, 'af_broken.bin'), toBin(sampleTensor(3)));

    const first = await installVoicePacks({ dir, source: src });
    assert.deepEqual(first.installed, ['af_broken'], 'the broken pack is repaired');
    assert.deepEqual(first.skipped, ['af_same'], 'the identical pack is skipped');
    assert.equal(first.rejected.length, 1, `one rejection: ${JSON.stringify(first.rejected)}`);
    assert.equal(first.rejected[0]?.name, 'af_diff', 'the differing pack is rejected');
    assert.match(first.rejected[0]?.reason ?? '', /already installed with different contents.*overwrite/, 'the reason suggests overwrite');
    await assertPack('af_diff', sampleTensor(9));
    await assertPack('af_broken', sampleTensor(3));

    const second = await installVoicePacks({ dir, source: src, overwrite: true });
    assert.deepEqual(second.installed, ['af_diff'], 'overwrite replaces the differing pack');
    assert.deepEqual(second.skipped, ['af_broken', 'af_same'], 'the rest is identical now');
    await assertPack('af_diff', sampleTensor(2));
  });

  test('names picks voices case-insensitively and reports the ones the source lacks; duplicates are rejected', async () => {
    await writeFile(join(src, 'af_one.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'af_one.npy'), writeNpy(sampleTensor(1)));
    await writeFile(join(src, 'bm_two.bin'), toBin(sampleTensor(2)));
    await writeFile(join(src, 'zf_three.bin'), toBin(sampleTensor(3)));

    const picked = await installVoicePacks({ dir, source: src, names: ['BM_TWO', 'af_missing'] });
    assert.deepEqual(picked.installed, ['bm_two'], 'only the named voice');
    assert.deepEqual(picked.rejected, [{ name: 'af_missing', reason: `not found in ${src}` }], 'the missing name is reported');
    assert.equal(existsSync(packAt('zf_three')), false, 'unnamed voices are left out');

    const all = await installVoicePacks({ dir, source: src });
    assert.deepEqual(all.installed, ['af_one', 'zf_three'], 'the others install');
    assert.deepEqual(all.skipped, ['bm_two'], 'the one already there is skipped');
    assert.equal(all.rejected.length, 1, `one rejection: ${JSON.stringify(all.rejected)}`);
    assert.match(all.rejected[0]?.reason ?? '', /af_one\.npy: the voice is also in af_one\.bin/, 'the duplicate names both files');
  });

  test('an existing manifest gains entries for the installed and skipped voices; the rest is preserved', async () => {
    await mkdir(join(dir, 'voices'), { recursive: true });
    const before = manifestFixture();
    await writeFile(join(dir, 'manifest.json'), JSON.stringify(before));
    await writeFile(packAt('bm_two'), toBin(sampleTensor(2))); // already on disk, not in the manifest
    await writeFile(join(src, 'af_heart.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'bm_two.bin'), toBin(sampleTensor(2)));

    const result = await installVoicePacks({ dir, source: src, overwrite: true });
    assert.deepEqual(result.installed, ['af_heart'], 'af_heart is (re)installed');
    assert.deepEqual(result.skipped, ['bm_two'], 'bm_two is already there');
    assert.equal(result.manifestUpdated, true, 'the manifest was updated');

    const after = await readManifest(dir);
    assert.ok(after, 'the manifest is still valid');
    assert.deepEqual({ ...after, voices: {} }, { ...before, voices: {} }, 'everything but the voices is preserved');
    const entry = (seed: number, name: string) => ({ path: `voices/${name}.bin`, size: KOKORO_VOICE_SIZE, sha256: sha256(toBin(sampleTensor(seed))) });
    assert.deepEqual(after.voices, { af_heart: entry(1, 'af_heart'), bm_two: entry(2, 'bm_two') }, 'entries refreshed and added');
    assert.deepEqual((await readdir(dir)).sort(), ['manifest.json', 'voices'], 'no temporary manifest remains');

    const installed = await installedModels(dir);
    assert.deepEqual(installed?.voices.map((v) => v.name), ['af_heart', 'bm_two'], 'installedModels sees both voices');
  });

  test('an invalid manifest is an error before anything is written', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'manifest.json'), '{"version": 2}');
    await writeFile(join(src, 'af_one.bin'), toBin(sampleTensor(1)));
    await assert.rejects(installVoicePacks({ dir, source: src }), /not a Kokoro manifest/, 'the manifest problem is reported');
    assert.equal(existsSync(packAt('af_one')), false, 'nothing was installed');
  });

  test('a missing source is a clear error', async () => {
    await assert.rejects(installVoicePacks({ dir, source: join(src, 'nope') }), /nope: no such file or folder/, 'names the path');
  });

  test('a failed write leaves no partial or temporary file, and the other voices still install', async () => {
    // A non-empty folder where the pack should go: the final rename fails.
    await mkdir(join(packAt('af_blocked'), 'inside'), { recursive: true });
    await writeFile(join(src, 'af_blocked.bin'), toBin(sampleTensor(1)));
    await writeFile(join(src, 'af_fine.bin'), toBin(sampleTensor(2)));

    const result = await installVoicePacks({ dir, source: src });
    assert.deepEqual(result.installed, ['af_fine'], 'the other voice is installed');
    assert.equal(result.rejected[0]?.name, 'af_blocked', `the blocked voice is rejected: ${JSON.stringify(result.rejected)}`);
    assert.match(result.rejected[0]?.reason ?? '', /af_blocked\.bin: E[A-Z]+/, 'with the system error as the reason');
    assert.deepEqual((await readdir(join(dir, 'voices'))).sort(), ['af_blocked.bin', 'af_fine.bin'], 'the blocking folder and the other pack, no temporary file');
    assert.deepEqual(await readdir(packAt('af_blocked')), ['inside'], 'the blocking folder is untouched');
  });

  test('the official packs, as a folder and as one kokoro-onnx archive', { skip: KOKORO_PACKS_DIR === undefined && 'no Kokoro packs on this machine' }, async () => {
    const packs = KOKORO_PACKS_DIR!;
    const fromFolder = await installVoicePacks({ dir, source: packs });
    assert.deepEqual(fromFolder.rejected, [], `nothing rejected: ${JSON.stringify(fromFolder.rejected)}`);
    assert.deepEqual(fromFolder.installed, [...KOKORO_VOICE_NAMES], 'all 54 official voices installed');
    for (const name of ['af_heart', 'zm_yunyang']) {
      assert.ok((await readFile(join(packs, `${name}.bin`))).equals(await readFile(packAt(name))), `${name} is byte-identical to the source`);
    }
    const scanned = await installedModels(dir);
    assert.equal(scanned?.source, 'scan', 'found by scanning: there is no manifest');
    assert.equal(scanned?.voices.length, 54, 'the scan finds the 54 packs');

    // kokoro-onnx ships them as voices-v1.0.bin: an .npz of name.npy entries.
    const entries: [string, Float32Array][] = [];
    for (const name of KOKORO_VOICE_NAMES) {
      const bytes = await readFile(join(packs, `${name}.bin`));
      entries.push([name, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))]);
    }
    const archive = join(src, 'voices-v1.0.bin');
    await writeFile(archive, writeNpz(entries));
    const other = join(root, 'other');
    const fromArchive = await installVoicePacks({ dir: other, source: archive });
    assert.equal(fromArchive.installed.length, 54, 'all 54 installed from the archive');
    assert.ok((await readFile(join(packs, 'af_heart.bin'))).equals(await readFile(join(other, 'voices', 'af_heart.bin'))), 'the same bytes as the raw pack');
    const again = await installVoicePacks({ dir, source: archive });
    assert.equal(again.skipped.length, 54, 'installing the archive over the folder copy skips every voice');
  });
});
