// Symbols that are left once the other rules have run, read as words: "R&D" → "R and D",
// "C++" → "C plus plus", "#tag" → "hash tag", "2 + 2 = 4" → "two plus two equals four".

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
// "w/ milk"; "yes/no" → "yes or no", "and/or" → "and or".
const WITH = /(?<![\p{L}\p{N}_])[wW]\/(?=\s)/gu;
const WORD_SLASH = /(?<![\p{L}\p{N}/])(\p{L}{1,40})\/(\p{L}{1,40})(?![\p{L}\p{N}/])/gu;
// Any other slash (a path: "/usr/bin") is read by its name.
const SLASH = /\//g;

export function symbols(text: string): string {
  return text
    .replace(/#/g, ' hash ')
    .replace(WITH, 'with')
    .replace(WORD_SLASH, (_m, a: string, b: string) => (/^(?:and|or)$/i.test(a) || /^(?:and|or)$/i.test(b) ? `${a} ${b}` : `${a} or ${b}`))
    .replace(SLASH, ' slash ')
    .replace(SYMBOL, (s) => ` ${WORDS[s]!} `);
}

