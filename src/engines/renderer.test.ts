import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { sampleTensor } from '../test-support/fixtures.js';
import { decodeTinyWaveform, makeTinyKokoroModel } from '../test-support/tiny-kokoro.js';
import { createEngines } from './index.js';
import { InProcessRenderer } from './renderer.js';

describe('InProcessRenderer over the engine registry', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-renderer-'));
    mkdirSync(join(dir, 'voices'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('Kokoro phonemises with the thread’s own espeak-ng instead of loading a second one', async () => {
    writeFileSync(join(dir, 'model_quantized.onnx'), makeTinyKokoroModel());
    const renderer = new InProcessRenderer(createEngines({ modelDir: dir, modelVariant: 'model_quantized.onnx', onnxThreads: 1 }));
    try {
      const pcm = await renderer.render({ text: 'Shared.', voice: { engine: 'kokoro', tensor: sampleTensor(3) }, speed: 1, language: 'en-us' });
      const ids = decodeTinyWaveform(Float32Array.from(pcm, (s) => s / 32767), { idTolerance: 0.05 }).ids;
      assert.ok(ids.length > 3 && ids[0] === 0 && ids.at(-1) === 0, `Kokoro rendered: ${ids.join(',')}`);
      const kokoro = (await renderer.engine('kokoro')) as unknown as { espeak: unknown };
      assert.equal(kokoro.espeak, await renderer.engine('espeak'), 'one espeak-ng per thread');
    } finally {
      await renderer.close();
    }
  });

  test('an engine that failed to load is loaded again next time', async () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model_quantized.onnx'), 'not a model');
    const renderer = new InProcessRenderer(createEngines({ modelDir: broken, modelVariant: 'model_quantized.onnx', onnxThreads: 1 }));
    const task = { text: 'Again.', voice: { engine: 'kokoro' as const, tensor: sampleTensor(4) }, speed: 1, language: 'en-us' };
    try {
      await assert.rejects(renderer.render(task), /^Error: engine failed to load: kokoro: /, 'a load error, marked as such');
      writeFileSync(join(broken, 'model_quantized.onnx'), makeTinyKokoroModel());
      const pcm = await renderer.render(task);
      assert.ok(pcm.length > 0, 'repaired model renders without a restart');
    } finally {
      await renderer.close();
    }
  });
});
