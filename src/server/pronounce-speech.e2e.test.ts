import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { floatToInt16, int16ToFloat, OUTPUT_SAMPLE_RATE } from '../audio/pcm.js';
import { resample } from '../audio/resample.js';
import type { EspeakVoiceData } from '../engines/engine.js';
import { ESPEAK_SAMPLE_RATE } from '../engines/espeak/constants.js';
import { ESPEAK_BUILTIN_VOICES } from '../engines/espeak/voices.js';
import { rawEspeakPcm } from '../test-support/espeak-raw.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { spectralDistance } from '../test-support/spectral-distance.js';
import { idsToPhonemes, installTinyKokoro, modelCalls } from '../test-support/tiny-kokoro-server.js';

/**
 * Pronunciation overrides at the speech level, through the real server: with the tiny Kokoro
 * model installed, whose audio encodes the ids it was given (decoded back to phonemes here), and
 * with espeak-ng, whose audio is compared with espeak-ng given the mnemonics directly.
 */

const ESPEAK_VOICE = 'espeak-en-us-male';
/** Spectral distances (spectral-distance.ts): the same words rendered twice stay under SAME, other sounds above OTHER. */
const SAME = 0.8;
const OTHER = 1.2;

describe('inline pronunciations and the server lexicon reach the model', () => {
  let server: TestServer;
  let modelDir: string;

  before(async () => {
    modelDir = mkdtempSync(join(tmpdir(), 'litetts-pronounce-'));
    installTinyKokoro(modelDir, { af_heart: 11 });
    server = await startTestServer({ env: { LITETTS_MODEL_DIR: modelDir }, args: ['--audio-cache-mb', '0'] });
  });
  after(async () => {
    await server?.stop();
    rmSync(modelDir, { recursive: true, force: true });
  });

  const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, any> }> => {
    const res = await fetch(`${server.url}${path}`, { method, ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const pcm = async (voice: string, input: string): Promise<Int16Array> => {
    const res = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voice, input, response_format: 'pcm' }) });
    assert.equal(res.status, 200, `${voice} "${input}": ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2).slice();
  };
  /** The phonemes the tiny model was given for `input` (one model call), decoded from its audio. */
  const modelReading = async (input: string): Promise<string> => {
    const calls = modelCalls(await pcm('af_heart', input));
    assert.equal(calls.length, 1, `"${input}": one model call`);
    return idsToPhonemes(calls[0]!.ids);
  };

  test('Kokoro: an inline pronunciation reaches the model as exactly those phonemes’ ids', async () => {
    const plain = await modelReading('I say tomato.');
    assert.match(plain, /^\S+ \S+ \S+\.$/, `three words: ${plain}`);
    assert.ok(!plain.includes('təmˈɑːtO'), plain);
    const inline = await modelReading('I say [tomato](/təmˈɑːtO/).');
    assert.equal(inline, plain.replace(/\S+\.$/, 'təmˈɑːtO.'), 'the word’s ids are those of the phonemes written, the rest as before');
    const read = await call('POST', '/v1/audio/phonemes', { input: 'I say [tomato](/təmˈɑːtO/).', voice: 'af_heart' });
    assert.equal(idsToPhonemes(read.body.tokens), inline, '/v1/audio/phonemes tells the ids the model gets');
  });

  test('Kokoro: a lexicon entry PUT through the API changes the next request’s ids; DELETE restores the built-in reading', async () => {
    const builtin = await modelReading('I say tomato.');
    assert.equal((await call('PUT', '/v1/pronunciations/Tomato', { phonemes: 'təmˈɑːtO' })).status, 201);
    const entry = await modelReading('I say tomato.');
    assert.equal(entry, builtin.replace(/\S+\.$/, 'təmˈɑːtO.'));
    assert.equal(await modelReading('I say [tomato](/tˈOmAtO/).'), builtin.replace(/\S+\.$/, 'tˈOmAtO.'), 'inline markup wins over the lexicon');
    assert.equal((await call('DELETE', '/v1/pronunciations/tomato')).status, 200);
    assert.equal(await modelReading('I say tomato.'), builtin, 'the built-in reading again');
  });

  test('espeak-ng: overrides sound like the mnemonics given to espeak-ng directly; without them, like the word', async () => {
    const voice = ESPEAK_BUILTIN_VOICES.find((v) => v.name === ESPEAK_VOICE)!.data as EspeakVoiceData;
    // təmˈɑːtO in espeak-ng's own notation, rendered in this process as the server renders a piece.
    const direct = floatToInt16(resample(int16ToFloat(await rawEspeakPcm("[[t@m'A:toU]]", voice)), ESPEAK_SAMPLE_RATE, OUTPUT_SAMPLE_RATE));
    const d = (audio: Int16Array): number => spectralDistance(audio, direct, OUTPUT_SAMPLE_RATE);

    const plain = await pcm(ESPEAK_VOICE, 'tomato');
    const plainAgain = await pcm(ESPEAK_VOICE, 'tomato');
    assert.ok(spectralDistance(plain, plainAgain, OUTPUT_SAMPLE_RATE) < SAME, 'the measure: one text twice is the same');
    assert.ok(d(plain) > OTHER, `without an override espeak-ng reads the word its own way: ${d(plain).toFixed(2)}`);
    const inline = await pcm(ESPEAK_VOICE, '[tomato](/təmˈɑːtO/)');
    assert.ok(d(inline) < SAME, `inline: ${d(inline).toFixed(2)}`);

    assert.equal((await call('PUT', '/v1/pronunciations/tomato', { phonemes: 'təmˈɑːtO' })).status, 201);
    const entry = await pcm(ESPEAK_VOICE, 'tomato');
    assert.ok(d(entry) < SAME, `server lexicon: ${d(entry).toFixed(2)}`);
    const read = await call('POST', '/v1/audio/phonemes', { input: 'tomato', voice: ESPEAK_VOICE });
    assert.equal(read.body.phonemes, 'təmˈɑːɾoʊ', 'what espeak-ng speaks for the entry (it flaps an American t itself)');
    assert.equal((await call('DELETE', '/v1/pronunciations/tomato')).status, 200);
    const back = await pcm(ESPEAK_VOICE, 'tomato');
    assert.ok(d(back) > OTHER && spectralDistance(back, plain, OUTPUT_SAMPLE_RATE) < SAME, 'after DELETE, the word as before');

    // Typed by a user, espeak-ng's own brackets are text: they spell, they do not pronounce.
    const typed = await pcm(ESPEAK_VOICE, "[[t@m'A:toU]]");
    assert.ok(d(typed) > OTHER && typed.length > 2 * direct.length, `typed [[…]]: ${d(typed).toFixed(2)}, ${typed.length} samples for ${direct.length}`);
  });

  test('symbols espeak-ng lacks are dropped and reported by /v1/audio/phonemes; Kokoro keeps them', async () => {
    const espeak = await call('POST', '/v1/audio/phonemes', { input: 'Say [rouge](/ʁˈuʒ/) twice: [rouge](/ʁˈuʒ/).', voice: ESPEAK_VOICE });
    assert.equal(espeak.status, 200, JSON.stringify(espeak.body));
    assert.deepEqual(espeak.body.dropped, { ʁ: 2 });
    assert.match(espeak.body.phonemes, /ˈuːʒ/);
    assert.equal((await call('PUT', '/v1/pronunciations/rouge', { phonemes: 'ʁˈuʒ' })).status, 201);
    const entry = await call('POST', '/v1/audio/phonemes', { input: 'rouge', voice: ESPEAK_VOICE });
    assert.deepEqual(entry.body.dropped, { ʁ: 1 }, 'a lexicon entry the same way');
    await pcm(ESPEAK_VOICE, 'rouge'); // and it speaks
    const kokoro = await call('POST', '/v1/audio/phonemes', { input: 'rouge', voice: 'af_heart' });
    assert.equal(kokoro.body.dropped, undefined, 'Kokoro has the symbol');
    assert.equal(idsToPhonemes(kokoro.body.tokens), 'ʁˈuʒ');
    assert.equal((await call('DELETE', '/v1/pronunciations/rouge')).status, 200);
  });

  test('malformed inline pronunciations in speech input are a 400 in the contract’s error shape, for both engines', async () => {
    for (const voice of ['af_heart', ESPEAK_VOICE]) {
      for (const input of ['Say [this](/ðɪs now.', 'Say [this](/ðɪs!/) now.', 'Say [this](/ʘɪs/) now.', 'Say [this](/ðɪ s/) now.']) {
        const res = await fetch(`${server.url}/v1/audio/speech`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ voice, input }) });
        assert.equal(res.status, 400, `${voice} ${input}`);
        const body = (await res.json()) as { error: Record<string, unknown> };
        assert.deepEqual({ ...body.error, message: typeof body.error.message }, { message: 'string', type: 'invalid_request_error', param: 'input', code: 'invalid_phonemes' }, `${voice} ${input}`);
      }
    }
  });
});
