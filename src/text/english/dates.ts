// Dates and times. Numeric dates are read in the order the language writes them (US:
// month/day/year, British: day/month/year); dates with a month name are read in their
// written order: "25th Jul 2012" → "the twenty-fifth of July twenty twelve",
// "July 25, 2012" → "July twenty-fifth, twenty twelve".
import type { Context } from './context.js';
import { cardinal, ordinal, stripZeros, yearWords } from './numbers.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const MONTH_ABBREVIATIONS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH = String.raw`(?:January|February|March|April|May|June|July|August|September|October|November|December|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?)`;

function monthNumber(name: string): number {
  const key = name.replace(/\.$/, '').toLowerCase();
  const full = MONTHS.findIndex((m) => m.toLowerCase() === key);
  return full >= 0 ? full + 1 : MONTH_ABBREVIATIONS[key]!;
}

function dayMonth(day: number, month: number, context: Context, dayFirst: boolean): string {
  const dayWords = ordinal(String(day), context.variant);
  return dayFirst ? `the ${dayWords} of ${MONTHS[month - 1]!}` : `${MONTHS[month - 1]!} ${dayWords}`;
}

function fullDate(year: string, month: number, day: number, context: Context, dayFirst: boolean): string {
  const head = dayMonth(day, month, context, dayFirst);
  return `${head}${dayFirst ? '' : ','} ${yearWords(year, context.variant)}`;
}

const valid = (month: number, day: number): boolean => month >= 1 && month <= 12 && day >= 1 && day <= 31;

const ISO = /(?<![\p{L}\p{N}_.\/-])(\d{4})-(\d{2})-(\d{2})(?![\p{L}\p{N}_]|[.\/-]\p{N})/gu;
const NUMERIC = /(?<![\p{L}\p{N}_.\/-])(\d{1,2})([\/.-])(\d{1,2})\2(\d{4})(?![\p{L}\p{N}_]|[.\/-]\p{N})/gu;
const DAY_MONTH = new RegExp(String.raw`(?<![\p{L}\p{N}_])(?:([Tt])he )?(\d{1,2})(?:st|nd|rd|th)?(?: of)? (${MONTH})(?:,? (\d{4}))?(?![\p{L}\p{N}_])`, 'gu');
const MONTH_DAY = new RegExp(String.raw`(?<![\p{L}\p{N}_])(${MONTH}) (\d{1,2})(?:st|nd|rd|th)?(?:(,)? (\d{4}))?(?![\p{L}\p{N}_]|[.,:]\p{N})`, 'gu');
const MONTH_YEAR = new RegExp(String.raw`(?<![\p{L}\p{N}_])(${MONTH}) (\d{4})(?![\p{L}\p{N}_])`, 'gu');

export function dates(text: string, context: Context): string {
  const british = context.variant === 'gb';
  return text
    .replace(ISO, (match, y: string, m: string, d: string) => (valid(Number(m), Number(d)) ? fullDate(y, Number(m), Number(d), context, british) : match))
    .replace(NUMERIC, (match, a: string, _sep: string, b: string, y: string) => {
      // The language's order, unless only the other one makes sense ("25/7/2012" in a US text).
      let [month, day] = british ? [Number(b), Number(a)] : [Number(a), Number(b)];
      if (!valid(month, day)) [month, day] = [day, month];
      if (!valid(month, day)) return match;
      return fullDate(y, month, day, context, british);
    })
    .replace(DAY_MONTH, (match, t: string | undefined, d: string, name: string, y: string | undefined) => {
      const day = Number(d);
      if (!valid(1, day)) return match;
      // "The 4th of July" keeps its capital.
      const head = dayMonth(day, monthNumber(name), context, true).replace(/^t/, t ?? 't');
      return y === undefined ? head : `${head} ${yearWords(y, context.variant)}`;
    })
    .replace(MONTH_DAY, (match, name: string, d: string, comma: string | undefined, y: string | undefined) => {
      const day = Number(d);
      if (!valid(1, day)) return match;
      const head = dayMonth(day, monthNumber(name), context, false);
      return y === undefined ? head : `${head}${comma ?? ''} ${yearWords(y, context.variant)}`;
    })
    .replace(MONTH_YEAR, (_match, name: string, y: string) => `${MONTHS[monthNumber(name) - 1]!} ${yearWords(y, context.variant)}`);
}

// "3:30 PM", "10:05", "3 p.m.", "7am", "14:00", "10:30:15".
const CLOCK = /(?<![\p{L}\p{N}_:.,])(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s?([AaPp])\.?[Mm]\.?(?![\p{L}\p{N}_]))?(?![\p{L}\p{N}_]|[:.,]\p{N})/gu;
const HOUR_MERIDIEM = /(?<![\p{L}\p{N}_:.,])(\d{1,2})\s?([AaPp])\.?[Mm]\.?(?![\p{L}\p{N}_])/gu;

function meridiem(letter: string): string {
  return letter.toLowerCase() === 'a' ? 'A M' : 'P M';
}

/** Keeps the full stop of "p.m." when it also ended the sentence. */
function sentenceEnd(match: string, after: string): string {
  return /[Mm]\.$/.test(match) && (after === '' || /^\s*(?:\p{Lu}|$)/u.test(after)) ? '.' : '';
}

// British style writes "10.30pm": a dot between hours and minutes, recognised with am/pm only.
const DOT_CLOCK = /(?<![\p{L}\p{N}_:.,])(\d{1,2})\.(\d{2})(?=\s?[AaPp]\.?[Mm]\.?(?![\p{L}\p{N}_]))/gu;

export function times(text: string, context: Context): string {
  const v = context.variant;
  return text
    .replace(DOT_CLOCK, '$1:$2')
    .replace(CLOCK, (match, h: string, m: string, s: string | undefined, ampm: string | undefined, offset: number, whole: string) => {
      const hour = Number(h);
      const minute = Number(m);
      if (hour > 24 || minute > 59 || (s !== undefined && Number(s) > 59)) return match;
      let spoken = cardinal(stripZeros(h), v);
      if (minute === 0) spoken += ampm ? '' : hour > 12 ? ' hundred' : " o'clock";
      else spoken += minute < 10 ? ` oh ${cardinal(String(minute), v)}` : ` ${cardinal(m, v)}`;
      if (s !== undefined && Number(s) > 0) spoken += ` and ${cardinal(stripZeros(s), v)} second${Number(s) === 1 ? '' : 's'}`;
      if (ampm) spoken += ` ${meridiem(ampm)}${sentenceEnd(match, whole.slice(offset + match.length, offset + match.length + 3))}`;
      return spoken;
    })
    .replace(HOUR_MERIDIEM, (match, h: string, ampm: string, offset: number, whole: string) => {
      const hour = Number(h);
      if (hour < 1 || hour > 12) return match;
      return `${cardinal(stripZeros(h), v)} ${meridiem(ampm)}${sentenceEnd(match, whole.slice(offset + match.length, offset + match.length + 3))}`;
    });
}
