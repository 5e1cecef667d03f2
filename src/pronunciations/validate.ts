import { errors } from '../errors.js';
import { KOKORO_VOCAB } from '../engines/kokoro/vocab.js';

/**
 * What the server lexicon and inline pronunciations accept. Phonemes are written in Kokoro's
 * symbols (misaki's: `kˈOkəɹO`, as `/v1/audio/phonemes` prints them) for every engine; espeak
 * voices get them converted (engines/espeak/input.ts). Punctuation, spaces and brackets are
 * not phonemes of a word: they would end sentences or break the markup.
 */
export const MAX_WORD_CHARS = 64;
export const MAX_PHONEMES_CHARS = 128;
/** One PUT of many entries. */
export const MAX_ENTRIES_PER_PUT = 5000;
/** The whole lexicon, every language. */
export const MAX_LEXICON_ENTRIES = 50_000;

const WORD = /^[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.-]*$/u;
const NOT_PHONEMES = new Set(';:,.!?—…"()“” []/');
const LANGUAGE = /^[a-z]{2,3}(?:-[a-z0-9]{2,8}){0,2}$/;

/** The word as stored (NFC), or 400 `invalid_word`. */
export function checkWord(word: unknown, param = 'word'): string {
  if (typeof word !== 'string') throw errors.invalidParam(param, `'${param}' must be a string`, 'invalid_word');
  const w = word.normalize('NFC');
  if (w.length === 0 || w.length > MAX_WORD_CHARS || !WORD.test(w)) {
    throw errors.invalidParam(param, `'${param}' must be one word of 1-${MAX_WORD_CHARS} letters or digits (inner ' . - allowed), no spaces`, 'invalid_word');
  }
  return w;
}

/** The phonemes as stored (NFC), or 400 `invalid_phonemes` naming the symbols Kokoro lacks. */
export function checkPhonemes(phonemes: unknown, param = 'phonemes'): string {
  if (typeof phonemes !== 'string') throw errors.invalidParam(param, `'${param}' must be a string`, 'invalid_phonemes');
  const p = phonemes.normalize('NFC');
  if (p.length === 0 || p.length > MAX_PHONEMES_CHARS) throw errors.invalidParam(param, `'${param}' must be 1-${MAX_PHONEMES_CHARS} characters`, 'invalid_phonemes');
  const bad = [...new Set([...p].filter((c) => NOT_PHONEMES.has(c) || !KOKORO_VOCAB.has(c)))];
  if (bad.length > 0) {
    const shown = bad.slice(0, 10).map((c) => (c === ' ' ? 'space' : `'${c}' U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`));
    throw errors.invalidParam(param, `'${param}' has symbols that are not phonemes of Kokoro's set: ${shown.join(', ')}`, 'invalid_phonemes');
  }
  return p;
}

/** A language some voice of this server speaks, lower-cased, or 400 `invalid_language`. */
export function checkLanguage(language: unknown, known: ReadonlySet<string>, param = 'language'): string {
  if (typeof language !== 'string' || !LANGUAGE.test(language.toLowerCase())) {
    throw errors.invalidParam(param, `'${param}' must be a language code such as en-us`, 'invalid_language');
  }
  const l = language.toLowerCase();
  if (!known.has(l)) throw errors.invalidParam(param, `No voice here speaks '${language}'; languages: ${[...known].sort().join(', ')}`, 'invalid_language');
  return l;
}
