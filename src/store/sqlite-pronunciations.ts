import type Database from 'better-sqlite3';
import { CatalogError } from './catalog.js';
import type { CatalogWrites } from './sqlite-consents.js';
import { wordKey, type NewPronunciation, type PronunciationFilter, type PronunciationRow } from './pronunciations.js';

/**
 * The server lexicon in the SQLite catalog (tables `pronunciations` and `lexicon_state`, schema 3
 * in sqlite.ts), through the catalog's write path like every other write. `lexicon_state` holds
 * one counter that every write raises in its own transaction, so that any process (the server,
 * the CLI beside it) sees a change by reading one row.
 */
interface DbPronunciation {
  word: string;
  language: string;
  phonemes: string;
  updated_at: number;
}

const toRow = (r: DbPronunciation): PronunciationRow => ({ word: r.word, language: r.language, phonemes: r.phonemes, updatedAt: r.updated_at });

export class SqlitePronunciations {
  private readonly statements;

  constructor(
    db: Database.Database,
    private readonly writes: CatalogWrites,
  ) {
    const columns = 'word, language, phonemes, updated_at';
    this.statements = {
      all: db.prepare<[], DbPronunciation>(`SELECT ${columns} FROM pronunciations ORDER BY language, word_key`),
      byLanguage: db.prepare<{ language: string }, DbPronunciation>(`SELECT ${columns} FROM pronunciations WHERE language = @language ORDER BY word_key`),
      byWord: db.prepare<{ key: string }, DbPronunciation>(`SELECT ${columns} FROM pronunciations WHERE word_key = @key ORDER BY language`),
      one: db.prepare<{ key: string; language: string }, DbPronunciation>(`SELECT ${columns} FROM pronunciations WHERE word_key = @key AND language = @language`),
      // The first spelling of a word is kept; its phonemes and time change.
      upsert: db.prepare(`INSERT INTO pronunciations (word_key, language, word, phonemes, updated_at) VALUES (@key, @language, @word, @phonemes, @now)
        ON CONFLICT (word_key, language) DO UPDATE SET phonemes = excluded.phonemes, updated_at = excluded.updated_at`),
      deleteOne: db.prepare<{ key: string; language: string }>('DELETE FROM pronunciations WHERE word_key = @key AND language = @language'),
      deleteWord: db.prepare<{ key: string }>('DELETE FROM pronunciations WHERE word_key = @key'),
      count: db.prepare('SELECT count(*) FROM pronunciations').pluck(),
      version: db.prepare('SELECT version FROM lexicon_state WHERE id = 1').pluck(),
      bump: db.prepare('UPDATE lexicon_state SET version = version + 1 WHERE id = 1'),
    };
  }

  list(filter: PronunciationFilter): PronunciationRow[] {
    const s = this.statements;
    if (filter.word !== undefined) {
      const rows = s.byWord.all({ key: wordKey(filter.word) });
      return (filter.language === undefined ? rows : rows.filter((r) => r.language === filter.language)).map(toRow);
    }
    return (filter.language === undefined ? s.all.all() : s.byLanguage.all({ language: filter.language })).map(toRow);
  }

  put(entries: readonly NewPronunciation[], now: number): { rows: PronunciationRow[]; created: number } {
    return this.writes.write(() => {
      const s = this.statements;
      const seen = new Set<string>();
      let created = 0;
      const keys: { key: string; language: string }[] = [];
      for (const e of entries) {
        const key = wordKey(e.word);
        const id = `${e.language}\0${key}`;
        if (!seen.has(id) && !s.one.get({ key, language: e.language })) created++;
        if (!seen.has(id)) keys.push({ key, language: e.language });
        seen.add(id);
        s.upsert.run({ key, language: e.language, word: e.word, phonemes: e.phonemes, now });
      }
      if (entries.length > 0) s.bump.run();
      return { rows: keys.map((k) => toRow(s.one.get(k)!)), created };
    });
  }

  delete(word: string, language: string | null): PronunciationRow[] {
    return this.writes.write(() => {
      const s = this.statements;
      const key = wordKey(word);
      const rows = s.byWord.all({ key }).filter((r) => language === null || r.language === language);
      if (rows.length === 0) {
        throw new CatalogError('not_found', language === null ? `No pronunciation of '${word}'` : `No pronunciation of '${word}' in ${language}`);
      }
      if (language === null) s.deleteWord.run({ key });
      else s.deleteOne.run({ key, language });
      s.bump.run();
      return rows.map(toRow);
    });
  }

  count(): number {
    return this.statements.count.get() as number;
  }

  version(): number {
    return this.statements.version.get() as number;
  }
}
