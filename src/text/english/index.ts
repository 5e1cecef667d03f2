// English text normalisation: written forms that a speech front end would misread become
// the words a careful reader says. Each rule family has its own file; the order below
// matters, because a rule sees what the rules before it left: specific readings (addresses,
// dates, money, units) run before the general ones (years, plain numbers, symbols).
import type { NormalizationOptions } from '../options.js';
import { abbreviations } from './abbreviations.js';
import { acronyms } from './acronyms.js';
import type { Context } from './context.js';
import { dates, times } from './dates.js';
import { money } from './money.js';
import { decades, fractions, multipliers, numbers, ordinals, ranges, versions, years } from './numerals.js';
import type { Variant } from './numbers.js';
import { phones } from './phone.js';
import { romanNumerals } from './roman.js';
import { symbols } from './symbols.js';
import { outsideKept } from './kept.js';
import { degrees, percentages, units } from './units.js';
import { emails, urls } from './web.js';

export type { Variant } from './numbers.js';

type Rule = (text: string, context: Context) => string;

const OPTIONAL_PLURAL = /(?<=\p{L})\(s\)/gu;

type Rules = readonly { rule: Rule; option?: keyof NormalizationOptions }[];

/** The rules in the order they run; those with an option run only when it is on. Addresses first… */
const ADDRESS_RULES: Rules = [
  { rule: (text) => text.replace(OPTIONAL_PLURAL, 's'), option: 'optional_pluralization_normalization' },
  { rule: emails, option: 'email_normalization' },
  { rule: urls, option: 'url_normalization' },
];
/** …then the others, which leave alone an address whose reading is switched off (kept.ts). */
const READING_RULES: Rules = [
  { rule: dates },
  { rule: phones, option: 'phone_normalization' },
  { rule: versions },
  { rule: ranges },
  { rule: times },
  { rule: money },
  { rule: percentages },
  { rule: degrees },
  { rule: units, option: 'unit_normalization' },
  { rule: fractions },
  { rule: multipliers },
  { rule: ordinals },
  { rule: decades },
  { rule: years },
  { rule: romanNumerals },
  { rule: abbreviations },
  { rule: acronyms },
  { rule: numbers },
  { rule: symbols, option: 'replace_remaining_symbols' },
];

/** `text` (already cleaned up: NFC, one space between words) with English written forms spoken. */
export function normalizeEnglish(text: string, variant: Variant, options: NormalizationOptions): string {
  const context: Context = { variant, options };
  const run = (rules: Rules, input: string): string => {
    let out = input;
    for (const { rule, option } of rules) {
      if (option === undefined || options[option]) out = rule(out, context);
    }
    return out;
  };
  const addressed = outsideKept(text, { urls: false, emails: false }, (part) => run(ADDRESS_RULES, part));
  const kept = { urls: !options.url_normalization, emails: !options.email_normalization };
  const out = outsideKept(addressed, kept, (part) => run(READING_RULES, part));
  // Rules may leave doubled spaces or a space before punctuation.
  return out.replace(/ {2,}/g, ' ').replace(/ (?=[,.;:!?](?:\s|$))/g, '').replace(/^ | $/gm, '');
}
