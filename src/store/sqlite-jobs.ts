import type Database from 'better-sqlite3';
import { CatalogError, type NewVoice, type VoiceRow } from './catalog.js';
import { FINISHED, type JobFilter, type JobPatch, type JobRow, type NewJob } from './jobs.js';
import { toJob, type DbJob } from './rows.js';
import { padBlob, pageSizeOf, unpadBlob } from './sqlite-blobs.js';

/**
 * The JobStore of the SQLite catalog (tables jobs and job_data, schema migration 2). The
 * catalog owns the connection and its write path: every write here runs inside the
 * catalog's `write` (BEGIN IMMEDIATE, the busy timeout, synchronous=FULL), so jobs are as
 * durable as voices and wait for other processes the same way, and `completeJob` adds its
 * voice through the catalog's own insert in the same transaction as the job's change.
 *
 * The input (reference audio: a person's voice) and checkpoint leave with the job's end;
 * the catalog is told, so it empties the WAL of their bytes as it does for a deleted voice.
 */
export interface JobHost {
  readonly db: Database.Database;
  /** The catalog's write transaction; what `fn` returns is what it committed. */
  write<T>(fn: () => T): T;
  /** The catalog's insert of one voice (name rules, data, expired namesakes), inside the write in progress. */
  insertVoice(voice: NewVoice, now: number): VoiceRow;
  /** The write in progress removed stored bytes: the catalog checkpoints the WAL after it. */
  removedBytes(): void;
}


const bytesOf = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
const FINISHED_SQL = `(${FINISHED.map((s) => `'${s}'`).join(', ')})`;

/**
 * A `job_state` error carries the job as it is (the interface's promise); `not_found` is
 * an id the store has never had, or whose job the retention sweep has removed.
 */
export type JobStateError = CatalogError & { job?: JobRow };

function jobStateError(job: JobRow, message: string): JobStateError {
  return Object.assign(new CatalogError('job_state', message), { job });
}

function notFound(id: string): CatalogError {
  return new CatalogError('not_found', `Job '${id}' does not exist`);
}

export class SqliteJobs {
  private readonly s;
  private readonly pageSize: number;

  constructor(private readonly host: JobHost) {
    const db = host.db;
    this.pageSize = pageSizeOf(db);
    this.s = {
      insert: db.prepare(`INSERT INTO jobs (id, type, status, session_id, params, created_at, updated_at)
        VALUES (@id, @type, 'queued', @sessionId, @params, @now, @now) RETURNING *`),
      insertData: db.prepare<{ id: string; input: Uint8Array }>('INSERT INTO job_data (job_id, input) VALUES (@id, @input)'),
      get: db.prepare<{ id: string }, DbJob>('SELECT * FROM jobs WHERE id = @id'),
      // Small tables (finished jobs are swept after a day): one statement for every filter.
      list: db.prepare<{ session: string | null; statuses: string | null }, DbJob>(
        `SELECT * FROM jobs WHERE (@session IS NULL OR session_id = @session)
           AND (@statuses IS NULL OR status IN (SELECT value FROM json_each(@statuses)))
         ORDER BY created_at, id`,
      ),
      input: db.prepare<{ id: string }, { input: Buffer }>('SELECT input FROM job_data WHERE job_id = @id'),
      checkpoint: db.prepare<{ id: string }, { checkpoint: Buffer | null }>('SELECT checkpoint FROM job_data WHERE job_id = @id'),
      claim: db.prepare<{ id: string; owner: string; now: number }, DbJob>(
        `UPDATE jobs SET status = 'running', owner = @owner, heartbeat_at = @now, updated_at = @now, attempts = attempts + 1
         WHERE id = @id AND status = 'queued' RETURNING *`,
      ),
      update: db.prepare<Record<string, unknown>, DbJob>(
        `UPDATE jobs SET
           progress = CASE WHEN @setProgress THEN @progress ELSE progress END,
           step = CASE WHEN @setStep THEN @step ELSE step END,
           best_score = CASE WHEN @setBest THEN @bestScore ELSE best_score END,
           elapsed_ms = elapsed_ms + @delta, heartbeat_at = @now, updated_at = @now
         WHERE id = @id AND status = 'running' AND owner = @owner RETURNING *`,
      ),
      setCheckpoint: db.prepare<{ id: string; checkpoint: Uint8Array | null }>('UPDATE job_data SET checkpoint = @checkpoint WHERE job_id = @id'),
      succeed: db.prepare<{ id: string; voice: string; now: number }, DbJob>(
        `UPDATE jobs SET status = 'succeeded', progress = 1, voice_name = @voice, owner = NULL, heartbeat_at = NULL, updated_at = @now
         WHERE id = @id RETURNING *`,
      ),
      finish: db.prepare<{ id: string; status: string; code: string; message: string; now: number }, DbJob>(
        `UPDATE jobs SET status = @status, error_code = @code, error_message = @message, owner = NULL, heartbeat_at = NULL, updated_at = @now
         WHERE id = @id RETURNING *`,
      ),
      dropData: db.prepare<{ id: string }>('DELETE FROM job_data WHERE job_id = @id'),
      requeue: db.prepare<{ stale: number | null; dead: string | null; now: number }, DbJob>(
        `UPDATE jobs SET status = 'queued', owner = NULL, heartbeat_at = NULL, updated_at = @now
         WHERE status = 'running' AND ((@stale IS NOT NULL AND heartbeat_at < @stale) OR (@dead IS NOT NULL AND owner = @dead))
         RETURNING *`,
      ),
      sweep: db.prepare<{ before: number }>(`DELETE FROM jobs WHERE status IN ${FINISHED_SQL} AND updated_at < @before`),
    };
  }

  insertJob(job: NewJob, now: number): JobRow {
    return this.host.write(() => {
      const row = toJob(this.s.insert.get({ id: job.id, type: job.type, sessionId: job.sessionId, params: job.params, now }) as DbJob);
      this.s.insertData.run({ id: job.id, input: padBlob(job.input, this.pageSize) });
      return row;
    });
  }

  getJob(id: string): JobRow | undefined {
    const r = this.s.get.get({ id });
    return r && toJob(r);
  }

  listJobs(filter: JobFilter): JobRow[] {
    return this.s.list
      .all({ session: filter.sessionId ?? null, statuses: filter.status === undefined ? null : JSON.stringify(filter.status) })
      .map(toJob);
  }

  jobInput(id: string): Uint8Array | undefined {
    const r = this.s.input.get({ id });
    return r && bytesOf(unpadBlob(r.input));
  }

  jobCheckpoint(id: string): Uint8Array | null {
    const r = this.s.checkpoint.get({ id });
    return r?.checkpoint ? bytesOf(r.checkpoint) : null;
  }

  claimJob(id: string, owner: string, now: number): JobRow | undefined {
    return this.host.write(() => {
      const r = this.s.claim.get({ id, owner, now });
      return r && toJob(r);
    });
  }

  updateJob(id: string, owner: string, patch: JobPatch, now: number): JobRow {
    return this.host.write(() => {
      const r = this.s.update.get({
        id,
        owner,
        now,
        setProgress: patch.progress !== undefined ? 1 : 0,
        progress: patch.progress ?? 0,
        setStep: patch.step !== undefined ? 1 : 0,
        step: patch.step ?? '',
        setBest: patch.bestScore !== undefined ? 1 : 0,
        bestScore: patch.bestScore ?? null,
        delta: Math.max(0, Math.round(patch.elapsedMsDelta ?? 0)),
      });
      if (!r) throw this.notRunningBy(id, owner);
      if (patch.checkpoint !== undefined) this.s.setCheckpoint.run({ id, checkpoint: patch.checkpoint });
      return toJob(r);
    });
  }

  completeJob(id: string, owner: string, voice: NewVoice, now: number): { job: JobRow; voice: VoiceRow } {
    return this.host.write(() => {
      const current = this.getJob(id);
      if (!current) throw notFound(id);
      if (current.status !== 'running' || current.owner !== owner) throw this.notRunningBy(id, owner);
      // A taken name throws here, before anything of the job changed: the transaction rolls back whole.
      const row = this.host.insertVoice(voice, now);
      const job = toJob(this.s.succeed.get({ id, voice: row.name, now }) as DbJob);
      this.dropData(id);
      return { job, voice: row };
    });
  }

  finishJob(
    id: string,
    outcome: { status: 'failed' | 'cancelled'; error: { code: string; message: string } },
    now: number,
    owner?: string,
  ): JobRow {
    return this.host.write(() => {
      const current = this.getJob(id);
      if (!current) throw notFound(id);
      if (FINISHED.includes(current.status)) throw jobStateError(current, `Job '${id}' has already ${current.status === 'cancelled' ? 'been cancelled' : current.status}`);
      if (owner !== undefined && (current.status !== 'running' || current.owner !== owner)) throw this.notRunningBy(id, owner);
      const job = toJob(this.s.finish.get({ id, status: outcome.status, code: outcome.error.code, message: outcome.error.message, now }) as DbJob);
      this.dropData(id);
      return job;
    });
  }

  requeueRunning(options: { staleBefore?: number; deadOwner?: string }, now: number): JobRow[] {
    if (options.staleBefore === undefined && options.deadOwner === undefined) return [];
    return this.host.write(() =>
      this.s.requeue
        .all({ stale: options.staleBefore ?? null, dead: options.deadOwner ?? null, now })
        .map(toJob)
        .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)),
    );
  }

  deleteFinishedJobs(before: number): number {
    return this.host.write(() => this.s.sweep.run({ before }).changes);
  }

  private dropData(id: string): void {
    if (this.s.dropData.run({ id }).changes > 0) this.host.removedBytes();
  }

  /** Inside a write: why a job is not one `owner` may change. */
  private notRunningBy(id: string, owner: string): CatalogError {
    const job = this.getJob(id);
    if (!job) return notFound(id);
    const why = job.status !== 'running' ? `is ${job.status}` : `is run by another instance (${job.owner})`;
    return jobStateError(job, `Job '${id}' ${why}, not running for ${owner}`);
  }
}
