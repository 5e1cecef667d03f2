// Text → Kokoro phonemes through espeak-ng, post-processed the way Kokoro's own pipelines
// post-process espeak output. Sources (facts only, no code taken):
//  - hexgrad/misaki `misaki/espeak.py`: `EspeakFallback` (English: the `E2M` table and the
//    British/American rules) and `EspeakG2P` (es, fr-fr, hi, it, pt-br: the `e2m` table); both
//    run espeak with stress marks and tie '^'. Kokoro-82M v1.0 was trained on misaki phonemes,
//    so its symbols (diphthongs as A I O Q W Y, ʤ ʧ, flap T, …) are the target.
//  - hexgrad/misaki `EN_PHONES.md` (the English phoneme sets) and `misaki/data/*_gold.json`
//    (what the dictionary gives, used to settle two rules, see DEVIATIONS below).
//  - hexgrad/kokoro `kokoro.js/src/phonemize.js`: splitting text on punctuation and phonemising
//    only the pieces between, quote/bracket/CJK-punctuation normalisation, abbreviations, and
//    four fixes of espeak's English output ("kokoro", "…hundred", " z", "ninety").
//  - hexgrad/kokoro `kokoro/pipeline.py`: which languages use espeak (es, fr-fr, hi, it, pt-br;
//    English only as a fallback for unknown words; ja and zh use misaki's own G2P).
//  - thewh1teagle/kokoro-onnx `src/kokoro_onnx/tokenizer.py`: raw espeak IPA, symbols the vocab
//    lacks filtered out (done in tokens.ts, which reports them).
//
// Ties. misaki asks espeak for a tie '^' inside every multi-letter phoneme (`t^ʃ`, `a^ɪ`) and its
// tables match on it. EspeakEngine.phonemize gives the same phonemes with '_' between them
// instead, so the ties are put back per phoneme with espeak-ng's own rule (dictionary.c,
// GetTranslatedPhonemeString): before every letter of a phoneme's name but the first, unless it
// is a modifier letter or diacritic (U+02B0–U+036F: ː ʰ ʲ ◌̃ ◌̩ …). That is also why input must be
// espeak's '_'-separated output: `t_ʃ` (two phonemes) stays `tʃ` while `tʃ` (one) becomes ʧ.
//
// DEVIATIONS from misaki, both in the direction its gold dictionaries show:
//  - British `e^ə` → `ɛː` is applied before the general `e` → `A` (misaki applies it after,
//    when no `e^ə` is left, giving `skwˈAə` where gb_gold.json has `skwˈɛː` for "square").
//  - British `iə` → `ɪə` and American `ɪə` → `iə` also match with a tie between (espeak writes
//    `iə` as one phoneme, so misaki's tie-less patterns rarely apply; gb_gold: "idea" `Idˈɪə`).
//
// Rough fallbacks (Kokoro does not use espeak for these; documented, not hidden):
//  - ja: espeak reads kana only; kanji come out as the English words "Chinese letter", and は
//    as "ha". Symbols are moved towards misaki's cutlet set (ʨ ʥ ʦ ɯ ɾ), pitch accent is lost.
//  - cmn: espeak writes only the first digit of each Chao tone number (tone 1 "55" and tone 4
//    "51" both come out as "5", tone 2 "35" as "ɜ" — Kirshenbaum '3'), so tones cannot be
//    recovered and are dropped: Kokoro's zh voices expect misaki's tone arrows (→ ↗ ↓ ↘).
//    Initials are mapped to misaki's zh symbols (ʨ ʦ ꭧ ʂ ɻ ɨ ɤ ɚ, aspiration ʰ).
//  - hi, es, fr-fr, it, pt-br follow Kokoro's own path (misaki EspeakG2P) and are not fallbacks.

import { INLINE_PRONUNCIATION } from '../../text/inline.js';
import type { EspeakEngine } from '../espeak/engine.js';
import { EnglishG2P, contextBefore } from './g2p/english.js';
import type { Lexicon } from './g2p/lexicon.js';
import { NO_CONTEXT } from './g2p/words.js';

export type KokoroLanguage = 'en-us' | 'en-gb' | 'es' | 'fr-fr' | 'hi' | 'it' | 'pt-br' | 'ja' | 'cmn';

export const KOKORO_LANGUAGES: readonly KokoroLanguage[] = ['en-us', 'en-gb', 'es', 'fr-fr', 'hi', 'it', 'pt-br', 'ja', 'cmn'];

/**
 * The espeak-ng voice each language is phonemised with. British English is espeak's `en`
 * voice, "English (Great Britain)": what kokoro.js passes for British (`"en"`) and what
 * misaki's `en-gb` names through phonemizer. (`en-gb` itself is not a voice name here;
 * `en-gb-x-rp` is a different, RP voice that writes `æ` and `ɐ` where `en` writes `a` and `ə`.)
 */
export const ESPEAK_VOICES: Readonly<Record<KokoroLanguage, string>> = {
  'en-us': 'en-us',
  'en-gb': 'en',
  es: 'es',
  'fr-fr': 'fr',
  hi: 'hi',
  it: 'it',
  'pt-br': 'pt-br',
  ja: 'ja',
  cmn: 'cmn',
};

const TIE = '^';

// misaki/espeak.py EspeakFallback.E2M, applied longest key first (Python's sorted by -len is
// stable, so equal lengths keep the table's order).
const ENGLISH_E2M: readonly (readonly [string, string])[] = [
  ['ʔˌn\u0329', 'ʔn'],
  ['ʔn\u0329', 'ʔn'],
  ['a^ɪ', 'I'],
  ['a^ʊ', 'W'],
  ['d^ʒ', 'ʤ'],
  ['e^ɪ', 'A'],
  ['t^ʃ', 'ʧ'],
  ['ɔ^ɪ', 'Y'],
  ['ə^l', 'ᵊl'],
  ['ʲo', 'jo'],
  ['ʲə', 'jə'],
  ['e', 'A'],
  ['ʲ', ''],
  ['ɚ', 'əɹ'],
  ['r', 'ɹ'],
  ['x', 'k'],
  ['ç', 'k'],
  ['ɐ', 'ə'],
  ['ɬ', 'l'],
  ['\u0303', ''],
];

// misaki/espeak.py EspeakG2P.e2m (the Kokoro v1.0 set, not version 2.0's nasal vowels), in
// Python's sorted() order.
const ESPEAK_G2P_E2M: readonly (readonly [string, string])[] = [
  ['a^ɪ', 'I'],
  ['a^ʊ', 'W'],
  ['d^z', 'ʣ'],
  ['d^ʒ', 'ʤ'],
  ['e^ɪ', 'A'],
  ['o^ʊ', 'O'],
  ['s^s', 'S'],
  ['t^s', 'ʦ'],
  ['t^ʃ', 'ʧ'],
  ['ɔ^ɪ', 'Y'],
  ['ə^ʊ', 'Q'],
];

// ja rough fallback (ours): espeak's ja symbols → misaki's cutlet symbols (misaki/cutlet.py).
const JAPANESE_MAP: readonly (readonly [string, string])[] = [
  ['t^ɕ', 'ʨ'],
  ['d^ʑ', 'ʥ'],
  ['ɯ^ᵝ', 'ɯ'], // ᵝ is a letter, so espeak's tie rule puts a tie before it
  ['ɽ', 'ɾ'],
  ['ä', 'a'],
  ['\u031e', ''], // lowered (o̞ e̞)
  ['\u0308', ''], // centralised, if decomposed
];

// cmn rough fallback (ours): espeak's cmn output keeps Kirshenbaum leftovers ("ts." for tʂ,
// "h" for aspiration, "i." and "i̪" for the apical vowels) → misaki's zh symbols
// (misaki/transcription.py INITIAL_MAPPING / FINAL_MAPPING, misaki/zh.py retone).
const MANDARIN_MAP: readonly (readonly [string, string])[] = [
  ['t^s.^h', 'ꭧʰ'],
  ['t^s.', 'ꭧ'],
  ['s.', 'ʂ'],
  ['i.', 'ɨ'],
  ['i\u032a', 'ɨ'],
  ['t^ɕ^h', 'ʨʰ'],
  ['t^ɕ', 'ʨ'],
  ['t^s^h', 'ʦʰ'],
  ['t^h', 'tʰ'],
  ['p^h', 'pʰ'],
  ['k^h', 'kʰ'],
  ['ə^r', 'ɚ'],
  ['o-', 'ɤ'],
  ['χ', 'x'],
  ['ʐ', 'ɻ'],
];

/** espeak's language-switch flags, e.g. "(en)" — misaki runs espeak with `remove-flags`. */
const SWITCH_FLAG = /\([a-z]{2,3}(?:-[a-z0-9]+)*\)/g;

function replaceAllOf(text: string, table: readonly (readonly [string, string])[]): string {
  let out = text;
  for (const [from, to] of table) out = out.replaceAll(from, to);
  return out;
}

/** One phoneme as espeak names it, with the tie put back where espeak's tie mode puts it. */
function tiePhoneme(phoneme: string, language: KokoroLanguage): string {
  const stress = /^[ˈˌ]*/.exec(phoneme)![0];
  let name = phoneme.slice(stress.length);
  // cmn: the tone comes after the phoneme's name (espeak writes it without a tie): drop it.
  if (language === 'cmn') name = name.replace(/(?<=.)[0-9ɜ]+$/u, '');
  let out = stress;
  let count = 0;
  for (const c of name) {
    const cp = c.codePointAt(0)!;
    if (count > 0 && (cp < 0x02b0 || cp > 0x036f) && /\p{L}/u.test(c)) out += TIE;
    out += c;
    count++;
  }
  return out;
}

/** espeak's '_'-separated output → one line of IPA with misaki's tie marks. */
function withTies(espeakIpa: string, language: KokoroLanguage): string {
  return espeakIpa
    .replace(SWITCH_FLAG, '')
    .split(/\s+/)
    .filter((word) => word.length > 0)
    .map((word) =>
      word
        .split('_')
        .map((phoneme) => tiePhoneme(phoneme, language))
        .join(''),
    )
    .filter((word) => word.length > 0)
    .join(' ');
}

/** misaki/espeak.py EspeakFallback, plus kokoro.js's English fixes. */
function englishRules(ipa: string, british: boolean): string {
  let ps = ipa;
  if (british) ps = ps.replaceAll('e^ə', 'ɛː'); // see DEVIATIONS
  ps = replaceAllOf(ps, ENGLISH_E2M);
  // Syllabic consonants: a small schwa before them.
  ps = ps.replace(/(\S)\u0329/gu, 'ᵊ$1').replaceAll('\u0329', '');
  if (british) {
    ps = ps.replace(/i\^?ə/g, 'ɪə'); // tie-insensitive, see DEVIATIONS
    ps = ps.replaceAll('ə^ʊ', 'Q');
    // EN_PHONES.md: British "ash" is `a`, `æ` is American-only (the en-gb-x-rp voice writes æ).
    ps = ps.replaceAll('æ', 'a');
  } else {
    ps = ps.replaceAll('o^ʊ', 'O');
    // kokoro.js (American only): "ninety" → nˈIndi (us_gold.json agrees); not "nineteen" (iː).
    ps = ps.replace(/(?<=nˈIn)ti(?!ː)/g, 'di');
    ps = ps.replace(/ɜː\^?ɹ/g, 'ɜɹ');
    ps = ps.replaceAll('ɜː', 'ɜɹ');
    ps = ps.replace(/ɪ\^?ə/g, 'iə'); // tie-insensitive, see DEVIATIONS
    ps = ps.replaceAll('ː', '');
  }
  ps = ps.replaceAll('o', 'ɔ'); // misaki: "for espeak < 1.52"
  // misaki (Kokoro v1.0, i.e. not version 2.0): flap and glottal stop as T and t.
  ps = ps.replaceAll('ɾ', 'T').replaceAll('ʔ', 't');
  ps = ps.replaceAll(TIE, '');
  // Ours: espeak adds a linking r before a vowel ("butter is" bˈʌɾɚɹ ɪz); misaki phonemises word
  // by word and never sees it, and after ɚ → əɹ it would double: keep one.
  ps = ps.replace(/ɹɹ/g, 'ɹ');
  // kokoro.js: "Kokoro" as the wiktionary has it (kˈoʊkəɹoʊ / kˈəʊkəɹəʊ).
  ps = ps.replace(/kəkˈɔː?ɹ([OQ])/g, 'kˈ$1kəɹ$1');
  // kokoro.js: espeak runs "…teen" and "hundred" together ("nineteen hundred" for 1900).
  ps = ps.replace(/(?<=[a-zɹː])(?=hˈʌndɹɪd)/g, ' ');
  return possessiveZ(ps);
}

/** kokoro.js: a lone " z" (espeak's reading of a split-off 's) joins the word before it. */
function possessiveZ(ps: string): string {
  return ps.replace(/ z(?=[;:,.!?¡¿—…"«»“” ]|$)/g, 'z');
}

/**
 * Kokoro phonemes for one stretch of espeak-ng IPA as `EspeakEngine.phonemize` returns it
 * (phonemes separated by '_', words by spaces, clauses by line breaks): ties put back, the
 * language's rules applied, the '_' separators, tie marks and language-switch flags removed,
 * whitespace collapsed to single spaces and trimmed. Symbols outside Kokoro's vocab may remain
 * (tokenize drops and reports them).
 */
export function toKokoroPhonemes(espeakIpa: string, language: KokoroLanguage): string {
  let ps = withTies(espeakIpa, language);
  switch (language) {
    case 'en-us':
    case 'en-gb':
      ps = englishRules(ps, language === 'en-gb');
      break;
    case 'ja':
      ps = replaceAllOf(ps, JAPANESE_MAP);
      ps = espeakG2pRules(ps);
      break;
    case 'cmn':
      ps = replaceAllOf(ps, MANDARIN_MAP);
      ps = espeakG2pRules(ps);
      break;
    default:
      ps = espeakG2pRules(ps);
  }
  return ps.replace(/\s+/g, ' ').trim();
}

/** misaki/espeak.py EspeakG2P (v1.0): the e2m table, then ties and hyphens deleted. */
function espeakG2pRules(ipa: string): string {
  return replaceAllOf(ipa, ESPEAK_G2P_E2M).replaceAll(TIE, '').replaceAll('-', '');
}

// ---------------------------------------------------------------------------------------------
// Text side: punctuation kept from the text, the rest phonemised by espeak.

/** Punctuation the text is split on (kokoro.js PUNCTUATION). */
const SPLIT_PUNCTUATION = new Set(';:,.!?¡¿—…"«»“”(){}[]');
/** Of those, what Kokoro's vocab has and is kept; the others only separate. */
const KEPT_PUNCTUATION = new Set(';:,.!?—…"()“”');
/** Kept between two digits (3.14, 1,000, 12:30) so that espeak reads the number. */
const NUMERIC_PUNCTUATION = new Set('.,:');

/** Quotes, CJK and Devanagari punctuation, lone en dashes (kokoro.js normalize_text, misaki EspeakG2P / ja / zh). */
function normalizeMarks(text: string): string {
  return text
    .replace(/[‘’]/g, "'")
    .replace(/«/g, '“')
    .replace(/»/g, '”')
    .replace(/[《「『【〈]/g, ' “')
    .replace(/[》」』】〉]/g, '” ')
    .replace(/、/g, ', ')
    .replace(/，/g, ', ')
    .replace(/。/g, '. ')
    .replace(/．/g, '. ')
    .replace(/！/g, '! ')
    .replace(/？/g, '? ')
    .replace(/：/g, ': ')
    .replace(/；/g, '; ')
    .replace(/[।॥]/g, '. ') // Devanagari danda (ours: espeak drops it, Kokoro's vocab has '.')
    .replace(/（/g, ' (')
    .replace(/）/g, ') ')
    // An en dash standing alone is a dash (ours; Kokoro's vocab has only the em dash).
    .replace(/(?<=\s)–(?=\s)/g, '—');
}

/** Text normalisation before splitting. */
function normalizeText(text: string, language: KokoroLanguage): string {
  // Every mark normalizeMarks replaces is outside ASCII: plain ASCII text skips it.
  let t = /[^\x00-\x7f]/.test(text) ? normalizeMarks(text) : text;
  t = t.replace(/\s+/g, ' ');
  if (language === 'en-us' || language === 'en-gb') {
    // kokoro.js normalize_text, step 4: so that the period is not read as a sentence end.
    // ("etc." loses its period only when the sentence goes on in lower case; kokoro.js's
    // case-insensitive pattern also drops it at the end of the text.)
    t = t
      .replace(/\bD[Rr]\.(?= [A-Z])/g, 'Doctor')
      .replace(/\b(?:Mr\.|MR\.(?= [A-Z]))/g, 'Mister')
      .replace(/\b(?:Ms\.|MS\.(?= [A-Z]))/g, 'Miss')
      .replace(/\b(?:Mrs\.|MRS\.(?= [A-Z]))/g, 'Mrs')
      .replace(/\b([Ee]tc|ETC)\.(?= \p{Ll})/gu, '$1');
  }
  return t.trim();
}

interface Section {
  punctuation: boolean;
  text: string;
}

/**
 * Splits text into stretches of words and stretches of punctuation with the whitespace around
 * them (kokoro.js: `(\s*[PUNCTUATION]+\s*)+`), except that . , : between digits stay in the word.
 */
function splitOnPunctuation(text: string): Section[] {
  // By UTF-16 code unit: every mark, digit and space tested is one unit, and no surrogate is one.
  const n = text.length;
  const isPunct = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const c = text[i]!;
    if (SPLIT_PUNCTUATION.has(c) && !(NUMERIC_PUNCTUATION.has(c) && isDigit(text.charCodeAt(i - 1)) && isDigit(text.charCodeAt(i + 1)))) isPunct[i] = 1;
  }
  const sections: Section[] = [];
  let i = 0;
  while (i < n) {
    // A run of punctuation and whitespace holding at least one punctuation mark is punctuation.
    let j = i;
    let hasPunct = false;
    while (j < n && (isPunct[j] === 1 || isSpace(text.charCodeAt(j)))) {
      hasPunct ||= isPunct[j] === 1;
      j++;
    }
    if (j > i && hasPunct) {
      sections.push({ punctuation: true, text: text.slice(i, j) });
      i = j;
      continue;
    }
    // Otherwise words, up to the whitespace before the next punctuation mark.
    let k = j;
    while (k < n && isPunct[k] === 0) k++;
    let end = k;
    if (k < n) while (end > j && isSpace(text.charCodeAt(end - 1))) end--;
    const words = text.slice(i, end);
    const last = sections.at(-1);
    if (last && !last.punctuation) last.text += words;
    else sections.push({ punctuation: false, text: words });
    i = end;
  }
  return sections;
}

/** What /\d/ matches (ASCII digits); NaN (out of range) is none. */
function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** What /\s/ matches, by code unit. */
function isSpace(code: number): boolean {
  return (
    code === 0x20 || (code >= 0x09 && code <= 0x0d) || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff
  );
}

/** Phonemes of a text and the pieces they were joined from. */
export interface PhonemizedText {
  /** The whole text as Kokoro phonemes, punctuation included, whitespace collapsed. */
  phonemes: string;
  /**
   * In text order: the phonemes of each stretch between punctuation (as espeak read it) and
   * each stretch of punctuation kept from the text (whitespace included); `phonemes` is their
   * concatenation with whitespace collapsed.
   */
  pieces: string[];
}

/**
 * Phonemises text for Kokoro: normalises quotes and CJK punctuation, splits the text on
 * punctuation, phonemises the stretches between and puts back the punctuation Kokoro's vocab
 * has (`;:,.!?—…"()“”`); other marks (¡ ¿ [ ] { }) only separate. English with its lexicon
 * (en-us, en-gb) goes lexicon first (g2p/english.ts), espeak-ng only for the words it lacks;
 * every other language, and English without a lexicon, goes through espeak-ng
 * (`toKokoroPhonemes`).
 */
export function phonemizeText(
  espeak: Pick<EspeakEngine, 'phonemize'>,
  text: string,
  language: KokoroLanguage,
  lexicon: Lexicon | null = null,
): PhonemizedText {
  // Inline pronunciations, `[word](/phonemes/)`: those phonemes, as written, for that word.
  if (!text.includes('](/')) return phonemizePlain(espeak, text, language, lexicon);
  const parts: string[] = [];
  const pieces: string[] = [];
  let last = 0;
  const plain = (t: string) => {
    if (t.trim().length === 0) return;
    const p = phonemizePlain(espeak, t, language, lexicon);
    parts.push(p.phonemes);
    pieces.push(...p.pieces);
  };
  for (const m of text.matchAll(INLINE_PRONUNCIATION)) {
    plain(text.slice(last, m.index));
    parts.push(m[2]!);
    pieces.push(m[2]!);
    last = m.index + m[0].length;
  }
  plain(text.slice(last));
  return { phonemes: parts.join(' ').replace(/\s+/g, ' ').replace(/ ([;:,.!?])/g, '$1').trim(), pieces };
}

function phonemizePlain(
  espeak: Pick<EspeakEngine, 'phonemize'>,
  text: string,
  language: KokoroLanguage,
  lexicon: Lexicon | null,
): PhonemizedText {
  const english = language === 'en-us' || language === 'en-gb';
  const sections = splitOnPunctuation(normalizeText(text, language));
  const punctuation = (section: Section): string =>
    Array.from(section.text, (c) => (KEPT_PUNCTUATION.has(c) ? c : ' ')).join('').replace(/\s+/g, ' ');
  const pieces: string[] = [];
  if (english && lexicon !== null) {
    const g2p = englishG2P(espeak, lexicon, language);
    // From the last section to the first, so that each word knows how the next one starts.
    let ctx = NO_CONTEXT;
    for (let i = sections.length - 1; i >= 0; i--) {
      const section = sections[i]!;
      if (section.punctuation) {
        pieces.push(punctuation(section));
        ctx = contextBefore(section.text, ctx);
      } else if (section.text.trim().length > 0) {
        const { phonemes, context } = g2p.stretch(section.text, ctx);
        pieces.push(toVersion1(phonemes.join(' ')));
        ctx = context;
      }
    }
    pieces.reverse();
  } else {
    const voice = ESPEAK_VOICES[language];
    for (const section of sections) {
      if (section.punctuation) pieces.push(punctuation(section));
      else if (section.text.trim().length > 0) pieces.push(toKokoroPhonemes(espeak.phonemize(section.text, voice), language));
    }
  }
  let phonemes = pieces.join('').replace(/\s+/g, ' ').trim();
  if (english) phonemes = possessiveZ(phonemes);
  return { phonemes, pieces };
}

/** misaki for Kokoro v1.0 (not version 2.0): the lexicon's flap and glottal stop become T and t. */
function toVersion1(phonemes: string): string {
  return phonemes.replaceAll('ɾ', 'T').replaceAll('ʔ', 't');
}

/** One EnglishG2P (and its memo) per lexicon and espeak instance. */
const ENGLISH = new WeakMap<Lexicon, WeakMap<object, EnglishG2P>>();

function englishG2P(espeak: Pick<EspeakEngine, 'phonemize'>, lexicon: Lexicon, language: KokoroLanguage): EnglishG2P {
  let byEspeak = ENGLISH.get(lexicon);
  if (!byEspeak) ENGLISH.set(lexicon, (byEspeak = new WeakMap()));
  let g2p = byEspeak.get(espeak);
  if (!g2p) byEspeak.set(espeak, (g2p = new EnglishG2P(lexicon, (word) => espeakWord(espeak, word, language))));
  return g2p;
}

/** espeak's reading of single words the lexicon lacks, per espeak instance and language; bounded (cleared when full). */
const ESPEAK_WORDS = new WeakMap<object, Map<string, string>>();
const ESPEAK_WORDS_MAX = 20_000;

function espeakWord(espeak: Pick<EspeakEngine, 'phonemize'>, word: string, language: KokoroLanguage): string {
  let cache = ESPEAK_WORDS.get(espeak);
  if (!cache) ESPEAK_WORDS.set(espeak, (cache = new Map()));
  const key = `${language}\u0000${word}`;
  let ps = cache.get(key);
  if (ps === undefined) {
    ps = toKokoroPhonemes(espeak.phonemize(word, ESPEAK_VOICES[language]), language);
    if (cache.size >= ESPEAK_WORDS_MAX) cache.clear();
    cache.set(key, ps);
  }
  return ps;
}
