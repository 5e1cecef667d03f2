import { randomBytes } from 'node:crypto';
import { errors, LiteTtsError } from '../errors.js';
import type { Logger } from '../logging.js';
import { CatalogError, type NewVoice } from '../store/catalog.js';
import { FINISHED, type JobRow, type JobStore, type JobType } from '../store/jobs.js';
import { nextJob } from './fairness.js';
import { isDeadLife, newOwnerId } from './owner.js';
import { ProgressWriter } from './progress-writer.js';
import { scrubMessage } from './scrub.js';
import type { JobContext, JobHandler, JobPreview, JobProgress, JobSubmission } from './types.js';
import { JobWatchers, type JobListener } from './watchers.js';

/** A job whose runs were cut short this many times (crashes, restarts) is failed instead of resumed. */
export const MAX_INTERRUPTIONS = 3;
/** Jobs allowed to wait at once (all sessions): each holds its reference audio in the store. */
export const MAX_QUEUED = 100;
/** Listeners (SSE streams) of all jobs together. */
export const MAX_WATCHERS = 256;
/** Session ids follow the voices' rule (voices/library.ts). */
const SESSION_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface JobTimings {
  /** A running job's heartbeat, ms. */
  heartbeatMs: number;
  /** A running job whose heartbeat is older than this is taken to be dead and is requeued, ms. */
  staleMs: number;
  /** How often the store is looked at for queued jobs and stale ones, ms. */
  pollMs: number;
  /** How often finished jobs past their retention are removed, ms. */
  sweepMs: number;
  /** Least time between two progress writes of one job, ms. */
  reportIntervalMs: number;
  /** How often watched jobs that do not run here are read back, ms. */
  watchPollMs: number;
  /** How long close() waits for handlers to stop after aborting them, ms. */
  closeTimeoutMs: number;
}

const DEFAULT_TIMINGS: JobTimings = {
  heartbeatMs: 5000,
  staleMs: 30_000,
  pollMs: 2000,
  sweepMs: 10 * 60_000,
  reportIntervalMs: 500,
  watchPollMs: 1000,
  closeTimeoutMs: 10_000,
};

export interface JobRunnerOptions {
  store: JobStore;
  /** This data directory's instance id (`instanceIdOf`). */
  instanceId: string;
  /** Jobs run at the same time by this process (config maxJobs). */
  maxJobs: number;
  /** Finished jobs are removed this long after they finished (config jobRetentionHours). */
  retentionHours: number;
  logger?: Logger;
  /** Milliseconds since the epoch: what the store is told is now. */
  clock?: () => number;
  timings?: Partial<JobTimings>;
}

/** Why a running job's handler was aborted. */
type StopReason = 'cancelled' | 'lost' | 'closing';

interface ActiveJob {
  row: JobRow;
  controller: AbortController;
  stop: StopReason | null;
  writer: ProgressWriter;
  preview: JobPreview | null;
  done: Promise<void>;
}

/** Owners of the runners alive in this process (see owner.ts: which past lives are dead). */
const LIVE_OWNERS = new Set<string>();

/**
 * Background jobs: accepts them (`submit`), runs at most `maxJobs` at once, fairly across
 * sessions, with the handler registered for their type, and keeps their state in the store
 * so that they survive restarts. A job that was running when its process died is taken
 * back and resumed (the handler gets its checkpoint and the time already spent): at once
 * when it was this data directory's own previous life, after its heartbeat went stale
 * otherwise. Progress reaches listeners at once and the store at most twice a second.
 */
export class JobRunner {
  readonly owner: string;
  private readonly store: JobStore;
  private readonly clock: () => number;
  private readonly timings: JobTimings;
  private readonly handlers = new Map<JobType, JobHandler>();
  private readonly active = new Map<string, ActiveJob>();
  private readonly watchers: JobWatchers;
  /** Per session, the number of the start it last had (for fairness). */
  private readonly lastStarted = new Map<string, number>();
  private starts = 0;
  private started = false;
  private closing: Promise<void> | null = null;
  private pumping: Promise<void> | null = null;
  private pumpAgain = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: JobRunnerOptions) {
    if (!Number.isInteger(options.maxJobs) || options.maxJobs < 1) throw new RangeError(`maxJobs must be a whole number of at least 1, got ${options.maxJobs}`);
    this.store = options.store;
    this.clock = options.clock ?? Date.now;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.owner = newOwnerId(options.instanceId);
    this.watchers = new JobWatchers({
      store: this.store,
      pollMs: this.timings.watchPollMs,
      isLocal: (id) => this.active.has(id),
      onError: (error) => this.options.logger?.error({ err: error }, 'reading a watched job failed'),
    });
  }

  /** The handler of a job type; queued jobs of that type start as soon as there is room. */
  register(type: JobType, handler: JobHandler): void {
    this.handlers.set(type, handler);
    this.pump();
  }

  /** Takes back what past lives left running, sweeps, and starts running jobs. */
  async start(): Promise<void> {
    if (this.started || this.closing) return;
    this.started = true;
    LIVE_OWNERS.add(this.owner);
    await this.recover();
    await this.sweep();
    const every = (ms: number, fn: () => Promise<unknown>, what: string) => {
      const timer = setInterval(() => void fn().catch((error: unknown) => this.options.logger?.error({ err: error }, what)), ms);
      timer.unref();
      this.timers.push(timer);
    };
    every(this.timings.heartbeatMs, async () => this.heartbeat(), 'job heartbeat failed');
    every(this.timings.pollMs, async () => {
      await this.recover();
      this.pump();
    }, 'looking for jobs failed');
    every(this.timings.sweepMs, () => this.sweep(), 'removing old jobs failed');
    this.pump();
  }

  /** Queues a job; it starts when a slot is free and its turn (fair across sessions) comes. */
  async submit(submission: JobSubmission): Promise<JobRow> {
    if (!SESSION_PATTERN.test(submission.sessionId)) {
      throw errors.invalidParam('session_id', "'session_id' must be 1-128 characters of A-Z a-z 0-9 . _ : -", 'invalid_session_id');
    }
    const waiting = await this.store.listJobs({ status: ['queued'] });
    if (waiting.length >= MAX_QUEUED) throw errors.jobQueueFull(MAX_QUEUED);
    const row = await this.store.insertJob(
      { id: `job_${randomBytes(12).toString('base64url')}`, type: submission.type, sessionId: submission.sessionId, params: submission.params, input: submission.input },
      this.clock(),
    );
    this.options.logger?.info({ event: 'job.queued', job: row.id, type: row.type, session: row.sessionId }, 'job queued');
    this.pump();
    return row;
  }

  async get(id: string): Promise<JobRow> {
    const row = await this.store.getJob(id);
    if (!row) throw errors.jobNotFound(id);
    return row;
  }

  list(filter: { sessionId?: string }): Promise<JobRow[]> {
    return this.store.listJobs(filter.sessionId === undefined ? {} : { sessionId: filter.sessionId });
  }

  /** Jobs waiting and running, over every instance of the store. */
  async counts(): Promise<{ queued: number; running: number }> {
    const rows = await this.store.listJobs({ status: ['queued', 'running'] });
    const running = rows.filter((r) => r.status === 'running').length;
    return { queued: rows.length - running, running };
  }

  /**
   * Cancels a queued or running job: it is `cancelled` in the store first (so its voice can
   * never land), then its handler is aborted. 404 for an unknown job, 409 for a finished one.
   */
  async cancel(id: string): Promise<JobRow> {
    const row = await this.get(id);
    if (FINISHED.includes(row.status)) throw errors.jobFinished(id, row.status);
    let cancelled: JobRow;
    try {
      cancelled = await this.store.finishJob(id, { status: 'cancelled', error: { code: 'cancelled', message: 'The job was cancelled' } }, this.clock());
    } catch (error) {
      if (error instanceof CatalogError && error.code === 'job_state') throw errors.jobFinished(id, (error as { job?: JobRow }).job?.status ?? 'finished');
      if (error instanceof CatalogError && error.code === 'not_found') throw errors.jobNotFound(id);
      throw error;
    }
    const active = this.active.get(id);
    if (active) {
      active.stop = 'cancelled';
      active.controller.abort(new LiteTtsError('conflict', 'cancelled', 'The job was cancelled'));
    }
    this.options.logger?.info({ event: 'job.cancelled', job: id }, 'job cancelled');
    this.watchers.finished(cancelled);
    return cancelled;
  }

  /**
   * Listens to a job's progress and its end (exactly one `finished`, or `gone`). The caller
   * should read the job first and answer a finished one itself. 503 past `MAX_WATCHERS`.
   */
  watch(id: string, listener: JobListener): () => void {
    if (this.watchers.size >= MAX_WATCHERS) throw errors.busy(5);
    return this.watchers.watch(id, listener);
  }

  /** Listeners of all jobs. */
  get watcherCount(): number {
    return this.watchers.size;
  }

  /** The best voice so far of a job running here, if its handler has given one. */
  preview(id: string): JobPreview | undefined {
    return this.active.get(id)?.preview ?? undefined;
  }

  /** Removes finished jobs older than the retention; returns how many. */
  async sweep(): Promise<number> {
    const removed = await this.store.deleteFinishedJobs(this.clock() - this.options.retentionHours * 3600_000);
    if (removed > 0) this.options.logger?.info({ event: 'job.swept', removed }, 'old jobs removed');
    return removed;
  }

  /**
   * Stops taking jobs and aborts the running handlers without failing their jobs: once the
   * handlers have settled (or `closeTimeoutMs` has passed), the jobs go back to `queued`
   * with their progress and checkpoint, to resume on the next start (here or elsewhere).
   */
  close(): Promise<void> {
    return (this.closing ??= (async () => {
      for (const timer of this.timers) clearInterval(timer);
      await this.pumping;
      const running = [...this.active.values()];
      for (const job of running) {
        job.stop ??= 'closing';
        job.controller.abort(new LiteTtsError('busy', 'shutting_down', 'The server is shutting down; the job resumes when it starts again'));
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timings.closeTimeoutMs)));
      const settled = await Promise.race([Promise.all(running.map((j) => j.done)).then(() => 'settled' as const), timeout]);
      clearTimeout(timer);
      if (settled === 'timeout') this.options.logger?.warn({ jobs: [...this.active.keys()] }, 'job handlers did not stop in time; their jobs are requeued anyway');
      for (const job of this.active.values()) job.writer.stop();
      if (this.started) {
        const requeued = await this.store.requeueRunning({ deadOwner: this.owner }, this.clock());
        if (requeued.length > 0) this.options.logger?.info({ event: 'job.requeued', jobs: requeued.map((r) => r.id) }, 'running jobs requeued for the next start');
      }
      this.watchers.clear();
      LIVE_OWNERS.delete(this.owner);
    })());
  }

  // ——— running ———

  /** Fills free slots with queued jobs, one pass at a time (a call during a pass asks for another). */
  private pump(): void {
    if (!this.started || this.closing) return;
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = (async () => {
      do {
        this.pumpAgain = false;
        await this.fill();
      } while (this.pumpAgain && !this.closing);
    })()
      .catch((error: unknown) => this.options.logger?.error({ err: error }, 'starting jobs failed'))
      .finally(() => {
        this.pumping = null;
        // Asked for during the last moments of the pass.
        if (this.pumpAgain) this.pump();
      });
  }

  private async fill(): Promise<void> {
    while (!this.closing && this.active.size < this.options.maxJobs) {
      const queued = (await this.store.listJobs({ status: ['queued'] })).filter((j) => this.handlers.has(j.type));
      let claimed: JobRow | undefined;
      while (claimed === undefined && queued.length > 0) {
        const next = nextJob(queued, this.lastStarted)!;
        queued.splice(queued.indexOf(next), 1);
        // Undefined: another instance took it, or it was cancelled, since the list was read.
        claimed = await this.store.claimJob(next.id, this.owner, this.clock());
      }
      if (claimed === undefined) return;
      if (claimed.attempts > MAX_INTERRUPTIONS) {
        await this.failInterrupted(claimed, this.owner);
        continue;
      }
      this.lastStarted.set(claimed.sessionId, ++this.starts);
      this.forgetIdleSessions(queued);
      this.run(claimed, this.handlers.get(claimed.type)!);
    }
  }

  /** Starts one run of a claimed job; its slot is taken at once and freed when the run has ended. */
  private run(claimed: JobRow, handler: JobHandler): void {
    const id = claimed.id;
    const controller = new AbortController();
    const job: ActiveJob = {
      row: claimed,
      controller,
      stop: null,
      preview: null,
      done: Promise.resolve(),
      writer: new ProgressWriter({
        write: async (patch) => void (await this.store.updateJob(id, this.owner, patch, this.clock())),
        minIntervalMs: this.timings.reportIntervalMs,
        onLost: () => {
          // Cancelled by another instance, or requeued and taken over: not ours to finish.
          job.stop ??= 'lost';
          controller.abort(new LiteTtsError('conflict', 'job_lost', 'The job is no longer run here'));
        },
        onError: (error) => this.options.logger?.warn({ err: error, job: id }, 'writing job progress failed; retrying with the next write'),
      }),
    };
    this.active.set(id, job);
    job.done = this.execute(job, handler)
      .catch((error: unknown) => this.options.logger?.error({ err: error, job: id }, 'job run failed; it resumes once its heartbeat is stale'))
      .finally(async () => {
        job.writer.stop();
        this.active.delete(id);
        if (job.stop === 'lost') await this.announce(id);
        this.pump();
      });
  }

  private async execute(job: ActiveJob, handler: JobHandler): Promise<void> {
    const { id } = job.row;
    const [input, checkpoint] = await Promise.all([this.store.jobInput(id), this.store.jobCheckpoint(id)]);
    // Finished since it was claimed (cancelled by another instance): nothing to run.
    if (input === undefined) {
      job.stop = 'lost';
      return;
    }
    this.options.logger?.info({ event: 'job.started', job: id, attempt: job.row.attempts, elapsedMs: job.row.elapsedMs }, job.row.attempts > 1 ? 'job resumed' : 'job started');
    this.watchers.progress(id, job.row);
    const ctx: JobContext = {
      job: job.row,
      input,
      checkpoint,
      elapsedMs: job.row.elapsedMs,
      signal: job.controller.signal,
      report: (p) => {
        if (job.stop !== null) return;
        const progress = cleanProgress(p);
        this.watchers.progress(id, progress);
        job.writer.update(progress);
      },
      saveCheckpoint: (bytes) => {
        if (job.stop === null) job.writer.update({ checkpoint: bytes });
      },
      preview: (data, score, options) => {
        if (job.stop !== null) return;
        job.preview = { data, score, language: options?.language ?? (data.engine === 'espeak' ? data.base : 'en-us') };
      },
    };
    let outcome: { voice: NewVoice } | { error: unknown };
    try {
      outcome = { voice: await handler(ctx) };
    } catch (error) {
      outcome = { error };
    }
    // Cancelled, or no longer ours: whoever ended it has said how it ended.
    if (job.stop === 'cancelled' || job.stop === 'lost') return;
    await job.writer.flush();
    // The last write may have found the job cancelled or taken over meanwhile.
    const after = job.stop as StopReason | null;
    if (after === 'lost' || after === 'cancelled') return;
    job.writer.stop();
    if ('voice' in outcome) {
      // A voice found while shutting down still lands: the work is done.
      await this.complete(job, outcome.voice);
      return;
    }
    // Aborted by close(): requeued there, not failed.
    if (job.stop === 'closing') return;
    await this.fail(job, outcome.error);
  }

  private async complete(job: ActiveJob, voice: NewVoice): Promise<void> {
    const { id } = job.row;
    try {
      const { job: done } = await this.store.completeJob(id, this.owner, voice, this.clock());
      this.options.logger?.info({ event: 'job.succeeded', job: id, voice: done.voiceName }, 'job succeeded');
      this.watchers.finished(done);
    } catch (error) {
      if (!(error instanceof CatalogError)) throw error;
      if (error.code === 'name_taken') {
        await this.finish(job, {
          code: 'name_taken',
          message: `The voice could not be saved: the name '${voice.name}' was taken by another voice while the job ran (names compare case-insensitively)`,
        });
      } else if (error.code === 'job_state' || error.code === 'not_found') {
        job.stop = 'lost';
      } else throw error;
    }
  }

  private async fail(job: ActiveJob, error: unknown): Promise<void> {
    if (error instanceof LiteTtsError) {
      await this.finish(job, { code: error.code, message: scrubMessage(error.message) });
      return;
    }
    this.options.logger?.error({ err: error, job: job.row.id }, 'job failed');
    const message = error instanceof Error ? error.message : String(error);
    await this.finish(job, { code: 'job_failed', message: `The job failed: ${scrubMessage(message)}` });
  }

  private async finish(job: ActiveJob, error: { code: string; message: string }): Promise<void> {
    try {
      const done = await this.store.finishJob(job.row.id, { status: 'failed', error }, this.clock(), this.owner);
      this.options.logger?.info({ event: 'job.failed', job: job.row.id, code: error.code }, 'job failed');
      this.watchers.finished(done);
    } catch (failure) {
      if (failure instanceof CatalogError && (failure.code === 'job_state' || failure.code === 'not_found')) job.stop = 'lost';
      else throw failure;
    }
  }

  /** Tells listeners how a job that ended elsewhere ended (their poll would, a little later). */
  private async announce(id: string): Promise<void> {
    const row = await this.store.getJob(id).catch(() => undefined);
    if (row && FINISHED.includes(row.status)) this.watchers.finished(row);
  }

  private heartbeat(): Promise<void> {
    // Half the period: a write shortly before a tick must not push the next one two periods away.
    for (const job of this.active.values()) job.writer.beat(this.timings.heartbeatMs / 2);
    return Promise.resolve();
  }

  /**
   * Requeues running jobs whose owner is dead: this directory's own past lives at once,
   * anyone's once their heartbeat is stale. A job interrupted `MAX_INTERRUPTIONS` times is
   * failed instead.
   */
  private async recover(): Promise<void> {
    const now = this.clock();
    const requeued: JobRow[] = [];
    const owners = new Set((await this.store.listJobs({ status: ['running'] })).map((r) => r.owner).filter((o): o is string => o !== null));
    for (const owner of owners) {
      if (owner !== this.owner && isDeadLife(owner, this.options.instanceId, LIVE_OWNERS)) {
        requeued.push(...(await this.store.requeueRunning({ deadOwner: owner }, now)));
      }
    }
    requeued.push(...(await this.store.requeueRunning({ staleBefore: now - this.timings.staleMs }, now)));
    for (const row of requeued) {
      if (row.attempts >= MAX_INTERRUPTIONS) await this.failInterrupted(row);
      else this.options.logger?.info({ event: 'job.requeued', job: row.id, attempts: row.attempts, progress: row.progress }, 'interrupted job requeued to resume');
    }
  }

  private async failInterrupted(row: JobRow, owner?: string): Promise<void> {
    try {
      const done = await this.store.finishJob(
        row.id,
        { status: 'failed', error: { code: 'job_interrupted', message: `The job was interrupted ${MAX_INTERRUPTIONS} times (the server stopped while it ran) and was given up` } },
        this.clock(),
        owner,
      );
      this.options.logger?.warn({ event: 'job.failed', job: row.id, code: 'job_interrupted' }, 'job interrupted too often');
      this.watchers.finished(done);
    } catch (error) {
      // Cancelled meanwhile: it has ended anyway.
      if (!(error instanceof CatalogError && error.code === 'job_state')) throw error;
    }
  }

  /** Keeps the fairness record small: sessions with nothing queued start afresh. */
  private forgetIdleSessions(queued: readonly JobRow[]): void {
    if (this.lastStarted.size <= 1000) return;
    const waiting = new Set(queued.map((j) => j.sessionId));
    for (const session of this.lastStarted.keys()) if (!waiting.has(session)) this.lastStarted.delete(session);
  }
}

/** A handler's report, made safe to store and show: progress within 0..1, a short step, a finite score. */
function cleanProgress(p: JobProgress): JobProgress {
  const progress = Number.isFinite(p.progress) ? Math.min(1, Math.max(0, p.progress)) : 0;
  const step = String(p.step ?? '').slice(0, 200);
  const bestScore = p.bestScore !== null && Number.isFinite(p.bestScore) ? p.bestScore : null;
  return { progress, step, bestScore };
}
