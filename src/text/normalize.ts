// Clean-up of request text before sentence splitting: a language-neutral part for every
// language, then, for English, the reading of numbers, dates, money, units, addresses and
// symbols (english/). Other languages keep their written forms for the engine's own front end.
import { normalizeEnglish, type Variant } from './english/index.js';
import { normalizationOptions, type NormalizationOptions } from './options.js';

// C0/C1 control characters other than tab and newline (line breaks are mapped first).
const CONTROL = /[\u0000-\u0008\u000E-\u001F\u007F-\u009F]/g;

/**
 * The English reading style for a language tag, or null when the language is not English:
 * en-us (and plain "en") reads the American way, en-gb and the other Commonwealth English
 * variants the British way ("one hundred and one").
 */
export function englishVariant(language: string | undefined): Variant | null {
  if (language === undefined) return null;
  const tag = language.toLowerCase().replace(/_/g, '-');
  if (!/^en(?:-|$)/.test(tag)) return null;
  return /^en-(?:gb|au|nz|ie|za|in|sc|uk|rp|gb-.*)(?:-|$)/.test(tag) ? 'gb' : 'us';
}

/**
 * Request text as it will be read: the language-neutral clean-up (below), then, when
 * `language` is English and `options.normalize` is on, English normalisation. Without a
 * language only the clean-up runs.
 */
export function normalizeText(input: string, language?: string, options?: Partial<NormalizationOptions>): string {
  const cleaned = cleanUp(input);
  const variant = englishVariant(language);
  const chosen = normalizationOptions(options);
  if (variant === null || !chosen.normalize) return cleaned;
  return normalizeEnglish(cleaned, variant, chosen);
}

/**
 * Unicode NFC; line breaks unified to "\n"; control characters removed; runs of spaces and
 * tabs collapsed to one space; lines trimmed. A single line break is kept as "\n" (lists,
 * headings and verse are line-based, and the splitter ends a sentence there), and any
 * blank line becomes exactly "\n\n" (a paragraph break). The result is trimmed.
 */
function cleanUp(input: string): string {
  return (
    input
      .normalize('NFC')
      // CRLF, CR, NEL, LINE SEPARATOR and vertical tab are line breaks; PARAGRAPH SEPARATOR
      // and form feed are paragraph breaks.
      .replace(/\r\n?|[\u0085\u2028\u000B]/g, '\n')
      .replace(/[\u2029\u000C]/g, '\n\n')
      .replace(CONTROL, '')
      // \s also covers no-break and other Unicode spaces and the BOM.
      .replace(/[^\S\n]+/g, ' ')
      .replace(/ ?\n ?/g, '\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim()
  );
}
