// Roman numerals, only where they cannot be a word or a letter: after a word that numbers
// things ("Chapter IV" → "Chapter four") and after a name ("Henry VIII" → "Henry the eighth").
// "I", "V" and "X" alone after a name are left as written ("Malcolm X").
import type { Context } from './context.js';
import { cardinal, ordinal } from './numbers.js';

const VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100, D: 500, M: 1000 };
const CANONICAL = /^M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})$/;

function romanValue(numeral: string): number | null {
  if (numeral === '' || !CANONICAL.test(numeral)) return null;
  let total = 0;
  for (let i = 0; i < numeral.length; i++) {
    const value = VALUES[numeral[i]!]!;
    const next = VALUES[numeral[i + 1] ?? ''] ?? 0;
    total += value < next ? -value : value;
  }
  return total;
}

const COUNTED = /(?<![\p{L}\p{N}_])(Chapter|Part|Volume|Book|Act|Scene|Section|Appendix|Phase|Stage|Article|Title|Type|Class|Level|Grade|Round|Psalm|World War|Super Bowl|Star Wars Episode|Episode) ([IVXLCDM]{1,12})(?![\p{L}\p{N}_])/gu;
// A capitalised name, not a function word, then a numeral of two or more letters I, V, X.
const REGNAL = /(?<![\p{L}\p{N}_])(\p{Lu}\p{Ll}{1,20}) ([IVX]{2,6})(?![\p{L}\p{N}_'’])/gu;
const NOT_NAMES = new Set(['The', 'A', 'An', 'And', 'Or', 'But', 'Of', 'In', 'On', 'At', 'To', 'For', 'With', 'By', 'From', 'As', 'Is', 'It', 'We', 'He', 'She', 'They', 'This', 'That', 'My', 'Our', 'Your', 'His', 'Her']);

export function romanNumerals(text: string, context: Context): string {
  return text
    .replace(COUNTED, (match, word: string, numeral: string) => {
      // "Class C", "Type D", "Grade M" are letters.
      if (/^[CDML]$/.test(numeral)) return match;
      const value = romanValue(numeral);
      return value === null ? match : `${word} ${cardinal(String(value), context.variant)}`;
    })
    .replace(REGNAL, (match, name: string, numeral: string) => {
      const value = romanValue(numeral);
      if (value === null || NOT_NAMES.has(name)) return match;
      return `${name} the ${ordinal(String(value), context.variant)}`;
    });
}
