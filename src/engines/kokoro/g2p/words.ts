/**
 * One English word → phonemes from the lexicon and the rules misaki applies for what it lacks
 * (hexgrad/misaki en.py `Lexicon`: special cases, case, -s/-'s, -ed, -ing, spelled acronyms),
 * plus rules of ours for -ly, -er/-est and closed compounds (misaki leaves those to its
 * fallback; ours are checked on held-out lexicon words in english.test.ts). Phonemes are in the
 * lexicon's symbols (flap ɾ); phonemize.ts maps them to Kokoro v1.0's as misaki does.
 */
import { entryPhonemes, type Lexicon } from './lexicon.js';
import { PRIMARY, SECONDARY, applyStress } from './stress.js';

/** What the words around a word tell about it; misaki's TokenContext plus the word before. */
export interface WordContext {
  /** Whether the next word starts with a vowel; null when punctuation or nothing follows. */
  futureVowel: boolean | null;
  /** The next word is "to". */
  futureTo: boolean;
  /** The word before, lower case; '' at the start or after punctuation. */
  previous: string;
}

export const NO_CONTEXT: WordContext = { futureVowel: null, futureTo: false, previous: '' };

const US_TAUS = new Set('AIOWYiuæɑəɛɪɹʊʌ');
const SYMBOLS: Readonly<Record<string, string>> = { '%': 'percent', '&': 'and', '+': 'plus', '@': 'at' };
/** Words after which a verb is its past participle ("have read", "was read"). */
const PARTICIPLE_BEFORE = new Set(['have', 'has', 'had', 'having', "'ve", "i've", "we've", "you've", "they've", 'was', 'were', 'been', 'be', 'being', 'is', 'are']);
const LETTERS = /^[A-Za-z]+$/;

/** Suffix, American, British phonemes (the lexicons' usual readings). */
const DERIVATIONAL: readonly (readonly [string, string, string])[] = [
  ['lessly', 'ləsli', 'ləsli'],
  ['lessness', 'ləsnəs', 'ləsnəs'],
  ['less', 'ləs', 'ləs'],
  ['ness', 'nəs', 'nɪs'],
  ['fully', 'fᵊli', 'fʊli'],
  ['ful', 'fᵊl', 'fʊl'],
  ['ments', 'mᵊnts', 'mᵊnts'],
  ['ment', 'mᵊnt', 'mᵊnt'],
];

/** Whether a verb after `previous` (lower case) is read as its past participle. */
export function participleBefore(previous: string): boolean {
  return PARTICIPLE_BEFORE.has(previous);
}

const isUpper = (w: string): boolean => w === w.toUpperCase() && w !== w.toLowerCase();
const isLower = (w: string): boolean => w === w.toLowerCase();

export class EnglishWords {
  constructor(readonly lexicon: Lexicon) {}

  private get british(): boolean {
    return this.lexicon.british;
  }

  /** The phonemes of `word` (letters and apostrophes, or a symbol), or null when neither lexicon nor rules know it. */
  word(word: string, ctx: WordContext = NO_CONTEXT): string | null {
    const stress = isLower(word) ? undefined : isUpper(word) && word.length > 1 ? 2 : 0.5;
    return this.getWord(word, stress, ctx);
  }

  private special(word: string, ctx: WordContext): string | null {
    const symbol = SYMBOLS[word];
    if (symbol !== undefined) return this.lookup(symbol, undefined, ctx);
    switch (word) {
      case 'a':
      case 'A':
        return 'ɐ'; // the article; without a part-of-speech tagger a lone "A" is read as one too
      case 'am':
      case 'Am':
      case 'AM':
        return ctx.futureVowel === null || word !== 'am' ? this.goldString('am') : 'ɐm';
      case 'an':
      case 'An':
      case 'AN':
        return 'ɐn';
      case 'I':
        return `${SECONDARY}I`;
      case 'to':
      case 'To':
      case 'TO':
        return ctx.futureVowel === null ? this.goldString('to') : ctx.futureVowel ? 'tʊ' : 'tə';
      case 'in':
      case 'In':
      case 'IN':
        return (ctx.futureVowel === null ? PRIMARY : '') + 'ɪn';
      case 'the':
      case 'The':
      case 'THE':
        return ctx.futureVowel === true ? 'ði' : 'ðə';
      case 'vs':
      case 'Vs':
        return this.lookup('versus', undefined, ctx);
      case 'used':
      case 'Used':
      case 'USED': {
        const entry = this.lexicon.goldEntry('used');
        return entry === undefined ? null : entryPhonemes(entry, ctx.futureTo ? 'VBD' : undefined);
      }
    }
    return null;
  }

  private goldString(word: string): string | null {
    const entry = this.lexicon.goldEntry(word);
    return entry === undefined ? null : entryPhonemes(entry);
  }

  /** misaki's is_known. */
  private isKnown(word: string): boolean {
    if (this.lexicon.has(word) || word in SYMBOLS) return true;
    if (!LETTERS.test(word)) return false;
    if (word.length === 1) return true;
    if (word === word.toUpperCase() && this.lexicon.goldEntry(word.toLowerCase()) !== undefined) return true;
    return word.slice(1) === word.slice(1).toUpperCase();
  }

  /** misaki's lookup; an all-capitals word the gold lexicon lacks (as written and in lower case) is spelled. */
  private lookup(word: string, stress: number | undefined, ctx: WordContext): string | null {
    let w = word;
    let isAcronym = false;
    if (w === w.toUpperCase() && this.lexicon.goldEntry(w) === undefined) {
      w = w.toLowerCase();
      isAcronym = w.length > 1 && this.lexicon.goldEntry(w) === undefined;
    }
    let entry = this.lexicon.goldEntry(w);
    if (entry === undefined && !isAcronym) entry = this.lexicon.silverEntry(w);
    let ps: string | null = null;
    if (entry !== undefined) ps = entryPhonemes(entry, this.tagFor(entry, ctx));
    if (ps === null || (isAcronym && !ps.includes(PRIMARY))) {
      const spelled = this.spell(w);
      if (spelled !== null) return spelled;
    }
    return ps === null ? null : applyStress(ps, stress);
  }

  /** The cheap context rules for homographs; undefined means DEFAULT. */
  private tagFor(entry: ReturnType<Lexicon['entry']>, ctx: WordContext): string | undefined {
    if (entry === undefined || typeof entry === 'string') return undefined;
    if (ctx.futureVowel === null && typeof entry['None'] === 'string') return 'None';
    if (participleBefore(ctx.previous) && typeof entry['VBN'] === 'string') return 'VBN';
    return undefined;
  }

  /** misaki's get_NNP: letter by letter, the last letter's stress primary. */
  spell(word: string): string | null {
    const letters: string[] = [];
    for (const c of word) {
      if (!/\p{L}/u.test(c)) continue;
      const entry = this.lexicon.goldEntry(c.toUpperCase());
      if (entry === undefined) return null;
      letters.push(entryPhonemes(entry));
    }
    if (letters.length === 0) return null;
    const ps = applyStress(letters.join(''), 0);
    const last = ps.lastIndexOf(SECONDARY);
    return last < 0 ? ps : ps.slice(0, last) + PRIMARY + ps.slice(last + 1);
  }

  private getWord(word: string, stress: number | undefined, ctx: WordContext): string | null {
    const special = this.special(word, ctx);
    if (special !== null) return special;
    let w = word;
    const lower = word.toLowerCase();
    if (
      w.length > 1 &&
      LETTERS.test(w.replaceAll("'", '')) &&
      w !== lower &&
      !this.lexicon.has(w) &&
      (isUpper(w) || w.slice(1) === w.slice(1).toLowerCase()) &&
      (!isUpper(w) || w.length > 7 || this.lexicon.goldEntry(lower) !== undefined) &&
      (this.lexicon.has(lower) || this.stemS(lower, stress, ctx) !== null || this.stemEd(lower, stress, ctx) !== null || this.stemIng(lower, stress, ctx) !== null)
    ) {
      w = lower;
    }
    if (this.isKnown(w)) return this.lookup(w, stress, ctx);
    if (w.endsWith("s'") && this.isKnown(`${w.slice(0, -2)}'s`)) return this.lookup(`${w.slice(0, -2)}'s`, stress, ctx);
    if (w.endsWith("'") && this.isKnown(w.slice(0, -1))) return this.lookup(w.slice(0, -1), stress, ctx);
    return (
      this.stemS(w, stress, ctx) ??
      this.stemEd(w, stress, ctx) ??
      this.stemIng(w, stress ?? 0.5, ctx) ??
      this.stemLy(w, stress, ctx) ??
      this.stemErEst(w, stress, ctx) ??
      this.derived(w, stress, ctx) ??
      this.compound(w, ctx)
    );
  }

  // --- misaki's suffix rules -----------------------------------------------------------------

  /** -s, -es, -'s after a stem's last sound (wiktionary -s). */
  plural(stem: string): string {
    const last = stem.at(-1) ?? '';
    if ('ptkfθ'.includes(last)) return `${stem}s`;
    if ('szʃʒʧʤ'.includes(last)) return `${stem}${this.british ? 'ɪ' : 'ᵻ'}z`;
    return `${stem}z`;
  }

  private stemS(word: string, stress: number | undefined, ctx: WordContext): string | null {
    if (word.length < 3 || !word.endsWith('s')) return null;
    let stem: string;
    if (!word.endsWith('ss') && this.isKnown(word.slice(0, -1))) stem = word.slice(0, -1);
    else if ((word.endsWith("'s") || (word.length > 4 && word.endsWith('es') && !word.endsWith('ies'))) && this.isKnown(word.slice(0, -2))) stem = word.slice(0, -2);
    else if (word.length > 4 && word.endsWith('ies') && this.isKnown(`${word.slice(0, -3)}y`)) stem = `${word.slice(0, -3)}y`;
    else return null;
    const ps = this.lookup(stem, stress, ctx);
    return ps === null ? null : this.plural(ps);
  }

  /** -ed after a stem's last sound (wiktionary -ed); American t-stems flap. */
  past(stem: string): string {
    const last = stem.at(-1) ?? '';
    if ('pkfθʃsʧ'.includes(last)) return `${stem}t`;
    if (last === 'd') return `${stem}${this.british ? 'ɪ' : 'ᵻ'}d`;
    if (last !== 't') return `${stem}d`;
    if (this.british || stem.length < 2) return `${stem}ɪd`;
    if (US_TAUS.has(stem.at(-2)!)) return `${stem.slice(0, -1)}ɾᵻd`;
    return `${stem}ᵻd`;
  }

  private stemEd(word: string, stress: number | undefined, ctx: WordContext): string | null {
    if (word.length < 4 || !word.endsWith('d')) return null;
    let stem: string;
    if (!word.endsWith('dd') && this.isKnown(word.slice(0, -1))) stem = word.slice(0, -1);
    else if (word.length > 4 && word.endsWith('ed') && !word.endsWith('eed') && this.isKnown(word.slice(0, -2))) stem = word.slice(0, -2);
    // Ours: carried ← carry, wigged ← wig.
    else if (word.length > 4 && word.endsWith('ied') && this.lexicon.has(`${word.slice(0, -3)}y`)) stem = `${word.slice(0, -3)}y`;
    else if (word.length > 5 && /([bdgklmnprtvz])\1ed$/.test(word) && this.lexicon.has(word.slice(0, -3))) stem = word.slice(0, -3);
    else return null;
    const ps = this.lookup(stem, stress, ctx);
    return ps === null ? null : this.past(ps);
  }

  /** -ing (wiktionary -ing); American t-stems flap; misaki gives British stems ending in ə or ː none. */
  gerund(stem: string): string | null {
    const last = stem.at(-1) ?? '';
    if (this.british) {
      if (last === 'ə' || last === 'ː') return null;
    } else if (stem.length > 1 && last === 't' && US_TAUS.has(stem.at(-2)!)) {
      return `${stem.slice(0, -1)}ɾɪŋ`;
    }
    return `${stem}ɪŋ`;
  }

  private stemIng(word: string, stress: number | undefined, ctx: WordContext): string | null {
    if (word.length < 5 || !word.endsWith('ing')) return null;
    let stem: string;
    if (word.length > 5 && this.isKnown(word.slice(0, -3))) stem = word.slice(0, -3);
    else if (this.isKnown(`${word.slice(0, -3)}e`)) stem = `${word.slice(0, -3)}e`;
    else if (word.length > 5 && /([bcdgklmnprstvxz])\1ing$|cking$/.test(word) && this.isKnown(word.slice(0, -4))) stem = word.slice(0, -4);
    else return null;
    const ps = this.lookup(stem, stress, ctx);
    if (ps === null) return null;
    // Ours: a British stem spelled with r that ends in ə or ː links with ɹ (fair → fˈɛːɹɪŋ), where misaki gives up.
    if (this.british && /[əː]$/.test(ps) && /re?$/.test(stem)) return `${ps}ɹɪŋ`;
    return this.gerund(ps);
  }

  // --- ours: -ly, -er/-est, compounds ----------------------------------------------------------

  /** A stem the lexicon itself has (not one the case rules would let through). */
  private lexiconStem(word: string, ctx: WordContext): string | null {
    return LETTERS.test(word) && this.lexicon.has(word) ? this.lookup(word, undefined, ctx) : null;
  }

  private stemLy(word: string, stress: number | undefined, ctx: WordContext): string | null {
    if (word.length < 5 || !word.endsWith('ly') || !isLower(word)) return null;
    const base = word.slice(0, -2);
    let ps: string | null;
    if ((ps = this.lexiconStem(base, ctx)) !== null) return applyStress(base.endsWith('l') && ps.endsWith('l') ? `${ps}i` : `${ps}li`, stress); // quick → quickly, magical → magically
    if (base.endsWith('i') && (ps = this.lexiconStem(`${base.slice(0, -1)}y`, ctx)) !== null && ps.endsWith('i')) return `${ps.slice(0, -1)}${this.british ? 'ɪ' : 'ə'}li`; // happy → happily
    if (base.endsWith('al') && (ps = this.lexiconStem(base.slice(0, -2), ctx)) !== null) return `${ps}li`; // basic → basically
    if ((ps = this.lexiconStem(`${base}le`, ctx)) !== null && /(?:ᵊl|əl)$/.test(ps)) return `${ps.slice(0, -2)}li`; // possible → possibly
    if (word.endsWith('lly') && (ps = this.lexiconStem(word.slice(0, -1), ctx)) !== null) return `${ps}i`; // full → fully
    return null;
  }

  /** The comparative and superlative endings after a stem's sounds. */
  private degree(stem: string, suffix: 'er' | 'est'): string {
    let ps = stem;
    if (!this.british && ps.length > 1 && ps.endsWith('t') && US_TAUS.has(ps.at(-2)!)) ps = `${ps.slice(0, -1)}ɾ`;
    if (this.british && /[əː]$/.test(ps)) ps = `${ps}ɹ`; // linking r: clear → clearer
    if (suffix === 'er') return `${ps}${this.british ? 'ə' : 'əɹ'}`;
    return `${ps}${this.british ? 'ɪst' : 'ᵻst'}`;
  }

  private stemErEst(word: string, stress: number | undefined, ctx: WordContext): string | null {
    const m = /^(.+?)(er|est)$/.exec(word);
    if (!m || word.length < 5 || !isLower(word)) return null;
    const base = m[1]!;
    const suffix = m[2] as 'er' | 'est';
    const candidates = [base, `${base}e`, /([bdglmnprt])\1$/.test(base) ? base.slice(0, -1) : '', base.endsWith('i') ? `${base.slice(0, -1)}y` : ''];
    for (const stem of candidates) {
      if (stem.length < 2) continue;
      const ps = this.lexiconStem(stem, ctx);
      if (ps === null) continue;
      if (stem.endsWith('y') && base.endsWith('i')) return applyStress(`${ps}${suffix === 'er' ? (this.british ? 'ə' : 'əɹ') : this.british ? 'ɪst' : 'ᵻst'}`, stress);
      return applyStress(this.degree(ps, suffix), stress);
    }
    return null;
  }

  /** -less, -ness, -ful(ly), -ment after a lexicon word: the suffix unstressed (hopeless, kindness, happiness). */
  private derived(word: string, stress: number | undefined, ctx: WordContext): string | null {
    if (!isLower(word)) return null;
    for (const [suffix, us, gb] of DERIVATIONAL) {
      if (!word.endsWith(suffix) || word.length < suffix.length + 3) continue;
      const base = word.slice(0, -suffix.length);
      const ps = this.lexiconStem(base, ctx) ?? (base.endsWith('i') ? this.lexiconStem(`${base.slice(0, -1)}y`, ctx) : null);
      if (ps !== null) return applyStress(ps + (this.british ? gb : us), stress);
    }
    return null;
  }

  /**
   * A closed compound of two words the gold lexicon has ("doorknob"), the longest first part
   * first, each part at least three letters; the second may be inflected. Stresses as for
   * hyphenated words.
   */
  private compound(word: string, ctx: WordContext): string | null {
    if (word.length < 6 || !/^[a-z]+$/.test(word)) return null;
    for (let i = word.length - 3; i >= 3; i--) {
      const first = word.slice(0, i);
      const second = word.slice(i);
      if (this.lexicon.goldEntry(first) === undefined) continue;
      const a = this.lookup(first, undefined, ctx);
      const b = this.lexicon.goldEntry(second) !== undefined ? this.lookup(second, undefined, ctx) : (this.stemS(second, undefined, ctx) ?? this.stemEd(second, undefined, ctx) ?? this.stemIng(second, undefined, ctx));
      // English compounds stress the first part ("dˈɔɹnˌɑb"): the second keeps a secondary stress at most.
      if (a !== null && b !== null) return a + applyStress(b, -1);
    }
    return null;
  }
}
