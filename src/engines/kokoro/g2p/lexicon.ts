/**
 * One language's misaki lexicon in memory: gold entries, then silver, looked up the way misaki
 * looks them up (its `grow_dictionary`: a lower-case entry also answers for its Capitalised
 * form and a Capitalised entry for its lower-case form, an entry as written winning).
 *
 * The JSON objects are kept as parsed: V8 stores a large object of string values compactly
 * (a dictionary-mode object, smaller than a Map of the same pairs), and parsing is one native
 * call. Capitalised variants are answered at lookup instead of being added, which would double it.
 */
import { readFileSync } from 'node:fs';
import { lexiconPaths, type LexiconLanguage } from './lexicon-files.js';

/** A homograph: phonemes by part-of-speech tag, with `DEFAULT`; a tag may map to null ("no such use"). */
export type Homograph = Readonly<Record<string, string | null>> & { readonly DEFAULT: string };
export type Entry = string | Homograph;

type Table = Readonly<Record<string, Entry>>;

export class Lexicon {
  private constructor(
    readonly language: LexiconLanguage,
    private readonly gold: Table,
    private readonly silver: Table,
  ) {}

  /** Reads `<dir>/{us,gb}_{gold,silver}.json`; throws when a file is missing or not a JSON object. */
  static load(dir: string, language: LexiconLanguage): Lexicon {
    const paths = lexiconPaths(dir, language);
    return new Lexicon(language, readTable(paths.gold), readTable(paths.silver));
  }

  /** From tables in memory (tests that hold words out of a copy). */
  static fromTables(language: LexiconLanguage, gold: Table, silver: Table): Lexicon {
    return new Lexicon(language, gold, silver);
  }

  get british(): boolean {
    return this.language === 'en-gb';
  }

  /** The gold entry for `word` (misaki's grown dictionary), or undefined. */
  goldEntry(word: string): Entry | undefined {
    return grownGet(this.gold, word);
  }

  /** The silver entry for `word`, or undefined. */
  silverEntry(word: string): Entry | undefined {
    return grownGet(this.silver, word);
  }

  /** Gold, then silver. */
  entry(word: string): Entry | undefined {
    return this.goldEntry(word) ?? this.silverEntry(word);
  }

  has(word: string): boolean {
    return this.entry(word) !== undefined;
  }
}

function readTable(path: string): Table {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`${path}: not a JSON object`);
  return parsed as Table;
}

const own = Object.prototype.hasOwnProperty;

function get(table: Table, key: string): Entry | undefined {
  return own.call(table, key) ? table[key] : undefined;
}

/** Python's str.capitalize(): the first character upper case, the rest lower case. */
export function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

function grownGet(table: Table, word: string): Entry | undefined {
  const direct = get(table, word);
  if (direct !== undefined || word.length < 2) return direct;
  const lower = word.toLowerCase();
  if (word === lower) {
    const cap = capitalize(word);
    return cap !== word ? get(table, cap) : undefined;
  }
  return word === capitalize(word) ? get(table, lower) : undefined;
}

/** The phonemes of an entry for a part-of-speech tag (or its parent tag), else its DEFAULT. */
export function entryPhonemes(entry: Entry, tag?: string): string {
  if (typeof entry === 'string') return entry;
  if (tag !== undefined) {
    const value = entry[tag];
    if (typeof value === 'string') return value;
  }
  return entry.DEFAULT;
}
