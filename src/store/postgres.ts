import type pg from 'pg';
import { CatalogError, contentHash, type CatalogChange, type CatalogFilter, type NewVoice, type StoredKind, type VoiceCatalog, type VoiceRow } from './catalog.js';
import type { ConsentRow, ConsentStore, NewConsent } from './consents.js';
import type { JobFilter, JobPatch, JobRow, JobStore, NewJob } from './jobs.js';
import type { NewPronunciation, PronunciationFilter, PronunciationRow, PronunciationStore } from './pronunciations.js';
import { ChangeListener } from './postgres-changes.js';
import { PostgresConsents } from './postgres-consents.js';
import { bytesOf, createPool, query, transaction, type PostgresOptions } from './postgres-db.js';
import { PostgresJobs } from './postgres-jobs.js';
import { VoiceLists } from './postgres-lists.js';
import { PostgresPronunciations } from './postgres-pronunciations.js';
import { migrate, schemaVersion, SCHEMA_VERSION } from './postgres-schema.js';
import { COLUMNS, live, toRow, UniqueRace, VoiceTx, type DbVoice } from './postgres-voices.js';

/**
 * The catalog in PostgreSQL, for several replicas serving one library: voices with their data
 * (bytea), consents, jobs with their input and checkpoint, and the lexicon all live in the
 * database, so replicas share no disk. Same promises as the SQLite store (catalog.ts), kept by
 * the same contract suites (postgres.contract.test.ts).
 *
 * - Every write is one transaction (postgres-db.ts), durable at COMMIT (PostgreSQL's
 *   synchronous_commit, on by default) and seen by every replica's next read.
 * - Names are unique by the primary key on the lower-cased name; a race between replicas has
 *   one winner and the loser gets `name_taken`, as a check would have given (postgres-voices.ts).
 * - Lists are kept per replica and checked against a change counter on every call
 *   (postgres-lists.ts); the change feed (postgres-changes.ts) only tells caches sooner.
 * - Deletion: the API never serves a deleted voice again, and its row is gone from every
 *   index at COMMIT. Its bytes, though, stay in the table's files as a dead tuple until VACUUM
 *   (autovacuum) reclaims the space and later writes overwrite it, and in the WAL and any
 *   backups until they are recycled. Unlike the SQLite store, no promise is made that they
 *   are in no file once the delete returns: that is PostgreSQL's MVCC, and the operator's
 *   VACUUM, WAL retention and backup policy decide it.
 */
const SWEEP_LOCK = '5506059997992473345';

export class PostgresCatalog implements VoiceCatalog, ConsentStore, JobStore, PronunciationStore {
  private readonly consents: PostgresConsents;
  private readonly jobs: PostgresJobs;
  private readonly pronunciations: PostgresPronunciations;
  private readonly lists: VoiceLists;
  private closed = false;

  private constructor(
    private readonly pool: pg.Pool,
    private readonly changes: ChangeListener,
  ) {
    this.consents = new PostgresConsents(pool);
    this.pronunciations = new PostgresPronunciations(pool);
    this.jobs = new PostgresJobs(pool, (fn, now) => this.voiceWrite(fn, now));
    this.lists = new VoiceLists(
      async () => (await query<{ version: number }>(pool, "SELECT version FROM change_counters WHERE area = 'voices'")).rows[0]!.version,
      async () => (await query<DbVoice>(pool, `SELECT ${COLUMNS} FROM voices v ORDER BY v.name_key COLLATE "C"`)).rows.map(toRow),
    );
  }

  /**
   * Connects, runs the schema migrations (once across replicas starting together) and starts
   * listening for changes. Refuses a database written by a newer LiteTTS.
   */
  static async open(url: string, options: PostgresOptions & { onError?: (error: unknown) => void } = {}): Promise<PostgresCatalog> {
    const pool = createPool(url, options);
    const changes = new ChangeListener(url, options.onError ? { onError: options.onError } : {});
    try {
      await migrate(pool);
      await changes.start();
    } catch (error) {
      await changes.close();
      await pool.end();
      throw error;
    }
    return new PostgresCatalog(pool, changes);
  }

  /** The change feed's listener (tests close it to show that nothing depends on it). */
  get feed(): ChangeListener {
    return this.changes;
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    return this.changes.subscribe(listener);
  }

  async get(name: string, now: number): Promise<VoiceRow | undefined> {
    const r = await query<DbVoice>(this.pool, `SELECT ${COLUMNS} FROM voices v WHERE v.name_key = $1 AND ${live('$2')}`, [name.toLowerCase(), now]);
    return r.rows[0] && toRow(r.rows[0]);
  }

  async getByExternalId(id: string, now: number): Promise<VoiceRow | undefined> {
    const r = await query<DbVoice>(this.pool, `SELECT ${COLUMNS} FROM voices v WHERE v.external_id = $1 AND ${live('$2')}`, [id, now]);
    return r.rows[0] && toRow(r.rows[0]);
  }

  async getWithData(name: string, now: number): Promise<{ row: VoiceRow; data: Uint8Array } | undefined> {
    // One statement: one snapshot, so the data is the row's.
    const r = await query<DbVoice & { data: Buffer }>(
      this.pool,
      `SELECT ${COLUMNS}, d.data FROM voices v JOIN voice_data d USING (content_hash) WHERE v.name_key = $1 AND ${live('$2')}`,
      [name.toLowerCase(), now],
    );
    const found = r.rows[0];
    if (!found) return undefined;
    return { row: toRow(found), data: bytesOf(found.data) };
  }

  list(filter: CatalogFilter, now: number): Promise<VoiceRow[]> {
    return this.lists.list(filter, now);
  }

  async insert(voice: NewVoice, now: number): Promise<VoiceRow> {
    return (await this.insertAll([voice], now))[0]!;
  }

  insertAll(voices: readonly NewVoice[], now: number): Promise<VoiceRow[]> {
    return this.voiceWrite(async (tx) => {
      const rows: VoiceRow[] = [];
      for (const voice of voices) rows.push(await tx.insert(voice, now));
      return rows;
    }, now);
  }

  updateCustom(name: string, patch: { name?: string; description?: string }, now: number): Promise<VoiceRow> {
    return this.voiceWrite(async (tx) => {
      const row = await tx.require(name, now);
      if (row.kind !== 'custom') throw new CatalogError('wrong_kind', `Voice '${row.name}' is ${row.kind}, not custom`, row);
      let current = row;
      if (patch.name !== undefined && patch.name !== row.name) {
        await tx.rename(row, patch.name, now);
        current = { ...row, name: patch.name };
      }
      if (patch.description !== undefined) await tx.describe(current, patch.description);
      return tx.committed(current.name);
    }, now);
  }

  promote(name: string, options: { sessionId?: string; newName?: string }, now: number): Promise<{ row: VoiceRow; changed: boolean }> {
    return this.voiceWrite(async (tx) => {
      const row = await tx.require(name, now);
      if (row.kind === 'custom') return { row, changed: false };
      checkSession(row, options.sessionId);
      let current = row;
      if (options.newName !== undefined && options.newName !== row.name) {
        await tx.rename(row, options.newName, now);
        current = { ...row, name: options.newName };
      }
      await tx.promote(current);
      return { row: await tx.committed(current.name), changed: true };
    }, now);
  }

  delete(name: string, kind: StoredKind, options: { sessionId?: string; externalId?: string }, now: number): Promise<VoiceRow> {
    return this.voiceWrite(async (tx) => {
      const row = await tx.require(name, now);
      if (options.externalId !== undefined && row.externalId !== options.externalId) {
        throw new CatalogError('not_found', `Voice '${name}' does not exist with OpenAI id '${options.externalId}'`);
      }
      if (row.kind !== kind) throw new CatalogError('wrong_kind', `Voice '${row.name}' is ${row.kind}, not ${kind}`, row);
      if (kind === 'temporary') checkSession(row, options.sessionId);
      await tx.remove(row);
      return row;
    }, now);
  }

  /**
   * One replica sweeps at a time (a transaction-scoped advisory lock, tried, not waited for:
   * a replica that finds another sweeping has nothing to do), and each expired voice is removed
   * by exactly one DELETE … RETURNING, so the rows returned across replicas never repeat.
   */
  deleteExpired(now: number): Promise<VoiceRow[]> {
    return this.voiceWrite(async (tx, client) => {
      const lock = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_xact_lock(${SWEEP_LOCK}) AS locked`);
      if (!lock.rows[0]?.locked) return [];
      return tx.removeExpired(now);
    }, now);
  }

  async counts(now: number): Promise<{ custom: number; temporary: number }> {
    const counts = { custom: 0, temporary: 0 };
    const r = await query<{ kind: StoredKind; n: number }>(this.pool, `SELECT v.kind, count(*) AS n FROM voices v WHERE ${live('$1')} GROUP BY v.kind`, [now]);
    for (const { kind, n } of r.rows) counts[kind] = n;
    return counts;
  }

  async checkIntegrity(): Promise<string[]> {
    const problems: string[] = [];
    const client = await this.pool.connect();
    try {
      const version = await schemaVersion(client);
      if (version !== SCHEMA_VERSION) problems.push(`schema version ${version}, expected ${SCHEMA_VERSION}`);
      const orphans = await client.query<{ n: number }>('SELECT count(*) AS n FROM voice_data d WHERE NOT EXISTS (SELECT 1 FROM voices v WHERE v.content_hash = d.content_hash)');
      if (orphans.rows[0]!.n > 0) problems.push(`${orphans.rows[0]!.n} voice data blob(s) belong to no voice`);
      // Every blob against its hash, a page at a time so a large library is never all in memory.
      let after = '';
      for (;;) {
        const page = await client.query<{ engine: string; name: string; content_hash: string; data_bytes: number; data: Buffer; name_key: string }>(
          `SELECT v.name_key, v.engine, v.name, v.content_hash, v.data_bytes, d.data FROM voices v JOIN voice_data d USING (content_hash)
           WHERE v.name_key COLLATE "C" > $1 ORDER BY v.name_key COLLATE "C" LIMIT 64`,
          [after],
        );
        for (const r of page.rows) {
          if (contentHash(r.engine, r.data) !== r.content_hash) problems.push(`voice '${r.name}': data does not match its hash`);
          if (r.data.byteLength !== r.data_bytes) problems.push(`voice '${r.name}': recorded size differs from its data`);
        }
        if (page.rows.length < 64) break;
        after = page.rows[page.rows.length - 1]!.name_key;
      }
    } finally {
      client.release();
    }
    return problems;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.changes.close();
    await this.pool.end();
  }

  /**
   * A voice write: one transaction over a VoiceTx, which at its end raises the change counter
   * and notifies. A name or OpenAI id lost to a concurrent replica (`UniqueRace`) becomes
   * `name_taken` with the winner's row, read after the rollback.
   */
  private async voiceWrite<T>(fn: (tx: VoiceTx, client: pg.PoolClient) => Promise<T>, now: number): Promise<T> {
    try {
      return await transaction(this.pool, async (client) => {
        const tx = new VoiceTx(client);
        const result = await fn(tx, client);
        return { result, write: await tx.finish() };
      }).then(({ result, write }) => {
        // Committed: this replica's lists take the change in at once.
        if (write) this.lists.committed(write);
        return result;
      });
    } catch (error) {
      if (!(error instanceof UniqueRace)) throw error;
      const winner = error.field === 'name' ? await this.get(error.value, now) : await this.getByExternalId(error.value, now);
      const message =
        error.field === 'name'
          ? `A ${winner?.kind ?? 'custom'} voice named '${winner?.name ?? error.value}' already exists`
          : `The OpenAI voice id '${error.value}' already belongs to voice '${winner?.name ?? 'another voice'}'`;
      throw new CatalogError('name_taken', message, winner);
    }
  }

  // ConsentStore (consents.ts), kept by postgres-consents.ts.
  insertConsent(consent: NewConsent, now: number): Promise<ConsentRow> {
    return this.consents.insert(consent, now);
  }
  getConsent(id: string): Promise<ConsentRow | undefined> {
    return this.consents.get(id);
  }
  listConsents(): Promise<Omit<ConsentRow, 'recording'>[]> {
    return this.consents.list();
  }
  deleteConsent(id: string): Promise<Omit<ConsentRow, 'recording'>> {
    return this.consents.delete(id);
  }

  // PronunciationStore (pronunciations.ts), kept by postgres-pronunciations.ts.
  listPronunciations(filter: PronunciationFilter): Promise<PronunciationRow[]> {
    return this.pronunciations.list(filter);
  }
  putPronunciations(entries: readonly NewPronunciation[], now: number): Promise<{ rows: PronunciationRow[]; created: number }> {
    return this.pronunciations.put(entries, now);
  }
  deletePronunciations(word: string, language: string | null): Promise<PronunciationRow[]> {
    return this.pronunciations.delete(word, language);
  }
  countPronunciations(): Promise<number> {
    return this.pronunciations.count();
  }
  pronunciationsVersion(): Promise<number> {
    return this.pronunciations.version();
  }

  // JobStore (jobs.ts), kept by postgres-jobs.ts.
  insertJob(job: NewJob, now: number): Promise<JobRow> {
    return this.jobs.insertJob(job, now);
  }
  getJob(id: string): Promise<JobRow | undefined> {
    return this.jobs.getJob(id);
  }
  listJobs(filter: JobFilter): Promise<JobRow[]> {
    return this.jobs.listJobs(filter);
  }
  jobInput(id: string): Promise<Uint8Array | undefined> {
    return this.jobs.jobInput(id);
  }
  jobCheckpoint(id: string): Promise<Uint8Array | null> {
    return this.jobs.jobCheckpoint(id);
  }
  claimJob(id: string, owner: string, now: number): Promise<JobRow | undefined> {
    return this.jobs.claimJob(id, owner, now);
  }
  updateJob(id: string, owner: string, patch: JobPatch, now: number): Promise<JobRow> {
    return this.jobs.updateJob(id, owner, patch, now);
  }
  completeJob(id: string, owner: string, voice: NewVoice, now: number): Promise<{ job: JobRow; voice: VoiceRow }> {
    return this.jobs.completeJob(id, owner, voice, now);
  }
  finishJob(id: string, outcome: Parameters<JobStore['finishJob']>[1], now: number, owner?: string): Promise<JobRow> {
    return this.jobs.finishJob(id, outcome, now, owner);
  }
  requeueRunning(options: { staleBefore?: number; deadOwner?: string }, now: number): Promise<JobRow[]> {
    return this.jobs.requeueRunning(options, now);
  }
  deleteFinishedJobs(before: number): Promise<number> {
    return this.jobs.deleteFinishedJobs(before);
  }
}

function checkSession(row: VoiceRow, sessionId: string | undefined): void {
  if (sessionId !== undefined && row.sessionId !== sessionId) {
    throw new CatalogError('session_mismatch', `Voice '${row.name}' does not belong to session '${sessionId}'`, row);
  }
}
