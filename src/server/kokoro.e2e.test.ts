import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { AUDIO_FORMATS } from '../audio/formats.js';
import { decodeToPcm } from '../audio/ffmpeg.js';
import { KokoroEngine } from '../engines/kokoro/engine.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { closestStyleRow, TINY_SAMPLES_PER_ID } from '../test-support/tiny-kokoro.js';
import { installTinyKokoro, modelCalls, TINY_KOKORO_PACKS, TINY_KOKORO_VARIANT } from '../test-support/tiny-kokoro-server.js';
import { toBin } from '../voices/formats/index.js';

/**
 * Kokoro through the real server, with the tiny model of Kokoro's signature installed as the
 * model: its waveform encodes the ids, the style vector and the speed that reached it, so what
 * comes out of the API proves what went in.
 */

const VARIANT = TINY_KOKORO_VARIANT;
const INSTALLED = TINY_KOKORO_PACKS;
const packOf = (name: keyof typeof INSTALLED): Float32Array => sampleTensor(INSTALLED[name]);

async function speak(url: string, body: Record<string, unknown>): Promise<Response> {
  return fetch(`${url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

describe('Kokoro through the API, with a tiny model of Kokoro’s signature installed', () => {
  let server: TestServer;
  let modelDir: string;
  let engine: KokoroEngine;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-model-'));
    installTinyKokoro(modelDir);
    server = await startTestServer({ env: { LITETTS_MODEL_DIR: modelDir }, args: ['--audio-cache-mb', '0'] });
    // The same front end in this process tells which token ids the text must become.
    engine = await KokoroEngine.load(join(modelDir, VARIANT));
  });
  after(async () => {
    await engine?.release();
    await server?.stop();
    rmSync(modelDir, { recursive: true, force: true });
  });

  test('Kokoro is available; af_heart is the default voice; installed packs are available, missing ones are not', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { engines: Record<string, { available: boolean }>; default_voice: string };
    assert.equal(health.engines.kokoro?.available, true, 'kokoro available');
    assert.equal(health.default_voice, 'af_heart', 'default voice');
    const models = (await (await fetch(`${server.url}/v1/models`)).json()) as { data: { id: string; installed: boolean }[] };
    assert.equal(models.data.find((m) => m.id === 'kokoro')?.installed, true, 'kokoro installed in /v1/models');
    const voices = (await (await fetch(`${server.url}/v1/voices?engine=kokoro`)).json()) as { data: { name: string; available: boolean }[] };
    assert.equal(voices.data.length, 54, '54 builtin Kokoro voices');
    for (const v of voices.data) assert.equal(v.available, v.name in INSTALLED, `${v.name} available: ${v.available}`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /litetts_engine_available\{engine="kokoro"\} 1/, 'kokoro available in the metrics');
  });

  test('a builtin voice: the right ids, style row and speed reach the model, in every format', async () => {
    const input = 'Hello world.';
    const [expected] = engine.tokenPieces(input, 'en-us');
    assert.ok(expected && expected.length > 3, 'the text makes tokens');
    for (const format of AUDIO_FORMATS) {
      const response = await speak(server.url, { model: 'kokoro', voice: 'af_heart', input, response_format: format, speed: 1.25 });
      assert.equal(response.status, 200, `${format}: ${response.status}`);
      assert.equal(response.headers.get('x-voice'), 'af_heart', `${format}: voice header`);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const pcm = format === 'pcm' ? new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2) : (await decodeToPcm(bytes, { outputSampleRate: 24000 })).pcm;
      if (format === 'pcm' || format === 'wav' || format === 'flac') {
        // Lossless: the model's own evidence survives.
        const [call, ...rest] = modelCalls(pcm);
        assert.equal(rest.length, 0, `${format}: one model call`);
        assert.deepEqual(call!.ids, [0, ...expected, 0], `${format}: ids`);
        const match = closestStyleRow(call!.style, packOf('af_heart'));
        assert.equal(match.row, expected.length, `${format}: style row = number of tokens`);
        assert.ok(match.distance < 1e-3 && match.runnerUp > 10 * match.distance, `${format}: unambiguous style row`);
        assert.ok(Math.abs(call!.speed - 1.25) < 1e-3, `${format}: speed ${call!.speed}`);
      } else {
        // Lossy: as long as the model's output (within the codec's padding), and not silent.
        const want = (expected.length + 2) * TINY_SAMPLES_PER_ID;
        assert.ok(pcm.length >= want && pcm.length <= want + 4800, `${format}: ${pcm.length} samples for ${want}`);
        const peak = pcm.reduce((m, s) => Math.max(m, Math.abs(s)), 0);
        assert.ok(peak > 0.3 * 32767, `${format}: peak ${peak}`);
      }
    }
  });

  test('long text streams piece by piece, each model call ≤ 512 ids with its own style row', async () => {
    const input = 'The first sentence is short. The second one is a little longer than the first. And a third, to end.';
    const response = await speak(server.url, { voice: 'am_echo', input, response_format: 'pcm' });
    assert.equal(response.status, 200, 'status');
    const calls = modelCalls(new Int16Array(await response.arrayBuffer()));
    assert.ok(calls.length >= 3, `${calls.length} model calls`);
    for (const call of calls) {
      assert.ok(call.ids.length <= 512, `${call.ids.length} ids`);
      assert.equal(closestStyleRow(call.style, packOf('am_echo')).row, Math.min(call.ids.length - 2, 509), 'style row per call');
    }
  });

  test('OpenAI voice names go to Kokoro voices; an engine as the model picks its own mapping', async () => {
    for (const [alias, model, voice] of [
      ['alloy', 'tts-1', 'af_alloy'],
      ['echo', 'tts-1-hd', 'am_echo'],
      ['fable', undefined, 'bm_fable'],
      ['alloy', 'espeak', 'espeak-en-us-female'],
      // coral is af_bella on Kokoro, whose pack is not installed here: espeak's coral answers.
      ['coral', 'tts-1', 'espeak-en-us-female-2'],
    ] as const) {
      const response = await speak(server.url, { voice: alias, ...(model && { model }), input: 'Hi there.', response_format: 'pcm' });
      await response.arrayBuffer();
      assert.equal(response.status, 200, `${alias}: status`);
      assert.equal(response.headers.get('x-voice'), voice, `${alias} with ${model ?? 'no model'}`);
    }
  });

  test('blends of Kokoro voices synthesise: inline formulas and saved blends', async () => {
    const input = 'Blended voice.';
    const [expected] = engine.tokenPieces(input, 'en-us');
    const row = expected!.length;
    const heart = packOf('af_heart');
    const echo = packOf('am_echo');
    const blended = heart.map((v, i) => (2 * v + echo[i]!) / 3);
    const inline = await speak(server.url, { voice: 'af_heart(2)+am_echo(1)', input, response_format: 'pcm' });
    assert.equal(inline.status, 200, 'inline blend status');
    const [call] = modelCalls(new Int16Array(await inline.arrayBuffer()));
    const match = closestStyleRow(call!.style, blended);
    assert.equal(match.row, row, 'blend: style row');
    assert.ok(match.distance < 1e-3, `blend: the weighted mean of the packs reached the model (distance ${match.distance})`);

    const saved = await fetch(`${server.url}/v1/voices/blend`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'heart_echo', voices: 'af_heart(2)+am_echo(1)', temporary: false }),
    });
    assert.equal(saved.status, 201, `saved blend: ${saved.status}`);
    const again = await speak(server.url, { voice: 'heart_echo', input, response_format: 'pcm' });
    const [savedCall] = modelCalls(new Int16Array(await again.arrayBuffer()));
    assert.ok(closestStyleRow(savedCall!.style, blended).distance < 1e-3, 'saved blend speaks like the formula');
  });

  test('an imported voice tensor synthesises like a builtin', async () => {
    const tensor = sampleTensor(77);
    const form = new FormData();
    form.append('voice_name', 'af_imported');
    form.append('file', new Blob([toBin(tensor)]), 'af_imported.bin');
    const imported = await fetch(`${server.url}/v1/voices/import`, { method: 'POST', body: form });
    assert.equal(imported.status, 201, `import: ${imported.status}`);
    const input = 'Imported.';
    const [expected] = engine.tokenPieces(input, 'en-us');
    for (const format of ['wav', 'mp3', 'opus'] as const) {
      const response = await speak(server.url, { voice: 'af_imported', input, response_format: format });
      assert.equal(response.status, 200, `${format}: status`);
      const { pcm } = await decodeToPcm(new Uint8Array(await response.arrayBuffer()), { outputSampleRate: 24000 });
      if (format === 'wav') {
        const [call] = modelCalls(pcm);
        assert.deepEqual(call!.ids, [0, ...expected!, 0], 'imported: ids');
        assert.equal(closestStyleRow(call!.style, tensor).row, expected!.length, 'imported: style row of its own tensor');
      } else {
        assert.ok(pcm.length >= (expected!.length + 2) * TINY_SAMPLES_PER_ID, `${format}: whole length`);
      }
    }
  });

  test('a Kokoro voice whose pack is missing answers 503 with how to install it', async () => {
    const response = await speak(server.url, { voice: 'af_bella', input: 'Hello.' });
    assert.equal(response.status, 503, 'status');
    const body = (await response.json()) as { error: { code: string; message: string; param: string } };
    assert.equal(body.error.code, 'voice_not_installed', 'code');
    assert.match(body.error.message, /litetts models pull/, 'message says how to install');
  });
});

describe('a server without Kokoro', () => {
  let server: TestServer;
  let modelDir: string;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-missing-'));
    // Auto-download on, towards a repository that cannot be reached: the server still starts.
    server = await startTestServer({
      env: { LITETTS_MODEL_DIR: modelDir, LITETTS_MODEL_AUTO_DOWNLOAD: 'true', LITETTS_MODEL_BASE_URL: 'http://127.0.0.1:9/kokoro/' },
    });
  });
  after(async () => {
    await server?.stop();
    rmSync(modelDir, { recursive: true, force: true });
  });

  test('starts, lists Kokoro as unavailable with the install command, and espeak serves', async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as {
      engines: Record<string, { available: boolean; install?: string }>;
      default_voice: string;
    };
    assert.equal(health.engines.kokoro?.available, false, 'kokoro unavailable');
    assert.match(health.engines.kokoro?.install ?? '', /litetts models pull/, 'install hint');
    assert.equal(health.default_voice, 'espeak-en-us-female', 'espeak default voice');
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /litetts_engine_available\{engine="kokoro"\} 0/, 'kokoro unavailable in the metrics');
    assert.match(metrics, /litetts_engine_available\{engine="espeak"\} 1/, 'espeak available in the metrics');
    const alloy = await speak(server.url, { voice: 'alloy', input: 'Hello.', response_format: 'wav' });
    await alloy.arrayBuffer();
    assert.equal(alloy.status, 200, 'alloy still speaks');
    assert.equal(alloy.headers.get('x-voice'), 'espeak-en-us-female', 'on espeak');
    // The download starts once the engines are warm, in the background.
    for (let i = 0; i < 300 && !server.logs.some((l) => l.event === 'model.download.start'); i++) await new Promise((r) => setTimeout(r, 100));
    const started = server.logs.find((l) => l.event === 'model.download.start');
    assert.ok(started, 'a background download was started');
    assert.equal(started.from, 'http://127.0.0.1:9/kokoro/', 'from the configured repository');
  });

  test('a Kokoro voice answers 503 naming `litetts models pull`', async () => {
    const response = await speak(server.url, { voice: 'af_heart', input: 'Hello.' });
    assert.equal(response.status, 503, 'status');
    assert.ok(response.headers.get('retry-after'), 'Retry-After');
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'engine_unavailable', 'code');
    assert.match(body.error.message, /litetts models pull/, body.error.message);
  });

  test('files placed in the model directory are picked up without a restart', async () => {
    installTinyKokoro(modelDir, { af_heart: 11 });
    await new Promise((r) => setTimeout(r, 1100));
    const response = await speak(server.url, { voice: 'af_heart', input: 'Now it speaks.', response_format: 'pcm' });
    assert.equal(response.status, 200, `status ${response.status}`);
    const [call] = modelCalls(new Int16Array(await response.arrayBuffer()));
    assert.equal(closestStyleRow(call!.style, sampleTensor(11)).row, call!.ids.length - 2, 'af_heart’s pack reached the model');
    const health = (await (await fetch(`${server.url}/health`)).json()) as { default_voice: string };
    assert.equal(health.default_voice, 'af_heart', 'af_heart is the default now');
  });

  test('a damaged model file answers 503, not 500', async () => {
    const broken = mkdtempSync(join(tmpdir(), 'litetts-kokoro-broken-'));
    installTinyKokoro(broken, { af_heart: 11 });
    writeFileSync(join(broken, VARIANT), 'not an onnx model');
    const other = await startTestServer({ env: { LITETTS_MODEL_DIR: broken } });
    try {
      const response = await speak(other.url, { voice: 'af_heart', input: 'Hello.' });
      assert.equal(response.status, 503, `status ${response.status}`);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, 'engine_unavailable', 'code');
      assert.match(body.error.message, /could not load/, body.error.message);
    } finally {
      await other.stop();
      rmSync(broken, { recursive: true, force: true });
    }
  });
});
