import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LiteTtsError } from '../errors.js';
import { fuzzParams } from '../test-support/fuzz.js';
import { isValidVoiceName } from './names.js';
import { MAX_NAME_CANDIDATES, checkLabel, checkLanguageTag, cloneLanguage, libraryNameBase, libraryNameCandidates } from './openai-fields.js';
import { isOpenAiVoiceId } from './resolver.js';

const codeOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof LiteTtsError) return `${error.code} ${error.param}`;
    throw error;
  }
  return 'accepted';
};

test('labels are trimmed, 1-256 characters (not bytes), without control characters', () => {
  assert.equal(checkLabel('  Ada Lovelace  ', 'name'), 'Ada Lovelace');
  assert.equal(checkLabel('é'.repeat(256), 'name'), 'é'.repeat(256), '256 two-byte characters');
  assert.equal(checkLabel('😀'.repeat(256), 'name').length, 512, '256 astral characters (512 UTF-16 units)');
  assert.equal(codeOf(() => checkLabel(undefined, 'name')), 'missing_parameter name');
  assert.equal(codeOf(() => checkLabel(' \t\n ', 'name')), 'invalid_name name', 'only white space');
  assert.equal(codeOf(() => checkLabel('a'.repeat(257), 'name')), 'invalid_name name', '257 characters');
  assert.equal(codeOf(() => checkLabel('a\u0000b', 'name')), 'invalid_name name', 'a NUL');
  assert.equal(codeOf(() => checkLabel('a\u001bb', 'label')), 'invalid_name label', 'an escape, named by its param');
});

test('language tags: well-formed BCP 47 passes as given; anything else is 400 invalid_language', () => {
  for (const tag of ['en', 'en-US', 'pt-BR', 'zh-Hans-CN', 'de-CH-1901', 'sr-Latn-RS', 'es-419', 'en-US-x-twain', 'EN-us']) {
    assert.equal(checkLanguageTag(tag), tag, tag);
  }
  assert.equal(checkLanguageTag(' fr-CA '), 'fr-CA', 'trimmed');
  for (const tag of ['', ' ', 'en_US', 'e', 'en-', '-en', 'en--US', '123', 'en US', 'en-US-', 'x', 'en-abcdefghi', "en'; DROP TABLE consents;--", 'é', 'en-'.repeat(30) + 'US']) {
    assert.equal(codeOf(() => checkLanguageTag(tag)), 'invalid_language language', JSON.stringify(tag));
  }
  assert.equal(codeOf(() => checkLanguageTag(undefined)), 'missing_parameter language');
});

test('library names from free text: lower case, _ for spaces, others stripped, never empty, always valid', () => {
  const cases: [string, string][] = [
    ['My Voice', 'my_voice'],
    ["Zoë's   voice!", 'zoes_voice'],
    ['  --Leading_and_trailing__  ', 'leading_and_trailing'],
    ['Crème Brûlée 2', 'creme_brulee_2'],
    ['日本語の声', 'custom_voice'],
    ['!!!', 'custom_voice'],
    ['a-b c_d', 'a-b_c_d'],
    ['x'.repeat(100), 'x'.repeat(60)],
  ];
  for (const [label, name] of cases) assert.equal(libraryNameBase(label), name, JSON.stringify(label));
  const candidates = libraryNameCandidates('My Voice');
  assert.deepEqual(candidates.slice(0, 3), ['my_voice', 'my_voice_2', 'my_voice_3']);
  assert.equal(candidates.length, MAX_NAME_CANDIDATES);
  assert.equal(candidates.at(-1), `my_voice_${MAX_NAME_CANDIDATES}`);
});

test('fuzz: every label maps to candidates that are all valid library names, distinct, and none an OpenAI id after the first', () => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 100 })), (label) => {
      const candidates = libraryNameCandidates(label);
      for (const name of candidates) assert.ok(isValidVoiceName(name), `${JSON.stringify(label)} → ${JSON.stringify(name)}`);
      assert.equal(new Set(candidates).size, candidates.length, 'distinct');
      assert.ok(candidates.slice(1).every((n) => !isOpenAiVoiceId(n)), 'a suffix never makes an id');
    }),
    fuzzParams(2000),
  );
  // A label that is itself an id maps to a reserved base; the next candidate is a plain name.
  const id = `voice_${'ab'.repeat(16)}`;
  assert.ok(isOpenAiVoiceId(libraryNameBase(id)) && !isOpenAiVoiceId(libraryNameCandidates(id)[1]!));
});

test("a clone's language: the engine's spelling of the consent's tag, else the default's when it is the same language", () => {
  const espeak = ['en-us', 'en-gb', 'es', 'fr-fr', 'de', 'pt-br', 'cmn', 'ja'];
  assert.equal(cloneLanguage(null, espeak, 'en-us'), 'en-us', 'no consent: the default voice language');
  assert.equal(cloneLanguage('en-GB', espeak, 'en-us'), 'en-gb', 'exact, any case');
  assert.equal(cloneLanguage('en-AU', espeak, 'en-us'), 'en-us', 'same language as the default');
  assert.equal(cloneLanguage('en', espeak, 'en-us'), 'en-us', 'a bare language');
  assert.equal(cloneLanguage('pt-PT', espeak, 'en-us'), 'pt-br', 'the first of the same language');
  assert.equal(cloneLanguage('fr-CA', espeak, 'en-us'), 'fr-fr');
  assert.equal(cloneLanguage('zh-Hans-CN', espeak, 'en-us'), 'cmn', 'Chinese is cmn to espeak');
  assert.equal(cloneLanguage('sw', espeak, 'en-us'), 'en-us', 'a language the engine lacks: the default');
});
