// Hostile input costs time in proportion to its length: every rule's pattern is bounded
// (see english/context.ts), and this checks it on inputs built to make regexes backtrack.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeText } from './normalize.js';
import { splitSentences } from './sentences.js';

const ADVERSARIES: Record<string, string> = {
  digits: '1',
  'digits with commas': '1,',
  'digits with dots': '1.',
  'dashed digits': '1-',
  'slashed digits': '1/',
  'clock-like': '1:',
  money: '$1.',
  'dotted letters': 'a.',
  'letters and digits': 'A1',
  'url-like': 'http://a.',
  'email-like': 'a@a.',
  capitals: 'ABC',
  'roman numerals': 'Henry VIII ',
  'abbreviations': 'Dr. ',
  'phone-like': '(555) ',
  'degrees': '1°',
  'unicode fractions': '1½',
  'long word': 'a',
};

function timeOf(text: string): number {
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const start = performance.now();
    normalizeText(text, 'en-us');
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const build = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);

describe('normalizeText on hostile input', () => {
  for (const [name, unit] of Object.entries(ADVERSARIES)) {
    it(`is linear on ${name} (10,000 vs 100,000 characters)`, () => {
      timeOf(build(unit, 1000)); // warm up the patterns
      const small = timeOf(build(unit, 10_000));
      const large = timeOf(build(unit, 100_000));
      // Linear is 10x; quadratic would be 100x. The 5 ms floor keeps timer noise and load on a shared machine out.
      assert.ok(large < 40 * Math.max(small, 5), `${name}: 10k took ${small.toFixed(1)} ms, 100k took ${large.toFixed(1)} ms`);
      assert.ok(large < 2000, `${name}: 100k took ${large.toFixed(0)} ms`);
    });
  }

  it('is linear with addresses kept as written (url and e-mail normalisation off)', () => {
    const options = { url_normalization: false, email_normalization: false };
    const time = (text: string): number => {
      const start = performance.now();
      normalizeText(text, 'en-us', options);
      return performance.now() - start;
    };
    const unit = 'see http://a.b/1 or a@b.c 5 ';
    time(build(unit, 1000));
    const small = Math.min(time(build(unit, 10_000)), time(build(unit, 10_000)));
    const large = Math.min(time(build(unit, 100_000)), time(build(unit, 100_000)));
    assert.ok(large < 40 * Math.max(small, 5), `10k took ${small.toFixed(1)} ms, 100k took ${large.toFixed(1)} ms`);
  });

  it('keeps text that is only symbols and spaces bounded too', () => {
    const text = build('& + = # ~ < > ', 100_000);
    const out = normalizeText(text, 'en-us');
    assert.ok(out.length < text.length * 8);
  });

  it('normalises and splits 100,000 characters of English prose quickly', () => {
    const prose =
      'On 2012-07-25 at 3:30 PM, Dr. Smith paid $3.50 for 2 kg of apples (about 4.4 lbs), i.e. 12% more than in 1999. ' +
      'See https://example.com/prices or call (555) 123-4567. The U.S. team came 2nd; Henry VIII had 6 wives. ';
    const text = build(prose, 100_000);
    const start = performance.now();
    const pieces = splitSentences(normalizeText(text, 'en-us'));
    const ms = performance.now() - start;
    assert.ok(pieces.length > 500, `${pieces.length} pieces`);
    assert.ok(pieces.every((p) => p.length <= 400));
    assert.ok(!pieces.some((p) => /\d/.test(p)), 'every digit is read as words');
    assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms`);
  });
});
