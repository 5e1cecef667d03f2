import type pg from 'pg';
import { CatalogError } from './catalog.js';
import { CHANNEL, payloadOf } from './postgres-changes.js';
import { query, transaction } from './postgres-db.js';
import { wordKey, type NewPronunciation, type PronunciationFilter, type PronunciationRow } from './pronunciations.js';

/**
 * The server lexicon in the PostgreSQL catalog (table `pronunciations`, postgres-schema.ts).
 * Every write raises the `lexicon` change counter and notifies in its own transaction, so any
 * replica's lexicon cache, which compares the counter before each use, sees it at once.
 */
interface DbPronunciation {
  word: string;
  language: string;
  phonemes: string;
  updated_at: number;
}

const COLUMNS = 'word, language, phonemes, updated_at';
const toRow = (r: DbPronunciation): PronunciationRow => ({ word: r.word, language: r.language, phonemes: r.phonemes, updatedAt: r.updated_at });
/** Byte order, as SQLite's BINARY collation sorts. */
const ORDER = 'language COLLATE "C", word_key COLLATE "C"';

async function bump(client: pg.ClientBase): Promise<void> {
  await client.query(
    `WITH bump AS (UPDATE change_counters SET version = version + 1 WHERE area = 'lexicon' RETURNING version)
     SELECT pg_notify('${CHANNEL}', $1) FROM bump`,
    [payloadOf({ kind: 'lexicon' })],
  );
}

export class PostgresPronunciations {
  constructor(private readonly pool: pg.Pool) {}

  async list(filter: PronunciationFilter): Promise<PronunciationRow[]> {
    const r = await query<DbPronunciation>(
      this.pool,
      `SELECT ${COLUMNS} FROM pronunciations WHERE ($1::text IS NULL OR word_key = $1) AND ($2::text IS NULL OR language = $2) ORDER BY ${ORDER}`,
      [filter.word === undefined ? null : wordKey(filter.word), filter.language ?? null],
    );
    return r.rows.map(toRow);
  }

  put(entries: readonly NewPronunciation[], now: number): Promise<{ rows: PronunciationRow[]; created: number }> {
    return transaction(this.pool, async (client) => {
      const seen = new Map<string, { key: string; language: string }>();
      let created = 0;
      for (const e of entries) {
        const key = wordKey(e.word);
        const id = `${e.language}\0${key}`;
        // The first spelling of a word is kept; its phonemes and time change. xmax = 0: the row is new.
        const r = await client.query<{ inserted: boolean }>(
          `INSERT INTO pronunciations (word_key, language, word, phonemes, updated_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (word_key, language) DO UPDATE SET phonemes = excluded.phonemes, updated_at = excluded.updated_at
           RETURNING (xmax = 0) AS inserted`,
          [key, e.language, e.word, e.phonemes, now],
        );
        if (!seen.has(id) && r.rows[0]?.inserted) created++;
        if (!seen.has(id)) seen.set(id, { key, language: e.language });
      }
      if (entries.length > 0) await bump(client);
      const rows: PronunciationRow[] = [];
      for (const { key, language } of seen.values()) {
        const r = await client.query<DbPronunciation>(`SELECT ${COLUMNS} FROM pronunciations WHERE word_key = $1 AND language = $2`, [key, language]);
        rows.push(toRow(r.rows[0]!));
      }
      return { rows, created };
    });
  }

  delete(word: string, language: string | null): Promise<PronunciationRow[]> {
    return transaction(this.pool, async (client) => {
      const r = await client.query<DbPronunciation>(
        `DELETE FROM pronunciations WHERE word_key = $1 AND ($2::text IS NULL OR language = $2) RETURNING ${COLUMNS}`,
        [wordKey(word), language],
      );
      if (r.rows.length === 0) {
        throw new CatalogError('not_found', language === null ? `No pronunciation of '${word}'` : `No pronunciation of '${word}' in ${language}`);
      }
      await bump(client);
      return r.rows.map(toRow).sort((a, b) => (a.language < b.language ? -1 : a.language > b.language ? 1 : 0));
    });
  }

  async count(): Promise<number> {
    return (await query<{ n: number }>(this.pool, 'SELECT count(*) AS n FROM pronunciations')).rows[0]!.n;
  }

  async version(): Promise<number> {
    return (await query<{ version: number }>(this.pool, "SELECT version FROM change_counters WHERE area = 'lexicon'")).rows[0]!.version;
  }
}
