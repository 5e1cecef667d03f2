/**
 * The English lexicons of one model directory, loaded on first use per language and kept:
 * a Kokoro engine that never speaks British English never reads the British files. Without the
 * files a language has no lexicon (null) and Kokoro reads English through espeak-ng alone.
 */
import { Lexicon } from './lexicon.js';
import { lexiconPresent, type LexiconLanguage } from './lexicon-files.js';

export interface LexiconLoad {
  language: LexiconLanguage;
  /** Wall time of reading and parsing both files. */
  ms: number;
  /** Growth of the heap (process.memoryUsage().heapUsed) across the load; approximate. */
  heapBytes: number;
}

export class Lexicons {
  private readonly loaded = new Map<LexiconLanguage, Lexicon>();
  /** Languages whose files could not be read (not JSON objects): read by espeak-ng, not tried again. */
  readonly failed = new Map<LexiconLanguage, string>();
  /** One entry per load, for benchmarks and logs. */
  readonly loads: LexiconLoad[] = [];

  constructor(readonly dir: string) {}

  /** The lexicon of `language`, read now if it is installed and not read yet; null when it is not installed. */
  get(language: LexiconLanguage): Lexicon | null {
    const done = this.loaded.get(language);
    if (done) return done;
    if (this.failed.has(language) || !lexiconPresent(this.dir, language)) return null;
    const heap = process.memoryUsage().heapUsed;
    const start = performance.now();
    let lexicon: Lexicon;
    try {
      lexicon = Lexicon.load(this.dir, language);
    } catch (error) {
      // Files of the pinned size that do not parse (damaged on disk): speak through espeak-ng rather than fail.
      this.failed.set(language, error instanceof Error ? error.message : String(error));
      return null;
    }
    this.loads.push({ language, ms: performance.now() - start, heapBytes: process.memoryUsage().heapUsed - heap });
    this.loaded.set(language, lexicon);
    return lexicon;
  }

  /** Whether the lexicon of `language` is in memory (read on first use). */
  isLoaded(language: LexiconLanguage): boolean {
    return this.loaded.has(language);
  }
}
