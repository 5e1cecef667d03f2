/**
 * How closely the lexicon-first English G2P agrees with misaki's gold lexicons: on a seeded
 * sample of in-lexicon words, alone and inside a sentence, through the whole path Kokoro uses
 * (phonemizeText with the real espeak-ng as fallback); and, for the rules, on inflected lexicon
 * words that are taken out of the lexicon and predicted from their stems. The figures are
 * printed; the README quotes them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { MISAKI_LEXICON_DIR } from '../../../test-support/fixtures.js';
import { EspeakEngine } from '../../espeak/engine.js';
import { phonemizeText } from '../phonemize.js';
import { Lexicon, capitalize, entryPhonemes, type Entry } from './lexicon.js';
import type { LexiconLanguage } from './lexicon-files.js';
import { EnglishWords } from './words.js';

const skip = MISAKI_LEXICON_DIR === undefined ? 'misaki lexicons not on this machine (../shared/data/misaki)' : false;
const FILES: Record<LexiconLanguage, { gold: string; silver: string }> = {
  'en-us': { gold: 'us_gold.json', silver: 'us_silver.json' },
  'en-gb': { gold: 'gb_gold.json', silver: 'gb_silver.json' },
};

/** mulberry32: a small seeded generator, so every run samples the same words. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sample<T>(items: readonly T[], n: number, seed: number): T[] {
  const next = random(seed);
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, n);
}

/** Kokoro v1.0's form of lexicon phonemes (what phonemizeText gives). */
const v1 = (ps: string): string => ps.replaceAll('ɾ', 'T').replaceAll('ʔ', 't');
const percent = (hits: number, total: number): string => `${((100 * hits) / total).toFixed(1)}%`;

/** Phoneme error rate: Levenshtein distance over code points / reference length. */
function editDistance(a: string, b: string): number {
  const x = Array.from(a);
  const y = Array.from(b);
  let row = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const next = [i];
    for (let j = 1; j <= y.length; j++) next[j] = Math.min(row[j]! + 1, next[j - 1]! + 1, row[j - 1]! + (x[i - 1] === y[j - 1] ? 0 : 1));
    row = next;
  }
  return row[y.length]!;
}

const SAMPLE = 3000;
const SEED = 20_260_101;

for (const language of ['en-us', 'en-gb'] as const) {
  describe(`English G2P against misaki's ${language} gold lexicon`, { skip }, () => {
    let espeak: EspeakEngine;
    let lexicon: Lexicon;
    let gold: Record<string, Entry>;
    let silver: Record<string, Entry>;
    before(async () => {
      espeak = await EspeakEngine.load();
      gold = JSON.parse(readFileSync(join(MISAKI_LEXICON_DIR!, FILES[language].gold), 'utf8')) as Record<string, Entry>;
      silver = JSON.parse(readFileSync(join(MISAKI_LEXICON_DIR!, FILES[language].silver), 'utf8')) as Record<string, Entry>;
      lexicon = Lexicon.fromTables(language, gold, silver);
    });

    test(`≥ 97% exact agreement on ${SAMPLE} sampled gold words, alone and in a sentence`, () => {
      const words = sample(Object.keys(gold), SAMPLE, SEED);
      const prefix = phonemizeText(espeak, 'We saw', language, lexicon).phonemes;
      const suffix = phonemizeText(espeak, 'here.', language, lexicon).phonemes;
      let alone = 0;
      let inSentence = 0;
      let ignoringStress = 0;
      let errors = 0;
      let length = 0;
      let espeakAlone = 0;
      const misses: string[] = [];
      for (const word of words) {
        const expected = v1(entryPhonemes(gold[word]!));
        const got = phonemizeText(espeak, word, language, lexicon).phonemes;
        if (got === expected) alone++;
        else if (misses.length < 15) misses.push(`${word}: ${got} ≠ ${expected}`);
        if (got.replace(/[ˈˌ]/g, '') === expected.replace(/[ˈˌ]/g, '')) ignoringStress++;
        errors += editDistance(got, expected);
        length += Array.from(expected).length;
        if (phonemizeText(espeak, word, language, null).phonemes === expected) espeakAlone++;
        const sentence = phonemizeText(espeak, `We saw ${word} here.`, language, lexicon).phonemes;
        if (sentence === `${prefix} ${expected} ${suffix}`) inSentence++;
      }
      console.log(
        `${language} gold, ${SAMPLE} words (seed ${SEED}): exact ${percent(alone, SAMPLE)} alone, ${percent(inSentence, SAMPLE)} in a sentence; ` +
          `ignoring stress ${percent(ignoringStress, SAMPLE)}; phoneme error rate ${percent(errors, length)}; espeak-ng alone ${percent(espeakAlone, SAMPLE)}\n  e.g. ${misses.join('\n  ')}`,
      );
      assert.ok(alone / SAMPLE >= 0.97, `alone: ${percent(alone, SAMPLE)}`);
      assert.ok(inSentence / SAMPLE >= 0.97, `in a sentence: ${percent(inSentence, SAMPLE)}`);
      assert.ok(espeakAlone < alone, 'the lexicon path agrees more often than espeak-ng alone');
    });

    test('the rules: inflected gold words taken out of the lexicon, predicted from their stems', () => {
      // Words whose stem (by spelling) the gold lexicon has; each is hidden in turn (with its
      // case variants, from gold and silver) and predicted by the rules alone.
      const goldCopy: Record<string, Entry> = { ...gold };
      const silverCopy: Record<string, Entry> = { ...silver };
      const hidden = Lexicon.fromTables(language, goldCopy, silverCopy);
      const words = new EnglishWords(hidden);
      const suffixes: Record<string, RegExp> = { "-s/-'s": /(?:s|'s)$/, '-ed': /ed$/, '-ing': /ing$/, '-ly': /ly$/, '-er/-est': /(?:er|est)$/ };
      // Stems by spelling, per suffix: what a reader would call the word's stem.
      const has = (stem: string, w: string): boolean => stem.length >= 2 && stem !== w && stem in gold;
      const doubled = (base: string): string => (/([bdgklmnprtvz])\1$/.test(base) ? base.slice(0, -1) : '');
      const stems: Record<string, (w: string) => string[]> = {
        "-s/-'s": (w) => (w.endsWith("'s") ? [w.slice(0, -2)] : w.endsWith('ss') ? [] : [w.slice(0, -1), w.endsWith('es') ? w.slice(0, -2) : '', w.endsWith('ies') ? `${w.slice(0, -3)}y` : '']),
        '-ed': (w) => [w.slice(0, -1), w.slice(0, -2), doubled(w.slice(0, -2)), w.endsWith('ied') ? `${w.slice(0, -3)}y` : ''],
        '-ing': (w) => [w.slice(0, -3), `${w.slice(0, -3)}e`, doubled(w.slice(0, -3))],
        '-ly': (w) => [w.slice(0, -2), w.endsWith('ily') ? `${w.slice(0, -3)}y` : '', w.endsWith('ally') ? w.slice(0, -4) : '', `${w.slice(0, -2)}le`, w.endsWith('lly') ? w.slice(0, -1) : ''],
        '-er/-est': (w) => {
          const base = w.endsWith('est') ? w.slice(0, -3) : w.slice(0, -2);
          return [base, `${base}e`, doubled(base), base.endsWith('i') ? `${base.slice(0, -1)}y` : ''];
        },
      };
      const stemOf = (w: string, name: string): boolean => stems[name]!(w).some((s) => has(s, w));
      const lines: string[] = [];
      let allHits = 0;
      let allTotal = 0;
      for (const [name, pattern] of Object.entries(suffixes)) {
        const candidates = Object.keys(gold).filter((w) => /^[a-z']+$/.test(w) && pattern.test(w) && typeof gold[w] === 'string' && stemOf(w, name));
        // The rules were tuned while looking at the misses of seed SEED + 1; the figures reported
        // are of SEED + 2, whose words were not looked at (the samples overlap by chance only).
        const chosen = sample(candidates, 400, SEED + 2);
        let hits = 0;
        const misses: string[] = [];
        for (const w of chosen) {
          const variants = [w, capitalize(w), w.toUpperCase()];
          const saved = variants.map((v) => [v, goldCopy[v], silverCopy[v]] as const);
          for (const v of variants) {
            delete goldCopy[v];
            delete silverCopy[v];
          }
          const got = words.word(w);
          for (const [v, g, s] of saved) {
            if (g !== undefined) goldCopy[v] = g;
            if (s !== undefined) silverCopy[v] = s;
          }
          const expected = entryPhonemes(gold[w]!);
          if (got === expected) hits++;
          else if (misses.length < 6) misses.push(`${w}: ${got} ≠ ${expected}`);
        }
        allHits += hits;
        allTotal += chosen.length;
        lines.push(`${name}: ${percent(hits, chosen.length)} of ${chosen.length} (e.g. ${misses.join(', ')})`);
      }
      console.log(`${language} rules on held-out inflected gold words: ${percent(allHits, allTotal)} of ${allTotal}\n  ${lines.join('\n  ')}`);
      assert.ok(allHits / allTotal >= 0.7, `rules: ${percent(allHits, allTotal)}`);
    });
  });
}

describe('English G2P: context rules, case, hyphens, numbers and the espeak fallback', { skip }, () => {
  let espeak: EspeakEngine;
  let lexicon: Lexicon;
  before(async () => {
    espeak = await EspeakEngine.load();
    const read = (name: string): Record<string, Entry> => JSON.parse(readFileSync(join(MISAKI_LEXICON_DIR!, name), 'utf8')) as Record<string, Entry>;
    lexicon = Lexicon.fromTables('en-us', read('us_gold.json'), read('us_silver.json'));
  });
  const us = (text: string): string => phonemizeText(espeak, text, 'en-us', lexicon).phonemes;

  test('"the", "to", "a" by the next sound; "have read" its participle, "I read" the DEFAULT', () => {
    assert.equal(us('the apple, the pear'), 'ði ˈæpᵊl, ðə pˈɛɹ');
    assert.equal(us('to eat to go'), 'tʊ ˈit tə ɡˌO');
    assert.equal(us('a cat'), 'ɐ kˈæt');
    assert.equal(us('I have read it.'), 'ˌI hæv ɹˈɛd ɪt.');
    assert.equal(us('I read it.'), 'ˌI ɹˈid ɪt.');
    assert.equal(us('I used to'), `ˌI jˈust ${entryPhonemes(lexicon.goldEntry('to')!)}`);
  });

  test('case: a Capitalised word as its lower case; an acronym the lexicon lacks is spelled', () => {
    assert.equal(us('Hello'), us('hello'));
    assert.equal(us('FBI'), 'ˌɛfbˌiˈI');
  });

  test('hyphenated words join their parts; digits and unknown words go to espeak-ng', () => {
    assert.equal(us('well-known'), 'wˌɛlnˈOn');
    assert.equal(us('3 cats'), `${phonemizeText(espeak, '3', 'en-us', null).phonemes} kˈæts`);
    assert.match(us('3 cats'), /^θɹˈi/);
    assert.equal(us('Zyzzyvaquux'), phonemizeText(espeak, 'Zyzzyvaquux', 'en-us', null).phonemes);
  });

  test('inflections of lexicon words the lexicon lacks', () => {
    // Each built from its stem by a rule: none of them is in either American lexicon.
    const words = new EnglishWords(lexicon);
    const expected: Record<string, string> = {
      "cat's": 'kˈæts', // -'s after a voiceless stop
      lexicons: 'lˈɛksəkˌɑnz',
      doorknobs: 'dˈɔɹnˌɑbz',
      tokenized: 'tˈOkənˌIzd',
      blogged: 'blˈɑɡd', // doubled consonant
      snowboarded: 'snˈObˌɔɹdᵻd', // -ed after d
    };
    for (const [w, ps] of Object.entries(expected)) {
      assert.equal(lexicon.entry(w), undefined, `${w} is not in the lexicon`);
      assert.equal(words.word(w), ps, w);
    }
  });
});
