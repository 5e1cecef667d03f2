import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LiteTtsError } from '../errors.js';
import { applyLexicon, checkInline } from './inline.js';

test('the lexicon marks its words in any case, outside markup already written, and only whole words', () => {
  const words = new Map([['kokoro', 'kˈOkəɹO'], ['nginx', 'ˈɛnʤɪnˌɛks']]);
  assert.equal(applyLexicon('KOKORO runs nginx. Kokoros and [Kokoro](/kəkˈɔɹO/) too.', words), '[KOKORO](/kˈOkəɹO/) runs [nginx](/ˈɛnʤɪnˌɛks/). Kokoros and [Kokoro](/kəkˈɔɹO/) too.');
  assert.equal(applyLexicon('nothing here', new Map()), 'nothing here');
});

test('markup with symbols Kokoro lacks, or left open, is a 400 invalid_phonemes; well-formed markup passes', () => {
  checkInline('Say [Kokoro](/kˈOkəɹO/) now.');
  checkInline('Brackets [like this] and (/paths/) are plain text.');
  for (const bad of ['[Kokoro](/kˈO!/)', '[Kokoro](/kˈOkəɹO', '[Kokoro](/ʘ/)', '[Kokoro](/kˈO kəɹO/)']) {
    assert.throws(() => checkInline(bad), (e: unknown) => e instanceof LiteTtsError && e.code === 'invalid_phonemes' && e.param === 'input', bad);
  }
});
