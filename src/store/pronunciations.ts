/**
 * The server's own pronunciation lexicon (`/v1/pronunciations`): word → phonemes per language,
 * applied before any built-in lexicon. Stored in the catalog beside the voices, with the same
 * promises (catalog.ts): a 2xx write is on disk, a write is all or nothing.
 * `pronunciations-contract.ts` tests them for every implementation.
 */
export interface PronunciationRow {
  /** As it was written (its first spelling); looked up without regard to case. */
  word: string;
  /** The language it applies to: a voice language such as `en-us`. */
  language: string;
  /** In the engine's phoneme symbols (Kokoro's, as `/v1/audio/phonemes` shows them). */
  phonemes: string;
  updatedAt: number;
}

export type NewPronunciation = Omit<PronunciationRow, 'updatedAt'>;

export interface PronunciationFilter {
  language?: string;
  /** Any case. */
  word?: string;
}

export interface PronunciationStore {
  /** By language, then word (case-folded). */
  listPronunciations(filter: PronunciationFilter): Promise<PronunciationRow[]>;
  /**
   * Inserts or replaces each entry (key: case-folded word and language) in one transaction:
   * all of them or none. `created`: how many keys were new. Entries repeating a key: the last wins.
   */
  putPronunciations(entries: readonly NewPronunciation[], now: number): Promise<{ rows: PronunciationRow[]; created: number }>;
  /** Removes the word in `language`, or in every language when null; `not_found` when there was none. */
  deletePronunciations(word: string, language: string | null): Promise<PronunciationRow[]>;
  /** How many entries there are (any language). */
  countPronunciations(): Promise<number>;
  /** A number that changes with every committed write of the lexicon, by any process: caches compare it. */
  pronunciationsVersion(): Promise<number>;
}

/** The key of a word: Unicode NFC, lower case (so "Nginx", "nginx" and "NGINX" are one entry). */
export function wordKey(word: string): string {
  return word.normalize('NFC').toLowerCase();
}
