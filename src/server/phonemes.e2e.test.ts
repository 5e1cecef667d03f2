import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { KokoroEngine } from '../engines/kokoro/engine.js';
import { MISAKI_LEXICON_DIR, sampleTensor } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { makeTinyKokoroModel } from '../test-support/tiny-kokoro.js';
import { toBin } from '../voices/formats/index.js';

/**
 * POST /v1/audio/phonemes through the real server, with the tiny Kokoro model installed and
 * (where this machine has them) misaki's lexicons beside it: the answer is what the Kokoro
 * engine in this process makes of the same pieces.
 */
const VARIANT = 'model_quantized.onnx';

async function phonemes(url: string, body: unknown): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${url}/v1/audio/phonemes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

describe('POST /v1/audio/phonemes', () => {
  let server: TestServer;
  let modelDir: string;
  let engine: KokoroEngine;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-phonemes-model-'));
    mkdirSync(join(modelDir, 'voices'));
    writeFileSync(join(modelDir, VARIANT), makeTinyKokoroModel());
    for (const [name, seed] of [['af_heart', 1], ['bf_emma', 2]] as const) writeFileSync(join(modelDir, 'voices', `${name}.bin`), toBin(sampleTensor(seed)));
    if (MISAKI_LEXICON_DIR) symlinkSync(MISAKI_LEXICON_DIR, join(modelDir, 'lexicon'));
    server = await startTestServer({ env: { LITETTS_MODEL_DIR: modelDir } });
    engine = await KokoroEngine.load(join(modelDir, VARIANT));
  });
  after(async () => {
    await engine?.release();
    await server?.stop();
    rmSync(modelDir, { recursive: true, force: true });
  });

  test('a Kokoro voice: normalised text, phonemes and token ids exactly as the engine makes them', async () => {
    const input = 'The sheikh  read 3 books.\nThen he slept!';
    const { status, json } = await phonemes(server.url, { input, voice: 'af_heart' });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.language, 'en-us');
    assert.equal(json.normalized, 'The sheikh read three books. Then he slept!', 'normalised in the voice\'s language, as speech is');
    const pieces = ['The sheikh read three books.', 'Then he slept!'];
    assert.equal(json.phonemes, pieces.map((p) => engine.phonemize(p, 'en-us').phonemes).join(' '));
    assert.deepEqual(json.tokens, pieces.flatMap((p) => engine.tokenPieces(p, 'en-us').flat()));
    assert.equal(json.dropped, undefined, 'nothing dropped');
    if (MISAKI_LEXICON_DIR) assert.match(json.phonemes, /ʃˈik/, 'lexicon first: gold "sheikh"');
  });

  test('/health says whether each English lexicon is installed', { skip: !MISAKI_LEXICON_DIR && 'misaki lexicons not on this machine' }, async () => {
    const health = (await (await fetch(`${server.url}/health`)).json()) as { engines: { kokoro: { lexicon: Record<string, { installed: boolean }> } } };
    assert.equal(health.engines.kokoro.lexicon['en-us']?.installed, true);
    assert.equal(health.engines.kokoro.lexicon['en-gb']?.installed, true);
  });

  test('a language without a voice; a British voice reads British', async () => {
    const gb = await phonemes(server.url, { input: 'Hello world.', language: 'en-gb' });
    assert.equal(gb.status, 200);
    assert.equal(gb.json.language, 'en-gb');
    assert.equal(gb.json.phonemes, engine.phonemize('Hello world.', 'en-gb').phonemes);
    const emma = await phonemes(server.url, { input: 'Hello world.', voice: 'bf_emma' });
    assert.equal(emma.json.language, 'en-gb');
    assert.equal(emma.json.phonemes, gb.json.phonemes);
    const fr = await phonemes(server.url, { input: 'Bonjour.', language: 'FR-FR' });
    assert.equal(fr.status, 200);
    assert.equal(fr.json.language, 'fr-fr');
    assert.ok(Array.isArray(fr.json.tokens) && fr.json.tokens.length > 2);
  });

  test('an espeak voice gives espeak-ng’s IPA and no tokens', async () => {
    const { status, json } = await phonemes(server.url, { input: 'Hello world.', voice: 'espeak-en-us-male' });
    assert.equal(status, 200, JSON.stringify(json));
    assert.equal(json.tokens, undefined);
    assert.equal(json.language, 'en-us');
    assert.match(json.phonemes, /h.*l/);
  });

  test('bad input: a clear 4xx in the error shape', async () => {
    const unknown = await phonemes(server.url, { input: 'Hello.', language: 'klingon' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json.error.code, 'unknown_language');
    assert.equal(unknown.json.error.param, 'language');
    const empty = await phonemes(server.url, { input: '   ' });
    assert.equal(empty.status, 400);
    assert.equal(empty.json.error.code, 'empty_input');
    const missingVoice = await phonemes(server.url, { input: 'Hello.', voice: 'no_such_voice' });
    assert.equal(missingVoice.status, 404);
    assert.equal(missingVoice.json.error.code, 'voice_not_found');
    for (const body of [{ input: 42 }, { language: 'en-us' }, { input: 'x', language: 7 }, 'not an object']) {
      const bad = await phonemes(server.url, body);
      assert.equal(bad.status, 400, JSON.stringify(body));
      assert.equal(typeof bad.json.error?.message, 'string');
    }
    const long = await phonemes(server.url, { input: 'word '.repeat(5000) });
    assert.equal(long.status, 400);
    assert.equal(long.json.error.code, 'input_too_long');
  });
});
