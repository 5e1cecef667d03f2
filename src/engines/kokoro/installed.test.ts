import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { installedModels } from './installed.js';
import { KOKORO_VOICE_SIZE } from './model-files.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litetts-kokoro-installed-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('installedModels', () => {
  test('installedModels: null when nothing is there, an error for a broken manifest', async () => {
    assert.equal(await installedModels(dir), null, 'an empty directory holds nothing');
    assert.equal(await installedModels(join(dir, 'absent')), null, 'a missing directory holds nothing');
    await mkdir(join(dir, 'voices'));
    await writeFile(join(dir, 'voices', 'af_short.bin'), Buffer.alloc(10));
    await writeFile(join(dir, 'model.onnx.part'), Buffer.alloc(10));
    assert.equal(await installedModels(dir), null, 'a partial download and a wrong-sized pack are not an install');
    await writeFile(join(dir, 'manifest.json'), '{"version": 1, "models": {}}');
    await assert.rejects(installedModels(dir), /manifest\.json: not a Kokoro manifest/, 'an invalid manifest is an error');
    await mkdir(join(dir, 'x'));
    await writeFile(join(dir, 'x', 'manifest.json'), '{');
    await assert.rejects(installedModels(join(dir, 'x')), /manifest\.json: not valid JSON/, 'broken JSON is an error');
  });

  test('installedModels without a manifest: the .onnx files and Kokoro-sized packs on disk, checked against the variant', async () => {
    await mkdir(join(dir, 'voices'));
    await writeFile(join(dir, 'model_quantized.onnx'), Buffer.alloc(1234));
    await writeFile(join(dir, 'model_fp16.onnx'), Buffer.alloc(10));
    await writeFile(join(dir, 'notes.txt'), 'not a model');
    await mkdir(join(dir, 'sub.onnx')); // a folder is not a model
    await writeFile(join(dir, 'voices', 'bm_two.bin'), Buffer.alloc(KOKORO_VOICE_SIZE));
    await writeFile(join(dir, 'voices', 'af_one.bin'), Buffer.alloc(KOKORO_VOICE_SIZE));
    await writeFile(join(dir, 'voices', 'af_one.bin.part'), Buffer.alloc(10));

    const found = await installedModels(dir, 'model_quantized.onnx');
    assert.ok(found, 'something is installed');
    assert.equal(found.source, 'scan', 'found by scanning');
    assert.equal(found.repository, 'local', 'no repository is known');
    assert.equal(found.installedAt, null, 'no install time is known');
    assert.equal(found.variant, 'model_quantized.onnx', 'the variant asked for');
    assert.deepEqual(
      found.models.map((m) => [m.name, m.path, m.size, m.sha256]),
      [
        ['model_fp16.onnx', join(dir, 'model_fp16.onnx'), 10, null],
        ['model_quantized.onnx', join(dir, 'model_quantized.onnx'), 1234, null],
      ],
      'both .onnx files, not hashed',
    );
    assert.deepEqual(found.voices.map((v) => [v.name, v.path, v.size]), [
      ['af_one', join(dir, 'voices', 'af_one.bin'), KOKORO_VOICE_SIZE],
      ['bm_two', join(dir, 'voices', 'bm_two.bin'), KOKORO_VOICE_SIZE],
    ], 'the packs, sorted');
    assert.deepEqual(found.problems, [], 'no problems');
    assert.equal(found.ok, true, 'the variant is present');

    const other = await installedModels(dir, 'model.onnx');
    assert.equal(other?.ok, false, 'another variant is not present');
    assert.deepEqual(
      other?.problems,
      [`model.onnx is not in ${dir}, which holds model_fp16.onnx, model_quantized.onnx: set LITETTS_MODEL_VARIANT (or --model-variant) to the one to load`],
      'the missing variant is the problem, with what is there',
    );
    assert.equal((await installedModels(dir))?.variant, 'model_quantized.onnx', 'the default variant without one given');

    await writeFile(join(dir, 'voices', 'af_bad.bin'), Buffer.alloc(100));
    const bad = await installedModels(dir, 'model_quantized.onnx');
    assert.deepEqual(bad?.problems, [`voices/af_bad.bin: 100 bytes, expected ${KOKORO_VOICE_SIZE}`], 'a wrong-sized pack is a problem');
    assert.equal(bad?.ok, false, 'a wrong-sized pack makes the install not ok: the server would fail to load it');
    assert.equal(bad?.voices.length, 2, 'and it is not listed as a voice');

    await rm(join(dir, 'model_quantized.onnx'));
    await rm(join(dir, 'model_fp16.onnx'));
    const voicesOnly = await installedModels(dir, 'model_quantized.onnx');
    assert.equal(voicesOnly?.models.length, 0, 'voices without a model are still an install');
    assert.equal(voicesOnly?.voices.length, 2, 'with its voices');
  });
});
