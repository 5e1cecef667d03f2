import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { spokenPhonemes } from '../../test-support/espeak-raw.js';
import { KOKORO_VOCAB } from '../kokoro/vocab.js';
import { dialectOf, toMnemonics, type EspeakDialect } from './mnemonics.js';

/**
 * Every Kokoro symbol of English: the mnemonic it must become, and the IPA espeak-ng must then
 * say it spoke (its phoneme events), in a frame word: full vowels stressed between b and d
 * (`bˈXd`), reduced vowels unstressed (`ˈæbXd`), consonants between vowels (`ˈæXə`). The IPA is
 * the symbol's own sound except where noted.
 */
type Expect = readonly [mnemonic: string, ipa: string];
const SYMBOLS: readonly (readonly [kokoro: string, frame: 'full' | 'reduced' | 'consonant', us: Expect, gb: Expect])[] = [
  ['A', 'full', ['eI', 'eɪ'], ['eI', 'eɪ']],
  ['I', 'full', ['aI', 'aɪ'], ['aI', 'aɪ']],
  ['W', 'full', ['aU', 'aʊ'], ['aU', 'aʊ']],
  ['Y', 'full', ['OI', 'ɔɪ'], ['OI', 'ɔɪ']],
  ['O', 'full', ['oU', 'oʊ'], ['oU', 'əʊ']], // espeak's GOAT vowel is the voice's: oʊ American, əʊ British
  ['Q', 'full', ['oU', 'oʊ'], ['oU', 'əʊ']],
  ['eɪ', 'full', ['eI', 'eɪ'], ['eI', 'eɪ']],
  ['aɪ', 'full', ['aI', 'aɪ'], ['aI', 'aɪ']],
  ['aʊ', 'full', ['aU', 'aʊ'], ['aU', 'aʊ']],
  ['ɔɪ', 'full', ['OI', 'ɔɪ'], ['OI', 'ɔɪ']],
  ['oʊ', 'full', ['oU', 'oʊ'], ['oU', 'əʊ']],
  ['əʊ', 'full', ['oU', 'oʊ'], ['oU', 'əʊ']],
  ['ɑː', 'full', ['A:', 'ɑː'], ['A:', 'ɑː']],
  ['ɔː', 'full', ['O:', 'ɔː'], ['O:', 'ɔː']],
  ['ɜː', 'full', ['3:', 'ɜː'], ['3:', 'ɜː']],
  ['iː', 'full', ['i:', 'iː'], ['i:', 'iː']],
  ['uː', 'full', ['u:', 'uː'], ['u:', 'uː']],
  ['ɛː', 'full', ['e@', 'ɛɹ'], ['e@', 'eə']], // SQUARE: espeak's nearest, r-coloured in American
  ['ɜɹ', 'full', ['3:', 'ɜː'], ['3:', 'ɜː']], // espeak's American ɜː is the r-coloured NURSE vowel
  ['iə', 'full', ['i@', 'iə'], ['i@', 'iə']],
  ['ɪə', 'full', ['i@', 'iə'], ['i@', 'iə']],
  ['æ', 'full', ['a', 'æ'], ['a', 'æ']],
  ['a', 'full', ['a', 'æ'], ['a', 'æ']], // misaki's British TRAP
  ['ɑ', 'full', ['A:', 'ɑː'], ['A:', 'ɑː']],
  ['ɒ', 'full', ['0', 'ɑː'], ['0', 'ɒ']], // American has no ɒ: espeak's en-us LOT is ɑː
  ['ɔ', 'full', ['O', 'ɔ'], ['O', 'ɔ']],
  ['ɜ', 'full', ['3:', 'ɜː'], ['3:', 'ɜː']],
  ['ɛ', 'full', ['E', 'ɛ'], ['E', 'ɛ']],
  ['ɪ', 'full', ['I', 'ɪ'], ['I', 'ɪ']],
  ['i', 'full', ['i', 'iː'], ['i', 'iː']], // alone unstressed `i`; stressed in the frame, `i:`
  ['u', 'full', ['u:', 'uː'], ['u:', 'uː']],
  ['ʊ', 'full', ['U', 'ʊ'], ['U', 'ʊ']],
  ['ʌ', 'full', ['V', 'ʌ'], ['V', 'ʌ']],
  ['ə', 'reduced', ['@', 'ə'], ['@', 'ə']],
  ['ᵊ', 'reduced', ['@', 'ə'], ['@', 'ə']],
  ['ɐ', 'reduced', ['a#', 'ɐ'], ['a#', 'ɐ']],
  ['ɚ', 'reduced', ['3', 'ɚ'], ['@', 'ə']], // British is not rhotic
  ['əɹ', 'reduced', ['3', 'ɚ'], ['@|r', 'ər']],
  ['ᵻ', 'reduced', ['I#', 'ᵻ'], ['I', 'ɪ']],
  ['ʤ', 'consonant', ['dZ', 'dʒ'], ['dZ', 'dʒ']],
  ['ʧ', 'consonant', ['tS', 'tʃ'], ['tS', 'tʃ']],
  ['ʦ', 'consonant', ['ts', 'ts'], ['ts', 'ts']],
  ['ʣ', 'consonant', ['dz', 'dz'], ['dz', 'dz']],
  ...[...'bdfhjklmnpsvwz'].map((c) => [c, 'consonant', [c, c], [c, c]] as const),
  ['t', 'consonant', ['t', 'ɾ'], ['t', 't']], // espeak flaps an American t between vowels itself
  ['ɡ', 'consonant', ['g', 'ɡ'], ['g', 'ɡ']],
  ['ŋ', 'consonant', ['N', 'ŋ'], ['N', 'ŋ']],
  ['ɹ', 'consonant', ['r', 'ɹ'], ['r', 'ɹ']],
  ['r', 'consonant', ['r', 'ɹ'], ['r', 'ɹ']],
  ['ʃ', 'consonant', ['S', 'ʃ'], ['S', 'ʃ']],
  ['ʒ', 'consonant', ['Z', 'ʒ'], ['Z', 'ʒ']],
  ['ð', 'consonant', ['D', 'ð'], ['D', 'ð']],
  ['θ', 'consonant', ['T', 'θ'], ['T', 'θ']],
  ['ʔ', 'consonant', ['?', 'ʔ'], ['?', 'ʔ']],
  ['x', 'consonant', ['x', 'x'], ['x', 'x']],
  ['ç', 'consonant', ['C', 'ç'], ['C', 'ç']],
  ['T', 'consonant', ['t#', 'ɾ'], ['t', 't']], // misaki's flap (Kokoro v1.0's T); British has none
  ['ɾ', 'consonant', ['t#', 'ɾ'], ['t', 't']],
];

/** Kokoro's symbols that no English espeak-ng voice has a phoneme for: dropped and reported. */
const UNSPEAKABLE = '\u0303ʥʨᵝꭧSceoqyβɕɖɟɥɨʝɯɰɳɲɴøɸœɻʁɽʂʈʋɣɤχʎʰʲ↓→↗↘ː';
/** Kokoro's vocab entries that are punctuation or space, never phonemes of a word (validate.ts). */
const NOT_PHONEMES = ';:,.!?—…"()“” ';

const VOICES: Readonly<Record<EspeakDialect, string>> = { us: 'en-us', gb: 'en-gb-x-rp' };

const FRAMES = {
  full: { word: (s: string) => `bˈ${s}d`, from: 1 },
  reduced: { word: (s: string) => `ˈæb${s}d`, from: 2 },
  consonant: { word: (s: string) => `ˈæ${s}ə`, from: 1 },
} as const;

/** What espeak-ng says it spoke for Kokoro phonemes, after conversion: its IPA, pauses out. */
async function spoken(phonemes: string, dialect: EspeakDialect): Promise<string[]> {
  const { mnemonics, dropped } = toMnemonics(phonemes, dialect);
  assert.deepEqual(dropped, [], `${phonemes}: nothing dropped`);
  return spokenPhonemes(`[[${mnemonics}]]`, VOICES[dialect]);
}

describe('Kokoro phonemes → espeak-ng mnemonics', () => {
  test('which voices read which names: en-us American, every other English British, other languages none', () => {
    assert.equal(dialectOf('en-us'), 'us');
    assert.equal(dialectOf('en-us+f3'), 'us');
    assert.equal(dialectOf('en-gb-x-rp'), 'gb');
    assert.equal(dialectOf('en'), 'gb');
    assert.equal(dialectOf('en-029+m1'), 'gb');
    assert.equal(dialectOf('es'), null);
    assert.equal(dialectOf('eng'), null);
  });

  for (const dialect of ['us', 'gb'] as const) {
    test(`${dialect}: every symbol becomes its mnemonic, and espeak-ng speaks the intended sound`, async () => {
      for (const [kokoro, frame, ...expects] of SYMBOLS) {
        const [mnemonic, ipa] = expects[dialect === 'us' ? 0 : 1];
        assert.deepEqual(toMnemonics(kokoro, dialect), { mnemonics: mnemonic, dropped: [] }, `${kokoro} (${dialect})`);
        const { word, from } = FRAMES[frame];
        const heard = (await spoken(word(kokoro), dialect)).slice(from, -1).join('');
        assert.equal(heard, frame === 'full' ? `ˈ${ipa}` : ipa, `${kokoro} in ${word(kokoro)} (${dialect})`);
      }
    });
  }

  test('every symbol of Kokoro’s vocab is converted, dropped and reported, or not a phoneme at all', () => {
    for (const symbol of KOKORO_VOCAB.keys()) {
      if (NOT_PHONEMES.includes(symbol)) continue;
      const name = `${symbol} U+${symbol.codePointAt(0)!.toString(16)}`;
      for (const dialect of ['us', 'gb'] as const) {
        const converted = toMnemonics(`bˈ${symbol}d`, dialect);
        if (UNSPEAKABLE.includes(symbol)) assert.deepEqual(converted, { mnemonics: "b|'|d", dropped: [symbol] }, `${name}: dropped`);
        else assert.deepEqual(converted.dropped, [], `${name}: converted`);
      }
    }
  });

  test('symbols without a phoneme are dropped in place and listed once per occurrence', () => {
    assert.deepEqual(toMnemonics('ʁˈaʁɯ', 'us'), { mnemonics: "'|a", dropped: ['ʁ', 'ʁ', 'ɯ'] });
    assert.deepEqual(toMnemonics('ʁ', 'gb'), { mnemonics: '', dropped: ['ʁ'] });
  });

  test('adjacent letters that would read as one espeak name stay two phonemes', async () => {
    // a + ɪ is not the diphthong aI; ɔ + ɪ is not OI.
    assert.deepEqual(await spoken('bˈæɪd', 'us'), ['b', 'ˈæ', 'ɪ', 'd']);
    assert.deepEqual(await spoken('bˈɔɪd', 'us'), ['b', 'ˈɔɪ', 'd'], 'written as the diphthong it is');
  });

  // Whole words: what espeak-ng says it spoke, against the IPA the Kokoro phonemes mean. espeak
  // names its non-prevocalic r `r` (its phoneme r/), which is ɹ here; and its American schwa
  // before r is r-coloured (ɚɹ).
  const WORDS: readonly (readonly [EspeakDialect, string, string])[] = [
    ['us', 'kˈOkəɹO', 'kˈoʊkɚɹoʊ'],
    ['us', 'ˈɛnʤɪnˌɛks', 'ˈɛndʒɪnˌɛks'],
    ['us', 'təmˈAɾO', 'təmˈeɪɾoʊ'],
    ['us', 'bˈʌTəɹ', 'bˈʌɾɚ'],
    ['us', 'bˈʌTəɹˈɪz', 'bˈʌɾɚɹˈɪz'],
    ['us', 'wˈɑntᵻd', 'wˈɑːntᵻd'],
    ['us', 'sˈi', 'sˈiː'],
    ['us', 'hˈæpi', 'hˈæpi'],
    ['us', 'bˈɜɹd', 'bˈɜːd'],
    ['us', 'ˌʌndəɹstˈænd', 'ˌʌndɚstˈænd'],
    ['us', 'θˈɪŋk', 'θˈɪŋk'],
    ['us', 'ʧˈɜɹʧ', 'tʃˈɜːtʃ'],
    ['us', 'mˈɛʒəɹ', 'mˈɛʒɚ'],
    ['us', 'bˈYl', 'bˈɔɪl'],
    ['us', 'zˈɔɹbli', 'zˈɔɹbli'],
    ['gb', 'kˈQkəɹQ', 'kˈəʊkəɹəʊ'],
    ['gb', 'təmˈɑːtQ', 'təmˈɑːtəʊ'],
    ['gb', 'təmˈɑːtəʊ', 'təmˈɑːtəʊ'],
    ['gb', 'sˈiː', 'sˈiː'],
    ['gb', 'bˈɜːd', 'bˈɜːd'],
    ['gb', 'lˈɒt', 'lˈɒt'],
    ['gb', 'θˈɔːt', 'θˈɔːt'],
    ['gb', 'ˌʌndəstˈand', 'ˌʌndəstˈænd'],
    ['gb', 'ɡˈʊd', 'ɡˈʊd'],
  ];

  test('whole words round-trip: espeak-ng speaks the stresses and sounds the Kokoro phonemes mean', async () => {
    for (const [dialect, kokoro, ipa] of WORDS) {
      const heard = (await spoken(kokoro, dialect)).join('').replace(/r/g, 'ɹ');
      assert.equal(heard, ipa, `${kokoro} (${dialect}) as ${toMnemonics(kokoro, dialect).mnemonics}`);
    }
  });
});
