// Symbols that are left once the other rules have run, read as words: "R&D" → "R and D",
// "C++" → "C plus plus", "#1" → "number one", "2 + 2 = 4" → "two plus two equals four".
import type { Context } from './context.js';

const WORDS: Record<string, string> = {
  '&': 'and',
  '@': 'at',
  '+': 'plus',
  '=': 'equals',
  '×': 'times',
  '÷': 'divided by',
  '±': 'plus or minus',
  '−': 'minus',
  '<': 'less than',
  '>': 'greater than',
  '≤': 'less than or equal to',
  '≥': 'greater than or equal to',
  '≠': 'is not equal to',
  '≈': 'approximately',
  '~': 'about',
  '%': 'percent',
  '‰': 'per mille',
  '°': 'degrees',
  '§': 'section',
  '¶': 'paragraph',
  '©': 'copyright',
  '®': '',
  '™': '',
  '$': 'dollars',
  '€': 'euros',
  '£': 'pounds',
  '¥': 'yen',
  '₹': 'rupees',
};
const SYMBOL = new RegExp(`[${Object.keys(WORDS).join("")}]`, 'gu');
// "and/or", "w/": a slash between words.
const WITH = /(?<![\p{L}\p{N}_])[wW]\/(?=\s)/gu;
const WORD_SLASH = /(?<=\p{L})\/(?=\p{L})/gu;

export function symbols(text: string, _context: Context): string {
  return text
    .replace(/#/g, ' hash ')
    .replace(WITH, 'with')
    .replace(/\band\/or\b/g, 'and or')
    .replace(WORD_SLASH, ' or ')
    .replace(SYMBOL, (s) => ` ${WORDS[s]!} `);
}

