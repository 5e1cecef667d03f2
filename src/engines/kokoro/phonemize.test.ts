import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { EspeakEngine } from '../espeak/engine.js';
import { ESPEAK_VOICES, KOKORO_LANGUAGES, phonemizeText, toKokoroPhonemes, type KokoroLanguage } from './phonemize.js';
import { tokenize } from './tokens.js';

// Expectations are worked out from the rules (misaki/espeak.py, kokoro.js phonemize.js) applied
// to what the bundled espeak-ng (@echogarden/espeak-ng-emscripten) writes for these words.

describe('toKokoroPhonemes (espeak IPA in, no engine)', () => {
  const cases: [KokoroLanguage, string, string][] = [
    // o^ʊ → O, ɜː → ɜɹ (American); ə^ʊ → Q, ː kept (British)
    ['en-us', 'h_ə_l_ˈoʊ w_ˈɜː_l_d\n', 'həlˈO wˈɜɹld'],
    ['en-gb', 'h_ə_l_ˈəʊ w_ˈɜː_l_d\n', 'həlˈQ wˈɜːld'],
    // misaki EN_PHONES.md's own example: one tʃ phoneme → ʧ, t_ʃ across a boundary stays tʃ
    ['en-us', 'm_ˈɜː_tʃ_ə_n_t_ʃ_ˌɪ_p', 'mˈɜɹʧəntʃˌɪp'],
    ['en-gb', 'm_ˈɜː_tʃ_ə_n_t_ʃ_ˌɪ_p', 'mˈɜːʧəntʃˌɪp'],
    // diphthongs
    ['en-us', 'p_ɹ_ˈaɪ_s m_ˈaʊ_θ tʃ_ˈɔɪ_s f_ˈeɪ_s dʒ_ˈʌ_dʒ', 'pɹˈIs mˈWθ ʧˈYs fˈAs ʤˈʌʤ'],
    // flap → T, ɚ → əɹ, ə^l → ᵊl, ʔn̩ → ʔn → tn
    ['en-us', 'b_ˈʌ_ɾ_ɚ b_ˈɑː_ɾ_əl b_ˈʌ_ʔ_n̩', 'bˈʌTəɹ bˈɑTᵊl bˈʌtn'],
    // espeak's linking r after ɚ is not doubled
    ['en-us', 'b_ˈʌ_ɾ_ɚɹ ɪ_z', 'bˈʌTəɹ ɪz'],
    // British square / near (see DEVIATIONS in phonemize.ts), ɐ → ə, æ → a
    ['en-gb', 's_k_w_ˈeə aɪ_d_ˈiə l_ˈɛ_t_ɐ t_ɹ_ˈæ_p', 'skwˈɛː Idˈɪə lˈɛtə tɹˈap'],
    // American: ː dropped, leftover o → ɔ, ɪə → iə
    ['en-us', 'm_ˈoːɹ θ_ˈɔː_t m_ˈɪ_l_ɪə_n', 'mˈɔɹ θˈɔt mˈɪliən'],
    // kokoro.js: ninety → nˈIndi but not nineteen; "Kokoro"; "…teen" + "hundred" split
    ['en-us', 'n_ˈaɪ_n_t_i n_ˈaɪ_n_t_iː_n', 'nˈIndi nˈIntin'],
    ['en-gb', 'n_ˈaɪ_n_t_i', 'nˈInti'],
    ['en-us', 'k_ə_k_ˈɔː_ɹ_oʊ', 'kˈOkəɹO'],
    ['en-gb', 'k_ə_k_ˈɔː_ɹ_əʊ', 'kˈQkəɹQ'],
    ['en-us', 'n_ˈaɪ_n_t_iː_n_h_ˈʌ_n_d_ɹ_ɪ_d', 'nˈIntin hˈʌndɹɪd'],
    // English only: x → k, r → ɹ
    ['en-gb', 'l_ˈɒ_x b_ˈa_r', 'lˈɒk bˈaɹ'],
    // EspeakG2P languages keep x and r, merge d^z t^s s^s, drop hyphens
    ['es', 'x_w_ˈe_ɣ_a p_ˈe_r_o', 'xwˈeɣa pˈero'],
    ['it', 'b_ʊ_o_n_ˈi_ss_i_m_ɪ dz_ˈu_pː_a p_ˈi_tsː_a', 'bʊonˈiSimɪ ʣˈupːa pˈiʦːa'],
    ['fr-fr', 'l_e-_z ɑ̃_f_ˈɑ̃ ʒ_ə-', 'lez ɑ̃fˈɑ̃ ʒə'],
    ['pt-br', 'n_ˌɐ̃ʊ̃ s_ˈeɪ l_ˈeɪ_tʃ_j', 'nˌɐ̃ʊ̃ sˈA lˈAʧj'],
    ['hi', 'bʰ_ˈaː_ɾ_ə_t', 'bʰˈaːɾət'],
    // language-switch flags go
    ['ja', '_(en)_tʃ_ˈaɪ_n_iː_z_(ja)_l', 'ʧˈIniːzl'],
    ['ja', 'k_ˌo̞_n_n_i_tɕ_ˈi_h_ä s_ˈɯᵝ_ɕ_i', 'kˌonniʨˈiha sˈɯɕi'],
    // cmn: tones (digits, ɜ) dropped, Kirshenbaum leftovers mapped
    ['cmn', 'n_iɜ_χ_ˈɑu2_ ts.h_ˈi.5_ tɕh_ˈy5_', 'nixˈɑu ꭧʰˈɨ ʨʰˈy'],
  ];
  for (const [language, ipa, expected] of cases) {
    test(`${language} ${JSON.stringify(ipa)}`, () => assert.equal(toKokoroPhonemes(ipa, language), expected));
  }

  test('every language has an espeak voice', () => {
    assert.deepEqual(Object.keys(ESPEAK_VOICES).sort(), [...KOKORO_LANGUAGES].sort());
  });
});

describe('phonemizeText: punctuation handling (recording fake espeak)', () => {
  function fake(): { calls: string[]; espeak: { phonemize(text: string, base: string): string } } {
    const calls: string[] = [];
    return {
      calls,
      // Every word becomes "w" + its length, so that the output shows what was sent.
      espeak: {
        phonemize(text: string, base: string): string {
          calls.push(`${base}:${text}`);
          return `${text.split(/\s+/).filter(Boolean).map((w) => `w_${Array.from(w).length}`).join(' ')}\n`;
        },
      },
    };
  }

  test('splits on punctuation and puts the vocab punctuation back', () => {
    const { calls, espeak } = fake();
    const out = phonemizeText(espeak, 'Hello, big world! (Yes) — “no”… ok; fine: done?', 'es');
    assert.deepEqual(calls, ['es:Hello', 'es:big world', 'es:Yes', 'es:no', 'es:ok', 'es:fine', 'es:done']);
    assert.equal(out.phonemes, 'w5, w3 w5! (w3) — “w2”… w2; w4: w4?');
    assert.equal(out.pieces.join('').replace(/\s+/g, ' ').trim(), out.phonemes);
  });

  test('marks the vocab lacks only separate; quotes and CJK punctuation normalised', () => {
    const { calls, espeak } = fake();
    assert.equal(phonemizeText(espeak, '¡Hola! ¿Qué tal?', 'es').phonemes, 'w4! w3 w3?');
    assert.equal(phonemizeText(espeak, '«Oui» [note]', 'fr-fr').phonemes, '“w3” w4');
    assert.equal(phonemizeText(espeak, '你好，世界。', 'cmn').phonemes, 'w2, w2.');
    assert.equal(phonemizeText(espeak, 'नमस्ते। आप', 'hi').phonemes, 'w6. w2');
    assert.deepEqual(calls.slice(0, 3), ['es:Hola', 'es:Qué tal', 'fr:Oui']);
  });

  test('numbers keep their . , : for espeak', () => {
    const { calls, espeak } = fake();
    phonemizeText(espeak, 'Pi is 3.14, not 1,000. At 12:30: go.', 'en-us');
    assert.deepEqual(calls, ['en-us:Pi is 3.14', 'en-us:not 1,000', 'en-us:At 12:30', 'en-us:go']);
  });

  test('English abbreviations (kokoro.js) do not end a sentence', () => {
    const { calls, espeak } = fake();
    phonemizeText(espeak, 'Mr. Smith met Dr. Jones, Mrs. Lee etc. today. Pears etc. Apples etc.', 'en-gb');
    assert.deepEqual(calls, ['en:Mister Smith met Doctor Jones', 'en:Mrs Lee etc today', 'en:Pears etc', 'en:Apples etc']);
    const other = fake();
    phonemizeText(other.espeak, 'Mr. Smith', 'fr-fr');
    assert.deepEqual(other.calls, ['fr:Mr', 'fr:Smith'], 'English only');
  });

  test('whitespace collapsed, line breaks included', () => {
    const { espeak } = fake();
    assert.equal(phonemizeText(espeak, '  a\n\n b ,\t c  ', 'it').phonemes, 'w1 w1 , w1');
    assert.deepEqual(phonemizeText(espeak, ' ... ', 'it'), { phonemes: '...', pieces: ['...'] });
  });
});

describe('phonemizeText with espeak-ng', () => {
  let espeak: EspeakEngine;
  before(async () => {
    espeak = await EspeakEngine.load();
  });

  const english: [KokoroLanguage, string, string][] = [
    ['en-us', 'Hello world.', 'həlˈO wˈɜɹld.'],
    ['en-us', 'Hello, world! How are you today?', 'həlˈO, wˈɜɹld! hˌW ɑɹ ju tədˈA?'],
    [
      'en-us',
      'Merchantship: church, judge, boy, mouth, price, face, goat, nurse.',
      'mˈɜɹʧəntʃˌɪp: ʧˈɜɹʧ, ʤˈʌʤ, bˈY, mˈWθ, pɹˈIs, fˈAs, ɡˈOt, nˈɜɹs.',
    ],
    [
      'en-us',
      'The butter is better; the water is cold — I think… “Really?” (Yes.)',
      'ðə bˈʌTəɹ ɪz bˈɛTəɹ; ðə wˈɔTəɹ ɪz kˈOld — I θˈɪŋk… “ɹˈiəli?” (jˈɛs.)',
    ],
    ['en-us', 'Kokoro is ninety-nine percent ready, not nineteen.', 'kˈOkəɹO ɪz nˈIndinˈIn pəɹsˈɛnt ɹˈɛdi, nˌɑt nˈIntin.'],
    ['en-us', "The cat's toy and X's mark, button and bottle.", 'ðə kˈæts tˈY ænd ˈɛksᵻz mˈɑɹk, bˈʌtn ænd bˈɑTᵊl.'],
    [
      'en-us',
      'Mr. Smith has 3.5 apples, Dr. Who has 1,000 and it’s 12:30.',
      'mˈɪstəɹ smˈɪθ həz θɹˈi pYnt fˈIv ˈæpᵊlz, dˈɑktəɹ hˌu həz wˈʌn θˈWzənd ænd ɪts twˈɛlv θˈɜɹTi.',
    ],
    ['en-gb', 'Hello world.', 'həlˈQ wˈɜːld.'],
    [
      'en-gb',
      'The butter is better; the water is cold. Square hair, near here.',
      'ðə bˈʌtəɹ ɪz bˈɛtə; ðə wˈɔːtəɹ ɪz kˈQld. skwˈɛː hˈɛː, nˌɪə hˈɪə.',
    ],
    ['en-gb', "Kokoro is a lovely idea, isn't it?", 'kˈQkəɹQ ɪz ə lˈʌvli Idˈɪə, ˈɪzənt ɪt?'],
    ['en-gb', 'I bought an apple and a banana.', 'I bˈɔːt ən ˈapᵊl and ə bənˈɑːnə.'],
    ['en-gb', 'Thought, nurse, cure, bottle, button, hour.', 'θˈɔːt, nˈɜːs, kjˈʊə, bˈɒtᵊl, bˈʌtən, ˈWə.'],
  ];
  for (const [language, text, expected] of english) {
    test(`${language}: ${text}`, () => {
      const { phonemes } = phonemizeText(espeak, text, language);
      assert.equal(phonemes, expected);
      const unknown: string[] = [];
      tokenize(phonemes, (s) => unknown.push(s));
      assert.deepEqual(unknown, []);
    });
  }

  const others: [KokoroLanguage, string][] = [
    ['es', '¡Hola! ¿Cómo estás hoy? El perro corre rápido por la calle, y el niño juega.'],
    ['fr-fr', 'Bonjour, comment allez-vous aujourd’hui ? Un bon vin blanc, c’est très important !'],
    ['it', 'Buongiorno, come stai oggi? Gli gnocchi sono buonissimi; ma la zuppa è fredda.'],
    ['pt-br', 'Olá, como você está hoje? Não sei se ele vem amanhã com os irmãos.'],
    ['hi', 'नमस्ते, आप कैसे हैं? मेरा नाम राम है और मैं भारत से हूँ।'],
  ];
  for (const [language, text] of others) {
    test(`${language}: only vocab symbols, punctuation kept`, () => {
      const { phonemes } = phonemizeText(espeak, text, language);
      const unknown: string[] = [];
      const ids = tokenize(phonemes, (s) => unknown.push(s));
      assert.deepEqual(unknown, [], phonemes);
      assert.ok(ids.length > 20, phonemes);
      // The kept punctuation, in order: what the text has (¡ ¿ dropped, । → .).
      const punctuation = (s: string): string => s.replace(/[^;:,.!?—…"()“”]/g, '');
      const expected = punctuation(text.replace(/।/g, '.'));
      assert.equal(punctuation(phonemes), expected);
      assert.ok(expected.length >= 3);
      assert.doesNotMatch(phonemes, /[_^\n]|\s\s/);
    });
  }

  test('ja and cmn (rough fallbacks) give vocab symbols for kana and hanzi', () => {
    for (const [language, text] of [
      ['ja', 'こんにちは、おげんきですか。'],
      ['cmn', '你好，今天天气很好。'],
    ] as const) {
      const { phonemes } = phonemizeText(espeak, text, language);
      const unknown: string[] = [];
      tokenize(phonemes, (s) => unknown.push(s));
      assert.deepEqual(unknown, [], `${language}: ${phonemes}`);
      assert.match(phonemes, /^[^,]+, [^.]+\.$/, phonemes);
    }
  });
});

test('inline pronunciations reach the phonemes as written, the rest read as before', async () => {
  const { EspeakEngine } = await import('../espeak/engine.js');
  const espeak = await EspeakEngine.load();
  const plain = phonemizeText(espeak, 'Say it now.', 'en-us').phonemes;
  const marked = phonemizeText(espeak, 'Say [it](/kˈOkəɹO/) now.', 'en-us').phonemes;
  assert.ok(marked.includes('kˈOkəɹO'), marked);
  assert.equal(marked.replace('kˈOkəɹO', ''), plain.replace(phonemizeText(espeak, 'it', 'en-us').phonemes.replace(/[.]/g, ''), ''), `${marked} vs ${plain}`);
  assert.equal(phonemizeText(espeak, '[Kokoro](/kˈOkəɹO/).', 'en-us').phonemes, 'kˈOkəɹO.');
});
