// Numbers as English words. Cardinals come from n2words; ordinals, decimals, digit strings
// and years are built on top of them here, because n2words reads "3.14" as "three point
// fourteen" and British ordinals without their "and".
import { toCardinal as usCardinal } from 'n2words/en-US';
import { toCardinal as gbCardinal } from 'n2words/en-GB';

/** 'us' reads 101 as "one hundred one", 'gb' as "one hundred and one". */
export type Variant = 'us' | 'gb';

/** Longest integer read as a number; longer digit runs are read digit by digit. */
export const MAX_CARDINAL_DIGITS = 15;

const DIGIT_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

const IRREGULAR_ORDINALS: Record<string, string> = {
  one: 'first',
  two: 'second',
  three: 'third',
  five: 'fifth',
  eight: 'eighth',
  nine: 'ninth',
  twelve: 'twelfth',
};

/** An integer (digits only, no separators) in words; long runs digit by digit. */
export function cardinal(digits: string, variant: Variant): string {
  if (digits.length > MAX_CARDINAL_DIGITS) return digitByDigit(digits);
  const value = BigInt(digits);
  return variant === 'gb' ? gbCardinal(value) : usCardinal(value);
}

/** "123" → "one two three"; `zero` is the word for 0 ("oh" in phone numbers and times). */
export function digitByDigit(digits: string, zero = 'zero'): string {
  let out = '';
  for (const d of digits) out += (out === '' ? '' : ' ') + (d === '0' ? zero : DIGIT_WORDS[Number(d)]!);
  return out;
}

/** The ordinal of a cardinal's words: "twenty-one" → "twenty-first". */
export function ordinalWords(words: string): string {
  const match = /([a-z]+)$/.exec(words);
  if (!match) return words;
  const last = match[1]!;
  let ordinal: string;
  if (IRREGULAR_ORDINALS[last]) ordinal = IRREGULAR_ORDINALS[last];
  else if (last.endsWith('y')) ordinal = `${last.slice(0, -1)}ieth`;
  else ordinal = `${last}th`;
  return words.slice(0, match.index) + ordinal;
}

export function ordinal(digits: string, variant: Variant): string {
  return ordinalWords(cardinal(stripZeros(digits), variant));
}

/** "001" → "1"; "000" → "0". */
export function stripZeros(digits: string): string {
  const stripped = digits.replace(/^0+/, '');
  return stripped === '' ? '0' : stripped;
}

/**
 * A plain written number: optional minus, integer part with or without thousands commas,
 * optional decimal part. "1,234.5" → "one thousand two hundred thirty-four point five".
 * Leading zeros are read as digits ("007" → "zero zero seven"), as a reader would.
 */
export function numberWords(written: string, variant: Variant): string {
  let text = written;
  let sign = '';
  if (text.startsWith('-') || text.startsWith('−')) {
    sign = 'minus ';
    text = text.slice(1);
  }
  const [whole = '', fraction] = text.split('.');
  const integer = whole.replace(/,/g, '');
  let words: string;
  if (integer === '') words = '';
  else if (integer.length > 1 && integer.startsWith('0')) words = digitByDigit(integer);
  else words = cardinal(integer, variant);
  if (fraction !== undefined && fraction !== '') {
    words = `${words === '' ? '' : `${words} `}point ${digitByDigit(fraction)}`;
  }
  return sign + words;
}

/** Plural of a number's words: "twenty" → "twenties", "six" → "sixes" ("the 1990s"). */
export function pluralWords(words: string): string {
  if (words.endsWith('y')) return `${words.slice(0, -1)}ies`;
  if (words.endsWith('x')) return `${words}es`;
  return `${words}s`;
}

/**
 * A year as it is said: 1984 → "nineteen eighty-four", 1900 → "nineteen hundred",
 * 2000 → "two thousand", 2005 → "two thousand five", 2024 → "twenty twenty-four",
 * 1805 → "eighteen oh five". Other values are read as cardinals.
 */
export function yearWords(digits: string, variant: Variant): string {
  const year = Number(digits);
  if (digits.length !== 4 || year < 1000) return cardinal(stripZeros(digits), variant);
  const century = Math.floor(year / 100);
  const rest = year % 100;
  if (year >= 2000 && year < 2010) return cardinal(digits, variant);
  if (rest === 0) return century % 10 === 0 ? cardinal(digits, variant) : `${cardinal(String(century), variant)} hundred`;
  const tail = rest < 10 ? `oh ${DIGIT_WORDS[rest]}` : cardinal(String(rest), variant);
  return `${cardinal(String(century), variant)} ${tail}`;
}
