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
export const URL = new RegExp(
  String.raw`(?<![\p{L}\p{N}_@./])(?:(?:https?|ftp)://|www\.)[^\s<>"'()\[\]{}]{0,300}[^\s<>"'()\[\]{}.,;:!?]|(?<![\p{L}\p{N}_@./-])[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,4}\.(?:${TLD})(?:/[^\s<>"'()\[\]{}]{0,300}[^\s<>"'()\[\]{}.,;:!?])?(?![\p{L}\p{N}_@-])`,
  'giu',
);
export const EMAIL = /(?<![\p{L}\p{N}_.+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){1,4}(?![\p{L}\p{N}_-])/gu;

/** Letters stay words, numbers become words, each symbol its name. */
function speakAddress(text: string, context: Context): string {
  const parts: string[] = [];
  for (const [token] of text.matchAll(/\p{L}+|[0-9]+|[^\p{L}0-9]/gu)) {
    if (/^\p{L}/u.test(token)) parts.push(token.toLowerCase() === 'www' ? 'W W W' : token);
    else if (/^[0-9]/.test(token)) parts.push(numberWords(token, context.variant));
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

