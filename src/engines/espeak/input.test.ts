import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { concatFloat32 } from '../../audio/pcm.js';
import { atFixedClock, rawEspeakPcm } from '../../test-support/espeak-raw.js';
import type { EspeakVoiceData } from '../engine.js';
import { EspeakEngine } from './engine.js';
import { escapeText, espeakInput } from './input.js';
import { ESPEAK_BUILTIN_VOICES } from './voices.js';

const voice = (name: string): EspeakVoiceData => ESPEAK_BUILTIN_VOICES.find((v) => v.name === name)!.data as EspeakVoiceData;
const US = voice('espeak-en-us-male');

describe('espeak-ng input', () => {
  test('plain text cannot reach SSML or phoneme input: < > & become entities, [[ is broken apart', () => {
    assert.equal(escapeText('<break time="50s"/> R&D [[h@l\'oU]] [[[x'), '&lt;break time="50s"/&gt; R&amp;D [ [h@l\'oU]] [ [ [x');
    assert.equal(escapeText('plain words.'), 'plain words.');
  });

  test('inline pronunciations become mnemonics for English voices, the word elsewhere or when nothing is left', () => {
    assert.deepEqual(espeakInput('Say [Kokoro](/kˈOkəɹO/) now.', 'en-us'), { text: "Say  [[k|'|oU|k|@|r|oU]]  now.", dropped: [] });
    assert.deepEqual(espeakInput('[Kokoro](/kˈQkəɹQ/)', 'en-gb-x-rp'), { text: " [[k|'|oU|k|@|r|oU]] ", dropped: [] });
    assert.deepEqual(espeakInput('Di [Kokoro](/kˈOkəɹO/).', 'es'), { text: 'Di Kokoro.', dropped: [] }, 'no table for Spanish: the word');
    assert.deepEqual(espeakInput('[Rouge](/ʁˈuʒ/)', 'en-us'), { text: " [['|u:|Z]] ", dropped: ['ʁ'] });
    assert.deepEqual(espeakInput('[x](/ʁʁ/) and <b>', 'en-us'), { text: 'x and &lt;b&gt;', dropped: ['ʁ', 'ʁ'] }, 'all dropped: the word');
    const bracketed = espeakInput('[[[[w](/w/) [[', 'en-us').text;
    assert.equal(bracketed, ' [[w]]  [ [', 'the markup takes the brackets before it as its word; only the markup opens phoneme input');
    assert.equal(bracketed.split('[[').length, 2);
  });
});

describe('EspeakEngine reads what it is given as text, except inline pronunciations', () => {
  let engine: EspeakEngine;
  before(async () => {
    engine = await EspeakEngine.load();
  });

  /** A fresh engine's first render (espeak-ng's output depends a little on its history and start time; see rawEspeakPcm). */
  async function pcm(text: string, v: EspeakVoiceData = US): Promise<Int16Array> {
    const fresh = await atFixedClock(() => EspeakEngine.load());
    const chunks: Float32Array[] = [];
    for await (const chunk of fresh.synthesize({ text, voice: v, speed: 1 })) chunks.push(chunk);
    return Int16Array.from(concatFloat32(chunks), (s) => Math.round(s * 32768));
  }

  test('an inline pronunciation sounds exactly like its mnemonics given to espeak-ng directly, and unlike the word', async () => {
    const spoken = await pcm('Say [Kokoro](/kˈɛkəɹi/) now.');
    assert.deepEqual(spoken, await rawEspeakPcm("Say  [[k|'|E|k|@|r|i]]  now.", US), 'the mnemonics, sample for sample');
    assert.notDeepEqual(spoken, await pcm('Say Kokoro now.'), 'not the word as espeak reads it');
    const british = voice('espeak-en-gb-female');
    assert.deepEqual(await pcm('[tomato](/təmˈɑːtQ/)', british), await rawEspeakPcm(" [[t|@|m|'|A:|t|oU]] ", british));
  });

  test('hostile text: SSML is read as text and [[ speaks letters, not phonemes', async () => {
    const pause = await pcm('a <break time="20s"/> b');
    assert.ok(pause.length < 5 * engine.sampleRate, `no 20 s pause: ${(pause.length / engine.sampleRate).toFixed(1)} s`);
    assert.ok((await rawEspeakPcm('a <break time="20s"/> b', US)).length > 20 * engine.sampleRate, 'unescaped, espeak-ng would obey it');
    const typed = "Say [[k'Ek@ri]] now.";
    assert.deepEqual(await pcm(typed), await rawEspeakPcm(escapeText(typed), US), 'read as the escaped text');
    assert.notDeepEqual(await pcm(typed), await rawEspeakPcm(typed, US), 'not as phoneme input');
  });

  test('the phonemiser reads escaped text as text from the first call on (Kokoro’s espeak fallback)', async () => {
    const fresh = await EspeakEngine.load();
    assert.match(fresh.phonemize('R & D', 'en-us'), /æ_n_d/, 'the ampersand as "and", not the entity spelled out');
    assert.doesNotMatch(fresh.phonemize("[[h@l'oU]]", 'en-us'), /h_ə_l_ˈoʊ/, 'no phoneme input');
    assert.doesNotMatch(fresh.phonemize('<speak>x</speak>', 'en-us'), /^ˈɛ_k_s\s*$/, 'tags are text');
  });

  test('reading(): inline pronunciations as espeak-ng speaks them, with what it lacks', () => {
    assert.deepEqual(engine.reading('Say [Kokoro](/kˈɛkəɹʁi/) now.', 'en-us'), { phonemes: 's_ˈeɪ k_ˈɛ_k_ɚ_ɹ_i n_ˈaʊ\n', dropped: ['ʁ'] });
  });
});
