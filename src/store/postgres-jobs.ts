import type pg from 'pg';
import { CatalogError, type NewVoice, type VoiceRow } from './catalog.js';
import { FINISHED, type JobFilter, type JobPatch, type JobRow, type NewJob } from './jobs.js';
import { toJob, type DbJob } from './rows.js';
import { bytea, bytesOf, query, transaction } from './postgres-db.js';
import type { VoiceTx } from './postgres-voices.js';
import type { JobStateError } from './sqlite-jobs.js';

/**
 * The JobStore of the PostgreSQL catalog (tables jobs and job_data, postgres-schema.ts). A
 * claim is one `UPDATE … WHERE status = 'queued' … RETURNING`: of replicas claiming one job,
 * the first takes its row lock and the others, re-checking the row after it commits, find it
 * running and get nothing. Checks of a job's state read it `FOR UPDATE`, so nothing changes it
 * between the check and the write. `completeJob` lands its voice through the catalog's voice
 * write (name rules, change counter, notification) in the same transaction as the job's change.
 */
export type VoiceWrite = <T>(fn: (tx: VoiceTx, client: pg.PoolClient) => Promise<T>, now: number) => Promise<T>;


const ORDER = 'created_at, id COLLATE "C"';

function jobStateError(job: JobRow, message: string): JobStateError {
  return Object.assign(new CatalogError('job_state', message), { job });
}

function notFound(id: string): CatalogError {
  return new CatalogError('not_found', `Job '${id}' does not exist`);
}

export class PostgresJobs {
  constructor(
    private readonly pool: pg.Pool,
    private readonly voiceWrite: VoiceWrite,
  ) {}

  insertJob(job: NewJob, now: number): Promise<JobRow> {
    return transaction(this.pool, async (client) => {
      const r = await client.query<DbJob>(
        `INSERT INTO jobs (id, type, status, session_id, params, created_at, updated_at) VALUES ($1, $2, 'queued', $3, $4, $5, $5)
         ON CONFLICT (id) DO NOTHING RETURNING *`,
        [job.id, job.type, job.sessionId, job.params, now],
      );
      if (!r.rows[0]) throw new CatalogError('name_taken', `A job with id '${job.id}' already exists`);
      await client.query('INSERT INTO job_data (job_id, input) VALUES ($1, $2)', [job.id, bytea(job.input)]);
      return toJob(r.rows[0]);
    });
  }

  async getJob(id: string): Promise<JobRow | undefined> {
    const r = await query<DbJob>(this.pool, 'SELECT * FROM jobs WHERE id = $1', [id]);
    return r.rows[0] && toJob(r.rows[0]);
  }

  async listJobs(filter: JobFilter): Promise<JobRow[]> {
    const r = await query<DbJob>(
      this.pool,
      `SELECT * FROM jobs WHERE ($1::text IS NULL OR session_id = $1) AND ($2::text[] IS NULL OR status = ANY($2)) ORDER BY ${ORDER}`,
      [filter.sessionId ?? null, filter.status === undefined ? null : [...filter.status]],
    );
    return r.rows.map(toJob);
  }

  async jobInput(id: string): Promise<Uint8Array | undefined> {
    const r = await query<{ input: Buffer }>(this.pool, 'SELECT input FROM job_data WHERE job_id = $1', [id]);
    return r.rows[0] && bytesOf(r.rows[0].input);
  }

  async jobCheckpoint(id: string): Promise<Uint8Array | null> {
    const r = await query<{ checkpoint: Buffer | null }>(this.pool, 'SELECT checkpoint FROM job_data WHERE job_id = $1', [id]);
    const checkpoint = r.rows[0]?.checkpoint;
    return checkpoint ? bytesOf(checkpoint) : null;
  }

  async claimJob(id: string, owner: string, now: number): Promise<JobRow | undefined> {
    const r = await query<DbJob>(
      this.pool,
      `UPDATE jobs SET status = 'running', owner = $2, heartbeat_at = $3, updated_at = $3, attempts = attempts + 1
       WHERE id = $1 AND status = 'queued' RETURNING *`,
      [id, owner, now],
    );
    return r.rows[0] && toJob(r.rows[0]);
  }

  updateJob(id: string, owner: string, patch: JobPatch, now: number): Promise<JobRow> {
    return transaction(this.pool, async (client) => {
      const r = await client.query<DbJob>(
        `UPDATE jobs SET
           progress = CASE WHEN $4 THEN $5 ELSE progress END,
           step = CASE WHEN $6 THEN $7 ELSE step END,
           best_score = CASE WHEN $8 THEN $9 ELSE best_score END,
           elapsed_ms = elapsed_ms + $10, heartbeat_at = $3, updated_at = $3
         WHERE id = $1 AND status = 'running' AND owner = $2 RETURNING *`,
        [id, owner, now, patch.progress !== undefined, patch.progress ?? 0, patch.step !== undefined, patch.step ?? '',
          patch.bestScore !== undefined, patch.bestScore ?? null, Math.max(0, Math.round(patch.elapsedMsDelta ?? 0))],
      );
      if (!r.rows[0]) throw await notRunningBy(client, id, owner);
      if (patch.checkpoint !== undefined) {
        await client.query('UPDATE job_data SET checkpoint = $2 WHERE job_id = $1', [id, patch.checkpoint === null ? null : bytea(patch.checkpoint)]);
      }
      return toJob(r.rows[0]);
    });
  }

  completeJob(id: string, owner: string, voice: NewVoice, now: number): Promise<{ job: JobRow; voice: VoiceRow }> {
    return this.voiceWrite(async (tx, client) => {
      const current = await lockedJob(client, id);
      if (!current) throw notFound(id);
      if (current.status !== 'running' || current.owner !== owner) throw await notRunningBy(client, id, owner);
      // A taken name throws here, before anything of the job changed: the transaction rolls back whole.
      const row = await tx.insert(voice, now);
      const r = await client.query<DbJob>(
        `UPDATE jobs SET status = 'succeeded', progress = 1, voice_name = $2, owner = NULL, heartbeat_at = NULL, updated_at = $3
         WHERE id = $1 RETURNING *`,
        [id, row.name, now],
      );
      await client.query('DELETE FROM job_data WHERE job_id = $1', [id]);
      return { job: toJob(r.rows[0]!), voice: row };
    }, now);
  }

  finishJob(id: string, outcome: { status: 'failed' | 'cancelled'; error: { code: string; message: string } }, now: number, owner?: string): Promise<JobRow> {
    return transaction(this.pool, async (client) => {
      const current = await lockedJob(client, id);
      if (!current) throw notFound(id);
      if (FINISHED.includes(current.status)) throw jobStateError(current, `Job '${id}' has already ${current.status === 'cancelled' ? 'been cancelled' : current.status}`);
      if (owner !== undefined && (current.status !== 'running' || current.owner !== owner)) throw await notRunningBy(client, id, owner);
      const r = await client.query<DbJob>(
        `UPDATE jobs SET status = $2, error_code = $3, error_message = $4, owner = NULL, heartbeat_at = NULL, updated_at = $5
         WHERE id = $1 RETURNING *`,
        [id, outcome.status, outcome.error.code, outcome.error.message, now],
      );
      await client.query('DELETE FROM job_data WHERE job_id = $1', [id]);
      return toJob(r.rows[0]!);
    });
  }

  async requeueRunning(options: { staleBefore?: number; deadOwner?: string }, now: number): Promise<JobRow[]> {
    if (options.staleBefore === undefined && options.deadOwner === undefined) return [];
    const r = await query<DbJob>(
      this.pool,
      `UPDATE jobs SET status = 'queued', owner = NULL, heartbeat_at = NULL, updated_at = $3
       WHERE status = 'running' AND (($1::bigint IS NOT NULL AND heartbeat_at < $1) OR ($2::text IS NOT NULL AND owner = $2))
       RETURNING *`,
      [options.staleBefore ?? null, options.deadOwner ?? null, now],
    );
    return r.rows.map(toJob).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }

  async deleteFinishedJobs(before: number): Promise<number> {
    const r = await query(this.pool, 'DELETE FROM jobs WHERE status = ANY($1) AND updated_at < $2', [[...FINISHED], before]);
    return r.rowCount ?? 0;
  }
}

async function lockedJob(client: pg.ClientBase, id: string): Promise<JobRow | undefined> {
  const r = await client.query<DbJob>('SELECT * FROM jobs WHERE id = $1 FOR UPDATE', [id]);
  return r.rows[0] && toJob(r.rows[0]);
}

/** Inside a transaction: why a job is not one `owner` may change. */
async function notRunningBy(client: pg.ClientBase, id: string, owner: string): Promise<CatalogError> {
  const job = (await client.query<DbJob>('SELECT * FROM jobs WHERE id = $1', [id])).rows[0];
  if (!job) return notFound(id);
  const row = toJob(job);
  const why = row.status !== 'running' ? `is ${row.status}` : `is run by another instance (${row.owner})`;
  return jobStateError(row, `Job '${id}' ${why}, not running for ${owner}`);
}
