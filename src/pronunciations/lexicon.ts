import { errors } from '../errors.js';
import { CatalogError } from '../store/catalog.js';
import { wordKey, type PronunciationRow, type PronunciationStore } from '../store/pronunciations.js';
import { applyLexicon, checkInline } from './inline.js';
import { checkLanguage, checkPhonemes, checkWord, MAX_ENTRIES_PER_PUT, MAX_LEXICON_ENTRIES } from './validate.js';

export interface LexiconEntryInput {
  word: unknown;
  phonemes: unknown;
  language?: unknown;
}

/**
 * The server's pronunciation lexicon: checks what is written (validate.ts), keeps it in the
 * catalog (one truth, durable like voices), and answers lookups per language from a cache that
 * is re-read whenever the store's version moved — one read of one row per lookup, so a change
 * made by the CLI or another replica is seen by the next request.
 */
export class ServerLexicon {
  private cache = new Map<string, { version: number; words: ReadonlyMap<string, string> }>();

  constructor(
    private readonly store: PronunciationStore,
    /** The languages this server's voices speak (those an entry may name). */
    private readonly languages: () => ReadonlySet<string>,
    private readonly defaultLanguage: () => string,
    private readonly now: () => number = Date.now,
  ) {}

  async list(options: { language?: string | undefined; word?: string | undefined } = {}): Promise<PronunciationRow[]> {
    const filter = {
      ...(options.language !== undefined && { language: checkLanguage(options.language, this.languages()) }),
      ...(options.word !== undefined && { word: checkWord(options.word) }),
    };
    return this.store.listPronunciations(filter);
  }

  /** Every language's entry of a word; 404 `pronunciation_not_found` when there is none. */
  async get(word: string, language?: string): Promise<PronunciationRow[]> {
    const rows = await this.list({ word, language });
    if (rows.length === 0) throw errors.pronunciationNotFound(word, language ?? null);
    return rows;
  }

  /** Checks every entry first, then writes them all in one transaction (or none). */
  async put(entries: readonly LexiconEntryInput[]): Promise<{ rows: PronunciationRow[]; created: number }> {
    if (entries.length === 0) throw errors.invalidParam('entries', "'entries' must hold at least one entry", 'invalid_entries');
    if (entries.length > MAX_ENTRIES_PER_PUT) throw errors.invalidParam('entries', `At most ${MAX_ENTRIES_PER_PUT} entries per request`, 'too_many_entries');
    const languages = this.languages();
    const checked = entries.map((e, i) => {
      const at = entries.length === 1 ? '' : `entries[${i}].`;
      return {
        word: checkWord(e.word, `${at}word`),
        phonemes: checkPhonemes(e.phonemes, `${at}phonemes`),
        language: e.language === undefined ? this.defaultLanguage() : checkLanguage(e.language, languages, `${at}language`),
      };
    });
    const count = await this.store.countPronunciations();
    if (count + checked.length > MAX_LEXICON_ENTRIES) {
      // Exact only when every entry is new; a put that mostly replaces is checked after counting the new keys.
      const existing = new Set((await this.store.listPronunciations({})).map((r) => `${r.language}\0${wordKey(r.word)}`));
      const fresh = new Set(checked.map((c) => `${c.language}\0${wordKey(c.word)}`).filter((k) => !existing.has(k)));
      if (count + fresh.size > MAX_LEXICON_ENTRIES) throw errors.lexiconFull(MAX_LEXICON_ENTRIES);
    }
    return this.store.putPronunciations(checked, this.now());
  }

  async delete(word: string, language?: string): Promise<PronunciationRow[]> {
    const w = checkWord(word);
    const l = language === undefined ? null : checkLanguage(language, this.languages());
    try {
      return await this.store.deletePronunciations(w, l);
    } catch (error) {
      if (error instanceof CatalogError && error.code === 'not_found') throw errors.pronunciationNotFound(w, l);
      throw error;
    }
  }

  /**
   * Speech input as the engines are to read it: inline pronunciations checked (400 when
   * malformed), and the lexicon's words of `language` written as inline pronunciations, which
   * Kokoro reads as its phonemes and espeak-ng as the phoneme mnemonics they convert to
   * (engines/espeak/input.ts).
   */
  async apply(text: string, language: string): Promise<string> {
    checkInline(text);
    const l = language.toLowerCase();
    // Only languages of this server have entries (and a cache): a made-up one has none.
    return this.languages().has(l) ? applyLexicon(text, await this.lookup(l)) : text;
  }

  /** Case-folded word → phonemes for `language`, as of now. */
  async lookup(language: string): Promise<ReadonlyMap<string, string>> {
    const version = await this.store.pronunciationsVersion();
    const cached = this.cache.get(language);
    if (cached?.version === version) return cached.words;
    const rows = await this.store.listPronunciations({ language });
    const words = new Map(rows.map((r) => [wordKey(r.word), r.phonemes]));
    this.cache.set(language, { version, words });
    return words;
  }
}
