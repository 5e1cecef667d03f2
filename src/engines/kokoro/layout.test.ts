import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { sampleTensor } from '../../test-support/fixtures.js';
import { toBin, writeNpz } from '../../voices/formats/index.js';
import { KokoroInstall } from './install.js';
import { installedModels } from './installed.js';
import { locateKokoro } from './layout.js';
import { KOKORO_VOICE_SIZE } from './model-files.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-layout-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const write = (path: string, bytes: Uint8Array | string = 'x'): void => {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), bytes);
};

describe('locateKokoro', () => {
  test('LiteTTS’s own layout: the variant at the top, packs in voices/', () => {
    write('model_quantized.onnx');
    write('model_fp16.onnx');
    write('voices/af_heart.bin', toBin(sampleTensor(1)));
    const layout = locateKokoro(dir, 'model_quantized.onnx');
    assert.equal(layout.model?.path, join(dir, 'model_quantized.onnx'), 'the configured variant among two');
    assert.deepEqual(layout.voices, { kind: 'folder', folder: join(dir, 'voices') }, 'the voices folder');
  });

  test('an onnx-community snapshot: the variant in onnx/, packs in voices/', () => {
    write('config.json', '{}');
    write('onnx/model.onnx');
    write('onnx/model_quantized.onnx');
    write('voices/af_heart.bin', toBin(sampleTensor(1)));
    const layout = locateKokoro(dir, 'model_quantized.onnx');
    assert.equal(layout.model?.name, 'onnx/model_quantized.onnx', 'found in onnx/');
    assert.deepEqual(layout.models.map((m) => m.name), ['onnx/model.onnx', 'onnx/model_quantized.onnx'], 'both listed');
    assert.equal(locateKokoro(dir, 'model.onnx').model?.name, 'onnx/model.onnx', 'another configured variant');
  });

  test('kokoro-onnx’s release files: the one .onnx present, and the voices archive', () => {
    write('kokoro-v1.0.int8.onnx');
    write('voices-v1.0.bin', writeNpz([['af_heart', sampleTensor(1)]]));
    const layout = locateKokoro(dir, 'model_quantized.onnx');
    assert.equal(layout.model?.name, 'kokoro-v1.0.int8.onnx', 'the only model, whatever its name');
    assert.equal(layout.modelProblem, null, 'no problem');
    assert.equal(layout.voices?.kind, 'archive', 'an archive');
    assert.equal(layout.voices?.kind === 'archive' && layout.voices.file.name, 'voices-v1.0.bin', 'voices-v1.0.bin');
  });

  test('several models and none configured: a message naming them; none at all: a message saying where it looked', () => {
    write('kokoro-v1.0.onnx');
    write('kokoro-v1.0.int8.onnx');
    const layout = locateKokoro(dir, 'model_quantized.onnx');
    assert.equal(layout.model, null, 'no guess between two');
    assert.match(layout.modelProblem ?? '', /model_quantized\.onnx is not in .*, which holds kokoro-v1\.0\.int8\.onnx, kokoro-v1\.0\.onnx: set LITETTS_MODEL_VARIANT/);
    assert.equal(locateKokoro(dir, 'kokoro-v1.0.onnx').model?.name, 'kokoro-v1.0.onnx', 'the configured one picks');
    const empty = locateKokoro(join(dir, 'absent'), 'model_quantized.onnx');
    assert.equal(empty.model, null, 'nothing in a missing folder');
    assert.match(empty.modelProblem ?? '', /no \.onnx model in .* \(looked for model_quantized\.onnx there and in onnx\/\)/);
    assert.equal(empty.voices, null, 'no voices');
  });
});

describe('KokoroInstall over the layouts', () => {
  test('an .npz archive’s packs are installed voices, read as stored bytes; a replaced archive is read again', () => {
    write('kokoro-v1.0.onnx');
    write('voices-v1.0.bin', writeNpz([['af_heart', sampleTensor(1)], ['am_echo', sampleTensor(2)]]));
    let now = 0;
    const install = new KokoroInstall(dir, 'model_quantized.onnx', () => now);
    assert.equal(install.modelInstalled(), true, 'the model');
    assert.equal(install.modelPath, join(dir, 'kokoro-v1.0.onnx'), 'its path');
    assert.deepEqual([...install.installedVoices()].sort(), ['af_heart', 'am_echo'], 'the packs of the archive');
    assert.deepEqual(install.readVoice('am_echo'), toBin(sampleTensor(2)), 'the pack as raw float32');
    const before = install.state();
    write('voices-v1.0.bin', writeNpz([['af_heart', sampleTensor(3)]]));
    now += 2000;
    assert.notEqual(install.state(), before, 'a new archive is a new state');
    assert.deepEqual([...install.installedVoices()], ['af_heart'], 'the new archive’s packs');
    assert.deepEqual(install.readVoice('af_heart'), toBin(sampleTensor(3)), 'its contents');
    assert.throws(() => install.readVoice('am_echo'), /not installed/, 'a pack that is gone');
  });

  test('a broken archive is no voices and a problem, not a crash', async () => {
    write('kokoro-v1.0.onnx');
    write('voices-v1.0.bin', 'not a zip');
    const install = new KokoroInstall(dir, 'model_quantized.onnx');
    assert.equal(install.installedVoices().size, 0, 'no voices');
    assert.match(install.voicesProblem() ?? '', /voices-v1\.0\.bin: .*not a valid zip/, 'why');
    const listed = await installedModels(dir);
    assert.equal(listed?.ok, false, 'not ok');
    assert.ok(listed?.problems.some((p) => /voices-v1\.0\.bin/.test(p)), 'the archive is the problem');
  });

  test('installedModels of a kokoro-onnx download: its model, the archive’s voices, ok', async () => {
    write('kokoro-v1.0.onnx', 'model');
    write('voices-v1.0.bin', writeNpz([['af_heart', sampleTensor(1)]]));
    const listed = await installedModels(dir);
    assert.equal(listed?.ok, true, String(listed?.problems));
    assert.equal(listed?.variant, 'kokoro-v1.0.onnx', 'the model that loads');
    assert.deepEqual(listed?.voices.map((v) => [v.name, v.size]), [['af_heart', KOKORO_VOICE_SIZE]], 'the archive’s voices');
  });
});
