// Numbers standing on their own, after the rules that give them a meaning (money, dates,
// units…) have run: ranges, ordinals, decades, fractions, years, then any number at all.
import { AFTER, BEFORE, NUMBER, type Context } from './context.js';
import { cardinal, digitByDigit, numberWords, ordinal, ordinalWords, pluralWords, stripZeros, yearWords } from './numbers.js';

// "10-20", "1990–1995", "5 — 10": the dash between two numbers is read "to".
const RANGE = /(?<=\p{N}) ?[-–—] ?(?=\p{N})/gu;
const ORDINAL = /(?<![\p{L}\p{N}_.,])(\d{1,3}(?:,\d{3}){1,4}|\d{1,15})(st|nd|rd|th|ST|ND|RD|TH)(?![\p{L}\p{N}_])/gu;
// "1990s", "1800s", "’90s", "90s", "100s", "7s": a number made plural.
const PLURAL = /(?<![\p{L}\p{N}_.,'’])['’]?(\d{1,4})[’']?s(?![\p{L}\p{N}_])/gu;
const VULGAR: Record<string, [string, string]> = {
  '½': ['1', '2'],
  '⅓': ['1', '3'],
  '⅔': ['2', '3'],
  '¼': ['1', '4'],
  '¾': ['3', '4'],
  '⅕': ['1', '5'],
  '⅖': ['2', '5'],
  '⅗': ['3', '5'],
  '⅘': ['4', '5'],
  '⅙': ['1', '6'],
  '⅚': ['5', '6'],
  '⅛': ['1', '8'],
  '⅜': ['3', '8'],
  '⅝': ['5', '8'],
  '⅞': ['7', '8'],
};
const MIXED_VULGAR = /(?<![\p{L}\p{N}_.,])(?:(\d{1,6}) ?)?([½⅓⅔¼¾⅕⅖⅗⅘⅙⅚⅛⅜⅝⅞])/gu;
// "1/2", "3 1/4"; the year of "7/25/2012" is gone by now (dates run first).
const FRACTION = /(?<![\p{L}\p{N}_.,/])(?:(\d{1,6}) )?(\d{1,3})\/(\d{1,4})(?![\p{L}\p{N}_]|[.,/]\p{N})/gu;
const YEAR = /(?<![\p{L}\p{N}_.,:$€£¥₹#])(1[1-9]\d\d|20\d\d)(?![\p{L}\p{N}_]|[.,:]\p{N}|%)/gu;
const SIGNED_NUMBER = new RegExp(String.raw`(?:(?<![\p{L}\p{N}_.,)\]])([-−])(?=[\d.]))?${BEFORE}(${NUMBER}|\.\d{1,12})${AFTER}`, 'gu');
// Versions and addresses: "2.0.1" → "two point zero point one", "192.168.0.1" → "… dot …".
const DOTTED_NUMBERS = /(?<![\p{L}\p{N}_.])([vV])?(\d{1,6}(?:\.\d{1,6}){2,5})(?![\p{L}\p{N}_]|\.\p{N})/gu;
// "1,2,3" is a list, not a number: its commas are not thousands separators.
const LIST_COMMA = /(?<=\d),(?=\d)(?!\d{3}(?!\d))/g;
const MULTIPLIER = new RegExp(String.raw`${BEFORE}(${NUMBER}) ?[x×](?![\p{L}\p{N}_])`, 'gu');
// A colon between numbers that is not a time ("16:9", "10:1 odds") is a ratio.
const RATIO = /(?<=\d):(?=\d)/g;
const DIGITS = /\p{Nd}+/gu;

export function ranges(text: string): string {
  return text.replace(RANGE, ' to ');
}

export function ordinals(text: string, context: Context): string {
  return text.replace(ORDINAL, (_m, n: string) => ordinal(n.replace(/,/g, ''), context.variant));
}

export function decades(text: string, context: Context): string {
  return text.replace(PLURAL, (match, n: string) => {
    // "1900s" → "nineteen hundreds", "1990s" → "nineteen nineties", "2000s" → "two thousands".
    if (n.length === 4 && Number(n) >= 1100 && Number(n) < 2100) return pluralWords(yearWords(n, context.variant));
    if (n.length > 1 && n.startsWith('0')) return match;
    // "100s" → "hundreds", "1000s" → "thousands", "90s" → "nineties".
    return pluralWords(cardinal(n, context.variant).replace(/^one (?=hundred|thousand)/, ''));
  });
}

function fractionWords(numerator: string, denominator: string, context: Context): string {
  const v = context.variant;
  const top = stripZeros(numerator);
  const bottom = Number(stripZeros(denominator));
  const many = top !== '1';
  const topWords = cardinal(top, v);
  if (bottom === 0 || bottom === 1 || bottom > 100) return `${topWords} over ${cardinal(String(bottom), v)}`;
  let name: string;
  if (bottom === 2) name = many ? 'halves' : 'half';
  else if (bottom === 4) name = many ? 'quarters' : 'quarter';
  // "7/100" is "seven hundredths", not "seven one hundredths".
  else name = ordinalWords(cardinal(String(bottom), v)).replace(/^one /, '') + (many ? 's' : '');
  return `${topWords} ${name}`;
}

function mixed(whole: string | undefined, numerator: string, denominator: string, context: Context): string {
  if (whole === undefined) return fractionWords(numerator, denominator, context);
  const part = numerator === '1' ? `a ${fractionWords(numerator, denominator, context).replace(/^one /, '')}` : fractionWords(numerator, denominator, context);
  return `${cardinal(stripZeros(whole), context.variant)} and ${part}`;
}

export function fractions(text: string, context: Context): string {
  return text
    .replace(MIXED_VULGAR, (_m, whole: string | undefined, glyph: string) => {
      const [n, d] = VULGAR[glyph]!;
      return mixed(whole, n, d, context);
    })
    .replace(FRACTION, (_match, whole: string | undefined, n: string, d: string) => {
      if (whole === undefined && n === '24' && d === '7') return 'twenty-four seven';
      if (whole === undefined && n === '9' && d === '11') return 'nine eleven';
      if (whole === undefined && n === d && n === '50') return 'fifty-fifty';
      return mixed(whole, n, d, context);
    });
}

export function versions(text: string, context: Context): string {
  return text.replace(DOTTED_NUMBERS, (_m, v: string | undefined, dotted: string) => {
    const parts = dotted.split('.');
    const words = parts.map((part) => cardinalOrDigits(part, context)).join(parts.length === 4 ? ' dot ' : ' point ');
    return v === undefined ? words : `version ${words}`;
  });
}

/** "10x faster" → "ten times faster", "1.5×" → "one point five times". */
export function multipliers(text: string, context: Context): string {
  return text.replace(MULTIPLIER, (_m, n: string) => `${numberWords(n, context.variant)} times`);
}

export function years(text: string, context: Context): string {
  return text.replace(YEAR, (_m, y: string) => yearWords(y, context.variant));
}

export function numbers(text: string, context: Context): string {
  return text
    .replace(LIST_COMMA, ', ')
    .replace(RATIO, ' to ')
    .replace(SIGNED_NUMBER, (_m, sign: string | undefined, n: string) => `${sign ? 'minus ' : ''}${numberWords(n, context.variant)}`)
    .replace(DIGITS, (d) => (/^[0-9]+$/.test(d) ? cardinalOrDigits(d, context) : d));
}

function cardinalOrDigits(digits: string, context: Context): string {
  return digits.length > 1 && digits.startsWith('0') ? digitByDigit(digits) : cardinal(digits, context.variant);
}
