import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KOKORO_VOICE_NAMES } from '../engines/kokoro/model-files.js';
import { KOKORO_PACKS_DIR } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { decodeTinyWaveform, makeTinyKokoroModel, styleMaxAbsDiff } from '../test-support/tiny-kokoro.js';
import { parseBin, writeNpz } from '../voices/formats/index.js';

/**
 * A Kokoro download someone already has, in either of the two layouts found in the wild, is
 * spoken with by setting LITETTS_MODEL_DIR alone: kokoro-onnx's release files (a model with its
 * `tokens`/`audio` names, and `voices-v1.0.bin`, an .npz of the packs) and a snapshot of the
 * onnx-community repository (`onnx/*.onnx`, `voices/*.bin`, `config.json`). Every one of the 54
 * real packs must reach the model: the tiny model's waveform carries the style row it was given.
 */

const packs = KOKORO_PACKS_DIR ? new Map(readdirSync(KOKORO_PACKS_DIR).filter((f) => f.endsWith('.bin')).map((f) => [f.slice(0, -4), parseBin(readFileSync(join(KOKORO_PACKS_DIR!, f)))])) : new Map();
const skip = packs.size !== 54 ? 'needs the 54 real Kokoro voice packs (/work/shared/data/kokoro/voices)' : false;

const LAYOUTS = {
  'kokoro-onnx': (dir: string): void => {
    writeFileSync(join(dir, 'kokoro-v1.0.onnx'), makeTinyKokoroModel({ names: 'kokoro-onnx', outputRank: 2 }));
    writeFileSync(join(dir, 'voices-v1.0.bin'), writeNpz([...packs].map(([name, tensor]) => [name, tensor] as const)));
  },
  'onnx-community': (dir: string): void => {
    mkdirSync(join(dir, 'onnx'));
    mkdirSync(join(dir, 'voices'));
    writeFileSync(join(dir, 'config.json'), '{"model_type": "style_text_to_speech_2"}');
    writeFileSync(join(dir, 'onnx', 'model.onnx'), makeTinyKokoroModel({ rename: { output: 'not-this-one' } }));
    writeFileSync(join(dir, 'onnx', 'model_quantized.onnx'), makeTinyKokoroModel());
    for (const f of readdirSync(KOKORO_PACKS_DIR!)) writeFileSync(join(dir, 'voices', f), readFileSync(join(KOKORO_PACKS_DIR!, f)));
  },
} as const;

for (const [layout, install] of Object.entries(LAYOUTS)) {
  describe(`LITETTS_MODEL_DIR holding a ${layout} download`, { skip }, () => {
    let server: TestServer;
    let modelDir: string;
    before(async () => {
      modelDir = mkdtempSync(join(tmpdir(), `litetts-${layout}-`));
      install(modelDir);
      server = await startTestServer({ env: { LITETTS_MODEL_DIR: modelDir }, args: ['--audio-cache-mb', '0'] });
    });
    after(async () => {
      await server?.stop();
      rmSync(modelDir, { recursive: true, force: true });
    });

    test('Kokoro is available with all 54 voices', async () => {
      const health = (await (await fetch(`${server.url}/health`)).json()) as { engines: Record<string, { available: boolean }>; default_voice: string };
      assert.equal(health.engines.kokoro?.available, true, 'kokoro available');
      assert.equal(health.default_voice, 'af_heart', 'Kokoro’s default voice');
      const voices = (await (await fetch(`${server.url}/v1/voices?engine=kokoro`)).json()) as { data: { name: string; available: boolean }[] };
      assert.deepEqual(voices.data.filter((v) => v.available).map((v) => v.name).sort(), [...KOKORO_VOICE_NAMES].sort(), 'every pack available');
    });

    test('each of the 54 voices speaks with its own pack', async () => {
      for (const [name, pack] of packs) {
        const response = await fetch(`${server.url}/v1/audio/speech`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: 'kokoro', voice: name, input: 'Hello there.', response_format: 'pcm' }),
        });
        assert.equal(response.status, 200, `${name}: ${response.status}`);
        const bytes = new Uint8Array(await response.arrayBuffer());
        const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
        const evidence = decodeTinyWaveform(Float32Array.from(pcm, (s) => s / 32767), { idTolerance: 0.05 });
        // 16-bit PCM carries the style to within ~3e-4: enough to tell the voices apart, not neighbouring rows of one.
        const row = (tensor: Float32Array): Float32Array => tensor.subarray((evidence.ids.length - 2) * 256, (evidence.ids.length - 1) * 256);
        const own = styleMaxAbsDiff(evidence.style, row(pack));
        const nearestOther = Math.min(...[...packs].filter(([other]) => other !== name).map(([, t]) => styleMaxAbsDiff(evidence.style, row(t))));
        assert.ok(own < 1e-3 && nearestOther > 10 * own, `${name}: its own pack's row (off by ${own}; the nearest other voice by ${nearestOther})`);
      }
    });
  });
}
