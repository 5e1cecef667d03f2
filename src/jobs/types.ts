import type { VoiceData } from '../engines/index.js';
import type { NewVoice } from '../store/catalog.js';
import type { JobRow, JobType } from '../store/jobs.js';

/** What a job reports as it works: shown in GET /v1/jobs/{id} and sent as SSE `progress` events. */
export interface JobProgress {
  /** 0..1. */
  progress: number;
  /** A few words on what is being done ("atlas", "walk 12/80"). */
  step: string;
  /** The best score so far, or null before the first. */
  bestScore: number | null;
}

/** What a handler is given for one run of a job; a resumed job's run sees where the last one got to. */
export interface JobContext {
  /** The job as claimed for this run (attempts counts this run). */
  job: JobRow;
  /** The input stored with the job (for a clone: its reference audio). */
  input: Uint8Array;
  /** The last checkpoint saved by an earlier run, or null: where to resume from. */
  checkpoint: Uint8Array | null;
  /** Milliseconds earlier runs already spent: a time budget counts them too. */
  elapsedMs: number;
  /** Aborted when the job is cancelled, taken over, or the server shuts down: stop soon after. */
  signal: AbortSignal;
  /** Progress: listeners get it at once, the store at most twice a second (the last one always). */
  report(progress: JobProgress): void;
  /** The best-so-far state to resume from after a restart; stored with the next progress write. */
  saveCheckpoint(bytes: Uint8Array): void;
  /**
   * The best voice so far, kept in memory while the job runs, for `GET /v1/jobs/{id}/preview`.
   * `language` is what it is rendered in (default: an espeak voice's own, else en-us).
   */
  preview(data: VoiceData, score: number, options?: { language?: string }): void;
}

/**
 * Does the work of one job type. The voice it returns lands in the catalog in the same
 * transaction as the job's success; a `LiteTtsError` it throws fails the job with that error's
 * code and message; anything else fails it as `job_failed`.
 */
export type JobHandler = (ctx: JobContext) => Promise<NewVoice>;

export interface JobSubmission {
  type: JobType;
  /** The session the job belongs to (the clone's temporary voice's session). */
  sessionId: string;
  /** The job type's own parameters, as JSON text. */
  params: string;
  input: Uint8Array;
}

/**
 * What a watcher of a job hears: progress, then exactly one `finished` with the job as it
 * ended, or `gone` if the job was removed from the store meanwhile.
 */
export type JobEvent = ({ type: 'progress' } & JobProgress) | { type: 'finished'; job: JobRow } | { type: 'gone' };

/** A running job's best voice so far. */
export interface JobPreview {
  data: VoiceData;
  score: number;
  language: string;
}
