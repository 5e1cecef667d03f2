import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitForModel, styleRowIndex, toModelInput, tokenize } from './tokens.js';
import { KOKORO_VOCAB, MAX_PHONEME_TOKENS } from './vocab.js';

const squash = (s: string): string => s.replace(/\s+/g, '');
const length = (s: string): number => Array.from(s).length;

/** Asserts the invariants every split must keep, and returns the chunks. */
function checkedSplit(input: string, max?: number): string[] {
  const chunks = max === undefined ? splitForModel(input) : splitForModel(input, max);
  const limit = max ?? MAX_PHONEME_TOKENS;
  for (const chunk of chunks) {
    assert.ok(length(chunk) <= limit, `chunk of ${length(chunk)} > ${limit}: ${chunk.slice(0, 40)}…`);
    assert.ok(chunk.length > 0 && chunk === chunk.trim(), 'chunks are non-empty and trimmed');
  }
  assert.equal(squash(chunks.join('')), squash(input), 'nothing lost but whitespace');
  return chunks;
}

describe('tokenize', () => {
  test('maps every vocab symbol to its id', () => {
    for (const [symbol, id] of KOKORO_VOCAB) assert.deepEqual(tokenize(symbol), [id], JSON.stringify(symbol));
    const all = [...KOKORO_VOCAB.keys()].join('');
    assert.deepEqual(tokenize(all), [...KOKORO_VOCAB.values()]);
  });

  test('a phoneme string, code point by code point', () => {
    // h ə l ˈ O ␠ w ˈ ɜ ɹ l d .
    assert.deepEqual(tokenize('həlˈO wˈɜɹld.'), [50, 83, 54, 156, 31, 16, 65, 156, 87, 123, 54, 46, 4]);
    // a combining tilde is its own token
    assert.deepEqual(tokenize('ɑ̃'), [69, 17]);
  });

  test('drops unknown symbols and reports each one', () => {
    const unknown: string[] = [];
    const ids = tokenize('hX_ə^l\u0329g', (symbol) => unknown.push(symbol));
    assert.deepEqual(ids, [50, 83, 54]);
    assert.deepEqual(unknown, ['X', '_', '^', '\u0329', 'g']);
    assert.deepEqual(tokenize('X'), [], 'no callback needed');
  });
});

describe('toModelInput', () => {
  test('frames ids with the pad token as int64', () => {
    const input = toModelInput([50, 83, 54]);
    assert.ok(input instanceof BigInt64Array);
    assert.deepEqual([...input], [0n, 50n, 83n, 54n, 0n]);
    assert.deepEqual([...toModelInput([])], [0n, 0n]);
  });

  test('takes 510 ids, not 511', () => {
    const full = toModelInput(new Array<number>(510).fill(16));
    assert.equal(full.length, 512);
    assert.equal(full[0], 0n);
    assert.equal(full[511], 0n);
    assert.throws(() => toModelInput(new Array<number>(511).fill(16)), RangeError);
  });
});

describe('styleRowIndex', () => {
  test('row N for N phoneme tokens', () => {
    for (let n = 1; n <= 10; n++) assert.equal(styleRowIndex(n), n);
    assert.equal(styleRowIndex(509), 509);
  });

  test('clamped to the last row', () => {
    assert.equal(styleRowIndex(510), 509);
    assert.equal(styleRowIndex(600), 509);
  });
});

describe('splitForModel', () => {
  test('short input is one chunk; empty input none', () => {
    assert.deepEqual(checkedSplit('  həlˈO,  wˈɜɹld. '), ['həlˈO, wˈɜɹld.']);
    assert.deepEqual(splitForModel('   '), []);
    const exact = 'a'.repeat(510);
    assert.deepEqual(checkedSplit(exact), [exact]);
  });

  test('at sentence punctuation first, packing whole sentences', () => {
    // Sentences of 201 code points, each with a comma in the middle.
    const half = (c: string): string => `${c}${c}${c} `.repeat(24) + c.repeat(3);
    const sentence = (c: string, end: string): string => `${half(c)}, ${half(c)}${end}`;
    const [a, b, c] = [sentence('t', '.'), sentence('k', '!'), sentence('m', '?')];
    assert.equal(length(a), 201);
    // a + b (403) fit in 510, a + b + c (605) do not; c's comma (at 503) is within reach but
    // the sentence end after b is preferred.
    assert.deepEqual(checkedSplit(`${a} ${b} ${c}`), [`${a} ${b}`, c]);
    assert.deepEqual(checkedSplit(`${a}…${b}…${c}`), [`${a}…${b}…`, c]);
  });

  test('prefers the last sentence end within reach over later clause ends and spaces', () => {
    const words = (n: number): string => Array.from({ length: n }, () => 'wˈɜɹd').join(' ');
    // "….(~120) then many clauses; the sentence end is the only '.' before the limit.
    const text = `${words(20)}. ${words(40)}, ${words(40)}, ${words(40)}`;
    const chunks = checkedSplit(text, 300);
    assert.ok(chunks[0]!.endsWith('.'), chunks[0]);
    assert.equal(chunks[0], `${words(20)}.`);
  });

  test('a sentence longer than the limit is cut at clause punctuation', () => {
    const clause = (n: number): string => Array.from({ length: n }, () => 'ʃˈɪp').join(' ');
    // One sentence, about 1000 code points, clauses of about 100.
    const text = `${Array.from({ length: 10 }, () => clause(20)).join(', ')}; ${clause(20)} — ${clause(20)}.`;
    const chunks = checkedSplit(text);
    assert.ok(chunks.length >= 3);
    for (const chunk of chunks.slice(0, -1)) assert.match(chunk, /[,;—]$/, chunk.slice(-20));
    assert.ok(chunks.at(-1)!.endsWith('.'));
  });

  test('":;" before ",—" (Kokoro\'s waterfall), closing marks kept with their punctuation', () => {
    const run = (n: number): string => 'ab '.repeat(n).trim(); // 3n − 1 code points
    // Within 60: ';' at 29 and ',' at 45; the ';' wins although the ',' is later.
    assert.deepEqual(checkedSplit(`${run(10)}; ${run(5)}, ${run(20)}`, 60), [`${run(10)};`, `${run(5)},`, run(20)]);
    assert.deepEqual(checkedSplit(`${run(10)} — ${run(5)}: ${run(20)}`, 60), [`${run(10)} — ${run(5)}:`, run(20)]);
    assert.equal(checkedSplit(`${run(8)}.” ${run(20)}`, 40)[0], `${run(8)}.”`);
    assert.equal(checkedSplit(`${run(8)}!) ${run(20)}`, 40)[0], `${run(8)}!)`);
  });

  test('without punctuation, at spaces, never inside a word', () => {
    const vocabulary = ['həlˈO', 'wˈɜɹld', 'ʧˈɜɹʧ', 'ɑ̃fˈɑ̃', 'bˈʌTəɹ'];
    const words = Array.from({ length: 400 }, (_, i) => vocabulary[i % vocabulary.length]!);
    const chunks = checkedSplit(words.join(' '));
    assert.ok(chunks.length >= 4);
    const known = new Set(vocabulary);
    for (const chunk of chunks) for (const word of chunk.split(' ')) assert.ok(known.has(word), `whole word: ${word}`);
    assert.deepEqual(chunks.join(' ').split(' '), words);
  });

  test('a single word longer than the limit is cut, not before a combining mark', () => {
    const word = 'ɑ̃b'.repeat(400); // 1200 code points
    const chunks = checkedSplit(`həlˈO ${word} wˈɜɹld`);
    assert.equal(chunks[0], 'həlˈO');
    for (const chunk of chunks) assert.notEqual(chunk.codePointAt(0), 0x0303, 'no chunk starts with a combining tilde');
    const small = checkedSplit('ɑ̃ɑ̃ɑ̃ɑ̃', 3);
    assert.deepEqual(small, ['ɑ̃', 'ɑ̃', 'ɑ̃', 'ɑ̃']);
  });

  test('rejects a non-positive limit', () => {
    assert.throws(() => splitForModel('abc', 0), RangeError);
  });
});
