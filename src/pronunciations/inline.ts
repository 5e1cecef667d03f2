import { errors } from '../errors.js';
import { wordKey } from '../store/pronunciations.js';
import { INLINE_PRONUNCIATION as INLINE } from '../text/inline.js';
import { checkPhonemes } from './validate.js';

// Inline pronunciations, `[Kokoro](/kˈOkəɹO/)` (text/inline.ts): the normaliser leaves the markup
// as it is (text/english/kept.ts); Kokoro's front end reads it (engines/kokoro/phonemize.ts) and
// espeak-ng's input turns it into espeak phoneme mnemonics (engines/espeak/input.ts).
/** Something that starts like markup: `[…](/`. */
const OPENING = /\[[^\]\n]*\]\(\//u;
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}'’.-]*[\p{L}\p{M}\p{N}]|[\p{L}\p{N}]/gu;

/** 400 `invalid_phonemes` for markup with phonemes Kokoro lacks, or markup left open. */
export function checkInline(text: string): void {
  for (const m of text.matchAll(INLINE)) checkPhonemes(m[2], 'input');
  if (OPENING.test(text.replace(INLINE, ''))) {
    throw errors.invalidParam('input', "Inline pronunciation must be written [word](/phonemes/), with both slashes and the closing bracket", 'invalid_phonemes');
  }
}

/** Words of the server lexicon (case-folded word → phonemes) written as markup, outside any markup already there. */
export function applyLexicon(text: string, words: ReadonlyMap<string, string>): string {
  if (words.size === 0) return text;
  let out = '';
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    out += replaceWords(text.slice(last, m.index), words) + m[0];
    last = m.index + m[0].length;
  }
  return out + replaceWords(text.slice(last), words);
}

function replaceWords(text: string, words: ReadonlyMap<string, string>): string {
  return text.replace(WORD, (w) => {
    const phonemes = words.get(wordKey(w)) ?? words.get(wordKey(w.replace(/[.'’-]+$/u, '')));
    return phonemes === undefined ? w : `[${w}](/${phonemes}/)`;
  });
}
