import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { CatalogError, contentHash, type CatalogChange, type CatalogFilter, type NewVoice, type StoredKind, type VoiceCatalog, type VoiceRow } from './catalog.js';
import type { ConsentRow, ConsentStore, NewConsent } from './consents.js';
import { SqliteConsents } from './sqlite-consents.js';
import type { JobFilter, JobPatch, JobRow, JobStore, NewJob } from './jobs.js';
import { SqliteJobs } from './sqlite-jobs.js';
import type { NewPronunciation, PronunciationFilter, PronunciationRow, PronunciationStore } from './pronunciations.js';
import { SqlitePronunciations } from './sqlite-pronunciations.js';
import { padBlob, padStoredBlobs, pageSizeOf, unpadBlob } from './sqlite-blobs.js';
import { newVoiceRow, toRow, type DbVoice } from './rows.js';
import { ListMemo } from './list-memo.js';

/**
 * The catalog in SQLite, the embedded default. Metadata and data live in two
 * tables so listing never touches the (half-megabyte) tensors; data is stored
 * once per content hash and removed with the last voice that refers to it.
 * WAL with synchronous=FULL: a committed write has reached the disk.
 * secure_delete: a deleted voice's bytes are overwritten, not just unlinked; and
 * since the WAL still holds the frames that wrote them, every delete is followed
 * by a checkpoint that empties it (see `checkpoint`).
 *
 * Every write is BEGIN IMMEDIATE: it takes the write lock before its first read,
 * so waiting for another process's write (the CLI beside the server) is covered
 * by the busy timeout. A deferred transaction would read first and then fail at
 * once with SQLITE_BUSY when upgrading to a writer, because SQLite cannot wait
 * there without risking a deadlock or an outdated read.
 */
const SCHEMA_VERSION = 4;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS voices (
  name_key     TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  engine       TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('custom', 'temporary')),
  language     TEXT NOT NULL,
  gender       TEXT CHECK (gender IN ('female', 'male')),
  description  TEXT NOT NULL DEFAULT '',
  source       TEXT NOT NULL CHECK (source IN ('clone', 'blend', 'import')),
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER,
  session_id   TEXT,
  content_hash TEXT NOT NULL REFERENCES voice_data (content_hash),
  data_bytes   INTEGER NOT NULL,
  CHECK ((kind = 'temporary') = (expires_at IS NOT NULL)),
  CHECK (name_key = lower(name))
);
CREATE INDEX IF NOT EXISTS voices_by_kind ON voices (kind, name_key);
CREATE INDEX IF NOT EXISTS voices_by_session ON voices (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS voices_by_expiry ON voices (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX IF NOT EXISTS voices_by_hash ON voices (content_hash);
CREATE TABLE IF NOT EXISTS voice_data (
  content_hash TEXT PRIMARY KEY,
  bytes        INTEGER NOT NULL,
  data         BLOB NOT NULL
);
`;

/** Each entry takes the schema from version i + 1 to i + 2 (MIGRATIONS[0]: 1 → 2). */
const MIGRATIONS: readonly (string | ((db: Database.Database) => void))[] = [
  `ALTER TABLE voices ADD COLUMN similarity REAL;
   ALTER TABLE voices ADD COLUMN external_id TEXT;
   CREATE UNIQUE INDEX IF NOT EXISTS voices_by_external_id ON voices (external_id) WHERE external_id IS NOT NULL;
   CREATE TABLE jobs (
     id           TEXT PRIMARY KEY,
     type         TEXT NOT NULL CHECK (type IN ('clone')),
     status       TEXT NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
     session_id   TEXT NOT NULL,
     progress     REAL NOT NULL DEFAULT 0,
     step         TEXT NOT NULL DEFAULT '',
     best_score   REAL,
     params       TEXT NOT NULL,
     voice_name   TEXT,
     error_code   TEXT,
     error_message TEXT,
     created_at   INTEGER NOT NULL,
     updated_at   INTEGER NOT NULL,
     elapsed_ms   INTEGER NOT NULL DEFAULT 0,
     owner        TEXT,
     heartbeat_at INTEGER,
     attempts     INTEGER NOT NULL DEFAULT 0,
     CHECK ((status = 'running') = (owner IS NOT NULL))
   );
   CREATE INDEX jobs_by_session ON jobs (session_id, created_at);
   CREATE INDEX jobs_by_status ON jobs (status, created_at);
   -- A job's input (reference audio) and checkpoint: large, read only by the job's runner; removed when it finishes.
   CREATE TABLE job_data (
     job_id     TEXT PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
     input      BLOB NOT NULL,
     checkpoint BLOB
   );
   CREATE TABLE consents (
     id         TEXT PRIMARY KEY,
     name       TEXT NOT NULL,
     language   TEXT NOT NULL,
     created_at INTEGER NOT NULL,
     recording  BLOB NOT NULL
   );`,
  // 2 → 3: the server lexicon (sqlite-pronunciations.ts) and its change counter.
  `CREATE TABLE pronunciations (
     word_key   TEXT NOT NULL,
     language   TEXT NOT NULL,
     word       TEXT NOT NULL,
     phonemes   TEXT NOT NULL,
     updated_at INTEGER NOT NULL,
     PRIMARY KEY (word_key, language)
   );
   CREATE TABLE lexicon_state (
     id      INTEGER PRIMARY KEY CHECK (id = 1),
     version INTEGER NOT NULL
   );
   INSERT INTO lexicon_state (id, version) VALUES (1, 0);`,
  // 3 → 4: a person's bytes are stored behind a pad, never in a b-tree cell (sqlite-blobs.ts).
  padStoredBlobs,
];

const COLUMNS = `v.name, v.engine, v.kind, v.language, v.gender, v.description, v.source, v.created_at,
  v.expires_at, v.session_id, v.content_hash, v.data_bytes, v.similarity, v.external_id`;
/** Reads of voices never touch voice_data: that table holds the (large) blobs and is read by hash alone. */
const FROM = 'voices v';
/** A row is live unless it is a temporary voice past its expiry. */
const LIVE = '(v.expires_at IS NULL OR v.expires_at > @now)';


/** Rows keep their name key (lower-cased name) so the snapshot can be searched and patched cheaply. */
const keys = new WeakMap<VoiceRow, string>();
function keyOf(row: VoiceRow): string {
  let key = keys.get(row);
  if (key === undefined) {
    key = row.name.toLowerCase();
    keys.set(row, key);
  }
  return key;
}

/** SQLITE_BUSY and its extended codes: another connection held a lock for longer than the busy timeout. */
function isBusy(error: unknown): boolean {
  return error instanceof Database.SqliteError && error.code.startsWith('SQLITE_BUSY');
}

function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    if (isBusy(error)) {
      return Promise.reject(new CatalogError('busy', 'The voice catalog is locked by another process; retry shortly'));
    }
    return Promise.reject(error);
  }
}

export interface SqliteCatalogOptions {
  /** How long a write waits for another connection's write lock before it is a `busy` error. */
  busyTimeoutMs?: number;
}

/**
 * How long the checkpoint after a delete may wait for other connections' readers and
 * writers. It runs on the server's event loop, so it is short; when it cannot finish,
 * the next write, closing and the next opening retry it.
 */
const DELETE_CHECKPOINT_WAIT_MS = 100;

export class SqliteCatalog implements VoiceCatalog, ConsentStore, JobStore, PronunciationStore {
  private readonly db: Database.Database;
  private readonly statements;
  private readonly consents: SqliteConsents;
  private readonly pronunciations: SqlitePronunciations;
  /** Jobs share this connection and its write path (sqlite-jobs.ts). */
  private readonly jobs: SqliteJobs;
  private rows: VoiceRow[] | null = null;
  private rowsVersion = -1;
  private readonly lists = new ListMemo();
  /** Name keys changed by the write transaction in progress, then by committed writes not yet in the snapshot. */
  private readonly writing = new Set<string>();
  private readonly touched = new Set<string>();
  private readonly busyTimeoutMs: number;
  /** The write in progress removed a voice: its bytes are still in the WAL until a checkpoint. */
  private removed = false;
  /** A checkpoint after a delete could not finish (another connection was reading or writing). */
  private checkpointPending = false;
  /** Blobs are padded to this (sqlite-blobs.ts). */
  private readonly pageSize: number;
  /** Name key → content hash of the voices the write in progress changed, told to subscribers after it commits. */
  private readonly changes = new Map<string, string>();
  private readonly subscribers = new Set<(change: CatalogChange) => void>();

  constructor(path: string, options: SqliteCatalogOptions = {}) {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    this.busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.pragma('foreign_keys = ON');
    // Another process (the CLI while the server runs) may hold the write lock briefly.
    this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    // Metadata is small and blobs are read once per use: a modest page cache is enough.
    this.db.pragma('cache_size = -4000');
    this.pageSize = pageSizeOf(this.db);
    this.migrate();
    // A process that died (SIGKILL, power loss) may have left deleted voices' bytes in the
    // WAL: opening empties it, so they are gone from the data directory after the next start.
    this.checkpoint(this.busyTimeoutMs);
    const db = this.db;
    this.statements = {
      get: db.prepare<{ key: string; now: number }, DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} WHERE v.name_key = @key AND ${LIVE}`),
      getAny: db.prepare<{ key: string }, DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} WHERE v.name_key = @key`),
      byExternalId: db.prepare<{ id: string; now: number }, DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} WHERE v.external_id = @id AND ${LIVE}`),
      byExternalIdAny: db.prepare<{ id: string }, DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} WHERE v.external_id = @id`),
      data: db.prepare<{ hash: string }, { data: Buffer }>('SELECT data FROM voice_data WHERE content_hash = @hash'),
      insertData: db.prepare('INSERT OR IGNORE INTO voice_data (content_hash, bytes, data) VALUES (@hash, @bytes, @data)'),
      insertVoice: db.prepare(`INSERT INTO voices (name_key, name, engine, kind, language, gender, description, source,
        created_at, expires_at, session_id, content_hash, data_bytes, similarity, external_id) VALUES (@key, @name, @engine, @kind,
        @language, @gender, @description, @source, @createdAt, @expiresAt, @sessionId, @hash, @bytes, @similarity, @externalId)`),
      deleteVoice: db.prepare<{ key: string }>('DELETE FROM voices WHERE name_key = @key'),
      deleteOrphanData: db.prepare<{ hash: string }>(
        'DELETE FROM voice_data WHERE content_hash = @hash AND NOT EXISTS (SELECT 1 FROM voices WHERE content_hash = @hash)',
      ),
      rename: db.prepare<{ key: string; newKey: string; newName: string }>('UPDATE voices SET name_key = @newKey, name = @newName WHERE name_key = @key'),
      describe: db.prepare<{ key: string; description: string }>('UPDATE voices SET description = @description WHERE name_key = @key'),
      promote: db.prepare<{ key: string }>("UPDATE voices SET kind = 'custom', expires_at = NULL, session_id = NULL WHERE name_key = @key"),
      expired: db.prepare<{ now: number }, DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} WHERE v.expires_at IS NOT NULL AND v.expires_at <= @now`),
      all: db.prepare<[], DbVoice>(`SELECT ${COLUMNS} FROM ${FROM} ORDER BY v.name_key`),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      counts: db.prepare<{ now: number }, { kind: string; n: number }>(`SELECT v.kind, count(*) AS n FROM voices v WHERE ${LIVE} GROUP BY v.kind`),
    };
    this.consents = new SqliteConsents(db, {
      write: (fn) => this.write(fn),
      removed: () => {
        this.removed = true;
      },
    });
    this.pronunciations = new SqlitePronunciations(db, {
      write: (fn) => this.write(fn),
      removed: () => {
        this.removed = true;
      },
    });
    this.jobs = new SqliteJobs({
      db,
      write: (fn) => this.write(fn),
      insertVoice: (voice, now) => this.insertRow(voice, now),
      removedBytes: () => (this.removed = true),
    });
  }

  /**
   * Runs a write transaction (BEGIN IMMEDIATE, see above) and notes the rows it
   * touched: data_version does not count this connection's own commits, so the
   * snapshot must be told. What the write returns is built inside the transaction:
   * reading it back after the commit could see another process's later write.
   */
  private write<T>(fn: () => T): T {
    this.writing.clear();
    this.changes.clear();
    this.removed = false;
    const result = this.db.transaction(fn).immediate();
    const changed = [...this.changes];
    this.changes.clear();
    // Committed: the snapshot catches up with these rows the next time it is read, so a
    // write stays O(1) however many voices there are.
    if (this.rows !== null) for (const key of this.writing) this.touched.add(key);
    this.writing.clear();
    if (this.removed || this.checkpointPending) this.checkpoint(DELETE_CHECKPOINT_WAIT_MS);
    for (const [nameKey, hash] of changed) this.tell({ kind: 'voice', nameKey, hash });
    return result;
  }

  /** This instance's own committed writes; another process's are found by data_version on the next read. */
  subscribe(listener: (change: CatalogChange) => void): () => void {
    this.subscribers.add(listener);
    return () => this.subscribers.delete(listener);
  }

  private tell(change: CatalogChange): void {
    for (const listener of this.subscribers) {
      try {
        listener(change);
      } catch {
        // A subscriber's failure is its own; the write has committed.
      }
    }
  }

  /**
   * Copies the WAL into the database file and truncates it to nothing, so that the
   * frames holding a deleted voice's bytes are gone from disk (secure_delete has
   * zeroed their pages in the copy that lands in the main file). TRUNCATE waits, up
   * to `waitMs`, for other connections to finish reading and writing; when they do
   * not, it is tried again later. Measured on a loaded 2-core machine: 1-2 ms for
   * an espeak voice, 6-8 ms for a Kokoro tensor (the zeroed pages are written to the
   * main file and synced), about as much as the delete itself. Auto-checkpoints would
   * copy those pages later anyway, and a storm of deletes still runs at over a hundred
   * a second, so every delete pays it rather than coalescing them and leaving the bytes
   * on disk for a while.
   */
  private checkpoint(waitMs: number): void {
    this.db.pragma(`busy_timeout = ${waitMs}`);
    try {
      const [result] = this.db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      this.checkpointPending = result !== undefined && result.busy !== 0;
    } catch (error) {
      if (!isBusy(error)) throw error;
      this.checkpointPending = true;
    } finally {
      this.db.pragma(`busy_timeout = ${this.busyTimeoutMs}`);
    }
  }

  /**
   * Brings the metadata snapshot up to date with this connection's writes since it
   * was last read, re-reading only the rows they touched (into a new array, so lists
   * derived from the old one are not reused). Other connections' writes are caught
   * by data_version and mean a full re-read.
   */
  private patchSnapshot(): void {
    if (this.rows === null || this.touched.size === 0) return;
    const rows = this.rows.filter((row) => !this.touched.has(keyOf(row)));
    for (const key of this.touched) {
      const fresh = this.statements.getAny.get({ key });
      if (!fresh) continue;
      const row = toRow(fresh);
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keyOf(rows[mid]!) < key) lo = mid + 1;
        else hi = mid;
      }
      rows.splice(lo, 0, row);
    }
    this.rows = rows;
    this.touched.clear();
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`The voice catalog was written by a newer LiteTTS (schema ${version}); upgrade LiteTTS to open it`);
    }
    this.db.transaction(() => {
      if (version === 0) {
        // A new catalog: the first schema, then every migration.
        this.db.exec(SCHEMA);
        for (const step of MIGRATIONS) this.runStep(step);
      } else {
        for (let v = version; v < SCHEMA_VERSION; v++) this.runStep(MIGRATIONS[v - 1]!);
      }
      this.db.pragma(`user_version = ${SCHEMA_VERSION}`);
    }).immediate();
  }

  private runStep(step: string | ((db: Database.Database) => void)): void {
    if (typeof step === 'string') this.db.exec(step);
    else step(this.db);
  }

  private getSync(name: string, now: number): VoiceRow | undefined {
    const r = this.statements.get.get({ key: name.toLowerCase(), now });
    return r && toRow(r);
  }

  private getWithDataSync(name: string, now: number): { row: VoiceRow; data: Uint8Array } | undefined {
    return this.db.transaction(() => {
      const row = this.getSync(name, now);
      if (!row) return undefined;
      const stored = this.statements.data.get({ hash: row.contentHash });
      if (!stored) throw new Error(`catalog corrupt: no data for voice '${row.name}'`);
      const data = unpadBlob(stored.data);
      return { row, data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
    })();
  }

  /** The same array while nothing it depends on has changed (list-memo.ts). */
  private listSync(filter: CatalogFilter, now: number): VoiceRow[] {
    return this.lists.list(this.snapshot(), filter, now);
  }

  /**
   * Every row's metadata, in name order, read once and reused until the catalog
   * changes: this connection's writes drop it, and SQLite's data_version tells
   * when another connection (the CLI) has committed. Reading 10,000 rows costs
   * ~70 ms on a small machine; checking the version costs microseconds.
   */
  private snapshot(): VoiceRow[] {
    const version = this.statements.dataVersion.get() as number;
    if (this.rows === null || this.rowsVersion !== version) {
      this.rows = this.statements.all.all().map(toRow);
      this.rowsVersion = version;
      this.touched.clear();
    }
    this.patchSnapshot();
    return this.rows;
  }

  private insertSync(voice: NewVoice, now: number): VoiceRow {
    return this.insertAllSync([voice], now)[0]!;
  }

  private insertAllSync(voices: readonly NewVoice[], now: number): VoiceRow[] {
    return this.write(() => voices.map((voice) => this.insertRow(voice, now)));
  }

  /** One voice, inside the write in progress (inserts, and a job landing its voice). */
  private insertRow(voice: NewVoice, now: number): VoiceRow {
    const key = voice.name.toLowerCase();
    const hash = contentHash(voice.engine, voice.data);
    this.takeName(key, now);
    if (voice.externalId != null) this.takeExternalId(voice.externalId, now);
    this.statements.insertData.run({ hash, bytes: voice.data.byteLength, data: padBlob(voice.data, this.pageSize) });
    this.writing.add(key);
    this.changes.set(key, hash);
    const row = newVoiceRow(voice, hash, now);
    this.statements.insertVoice.run({ ...row, key, hash, bytes: row.dataBytes });
    return row;
  }

  private updateCustomSync(name: string, patch: { name?: string; description?: string }, now: number): VoiceRow {
    return this.write(() => {
      const row = this.require(name, now);
      if (row.kind !== 'custom') throw new CatalogError('wrong_kind', `Voice '${row.name}' is ${row.kind}, not custom`, row);
      let current = row.name;
      if (patch.name !== undefined && patch.name !== row.name) {
        this.renameRow(row.name, patch.name, now);
        current = patch.name;
      }
      this.changes.set(row.name.toLowerCase(), row.contentHash).set(current.toLowerCase(), row.contentHash);
      if (patch.description !== undefined) {
        this.writing.add(current.toLowerCase());
        this.statements.describe.run({ key: current.toLowerCase(), description: patch.description });
      }
      return this.committed(current);
    });
  }

  private promoteSync(name: string, options: { sessionId?: string; newName?: string }, now: number): { row: VoiceRow; changed: boolean } {
    return this.write(() => {
      const row = this.require(name, now);
      if (row.kind === 'custom') return { row, changed: false };
      this.checkSession(row, options.sessionId);
      let current = row.name;
      if (options.newName !== undefined && options.newName !== row.name) {
        this.renameRow(row.name, options.newName, now);
        current = options.newName;
      }
      this.changes.set(row.name.toLowerCase(), row.contentHash).set(current.toLowerCase(), row.contentHash);
      this.writing.add(current.toLowerCase());
      this.statements.promote.run({ key: current.toLowerCase() });
      return { row: this.committed(current), changed: true };
    });
  }

  private deleteSync(name: string, kind: StoredKind, options: { sessionId?: string; externalId?: string }, now: number): VoiceRow {
    return this.write(() => {
      const row = this.require(name, now);
      if (options.externalId !== undefined && row.externalId !== options.externalId) {
        throw new CatalogError('not_found', `Voice '${name}' does not exist with OpenAI id '${options.externalId}'`);
      }
      if (row.kind !== kind) throw new CatalogError('wrong_kind', `Voice '${row.name}' is ${row.kind}, not ${kind}`, row);
      if (kind === 'temporary') this.checkSession(row, options.sessionId);
      this.removeRow(row);
      return row;
    });
  }

  private deleteExpiredSync(now: number): VoiceRow[] {
    return this.write(() => {
      const rows = this.statements.expired.all({ now }).map(toRow);
      for (const row of rows) this.removeRow(row);
      return rows;
    });
  }

  private countsSync(now: number): { custom: number; temporary: number } {
    const counts = { custom: 0, temporary: 0 };
    for (const { kind, n } of this.statements.counts.all({ now })) counts[kind as StoredKind] = n;
    return counts;
  }

  private checkIntegritySync(): string[] {
    const problems = (this.db.pragma('integrity_check') as { integrity_check: string }[])
      .map((r) => r.integrity_check)
      .filter((r) => r !== 'ok');
    for (const fk of this.db.pragma('foreign_key_check') as { table: string; rowid: number }[]) {
      problems.push(`foreign key broken in ${fk.table} row ${fk.rowid}`);
    }
    const orphans = this.db.prepare('SELECT count(*) AS n FROM voice_data d WHERE NOT EXISTS (SELECT 1 FROM voices v WHERE v.content_hash = d.content_hash)').get() as { n: number };
    if (orphans.n > 0) problems.push(`${orphans.n} voice data blob(s) belong to no voice`);
    const rows = this.db
      .prepare('SELECT v.engine, v.name, v.content_hash, v.data_bytes, d.data FROM voices v JOIN voice_data d USING (content_hash)')
      .iterate() as Iterable<{ engine: string; name: string; content_hash: string; data_bytes: number; data: Buffer }>;
    for (const r of rows) {
      let data: Buffer;
      try {
        data = unpadBlob(r.data);
      } catch (error) {
        problems.push(`voice '${r.name}': ${(error as Error).message}`);
        continue;
      }
      if (contentHash(r.engine, data) !== r.content_hash) problems.push(`voice '${r.name}': data does not match its hash`);
      if (data.byteLength !== r.data_bytes) problems.push(`voice '${r.name}': recorded size differs from its data`);
    }
    return problems;
  }

  close(): Promise<void> {
    if (this.db.open) {
      // The last connection to close checkpoints by itself; another (the server, when the
      // CLI closes) would otherwise leave a delete this one could not flush in the WAL.
      if (this.checkpointPending) this.checkpoint(this.busyTimeoutMs);
      this.db.close();
    }
    return Promise.resolve();
  }

  // The interface is asynchronous (see VoiceCatalog); SQLite answers synchronously, and
  // better-sqlite3's transactions must not span an await, so each call is one sync step.
  get(name: string, now: number): Promise<VoiceRow | undefined> {
    return settle(() => this.getSync(name, now));
  }
  getByExternalId(id: string, now: number): Promise<VoiceRow | undefined> {
    return settle(() => {
      const r = this.statements.byExternalId.get({ id, now });
      return r && toRow(r);
    });
  }
  getWithData(name: string, now: number): Promise<{ row: VoiceRow; data: Uint8Array } | undefined> {
    return settle(() => this.getWithDataSync(name, now));
  }
  list(filter: CatalogFilter, now: number): Promise<VoiceRow[]> {
    return settle(() => this.listSync(filter, now));
  }
  insert(voice: NewVoice, now: number): Promise<VoiceRow> {
    return settle(() => this.insertSync(voice, now));
  }
  insertAll(voices: readonly NewVoice[], now: number): Promise<VoiceRow[]> {
    return settle(() => this.insertAllSync(voices, now));
  }
  updateCustom(name: string, patch: { name?: string; description?: string }, now: number): Promise<VoiceRow> {
    return settle(() => this.updateCustomSync(name, patch, now));
  }
  promote(name: string, options: { sessionId?: string; newName?: string }, now: number): Promise<{ row: VoiceRow; changed: boolean }> {
    return settle(() => this.promoteSync(name, options, now));
  }
  delete(name: string, kind: StoredKind, options: { sessionId?: string; externalId?: string }, now: number): Promise<VoiceRow> {
    return settle(() => this.deleteSync(name, kind, options, now));
  }
  deleteExpired(now: number): Promise<VoiceRow[]> {
    return settle(() => this.deleteExpiredSync(now));
  }
  counts(now: number): Promise<{ custom: number; temporary: number }> {
    return settle(() => this.countsSync(now));
  }
  checkIntegrity(): Promise<string[]> {
    return settle(() => this.checkIntegritySync());
  }
  insertConsent(consent: NewConsent, now: number): Promise<ConsentRow> {
    return settle(() => this.consents.insert(consent, now));
  }
  getConsent(id: string): Promise<ConsentRow | undefined> {
    return settle(() => this.consents.get(id));
  }
  listConsents(): Promise<Omit<ConsentRow, 'recording'>[]> {
    return settle(() => this.consents.list());
  }
  deleteConsent(id: string): Promise<Omit<ConsentRow, 'recording'>> {
    return settle(() => this.consents.delete(id));
  }

  // PronunciationStore (pronunciations.ts), kept by sqlite-pronunciations.ts over this connection.
  listPronunciations(filter: PronunciationFilter): Promise<PronunciationRow[]> {
    return settle(() => this.pronunciations.list(filter));
  }
  putPronunciations(entries: readonly NewPronunciation[], now: number): Promise<{ rows: PronunciationRow[]; created: number }> {
    return settle(() => this.pronunciations.put(entries, now)).then((result) => {
      if (entries.length > 0) this.tell({ kind: 'lexicon' });
      return result;
    });
  }
  deletePronunciations(word: string, language: string | null): Promise<PronunciationRow[]> {
    return settle(() => this.pronunciations.delete(word, language)).then((rows) => {
      this.tell({ kind: 'lexicon' });
      return rows;
    });
  }
  countPronunciations(): Promise<number> {
    return settle(() => this.pronunciations.count());
  }
  pronunciationsVersion(): Promise<number> {
    return settle(() => this.pronunciations.version());
  }

  // JobStore (jobs.ts), kept by sqlite-jobs.ts over this connection.
  insertJob(job: NewJob, now: number): Promise<JobRow> {
    return settle(() => this.jobs.insertJob(job, now));
  }
  getJob(id: string): Promise<JobRow | undefined> {
    return settle(() => this.jobs.getJob(id));
  }
  listJobs(filter: JobFilter): Promise<JobRow[]> {
    return settle(() => this.jobs.listJobs(filter));
  }
  jobInput(id: string): Promise<Uint8Array | undefined> {
    return settle(() => this.jobs.jobInput(id));
  }
  jobCheckpoint(id: string): Promise<Uint8Array | null> {
    return settle(() => this.jobs.jobCheckpoint(id));
  }
  claimJob(id: string, owner: string, now: number): Promise<JobRow | undefined> {
    return settle(() => this.jobs.claimJob(id, owner, now));
  }
  updateJob(id: string, owner: string, patch: JobPatch, now: number): Promise<JobRow> {
    return settle(() => this.jobs.updateJob(id, owner, patch, now));
  }
  completeJob(id: string, owner: string, voice: NewVoice, now: number): Promise<{ job: JobRow; voice: VoiceRow }> {
    return settle(() => this.jobs.completeJob(id, owner, voice, now));
  }
  finishJob(id: string, outcome: Parameters<JobStore['finishJob']>[1], now: number, owner?: string): Promise<JobRow> {
    return settle(() => this.jobs.finishJob(id, outcome, now, owner));
  }
  requeueRunning(options: { staleBefore?: number; deadOwner?: string }, now: number): Promise<JobRow[]> {
    return settle(() => this.jobs.requeueRunning(options, now));
  }
  deleteFinishedJobs(before: number): Promise<number> {
    return settle(() => this.jobs.deleteFinishedJobs(before));
  }

  /** Frees `key` for a new voice: an expired temporary voice of that name is removed; a live one is a conflict. */
  private takeName(key: string, now: number): void {
    const existing = this.statements.getAny.get({ key });
    if (!existing) return;
    const row = toRow(existing);
    if (row.expiresAt !== null && row.expiresAt <= now) this.removeRow(row);
    else throw new CatalogError('name_taken', `A ${row.kind} voice named '${row.name}' already exists`, row);
  }

  /** As takeName, for an OpenAI voice id (unique among live voices, as names are). */
  private takeExternalId(id: string, now: number): void {
    const existing = this.statements.byExternalIdAny.get({ id });
    if (!existing) return;
    const row = toRow(existing);
    if (row.expiresAt !== null && row.expiresAt <= now) this.removeRow(row);
    else throw new CatalogError('name_taken', `The OpenAI voice id '${id}' already belongs to voice '${row.name}'`, row);
  }

  private renameRow(from: string, to: string, now: number): void {
    const key = to.toLowerCase();
    // A change of letter case alone keeps the same key.
    if (key !== from.toLowerCase()) this.takeName(key, now);
    this.writing.add(from.toLowerCase()).add(key);
    this.statements.rename.run({ key: from.toLowerCase(), newKey: key, newName: to });
  }

  private removeRow(row: VoiceRow): void {
    this.removed = true;
    this.writing.add(row.name.toLowerCase());
    this.changes.set(row.name.toLowerCase(), row.contentHash);
    this.statements.deleteVoice.run({ key: row.name.toLowerCase() });
    this.statements.deleteOrphanData.run({ hash: row.contentHash });
  }

  /** A row as this transaction wrote it (live or not: it is what the write returns). */
  private committed(name: string): VoiceRow {
    const r = this.statements.getAny.get({ key: name.toLowerCase() });
    if (!r) throw new Error(`catalog: voice '${name}' vanished inside its own write`);
    return toRow(r);
  }

  private require(name: string, now: number): VoiceRow {
    const row = this.getSync(name, now);
    if (!row) throw new CatalogError('not_found', `Voice '${name}' does not exist`);
    return row;
  }

  private checkSession(row: VoiceRow, sessionId: string | undefined): void {
    if (sessionId !== undefined && row.sessionId !== sessionId) {
      throw new CatalogError('session_mismatch', `Voice '${row.name}' does not belong to session '${sessionId}'`, row);
    }
  }
}
