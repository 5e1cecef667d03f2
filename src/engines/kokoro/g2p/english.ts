/**
 * English running text → phonemes, lexicon first: each word from the lexicon and misaki's rules
 * (words.ts), with the context rules that need the next word ("the"/"to" before a vowel, "used
 * to") and the one before ("have read"); what the lexicon and rules do not know (digits, other
 * scripts, unknown words) goes to the fallback, espeak-ng. Words are resolved from the last to
 * the first, as misaki does, so each knows how the next one starts.
 */
import { CONSONANTS, VOWELS, joinParts } from './stress.js';
import { EnglishWords, NO_CONTEXT, participleBefore, type WordContext } from './words.js';
import type { Lexicon } from './lexicon.js';

/** Punctuation that ends a context: what follows it is not "the next word". */
const CONTEXT_BREAK = new Set(';:,.!?—…');

/** Phonemes for a word the lexicon path does not know, already in Kokoro's symbols. */
export type Fallback = (word: string) => string;

/** Results of `token` by word and the parts of its context the rules read; bounded (cleared when full). */
const MEMO_MAX = 50_000;

export class EnglishG2P {
  private readonly words: EnglishWords;
  /**
   * Most of a text's words are frequent words met again and again; looking one up takes a few
   * microseconds of case and suffix checks, the memo a fraction of one (issue target ≥ 1 MB/s).
   */
  private readonly memo = new Map<string, string>();

  constructor(
    lexicon: Lexicon,
    private readonly fallback: Fallback,
  ) {
    this.words = new EnglishWords(lexicon);
  }

  /**
   * The phonemes of a stretch of words with no punctuation between (split on whitespace; curly
   * apostrophes already straight, as phonemize.ts leaves them), in
   * the lexicon's symbols; `next` is the context after the stretch. Returns the phonemes of each
   * word and the context before the first.
   */
  stretch(text: string, next: WordContext = NO_CONTEXT): { phonemes: string[]; context: WordContext } {
    const tokens = text.split(/\s+/).filter((t) => t.length > 0);
    const phonemes: string[] = new Array<string>(tokens.length);
    let ctx = next;
    for (let i = tokens.length - 1; i >= 0; i--) {
      const token = tokens[i]!;
      const previous = (tokens[i - 1] ?? '').toLowerCase();
      const ps = this.token(token, { ...ctx, previous });
      phonemes[i] = ps;
      ctx = nextContext(ctx, ps, token);
    }
    return { phonemes, context: ctx };
  }

  /** One whitespace-separated token. */
  token(token: string, ctx: WordContext): string {
    const key = `${token}\u0000${ctx.futureVowel === null ? 'n' : ctx.futureVowel ? 'v' : 'c'}${ctx.futureTo ? 't' : ''}${participleBefore(ctx.previous) ? 'p' : ''}`;
    let ps = this.memo.get(key);
    if (ps === undefined) {
      ps = this.resolve(token, ctx);
      if (this.memo.size >= MEMO_MAX) this.memo.clear();
      this.memo.set(key, ps);
    }
    return ps;
  }

  private resolve(token: string, ctx: WordContext): string {
    const whole = this.words.word(token, ctx);
    if (whole !== null) return whole;
    // Apostrophes around a word are quotes ('twas aside).
    const bare = token.replace(/^'+|'+$/g, '');
    if (bare !== token && bare.length > 0) {
      const ps = this.words.word(bare, ctx);
      if (ps !== null) return ps;
    }
    // Hyphenated: each part, then the stresses of the parts together.
    if (/[A-Za-z]-+[A-Za-z]/.test(bare)) {
      const parts = bare.split(/-+/).filter((p) => p.length > 0);
      const resolved = parts.map((part) => ({ text: part, phonemes: this.words.word(part, ctx) ?? this.fallback(part) }));
      return joinParts(resolved);
    }
    return this.fallback(token);
  }
}

/** misaki's token_context: whether the word before this one is followed by a vowel sound. */
function nextContext(ctx: WordContext, ps: string, token: string): WordContext {
  let futureVowel = ctx.futureVowel;
  for (const c of ps) {
    if (VOWELS.has(c)) {
      futureVowel = true;
      break;
    }
    if (CONSONANTS.has(c) || c === 'T') {
      futureVowel = false;
      break;
    }
    if (CONTEXT_BREAK.has(c)) {
      futureVowel = null;
      break;
    }
  }
  return { futureVowel, futureTo: /^(?:to|To|TO)$/.test(token), previous: '' };
}

/** The context a stretch of punctuation leaves for the word before it: quotes and brackets keep the next word's. */
export function contextBefore(punctuation: string, next: WordContext): WordContext {
  for (const c of punctuation) if (CONTEXT_BREAK.has(c)) return NO_CONTEXT;
  return { ...next, previous: '' };
}
