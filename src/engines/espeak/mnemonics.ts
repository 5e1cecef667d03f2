/**
 * Kokoro's (misaki's) English phonemes → espeak-ng phoneme mnemonics, the names espeak-ng reads
 * inside `[[…]]` (its `-x` output: `h@l'oU`). Names are those of espeak-ng's phoneme tables
 * `en` and `en-us` (phsource/ph_english, ph_english_us; `en-gb-x-rp` reads the same names with
 * British vowels); stress marks go before the stressed vowel in both alphabets.
 *
 * A table of our own: the libraries of the field only go the other way (misaki and phonemizer
 * turn espeak's IPA into misaki's symbols), and espeak's mnemonics are names in its own per-language
 * tables, not a standard alphabet such as X-SAMPA that a converter library could cover. The table
 * is checked symbol by symbol against espeak-ng itself (mnemonics.test.ts: what espeak says it
 * spoke for each mnemonic).
 */

export type EspeakDialect = 'us' | 'gb';

type Row = readonly [kokoro: string, us: string, gb: string];

/**
 * Kokoro sequence → mnemonic, American and British; the longest sequence that matches wins.
 * misaki's American phonemes carry no length marks (its `i` and `u` are the long vowels of
 * "see" and "moon", `ɜɹ` and `əɹ` the r-coloured ones); its British ones do.
 */
const ROWS: readonly Row[] = [
  // Stress.
  ['ˈ', "'", "'"],
  ['ˌ', ',', ','],
  // misaki's diphthong letters and affricates.
  ['A', 'eI', 'eI'],
  ['I', 'aI', 'aI'],
  ['W', 'aU', 'aU'],
  ['Y', 'OI', 'OI'],
  ['O', 'oU', 'oU'],
  ['Q', 'oU', 'oU'],
  ['ʤ', 'dZ', 'dZ'],
  ['ʧ', 'tS', 'tS'],
  ['ʦ', 'ts', 'ts'],
  // The same diphthongs written in IPA letters.
  ['eɪ', 'eI', 'eI'],
  ['aɪ', 'aI', 'aI'],
  ['aʊ', 'aU', 'aU'],
  ['ɔɪ', 'OI', 'OI'],
  ['oʊ', 'oU', 'oU'],
  ['əʊ', 'oU', 'oU'],
  ['ʣ', 'dz', 'dz'],
  // Long and r-coloured vowels (sequences first).
  ['ɑː', 'A:', 'A:'],
  ['ɔː', 'O:', 'O:'],
  ['ɜː', '3:', '3:'],
  ['iː', 'i:', 'i:'],
  ['uː', 'u:', 'u:'],
  ['ɛː', 'e@', 'e@'],
  ['ɜɹ', '3:', '3:'],
  ['əɹ', '3', '@|r'],
  ['iə', 'i@', 'i@'],
  ['ɪə', 'i@', 'i@'],
  // Vowels.
  ['æ', 'a', 'a'],
  ['a', 'a', 'a'],
  ['ɑ', 'A:', 'A:'],
  ['ɒ', '0', '0'],
  ['ɔ', 'O', 'O'],
  ['ə', '@', '@'],
  ['ᵊ', '@', '@'],
  ['ɐ', 'a#', 'a#'],
  ['ɚ', '3', '@'],
  ['ɜ', '3:', '3:'],
  ['ɛ', 'E', 'E'],
  ['ɪ', 'I', 'I'],
  ['ᵻ', 'I#', 'I'],
  ['i', 'i:', 'i:'],
  ['u', 'u:', 'u:'],
  ['ʊ', 'U', 'U'],
  ['ʌ', 'V', 'V'],
  // Consonants.
  ['b', 'b', 'b'],
  ['d', 'd', 'd'],
  ['f', 'f', 'f'],
  ['h', 'h', 'h'],
  ['j', 'j', 'j'],
  ['k', 'k', 'k'],
  ['l', 'l', 'l'],
  ['m', 'm', 'm'],
  ['n', 'n', 'n'],
  ['p', 'p', 'p'],
  ['s', 's', 's'],
  ['t', 't', 't'],
  ['v', 'v', 'v'],
  ['w', 'w', 'w'],
  ['z', 'z', 'z'],
  ['ɡ', 'g', 'g'],
  ['ŋ', 'N', 'N'],
  ['ɹ', 'r', 'r'],
  ['r', 'r', 'r'],
  ['ʃ', 'S', 'S'],
  ['ʒ', 'Z', 'Z'],
  ['ð', 'D', 'D'],
  ['θ', 'T', 'T'],
  ['ʔ', '?', '?'],
  ['x', 'x', 'x'],
  ['ç', 'C', 'C'],
  // misaki's flap: T in Kokoro v1.0's phonemes, ɾ in misaki's lexicons. British English has none.
  ['T', 't#', 't'],
  ['ɾ', 't#', 't'],
];

/**
 * A lone `i` under stress (misaki's American "see", sˈi) is espeak's long `i:`; unstressed (the
 * end of "happy") it is espeak's short `i`.
 */
const UNSTRESSED_I = 'i';

const BY_DIALECT: Readonly<Record<EspeakDialect, ReadonlyMap<string, string>>> = {
  us: new Map(ROWS.map(([k, us]) => [k, us])),
  gb: new Map(ROWS.map(([k, , gb]) => [k, gb])),
};
const LONGEST = Math.max(...ROWS.map(([k]) => [...k].length));
/** The r-coloured vowels, which before a vowel are a vowel and a linking r ("butter is", "stirring"). */
const R_COLOURED = new Set(['əɹ', 'ɜɹ']);
const KOKORO_VOWEL = /[AIWYOQæaɑɒɔəᵊɐɚɜɛɪᵻiuʊʌeo]/u;

export interface Mnemonics {
  /**
   * espeak-ng mnemonics, to be read inside `[[…]]`, separated by `|` (espeak's own separator, so
   * that `a` + `I` stays two phonemes and does not read as the diphthong `aI`); empty when nothing
   * could be converted.
   */
  mnemonics: string;
  /** Kokoro symbols espeak-ng has no phoneme for, in order, once per occurrence (dropped). */
  dropped: string[];
}

/** The English dialect whose phoneme names an espeak-ng voice reads, or null for other languages. */
export function dialectOf(espeakVoice: string): EspeakDialect | null {
  const base = espeakVoice.toLowerCase().split('+')[0]!;
  if (base === 'en-us' || base.startsWith('en-us-')) return 'us';
  return base === 'en' || base.startsWith('en-') ? 'gb' : null;
}

/** Kokoro phonemes (one word, no spaces) as espeak-ng mnemonics; symbols without one are dropped and listed. */
export function toMnemonics(phonemes: string, dialect: EspeakDialect): Mnemonics {
  const table = BY_DIALECT[dialect];
  const symbols = [...phonemes];
  const dropped: string[] = [];
  const out: string[] = [];
  let stressed = false;
  for (let i = 0; i < symbols.length; ) {
    let length = Math.min(LONGEST, symbols.length - i);
    let name: string | undefined;
    for (; length > 0; length--) {
      const key = symbols.slice(i, i + length).join('');
      if (R_COLOURED.has(key) && beforeVowel(symbols, i + length)) continue;
      name = table.get(key);
      if (name !== undefined) break;
    }
    if (name === undefined) {
      dropped.push(symbols[i]!);
      i++;
      continue;
    }
    const key = symbols.slice(i, i + length).join('');
    if (key === 'i' && !stressed) name = UNSTRESSED_I;
    // A stress mark stays in force until its vowel; espeak's names for vowels start with a vowel letter or @ 3 0.
    stressed = key === 'ˈ' || key === 'ˌ' ? true : stressed && !/^[aeiouAEIOUV@30]/.test(name);
    out.push(name);
    i += length;
  }
  return { mnemonics: out.join('|'), dropped };
}

/** Whether the next symbol after `at`, stress marks skipped, is a vowel. */
function beforeVowel(symbols: readonly string[], at: number): boolean {
  let i = at;
  while (symbols[i] === 'ˈ' || symbols[i] === 'ˌ') i++;
  return i < symbols.length && KOKORO_VOWEL.test(symbols[i]!);
}
