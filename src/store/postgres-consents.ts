import type pg from 'pg';
import { CatalogError } from './catalog.js';
import type { ConsentRow, NewConsent } from './consents.js';
import { bytea, bytesOf, query } from './postgres-db.js';
import { CONSENT_META as META, toConsentMeta as toMeta, type ConsentMeta, type DbConsent } from './rows.js';

/**
 * Voice consents in the PostgreSQL catalog (table `consents`, postgres-schema.ts). Each write
 * is one statement, so one transaction: an id taken by a concurrent insert on another replica
 * is found by `ON CONFLICT DO NOTHING`, not by a read before it. A deleted recording is never
 * served again; its bytes stay in the table's files until VACUUM (see postgres.ts).
 */

export class PostgresConsents {
  constructor(private readonly pool: pg.Pool) {}

  async insert(consent: NewConsent, now: number): Promise<ConsentRow> {
    // A copy: the row is a value, whatever the caller does with its array afterwards.
    const row: ConsentRow = { id: consent.id, name: consent.name, language: consent.language, createdAt: now, recording: consent.recording.slice() };
    const r = await query(
      this.pool,
      'INSERT INTO consents (id, name, language, created_at, recording) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING',
      [row.id, row.name, row.language, now, bytea(row.recording)],
    );
    if (r.rowCount === 0) throw new CatalogError('name_taken', `A consent with id '${consent.id}' already exists`);
    return row;
  }

  async get(id: string): Promise<ConsentRow | undefined> {
    const r = await query<DbConsent & { recording: Buffer }>(this.pool, `SELECT ${META}, recording FROM consents WHERE id = $1`, [id]);
    const found = r.rows[0];
    return found && { ...toMeta(found), recording: bytesOf(found.recording) };
  }

  async list(): Promise<ConsentMeta[]> {
    // Listing never reads the recordings: they are the large part of the table.
    const r = await query<DbConsent>(this.pool, `SELECT ${META} FROM consents ORDER BY created_at, id COLLATE "C"`);
    return r.rows.map(toMeta);
  }

  async delete(id: string): Promise<ConsentMeta> {
    const r = await query<DbConsent>(this.pool, `DELETE FROM consents WHERE id = $1 RETURNING ${META}`, [id]);
    if (!r.rows[0]) throw new CatalogError('not_found', `Consent '${id}' does not exist`);
    return toMeta(r.rows[0]);
  }
}
