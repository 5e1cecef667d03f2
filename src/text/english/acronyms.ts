// Letters read one by one: dotted abbreviations ("U.S.A."), short capitalised acronyms
// ("FBI"), and codes that mix letters and digits ("A4", "COVID-19", "B2B", "XJ220").
import type { Context } from './context.js';
import { cardinal, digitByDigit, stripZeros } from './numbers.js';

// Acronyms said as words, which must not be spelled out.
const SAID_AS_WORDS = new Set([
  'NASA', 'NATO', 'UNESCO', 'UNICEF', 'FIFA', 'OPEC', 'NAFTA', 'AIDS', 'COVID', 'SARS', 'LASER', 'RADAR', 'SCUBA', 'GIF',
  'JPEG', 'PIN', 'SIM', 'RAM', 'ROM', 'LAN', 'WAN', 'LED', 'ASAP', 'FAQ', 'IKEA', 'LEGO', 'ISIS', 'NASDAQ', 'SWAT', 'POTUS',
  'SCOTUS', 'WASP', 'YOLO', 'AWOL', 'NIMBY', 'OLED', 'CAPTCHA', 'ASCII', 'UNIX', 'LINUX', 'BASIC', 'COBOL', 'FORTRAN',
  'OK', 'I', 'A', 'AM', 'PM', 'NOAA', 'ZIP', 'DOS', 'WAV', 'SQL', 'EULA', 'GUI', 'WIFI', 'AMEX', 'ANSI', 'INTERPOL', 'EFTA',
]);

// Short words often written in capitals for emphasis ("I did NOT"), which are not acronyms.
const EMPHASIS = new Set([
  'NO', 'SO', 'DO', 'GO', 'BE', 'WE', 'HE', 'ME', 'MY', 'UP', 'OH', 'HI', 'IT', 'IS', 'IN', 'ON', 'AT', 'TO', 'OF', 'OR', 'AN',
  'AS', 'BY', 'IF', 'NOT', 'YES', 'AND', 'THE', 'ALL', 'NOW', 'BIG', 'OUR', 'YOU', 'WHY', 'HOW', 'BUT', 'CAN', 'GET', 'OUT',
  'NEW', 'OLD', 'ONE', 'TWO', 'TEN', 'HOT', 'BAD', 'SAD', 'MAD', 'FUN', 'WOW', 'YAY', 'BOO', 'HEY', 'RUN', 'STOP', 'WAS', 'ARE',
  'HAS', 'HAD', 'DID', 'SHE', 'HER', 'HIM', 'HIS', 'ANY', 'FOR', 'OFF', 'TOO', 'VERY', 'REALLY', 'NEVER', 'EVER', 'MUST',
]);
const VOWEL = /[AEIOUY]/;

const spell = (letters: string): string => [...letters.toUpperCase()].join(' ');

const DOTTED = /(?<![\p{L}\p{N}_.])((?:\p{L}\.){2,8})/gu;
const CAPITALS = /(?<![\p{L}\p{N}_'’.-])(\p{Lu}{2,5})(s?)(?![\p{L}\p{N}_'’-])/gu;
// The look-ahead (bounded) skips words without a digit before any callback runs.
const CODE = /(?<![\p{L}\p{N}_-])(?=[\p{L}\p{N}-]{0,124}\p{N})[\p{L}\p{N}]{1,24}(?:-[\p{L}\p{N}]{1,24}){0,4}(?![\p{L}\p{N}_]|-[\p{L}\p{N}])/gu;
const SHOUTED = /\p{Lu}{2,} $/u;
const SHOUTED_AFTER = /^ \p{Lu}{2,}/u;

function speakCode(code: string, context: Context): string {
  const parts: string[] = [];
  // Only ASCII digits are read; other numeric characters ("²", "½") pass through as they are.
  for (const [run] of code.matchAll(/\p{L}+|[0-9]+|[^\p{L}0-9-]+/gu)) {
    if (/^[0-9]/.test(run)) parts.push(run.length <= 2 ? cardinal(stripZeros(run), context.variant) : digitByDigit(run));
    else if (!/^\p{L}/u.test(run)) parts.push(run);
    else if (SAID_AS_WORDS.has(run.toUpperCase()) && run.length > 2) parts.push(run);
    // Capitals and short runs without a vowel are letters ("A4", "mp3"); other runs are words ("5-year-old").
    else if (run === run.toUpperCase() || run.length === 1 || (run.length <= 3 && !/[aeiouy]/i.test(run))) parts.push(spell(run));
    else parts.push(run);
  }
  return parts.join(' ');
}

export function acronyms(text: string, context: Context): string {
  return text
    .replace(DOTTED, (m: string, letters: string, offset: number, whole: string) => {
      // The last full stop stays when it also ends the sentence.
      const after = whole.slice(offset + m.length, offset + m.length + 3);
      return `${spell(letters.replace(/\./g, ''))}${/^(?:\s*$|\s+\p{Lu})/u.test(after) ? '.' : ''}`;
    })
    .replace(CODE, (code: string) => (/\p{L}/u.test(code) && /\p{N}/u.test(code) ? speakCode(code, context) : code))
    .replace(CAPITALS, (match, letters: string, plural: string, offset: number, whole: string) => {
      if (letters === 'OK') return 'okay';
      if (SAID_AS_WORDS.has(letters) || EMPHASIS.has(letters)) return match;
      // Four or five capitals with a vowel may be a word said loud ("HUGE"); without one they are letters ("HTML").
      if (letters.length > 3 && VOWEL.test(letters)) return match;
      // A run of capitals is shouting, not acronyms ("PLEASE HELP US").
      const before = whole.slice(Math.max(0, offset - 8), offset);
      const after = whole.slice(offset + match.length, offset + match.length + 8);
      if (SHOUTED.test(before) || SHOUTED_AFTER.test(after)) return match;
      return `${spell(letters)}${plural === '' ? '' : "'s"}`;
    });
}
