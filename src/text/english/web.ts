// URLs and e-mail addresses, read the way people say them: "example dot com slash docs".
import type { Context } from './context.js';
import { numberWords } from './numbers.js';

const SYMBOL_WORDS: Record<string, string> = {
  '.': 'dot',
  '/': 'slash',
  '-': 'dash',
  _: 'underscore',
  '?': 'question mark',
  '=': 'equals',
  '&': 'and',
  '#': 'hash',
  ':': 'colon',
  '~': 'tilde',
  '%': 'percent',
  '+': 'plus',
  '@': 'at',
};

// Common top-level domains: a bare "example.com" is read as an address only with one of these,
// so that "e.g." or "3.5" never is.
const TLD = 'com|org|net|edu|gov|io|dev|ai|app|co|uk|us|de|fr|ca|au|info|biz|me|tv|ly|gg|xyz';

// The scheme or "www." marks a URL; its last character is not punctuation that ends the sentence.
const URL = new RegExp(
  String.raw`(?<![\p{L}\p{N}_@./])(?:(?:https?|ftp)://|www\.)[^\s<>"'()\[\]{}]{0,300}[^\s<>"'()\[\]{}.,;:!?]|(?<![\p{L}\p{N}_@./-])[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.(?:${TLD})(?:/[^\s<>"'()\[\]{}]{0,300}[^\s<>"'()\[\]{}.,;:!?])?(?![\p{L}\p{N}_@-])`,
  'giu',
);
const EMAIL = /(?<![\p{L}\p{N}_.+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,4}(?![\p{L}\p{N}_-])/gu;

/** Letters stay words, numbers become words, each symbol its name. */
function speakAddress(text: string, context: Context): string {
  const parts: string[] = [];
  for (const [token] of text.matchAll(/\p{L}+|\p{N}+|[^\p{L}\p{N}]/gu)) {
    if (/^\p{L}/u.test(token)) parts.push(token.toLowerCase() === 'www' ? 'W W W' : token);
    else if (/^\p{N}/u.test(token)) parts.push(numberWords(token, context.variant));
    else if (SYMBOL_WORDS[token]) parts.push(SYMBOL_WORDS[token]);
  }
  return parts.join(' ');
}

export function urls(text: string, context: Context): string {
  return text.replace(URL, (url) => speakAddress(url.replace(/^(?:https?|ftp):\/\//i, '').replace(/\/$/, ''), context));
}

export function emails(text: string, context: Context): string {
  if (!text.includes('@')) return text;
  return text.replace(EMAIL, (email) => speakAddress(email, context));
}

/**
 * `transform` applied to the text outside the addresses whose reading is switched off, so that
 * a URL or e-mail address the client wants kept is not taken apart by later rules.
 */
export function outsideAddresses(text: string, context: Context, transform: (part: string) => string): string {
  const kept = [!context.options.url_normalization && URL, !context.options.email_normalization && EMAIL].filter((p) => p !== false);
  if (kept.length === 0) return transform(text);
  const spans: [number, number][] = [];
  for (const pattern of kept) for (const m of text.matchAll(pattern)) spans.push([m.index, m.index + m[0].length]);
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (start < at) continue;
    out += transform(text.slice(at, start)) + text.slice(start, end);
    at = end;
  }
  return out + transform(text.slice(at));
}
