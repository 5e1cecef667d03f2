import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { createEngines, engineSettings } from './index.js';
import { kokoroInfo } from './kokoro/index.js';

describe('engine settings', () => {
  test('onnxruntime threads: the cores shared among the synthesis threads unless configured', () => {
    const cores = availableParallelism();
    const base = { modelDir: '/models/kokoro', modelVariant: 'model_quantized.onnx' };
    assert.equal(engineSettings({ ...base, onnxThreads: 0 }, 1).onnxThreads, cores, 'one thread: every core');
    assert.equal(engineSettings({ ...base, onnxThreads: 0 }, cores * 4).onnxThreads, 1, 'more threads than cores: one each');
    assert.equal(engineSettings({ ...base, onnxThreads: 3 }, 2).onnxThreads, 3, 'configured');
    assert.throws(() => engineSettings({ ...base, modelDir: null, onnxThreads: 0 }, 1), /modelDir/, 'the model directory must be resolved');
  });

  test('Kokoro first, espeak last: defaults and OpenAI names prefer Kokoro when it is installed', () => {
    const engines = createEngines({ modelDir: '/nonexistent/kokoro', modelVariant: 'model_quantized.onnx', onnxThreads: 1 });
    assert.deepEqual(engines.map((e) => e.id), ['kokoro', 'espeak'], 'order');
    const [kokoro, espeak] = engines;
    assert.equal(kokoro!.available(), false, 'kokoro not installed');
    assert.equal(espeak!.available(), true, 'espeak always');
    assert.equal(kokoro!.builtinVoices().length, 54, '54 Kokoro voices');
    assert.equal(kokoro!.defaultVoice, 'af_heart', 'Kokoro default');
    assert.equal(kokoro!.openAiAliases.alloy, 'af_alloy', 'alloy');
    assert.equal(kokoro!.openAiAliases.shimmer, 'af_sky', 'shimmer');
    assert.equal(kokoro!.openAiAliases.onyx, 'am_onyx', 'onyx');
    for (const [alias, target] of Object.entries(kokoro!.openAiAliases)) {
      assert.ok(kokoro!.builtinVoices().some((v) => v.name === target), `${alias} → ${target} is a Kokoro voice`);
    }
    assert.deepEqual(Object.keys(kokoro!.openAiAliases).sort(), Object.keys(espeak!.openAiAliases).sort(), 'both engines map every OpenAI name');
  });

  test('while Kokoro downloads, its 503s and /health say so, with how far it is', () => {
    const info = kokoroInfo({ modelDir: '/nonexistent/kokoro', modelVariant: 'model_quantized.onnx', onnxThreads: 1 });
    assert.match(info.installHint, /^Install it with `litetts models pull`/, 'not downloading: how to install');
    info.install.downloading = { file: 'model_quantized.onnx', received: 46_180_558, total: 92_361_116 };
    assert.match(info.installHint, /being downloaded now: model_quantized\.onnx \(50 % of 92\.4 MB\); retry shortly/, info.installHint);
    assert.match(info.installHint, /litetts models pull/, 'and still how to install by hand');
    assert.deepEqual(info.health?.().download, { file: 'model_quantized.onnx', received: 46_180_558, total: 92_361_116 }, 'the file under way');
    info.install.downloading = { file: 'voices/af_bella.bin', received: 1000, total: 522_240, overall: { received: 92_362_116, total: 120_562_076, files: 55, filesDone: 1 } };
    assert.deepEqual(
      info.health?.().download,
      { file: 'voices/af_bella.bin', received: 1000, total: 522_240, overall: { received: 92_362_116, total: 120_562_076, files: 55, files_done: 1 } },
      'and the whole install',
    );
    info.install.downloading = null;
    assert.match(info.installHint, /^Install it/, 'back when the download ends');
    assert.equal(info.health?.().download, undefined, 'no download in /health either');
  });
});
