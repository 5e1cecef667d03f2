import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { EspeakEngine } from '../engines/espeak/engine.js';
import { LiteTtsError } from '../errors.js';
import { PhonemeService } from './phonemes.js';

/** An espeak-ng that reads every stretch as "a ʘ b" ('_'-separated, as the real one writes). */
const fakeEspeak = { phonemize: () => 'ˈa ʘ_b\n' } as unknown as EspeakEngine;

describe('PhonemeService', () => {
  const service = new PhonemeService({ pieces: (input) => input.split('|').filter(Boolean), lexiconDir: '/nonexistent', espeak: async () => fakeEspeak });

  test('symbols the vocab lacks are dropped from the tokens and reported with their counts', async () => {
    const result = await service.phonemes('uno|dos', { voice: null, language: 'es' });
    assert.equal(result.normalized, 'uno dos');
    assert.equal(result.phonemes, 'ˈa ʘb ˈa ʘb');
    assert.deepEqual(result.dropped, { ʘ: 2 });
    assert.ok(result.tokens!.length > 0);
  });

  test('an unknown language is an invalid-request error naming the parameter', async () => {
    await assert.rejects(service.phonemes('x', { voice: null, language: 'xx-yy' }), (e: unknown) => e instanceof LiteTtsError && e.kind === 'invalid' && e.code === 'unknown_language' && e.param === 'language');
  });

  test('nothing to read is empty input', async () => {
    await assert.rejects(service.phonemes('|', { voice: null, language: null }), (e: unknown) => e instanceof LiteTtsError && e.code === 'empty_input');
  });
});
