import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { floatToInt16 } from '../audio/pcm.js';
import { FIT_TEXTS } from '../cloning/espeak-fit.js';
import { createVoice, referenceWav } from '../test-support/clone-client.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { installTinyKokoroVoice, tinyVoicePacks, tinyVoiceRenderer } from '../test-support/tiny-kokoro-voice.js';

/**
 * Kokoro clones through the real server, with the voice-like tiny model installed: the clone
 * threads find the packs, build and cache the atlas, and land a Kokoro voice that speaks.
 */
describe('Kokoro cloning through the API (tiny voice model)', () => {
  let server: TestServer;
  let modelDir: string;
  let dataDir: string;
  let wav: Uint8Array;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-clone-model-'));
    dataDir = mkdtempSync(join(tmpdir(), 'litetts-kokoro-clone-data-'));
    const packs = tinyVoicePacks();
    installTinyKokoroVoice(modelDir, packs);
    // The reference: a blend of two packs no pack is, spoken by the same model.
    const a = packs[0]!.tensor;
    const b = packs[2]!.tensor;
    const hidden = a.map((v, i) => 0.6 * v + 0.4 * b[i]!);
    const renderer = tinyVoiceRenderer(modelDir);
    const samples = await renderer.render(hidden, `${FIT_TEXTS.search} ${FIT_TEXTS.heldOut}`);
    await renderer.close();
    wav = referenceWav(floatToInt16(samples));
    server = await startTestServer({ dataDir, env: { LITETTS_MODEL_DIR: modelDir, LITETTS_MODEL_AUTO_DOWNLOAD: 'false' } });
  });
  after(async () => {
    await server.stop();
    rmSync(modelDir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the server builds the voice atlas in the background after start, into its cache', { timeout: 120_000 }, async () => {
    const started = performance.now();
    while (!server.logs.some((l) => l.event === 'clone.atlas') && performance.now() - started < 110_000) await new Promise((r) => setTimeout(r, 100));
    const report = server.logs.find((l) => l.event === 'clone.atlas');
    assert.ok(report, 'an atlas report in the log');
    assert.equal(report.packs, tinyVoicePacks().length);
    const cache = join(dataDir, 'cache');
    assert.ok(existsSync(cache) && readdirSync(cache).some((f) => f.includes('atlas')), 'the atlas is cached under the data directory');
  });

  test('a fast Kokoro clone lands a temporary Kokoro voice that speaks', { timeout: 180_000 }, async () => {
    const answer = await createVoice(server, { voice_name: 'kclone', engine: 'kokoro' }, { name: 'ref.wav', bytes: wav });
    assert.equal(answer.status, 201, JSON.stringify(answer.body));
    const voice = answer.body.voice as { engine: string; kind: string; similarity?: number };
    assert.equal(voice.engine, 'kokoro');
    assert.equal(voice.kind, 'temporary');
    assert.ok(typeof voice.similarity === 'number', 'with its held-out similarity');
    console.log(`kokoro fast clone over HTTP: ${answer.ms.toFixed(0)} ms, similarity ${voice.similarity?.toFixed(4)}`);
    const speech = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Hello there.', voice: 'kclone', response_format: 'wav' }) });
    assert.equal(speech.status, 200);
    assert.ok((await speech.arrayBuffer()).byteLength > 1000);
  });
});
