import type { NewVoice, VoiceRow } from './catalog.js';

/**
 * Background jobs (thorough voice clones), kept in the catalog beside the voices so that a
 * job and the voice it lands are one transaction and survive a restart together. The same
 * promises as the catalog hold (catalog.ts: time is the caller's, every write is one durable
 * transaction seen at once by other instances, rows are values, expected failures are
 * `CatalogError`s); `jobs-contract.ts` tests them for every implementation.
 *
 * Life of a job: `queued` → (`claimJob`) `running` → `succeeded` | `failed` | `cancelled`.
 * A queued or running job can be cancelled or failed; a finished job never changes again.
 * `requeueRunning` (at start-up) puts running jobs of a dead owner back to `queued`, keeping
 * their progress, checkpoint and elapsed time, so that they resume where they were.
 */
export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type JobType = 'clone';
export const FINISHED: readonly JobStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface JobRow {
  /** `job_` + random, unique. */
  id: string;
  type: JobType;
  status: JobStatus;
  sessionId: string;
  /** 0..1. */
  progress: number;
  /** What the job is doing, in a few words ("atlas", "walk 12/80", …). */
  step: string;
  bestScore: number | null;
  /** The request that made the job, as JSON text (the job type's own parameters). */
  params: string;
  /** The voice the job landed (succeeded only). */
  voiceName: string | null;
  /** Why it failed (failed only; cancelled carries `{code: 'cancelled'}`). */
  error: { code: string; message: string } | null;
  createdAt: number;
  updatedAt: number;
  /** Milliseconds the job has spent running, summed over runs (a resumed job keeps its count). */
  elapsedMs: number;
  /** Who runs it (an instance id), while running; null otherwise. */
  owner: string | null;
  /** The owner's last sign of life (updateJob refreshes it), while running. */
  heartbeatAt: number | null;
  /** Runs started: 1 for a job that never restarted. */
  attempts: number;
}

export interface NewJob {
  id: string;
  type: JobType;
  sessionId: string;
  params: string;
  /** The reference audio (opaque bytes for the job type), stored with the job until it finishes. */
  input: Uint8Array;
}

export interface JobFilter {
  sessionId?: string;
  status?: readonly JobStatus[];
}

export interface JobPatch {
  progress?: number;
  step?: string;
  bestScore?: number | null;
  /** Added to `elapsedMs`. */
  elapsedMsDelta?: number;
  /** Replaces the checkpoint (opaque bytes: the best-so-far state); null clears it. */
  checkpoint?: Uint8Array | null;
}

export interface JobStore {
  insertJob(job: NewJob, now: number): Promise<JobRow>;
  getJob(id: string): Promise<JobRow | undefined>;
  /** Jobs matching the filter, oldest first (createdAt, then id). */
  listJobs(filter: JobFilter): Promise<JobRow[]>;
  /** The job's input (reference audio); undefined once the job has finished or for an unknown id. */
  jobInput(id: string): Promise<Uint8Array | undefined>;
  /** The job's last checkpoint, or null. */
  jobCheckpoint(id: string): Promise<Uint8Array | null>;
  /**
   * queued → running for `owner` (attempts + 1, heartbeat now). Undefined when the job is not
   * queued (another instance took it, or it was cancelled): exactly one claimer wins.
   */
  claimJob(id: string, owner: string, now: number): Promise<JobRow | undefined>;
  /** Progress of a running job owned by `owner`; `job_state` if it is not (cancelled meanwhile, or taken over). */
  updateJob(id: string, owner: string, patch: JobPatch, now: number): Promise<JobRow>;
  /**
   * Lands the job's voice and marks it succeeded, in one transaction: only a running job of
   * `owner` (else `job_state`, and no voice is added); a taken name is `name_taken` and
   * nothing changes. Input and checkpoint are dropped.
   */
  completeJob(id: string, owner: string, voice: NewVoice, now: number): Promise<{ job: JobRow; voice: VoiceRow }>;
  /**
   * queued or running → failed or cancelled (`job_state` when already finished). With
   * `owner`, only while that owner runs it. Input and checkpoint are dropped.
   */
  finishJob(id: string, outcome: { status: 'failed' | 'cancelled'; error: { code: string; message: string } }, now: number, owner?: string): Promise<JobRow>;
  /**
   * Running jobs whose heartbeat is older than `staleBefore` (a replica that died), or whose
   * owner is `deadOwner` (this instance's previous life), back to queued; returns them.
   */
  requeueRunning(options: { staleBefore?: number; deadOwner?: string }, now: number): Promise<JobRow[]>;
  /** Removes finished jobs last updated before `before`; returns how many. */
  deleteFinishedJobs(before: number): Promise<number>;
}
