import type pg from 'pg';

/**
 * The PostgreSQL catalog's schema, as numbered migrations. Each step runs in its own
 * transaction under `pg_advisory_xact_lock(MIGRATION_LOCK)`, so replicas that start together
 * migrate once: the first takes the lock and applies the step, the others wait, then find the
 * step recorded in `schema_migrations` and skip it. A database whose highest recorded version
 * is above what this build knows was written by a newer LiteTTS and is refused, as the SQLite
 * store refuses a newer `user_version`.
 *
 * The tables mirror the SQLite catalog's (sqlite.ts), with PostgreSQL's types: times are
 * milliseconds since the epoch in bigint, scores double precision (SQLite's REAL is a double
 * too, so a value round-trips exactly), blobs bytea. `change_counters` holds one counter per
 * area that every write raises in its own transaction: a reader learns of any replica's
 * committed change by reading one row, which is what keeps lists and the lexicon cache right
 * without relying on the change feed.
 */
export const MIGRATIONS: readonly { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'voices, voice data, jobs, consents, lexicon',
    sql: `
CREATE TABLE voice_data (
  content_hash text PRIMARY KEY,
  bytes        integer NOT NULL,
  data         bytea NOT NULL
);
CREATE TABLE voices (
  name_key     text PRIMARY KEY,
  name         text NOT NULL,
  engine       text NOT NULL,
  kind         text NOT NULL CHECK (kind IN ('custom', 'temporary')),
  language     text NOT NULL,
  gender       text CHECK (gender IN ('female', 'male')),
  description  text NOT NULL DEFAULT '',
  source       text NOT NULL CHECK (source IN ('clone', 'blend', 'import')),
  created_at   bigint NOT NULL,
  expires_at   bigint,
  session_id   text,
  content_hash text NOT NULL REFERENCES voice_data (content_hash),
  data_bytes   integer NOT NULL,
  similarity   double precision,
  external_id  text,
  CHECK ((kind = 'temporary') = (expires_at IS NOT NULL)),
  CHECK (name_key = lower(name))
);
CREATE UNIQUE INDEX voices_by_external_id ON voices (external_id) WHERE external_id IS NOT NULL;
CREATE INDEX voices_by_session ON voices (session_id) WHERE session_id IS NOT NULL;
CREATE INDEX voices_by_expiry ON voices (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX voices_by_hash ON voices (content_hash);
CREATE TABLE jobs (
  id            text PRIMARY KEY,
  type          text NOT NULL CHECK (type IN ('clone')),
  status        text NOT NULL CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
  session_id    text NOT NULL,
  progress      double precision NOT NULL DEFAULT 0,
  step          text NOT NULL DEFAULT '',
  best_score    double precision,
  params        text NOT NULL,
  voice_name    text,
  error_code    text,
  error_message text,
  created_at    bigint NOT NULL,
  updated_at    bigint NOT NULL,
  elapsed_ms    bigint NOT NULL DEFAULT 0,
  owner         text,
  heartbeat_at  bigint,
  attempts      integer NOT NULL DEFAULT 0,
  CHECK ((status = 'running') = (owner IS NOT NULL))
);
CREATE INDEX jobs_by_session ON jobs (session_id, created_at);
CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE TABLE job_data (
  job_id     text PRIMARY KEY REFERENCES jobs (id) ON DELETE CASCADE,
  input      bytea NOT NULL,
  checkpoint bytea
);
CREATE TABLE consents (
  id         text PRIMARY KEY,
  name       text NOT NULL,
  language   text NOT NULL,
  created_at bigint NOT NULL,
  recording  bytea NOT NULL
);
CREATE TABLE pronunciations (
  word_key   text NOT NULL,
  language   text NOT NULL,
  word       text NOT NULL,
  phonemes   text NOT NULL,
  updated_at bigint NOT NULL,
  PRIMARY KEY (word_key, language)
);
CREATE TABLE change_counters (
  area    text PRIMARY KEY CHECK (area IN ('voices', 'lexicon')),
  version bigint NOT NULL
);
INSERT INTO change_counters (area, version) VALUES ('voices', 0), ('lexicon', 0);`,
  },
];

export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** The advisory lock key of migrations (any fixed bigint: 0x4c69746554545300, "LiteTTS" in ASCII). */
const MIGRATION_LOCK = '5506059997992473344';

const BOOKKEEPING = `CREATE TABLE IF NOT EXISTS schema_migrations (
  version    integer PRIMARY KEY,
  name       text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
)`;

export class NewerSchemaError extends Error {
  override name = 'NewerSchemaError';
}

/** The highest applied version, or 0 for a database LiteTTS has not touched. */
export async function schemaVersion(client: pg.ClientBase): Promise<number> {
  const exists = await client.query<{ t: string | null }>("SELECT to_regclass('schema_migrations')::text AS t");
  if (exists.rows[0]?.t === null) return 0;
  const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations');
  return r.rows[0]?.v ?? 0;
}

/**
 * Brings the database up to SCHEMA_VERSION; returns the versions this call applied (none when
 * another replica did it first). Throws NewerSchemaError for a database from a newer LiteTTS.
 */
export async function migrate(pool: pg.Pool): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    for (const step of MIGRATIONS) {
      await client.query('BEGIN');
      try {
        // Two replicas creating the bookkeeping table at once would race: the lock comes first.
        await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
        await client.query(BOOKKEEPING);
        const current = await schemaVersion(client);
        if (current > SCHEMA_VERSION) {
          throw new NewerSchemaError(`The voice catalog database was written by a newer LiteTTS (schema ${current}, this one knows ${SCHEMA_VERSION}); upgrade LiteTTS to open it`);
        }
        const done = await client.query('SELECT 1 FROM schema_migrations WHERE version = $1', [step.version]);
        if (done.rowCount === 0) {
          await client.query(step.sql);
          await client.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [step.version, step.name]);
          applied.push(step.version);
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    }
    return applied;
  } finally {
    client.release();
  }
}
