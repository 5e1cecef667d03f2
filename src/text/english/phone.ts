// Telephone numbers, read digit by digit in their groups with a pause (comma) between groups:
// "(555) 123-4567" → "five five five, one two three, four five six seven".
import type { Context } from './context.js';
import { digitByDigit } from './numbers.js';

// An optional country code, then either three or more groups (an area code in brackets or
// not) or the seven-digit "555-1234". Groups are joined by a space, dot or hyphen.
const PHONE = new RegExp(
  [
    String.raw`(?<![\p{L}\p{N}_+.,/:-])`,
    // "+44 …", or the North American trunk prefix "1-800-…".
    String.raw`(?:(\+\d{1,3}|1(?=[ .-]\d{3}[ .-]\d{3}[ .-]\d{4}))[ .-]?)?`,
    String.raw`(`,
    String.raw`(?:\(\d{2,5}\)[ .-]?|\d{2,5}[ .-])\d{2,4}(?:[ .-]\d{2,4}){1,2}`,
    String.raw`|\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}`,
    String.raw`|\d{3}-\d{4}`,
    String.raw`)`,
    String.raw`(?![\p{L}\p{N}_]|[.,/:-]\p{N})`,
  ].join(''),
  'gu',
);

export function phones(text: string, context: Context): string {
  // Britons say "oh" for a zero in a phone number; Americans say "zero" as often as not.
  const zero = context.variant === 'gb' ? 'oh' : 'zero';
  return text.replace(PHONE, (match, country: string | undefined, body: string) => {
    const groups = body.split(/[^\d]+/).filter((g) => g !== '');
    // Grouped digits that do not look like a phone number: fewer than seven digits in all
    // and no country code ("12 34" is two numbers, not a phone).
    const digits = groups.join('').length;
    if (country === undefined && digits < 7) return match;
    const spoken = groups.map((g) => digitByDigit(g, zero));
    if (country?.startsWith('+')) spoken.unshift(`plus ${digitByDigit(country.slice(1), zero)}`);
    else if (country !== undefined) spoken.unshift(digitByDigit(country, zero));
    return spoken.join(', ');
  });
}
