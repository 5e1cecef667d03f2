import type Database from 'better-sqlite3';
import { CatalogError } from './catalog.js';
import type { ConsentRow, NewConsent } from './consents.js';
import { padBlob, pageSizeOf, unpadBlob } from './sqlite-blobs.js';
import { CONSENT_META as META, toConsentMeta as toMeta, type ConsentMeta, type DbConsent } from './rows.js';

/**
 * Voice consents in the SQLite catalog (table `consents`, schema 2 in sqlite.ts). The catalog
 * owns the connection and its write discipline; this module only knows the table. Each write
 * runs through the catalog's `write`, so it is one BEGIN IMMEDIATE transaction like every
 * other, and a delete is followed by the catalog's WAL checkpoint: a recording is a person's
 * voice, and once its deletion is acknowledged its bytes are in no file (secure_delete zeroes
 * the pages, the checkpoint empties the WAL that still holds them).
 */
export interface CatalogWrites {
  /** Runs `fn` as one write transaction of the catalog. */
  write<T>(fn: () => T): T;
  /** Says that the write in progress removed data, so the catalog empties the WAL after it. */
  removed(): void;
}


export class SqliteConsents {
  private readonly statements;
  private readonly pageSize: number;

  constructor(
    db: Database.Database,
    private readonly writes: CatalogWrites,
  ) {
    this.pageSize = pageSizeOf(db);
    this.statements = {
      get: db.prepare<{ id: string }, DbConsent & { recording: Buffer }>(`SELECT ${META}, recording FROM consents WHERE id = @id`),
      meta: db.prepare<{ id: string }, DbConsent>(`SELECT ${META} FROM consents WHERE id = @id`),
      // Listing never reads the recordings: they are the large part of the table.
      list: db.prepare<[], DbConsent>(`SELECT ${META} FROM consents ORDER BY created_at, id`),
      insert: db.prepare('INSERT INTO consents (id, name, language, created_at, recording) VALUES (@id, @name, @language, @createdAt, @recording)'),
      delete: db.prepare<{ id: string }>('DELETE FROM consents WHERE id = @id'),
    };
  }

  insert(consent: NewConsent, now: number): ConsentRow {
    return this.writes.write(() => {
      if (this.statements.meta.get({ id: consent.id })) throw new CatalogError('name_taken', `A consent with id '${consent.id}' already exists`);
      // A copy: the row is a value, whatever the caller does with its array afterwards.
      const row: ConsentRow = { id: consent.id, name: consent.name, language: consent.language, createdAt: now, recording: consent.recording.slice() };
      this.statements.insert.run({ ...row, recording: padBlob(row.recording, this.pageSize) });
      return row;
    });
  }

  get(id: string): ConsentRow | undefined {
    const r = this.statements.get.get({ id });
    if (!r) return undefined;
    const recording = unpadBlob(r.recording);
    return { ...toMeta(r), recording: new Uint8Array(recording.buffer, recording.byteOffset, recording.byteLength) };
  }

  list(): ConsentMeta[] {
    return this.statements.list.all().map(toMeta);
  }

  delete(id: string): ConsentMeta {
    return this.writes.write(() => {
      const r = this.statements.meta.get({ id });
      if (!r) throw new CatalogError('not_found', `Consent '${id}' does not exist`);
      this.writes.removed();
      this.statements.delete.run({ id });
      return toMeta(r);
    });
  }
}
