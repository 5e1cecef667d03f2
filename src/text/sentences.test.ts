import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeText } from './normalize.js';
import { splitSentences, type SplitOptions } from './sentences.js';

const split = (text: string, options?: SplitOptions): string[] => splitSentences(normalizeText(text), options);

const LONG_SENTENCE =
  'The committee met on Tuesday to review the budget, which had grown considerably over the past year; ' +
  'members raised concerns about staffing, maintenance and the rising cost of energy, and after a long ' +
  'discussion they agreed to postpone the final vote until the auditors had delivered their report.';

/** Varied inputs for the properties below; `spaced` marks scripts that separate words with spaces. */
const CORPUS: readonly { name: string; text: string; spaced: boolean }[] = [
  {
    name: 'English with abbreviations',
    text: 'Dr. Smith met Mr. and Mrs. Jones at 5 p.m. on Jan. 3. They talked, e.g. about the U.S. Army. It was fine! Was it? Yes.',
    spaced: true,
  },
  { name: 'long clauses', text: `${LONG_SENTENCE} ${LONG_SENTENCE}\n\n${LONG_SENTENCE}`, spaced: true },
  { name: 'Chinese', text: '今天天气很好。我们去公园散步吧！你觉得怎么样？我觉得很好，但是有点冷。', spaced: false },
  { name: 'Japanese', text: 'こんにちは。今日はいい天気ですね！散歩に行きませんか？はい、行きましょう。', spaced: false },
  { name: 'Spanish', text: '¿Dónde está la biblioteca? Está cerca. ¡Qué bien! Vamos, entonces.', spaced: true },
  { name: 'French', text: 'Il a dit « Bonjour ! » et il est parti. Puis « Au revoir. » Fin. Vraiment ?', spaced: true },
  { name: 'ellipses', text: 'Wait... what? Well… I think so. Hmm... Maybe not.', spaced: true },
  { name: 'decimals', text: 'Pi is about 3.14159. The rate rose 2.5% to 1,234.56 dollars. That is 0.5 m.', spaced: true },
  {
    name: 'URLs',
    text: 'See https://example.com/a.b?c=1&d=2. Or visit www.Example.Com/Path today. Mail a.b@c.de now.',
    spaced: true,
  },
  { name: 'emoji', text: 'I love it 😀. Great! 👍 The family 👨‍👩‍👧‍👦 came. Flags 🇫🇷🇩🇪 too. 🎉🎉', spaced: true },
  {
    name: 'no punctuation',
    text: Array.from({ length: 300 }, (_, i) => ['alpha', 'beta', 'gamma', 'delta', 'epsilon'][i % 5]).join(' '),
    spaced: true,
  },
  { name: 'lines and paragraphs', text: 'Shopping list\n- eggs\n- milk\n\nThat is all\n\n\n* * *\n\nThe end', spaced: true },
  { name: 'punctuation only', text: '... !!! ---', spaced: true },
  { name: 'Hindi', text: 'यह एक वाक्य है। यह दूसरा वाक्य है। क्या यह तीसरा है?', spaced: true },
  { name: 'Russian', text: 'Привет. Как дела? Хорошо, спасибо! До встречи.', spaced: true },
];

const OPTION_SETS: readonly SplitOptions[] = [{}, { maxChars: 120, firstMaxChars: 40 }, { maxChars: 25, firstMaxChars: 10 }];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The pieces are consecutive slices of the text, separated by nothing but whitespace. */
function assertCoversText(pieces: readonly string[], text: string, label: string): void {
  const flat = text.replace(/\s+/g, ' ');
  let pos = 0;
  for (const piece of pieces) {
    if (flat[pos] === ' ') pos++;
    const expected = flat.slice(pos, pos + piece.length);
    assert.equal(piece.replace(/\s+/g, ' '), expected, `${label}: piece out of place`);
    pos += piece.length;
  }
  assert.equal(pos, flat.length, `${label}: text left over after the last piece`);
}

describe('splitSentences', () => {
  it('splits ordinary sentences', () => {
    assert.deepEqual(split('Hello there. How are you? I am fine!'), ['Hello there.', 'How are you?', 'I am fine!']);
    assert.deepEqual(split(''), []);
    assert.deepEqual(split('   \n\n  '), []);
  });

  it('does not split after abbreviations, initials or inside numbers', () => {
    assert.deepEqual(split('Dr. Smith is here. He is late.'), ['Dr. Smith is here.', 'He is late.']);
    assert.deepEqual(split('Use a tool, e.g. this one. Or not.'), ['Use a tool, e.g. this one.', 'Or not.']);
    assert.deepEqual(split('Mr. and Mrs. Smith arrived. They sat.'), ['Mr. and Mrs. Smith arrived.', 'They sat.']);
    assert.deepEqual(split('The U.S. Army marched. Then it rained.'), ['The U.S. Army marched.', 'Then it rained.']);
    assert.deepEqual(split('The board is 3.5 m long. It is heavy.'), ['The board is 3.5 m long.', 'It is heavy.']);
    assert.deepEqual(split('J. R. R. Tolkien wrote it.'), ['J. R. R. Tolkien wrote it.']);
    assert.deepEqual(split('See Fig. 3 and No. 5 in Vol. 2. Done.'), ['See Fig. 3 and No. 5 in Vol. 2.', 'Done.']);
    assert.deepEqual(split('"Stop!" he said. She did.'), ['"Stop!" he said.', 'She did.']);
    // "No." is only an abbreviation before a number.
    assert.deepEqual(split('No. I will not.'), ['No.', 'I will not.']);
  });

  it('handles the hard cases: initials, titles, dotted abbreviations, decimals, ellipses, quotes and brackets', () => {
    const cases: [string, string[]][] = [
      ['J. R. R. Tolkien wrote it. He was English.', ['J. R. R. Tolkien wrote it.', 'He was English.']],
      ['I met Dr. J. Smith at St. Mary’s. Fine.', ['I met Dr. J. Smith at St. Mary’s.', 'Fine.']],
      ['Ph.D. students came. They sat.', ['Ph.D. students came.', 'They sat.']],
      ['The U.S. is big. It is.', ['The U.S. is big.', 'It is.']],
      ['Use Python, i.e. Guido’s language. Fine.', ['Use Python, i.e. Guido’s language.', 'Fine.']],
      ['It costs 3.50 dollars. Then more.', ['It costs 3.50 dollars.', 'Then more.']],
      ['Version 2.0.1 shipped. Good.', ['Version 2.0.1 shipped.', 'Good.']],
      ['Go to example.com. Then stop.', ['Go to example.com.', 'Then stop.']],
      ['Wait... what? Well… I think so.', ['Wait... what?', 'Well… I think so.']],
      ['Ellipsis … then lower case continues. New one.', ['Ellipsis … then lower case continues.', 'New one.']],
      ['He said "Hi." Then he left.', ['He said "Hi."', 'Then he left.']],
      ['He said, "Is it done?" She nodded.', ['He said, "Is it done?"', 'She nodded.']],
      ['“Stop.” He stopped.', ['“Stop.”', 'He stopped.']],
      ['(See Fig. 2.) Next we go.', ['(See Fig. 2.)', 'Next we go.']],
      ['She [the author] said so. Yes.', ['She [the author] said so.', 'Yes.']],
      ['He left at 5 p.m. Then she came.', ['He left at 5 p.m.', 'Then she came.']],
    ];
    for (const [text, expected] of cases) assert.deepEqual(split(text), expected, text);
  });

  it('splits English text after it is normalised, where the abbreviations have become words', () => {
    const english = (text: string): string[] => splitSentences(normalizeText(text, 'en-us'));
    assert.deepEqual(english('He left at 5 p.m. Then she came.'), ['He left at five P M.', 'Then she came.']);
    assert.deepEqual(english('Apples etc. Pears too.'), ['Apples et cetera.', 'Pears too.']);
    assert.deepEqual(english('Dr. Smith paid $3.50. He left.'), ['Doctor Smith paid three dollars and fifty cents.', 'He left.']);
    assert.deepEqual(english('See https://example.com/a.b?c=1. Then stop.'), [
      'See example dot com slash a dot b question mark c equals one.',
      'Then stop.',
    ]);
  });

  it('handles CJK, Spanish and French punctuation', () => {
    assert.deepEqual(split('你好。我很好！你呢？'), ['你好。', '我很好！', '你呢？']);
    assert.deepEqual(split('¿Dónde estás? ¡Aquí!'), ['¿Dónde estás?', '¡Aquí!']);
    assert.deepEqual(split('Il a dit « Bonjour ! » et il est parti. Puis « Au revoir. » Fin.'), [
      'Il a dit « Bonjour ! » et il est parti.',
      'Puis « Au revoir. »',
      'Fin.',
    ]);
  });

  it('keeps URLs whole', () => {
    assert.deepEqual(split('Go to https://example.com/a.b?c=1. Then stop.'), [
      'Go to https://example.com/a.b?c=1.',
      'Then stop.',
    ]);
    assert.deepEqual(split('Open www.Example.Com/Search?Q=Test now! Thanks.'), [
      'Open www.Example.Com/Search?Q=Test now!',
      'Thanks.',
    ]);
  });

  it('ends a sentence at every newline and paragraph break', () => {
    assert.deepEqual(split('Title without a stop\nFirst line\n\nNew paragraph'), [
      'Title without a stop',
      'First line',
      'New paragraph',
    ]);
  });

  it('attaches pieces with nothing speakable to a neighbour', () => {
    assert.deepEqual(split('Great! 👍'), ['Great! 👍']);
    assert.deepEqual(split('Chapter one.\n\n* * *\n\nChapter two.'), ['Chapter one. * * *', 'Chapter two.']);
    assert.deepEqual(split('...\nHello.'), ['... Hello.']);
    assert.deepEqual(split('... !!! ---'), []);
  });

  it('cuts a long sentence at clause punctuation, then at spaces, never mid-word', () => {
    const pieces = split(LONG_SENTENCE, { maxChars: 120, firstMaxChars: 120 });
    assert.deepEqual(pieces, [
      'The committee met on Tuesday to review the budget, which had grown considerably over the past year;',
      'members raised concerns about staffing, maintenance and the rising cost of energy,',
      'and after a long discussion they agreed to postpone the final vote until the auditors had delivered their report.',
    ]);
    const noPunctuation = Array.from({ length: 200 }, () => 'word').join(' ');
    const parts = split(noPunctuation, { maxChars: 50 });
    assert.ok(parts.length >= 20);
    for (const p of parts) assert.ok(p.length <= 50 && /^word( word)*$/.test(p), p);
  });

  it('does not cut numbers or times at their commas and colons', () => {
    const text = `At 10:30 we counted 3,000,000 items ${'and more items '.repeat(3)}`.trim();
    assert.equal(split(text, { maxChars: 30, firstMaxChars: 30 }).join(' '), text);
  });

  it('hard-splits a single overlong word without breaking characters', () => {
    const url = `https://example.com/${'x'.repeat(90)}`;
    const pieces = split(`Visit ${url} now.`, { maxChars: 40, firstMaxChars: 40 });
    assert.equal(pieces.join('').replace(/\s/g, ''), `Visit${url}now.`);
    for (const p of pieces) assert.ok(p.length <= 40);
    const emoji = 'x😀'.repeat(20);
    const emojiPieces = split(emoji, { maxChars: 8, firstMaxChars: 8 });
    for (const p of emojiPieces) assert.ok(p.length <= 8 && !LONE_SURROGATE.test(p), JSON.stringify(p));
    assert.equal(emojiPieces.join(''), emoji);
    // A flag is two code points (four code units); a cut between them would leave two letters.
    const flags = 'x🇫🇷'.repeat(10);
    const flagPieces = split(flags, { maxChars: 7, firstMaxChars: 7 });
    for (const p of flagPieces) assert.match(p, /^(x|🇫🇷)+$/u);
    for (const p of flagPieces) assert.equal(p.replace(/x/g, '').length % 4, 0, JSON.stringify(p));
    assert.equal(flagPieces.join(''), flags);
  });

  it('limits the first piece to firstMaxChars at a clause boundary, and only the first', () => {
    const pieces = split(`${LONG_SENTENCE} ${LONG_SENTENCE}`, { firstMaxChars: 150 });
    assert.equal(
      pieces[0],
      'The committee met on Tuesday to review the budget, which had grown considerably over the past year; members raised concerns about staffing,',
    );
    assert.ok(pieces.slice(1).includes(LONG_SENTENCE), 'later sentences are only held to maxChars');
    // A short first sentence is left alone, and a long one without clause punctuation is cut at a space.
    assert.deepEqual(split('Short one. Then more.', { firstMaxChars: 12 }), ['Short one.', 'Then more.']);
    const [first] = split(`${'many words here '.repeat(20)}end.`, { firstMaxChars: 50 });
    assert.ok(first !== undefined && first.length <= 50 && first.endsWith('here'), first);
  });

  it('splits a very long paragraph the same as its sentences one by one, and quickly', () => {
    const paragraph = CORPUS[0]!.text;
    const expected = splitSentences(paragraph);
    const started = process.cpuUsage();
    const pieces = splitSentences(Array.from({ length: 400 }, () => paragraph).join(' ')); // ~47 KB, one line
    const used = process.cpuUsage(started);
    // CPU time, not wall time: other work on a shared machine must not fail it.
    const elapsed = (used.user + used.system) / 1000;
    assert.deepEqual(pieces, Array.from({ length: 400 }, () => expected).flat());
    assert.ok(elapsed < 1000, `${elapsed.toFixed(0)} ms of CPU`);
  });

  it('has properties that hold across languages and limits', () => {
    for (const { name, text, spaced } of CORPUS) {
      const normalized = normalizeText(text);
      for (const options of OPTION_SETS) {
        const label = `${name} ${JSON.stringify(options)}`;
        const maxChars = options.maxChars ?? 400;
        const pieces = splitSentences(normalized, options);
        if (!/[\p{L}\p{N}]/u.test(normalized)) {
          assert.deepEqual(pieces, [], label);
          continue;
        }
        assertCoversText(pieces, normalized, label);
        pieces.forEach((p, i) => {
          const limit = i === 0 ? Math.min(options.firstMaxChars ?? 150, maxChars) : maxChars;
          assert.ok(p.length <= limit, `${label}: piece ${i} has ${p.length} > ${limit} chars`);
          assert.equal(p, p.trim(), `${label}: untrimmed piece`);
          assert.ok(!p.includes('\n'), `${label}: newline inside a piece`);
          assert.ok(/[\p{L}\p{N}]/u.test(p), `${label}: unspeakable piece ${JSON.stringify(p)}`);
          assert.ok(!LONE_SURROGATE.test(p), `${label}: broken surrogate pair`);
        });
        // Where no word is longer than the limit, joining with spaces gives back the text exactly.
        const longestWord = Math.max(...normalized.split(/\s+/).map((w) => w.length));
        if (spaced && longestWord <= Math.min(options.firstMaxChars ?? 150, maxChars)) {
          assert.equal(pieces.join(' '), normalized.replace(/\s+/g, ' '), label);
        }
      }
    }
  });

  it('splits the sample texts into the expected number of sentences', () => {
    const count = (name: string): number => splitSentences(normalizeText(CORPUS.find((c) => c.name === name)!.text)).length;
    assert.equal(count('English with abbreviations'), 5);
    assert.equal(count('Chinese'), 4);
    assert.equal(count('Japanese'), 4);
    assert.equal(count('Spanish'), 4);
    assert.equal(count('Hindi'), 3);
    assert.equal(count('Russian'), 4);
    assert.equal(count('decimals'), 3);
    assert.equal(count('URLs'), 3);
  });
});
