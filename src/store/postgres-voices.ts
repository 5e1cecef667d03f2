import type pg from 'pg';
import { CatalogError, contentHash, type NewVoice, type VoiceRow } from './catalog.js';
import { CHANNEL, payloadOf } from './postgres-changes.js';
import { bytea, violatedConstraint } from './postgres-db.js';
import { newVoiceRow, toRow, type DbVoice } from './rows.js';

export { toRow, type DbVoice };

/**
 * The voice rows of the PostgreSQL catalog, inside one write transaction (`VoiceTx`): the
 * same steps as the SQLite store's (take a name, insert, rename, remove with the last user of
 * its data), over a pooled connection in READ COMMITTED.
 *
 * Races between replicas end in the constraints, not in the reads before them: two inserts of
 * one name both find it free, the second blocks on the first's primary-key entry and fails
 * with a unique violation once the first commits. `VoiceTx` turns that into `UniqueRace`, and
 * the catalog, after the rollback, into the same `name_taken` (with the winner's row) that the
 * check before the insert gives.
 *
 * Shared data (voice_data, one row per content hash) is locked before it is used or removed:
 * an insert takes the row with `ON CONFLICT DO UPDATE` (a row lock), a removal takes it
 * `FOR UPDATE` and only then checks, in a statement of its own (a fresh snapshot), that no
 * voice refers to it any more. So a voice added with the same content as one being deleted by
 * another replica either waits for that delete and writes the data anew, or makes the delete
 * keep it.
 */
export const COLUMNS = `v.name, v.engine, v.kind, v.language, v.gender, v.description, v.source, v.created_at,
  v.expires_at, v.session_id, v.content_hash, v.data_bytes, v.similarity, v.external_id`;
/** Live: not a temporary voice past its expiry; `$now` is the parameter holding `now`. */
export const live = (now: string) => `(v.expires_at IS NULL OR v.expires_at > ${now})`;


/** A committed voice write as the list snapshot takes it in (postgres-lists.ts). */
export interface OwnWrite {
  version: number;
  rows: ReadonlyMap<string, VoiceRow | undefined>;
}

/** Another transaction committed the name (or OpenAI id) this one was writing; see above. */
export class UniqueRace extends Error {
  override name = 'UniqueRace';
  constructor(
    readonly field: 'name' | 'externalId',
    readonly value: string,
  ) {
    super(`${field} '${value}' was taken by a concurrent write`);
  }
}

export class VoiceTx {
  /** Voices this transaction changed, told to the change feed at its end. */
  private readonly changed = new Map<string, string>();

  constructor(private readonly client: pg.ClientBase) {}

  /** The row of a name key, live or not, locked until the end of the transaction. */
  async lockedRow(key: string): Promise<VoiceRow | undefined> {
    const r = await this.client.query<DbVoice>(`SELECT ${COLUMNS} FROM voices v WHERE v.name_key = $1 FOR UPDATE`, [key]);
    return r.rows[0] && toRow(r.rows[0]);
  }

  /** The live voice of a name, locked: what checks before a change read. */
  async require(name: string, now: number): Promise<VoiceRow> {
    const row = await this.lockedRow(name.toLowerCase());
    if (!row || (row.expiresAt !== null && row.expiresAt <= now)) throw new CatalogError('not_found', `Voice '${name}' does not exist`);
    return row;
  }

  /** One voice (inserts, and a job landing its voice). */
  async insert(voice: NewVoice, now: number): Promise<VoiceRow> {
    const key = voice.name.toLowerCase();
    const hash = contentHash(voice.engine, voice.data);
    await this.takeName(key, now);
    if (voice.externalId != null) await this.takeExternalId(voice.externalId, now);
    await this.client.query(
      `INSERT INTO voice_data (content_hash, bytes, data) VALUES ($1, $2, $3)
       ON CONFLICT (content_hash) DO UPDATE SET bytes = voice_data.bytes`,
      [hash, voice.data.byteLength, bytea(voice.data)],
    );
    const row = newVoiceRow(voice, hash, now);
    await this.guard(key, row.externalId, () =>
      this.client.query(
        `INSERT INTO voices (name_key, name, engine, kind, language, gender, description, source, created_at, expires_at,
           session_id, content_hash, data_bytes, similarity, external_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
        [key, row.name, row.engine, row.kind, row.language, row.gender, row.description, row.source, now, row.expiresAt,
          row.sessionId, hash, row.dataBytes, row.similarity, row.externalId],
      ),
    );
    this.changed.set(key, hash);
    return row;
  }

  async rename(row: VoiceRow, to: string, now: number): Promise<void> {
    const from = row.name.toLowerCase();
    const key = to.toLowerCase();
    // A change of letter case alone keeps the same key.
    if (key !== from) await this.takeName(key, now);
    await this.guard(key, null, () => this.client.query('UPDATE voices SET name_key = $2, name = $3 WHERE name_key = $1', [from, key, to]));
    this.changed.set(from, row.contentHash).set(key, row.contentHash);
  }

  async describe(row: VoiceRow, description: string): Promise<void> {
    await this.client.query('UPDATE voices SET description = $2 WHERE name_key = $1', [row.name.toLowerCase(), description]);
    this.changed.set(row.name.toLowerCase(), row.contentHash);
  }

  async promote(row: VoiceRow): Promise<void> {
    await this.client.query("UPDATE voices SET kind = 'custom', expires_at = NULL, session_id = NULL WHERE name_key = $1", [row.name.toLowerCase()]);
    this.changed.set(row.name.toLowerCase(), row.contentHash);
  }

  /** Removes the voice, and its data when no other voice has the same content. */
  async remove(row: VoiceRow): Promise<void> {
    await this.client.query('DELETE FROM voices WHERE name_key = $1', [row.name.toLowerCase()]);
    this.changed.set(row.name.toLowerCase(), row.contentHash);
    await this.dropDataUnlessShared([row.contentHash]);
  }

  /** Every expired temporary voice, each removed by exactly one transaction (DELETE … RETURNING). */
  async removeExpired(now: number): Promise<VoiceRow[]> {
    const r = await this.client.query<DbVoice>(
      `DELETE FROM voices v WHERE v.expires_at IS NOT NULL AND v.expires_at <= $1 RETURNING ${COLUMNS}`,
      [now],
    );
    const rows = r.rows.map(toRow).sort((a, b) => (a.name.toLowerCase() < b.name.toLowerCase() ? -1 : 1));
    for (const row of rows) this.changed.set(row.name.toLowerCase(), row.contentHash);
    await this.dropDataUnlessShared([...new Set(rows.map((row) => row.contentHash))]);
    return rows;
  }

  /** A row as this transaction wrote it (live or not: it is what the write returns). */
  async committed(name: string): Promise<VoiceRow> {
    const row = await this.lockedRow(name.toLowerCase());
    if (!row) throw new Error(`catalog: voice '${name}' vanished inside its own write`);
    return row;
  }

  /**
   * Ends the write: when it changed voices, raises the voices counter (how every replica's
   * list learns of it) and tells the change feed, both in this transaction. Returns the new
   * counter and the changed keys' rows as committed (undefined: removed), for this replica's
   * list snapshot to take in without reading every row again; null when nothing changed.
   */
  async finish(): Promise<OwnWrite | null> {
    if (this.changed.size === 0) return null;
    const payloads = [...this.changed].map(([nameKey, hash]) => payloadOf({ kind: 'voice', nameKey, hash }));
    const bumped = await this.client.query<{ version: number }>(
      `WITH bump AS (UPDATE change_counters SET version = version + 1 WHERE area = 'voices' RETURNING version),
            told AS (SELECT pg_notify('${CHANNEL}', p) FROM bump, unnest($1::text[]) AS p)
       SELECT version, (SELECT count(*) FROM told) AS told FROM bump`,
      [payloads],
    );
    const keys = [...this.changed.keys()];
    const rows = await this.client.query<DbVoice & { name_key: string }>(`SELECT v.name_key, ${COLUMNS} FROM voices v WHERE v.name_key = ANY($1)`, [keys]);
    const now = new Map<string, VoiceRow | undefined>(keys.map((k) => [k, undefined]));
    for (const r of rows.rows) now.set(r.name_key, toRow(r));
    return { version: bumped.rows[0]!.version, rows: now };
  }

  /** Frees `key` for a voice: an expired temporary voice of that name is removed; a live one is a conflict. */
  private async takeName(key: string, now: number): Promise<void> {
    const row = await this.lockedRow(key);
    if (!row) return;
    if (row.expiresAt !== null && row.expiresAt <= now) await this.remove(row);
    else throw new CatalogError('name_taken', `A ${row.kind} voice named '${row.name}' already exists`, row);
  }

  /** As takeName, for an OpenAI voice id (unique among live voices, as names are). */
  private async takeExternalId(id: string, now: number): Promise<void> {
    const r = await this.client.query<DbVoice>(`SELECT ${COLUMNS} FROM voices v WHERE v.external_id = $1 FOR UPDATE`, [id]);
    const row = r.rows[0] && toRow(r.rows[0]);
    if (!row) return;
    if (row.expiresAt !== null && row.expiresAt <= now) await this.remove(row);
    else throw new CatalogError('name_taken', `The OpenAI voice id '${id}' already belongs to voice '${row.name}'`, row);
  }

  private async dropDataUnlessShared(hashes: string[]): Promise<void> {
    if (hashes.length === 0) return;
    await this.client.query('SELECT 1 FROM voice_data WHERE content_hash = ANY($1) ORDER BY content_hash FOR UPDATE', [hashes]);
    await this.client.query(
      'DELETE FROM voice_data d WHERE d.content_hash = ANY($1) AND NOT EXISTS (SELECT 1 FROM voices v WHERE v.content_hash = d.content_hash)',
      [hashes],
    );
  }

  /** Runs a statement that writes a name key (and maybe an OpenAI id), turning a lost race into UniqueRace. */
  private async guard(key: string, externalId: string | null, statement: () => Promise<unknown>): Promise<void> {
    try {
      await statement();
    } catch (error) {
      const constraint = violatedConstraint(error);
      if (constraint === 'voices_pkey') throw new UniqueRace('name', key);
      if (constraint === 'voices_by_external_id' && externalId !== null) throw new UniqueRace('externalId', externalId);
      throw error;
    }
  }
}
