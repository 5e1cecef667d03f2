import { FINISHED, type JobRow, type JobStore } from '../store/jobs.js';
import type { JobEvent, JobProgress } from './types.js';

export type JobListener = (event: JobEvent) => void;

export interface WatchersOptions {
  store: Pick<JobStore, 'getJob'>;
  /** How often jobs that are not running here are read back from the store, ms. */
  pollMs: number;
  /** Whether this process runs the job now (then its progress comes from the runner, at once). */
  isLocal(id: string): boolean;
  onError(error: unknown): void;
}

/**
 * Who listens to which job. A job this process runs tells its listeners itself, as it
 * happens; every other job (queued, or run by another instance over the same store) is read
 * back from the store now and then, and its listeners hear what changed. Either way each
 * listener hears exactly one `finished`, and is dropped with it.
 */
export class JobWatchers {
  private readonly listeners = new Map<string, Set<JobListener>>();
  /** What each watched job's listeners last heard (to send only changes). */
  private readonly heard = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private polling = false;

  constructor(private readonly options: WatchersOptions) {}

  get size(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  /** Listens to a job until it finishes or the returned function is called. */
  watch(id: string, listener: JobListener): () => void {
    let set = this.listeners.get(id);
    if (!set) this.listeners.set(id, (set = new Set()));
    set.add(listener);
    this.timer ??= setInterval(() => void this.poll(), this.options.pollMs).unref();
    // At once too: the job may have finished between the caller's read and this call.
    setImmediate(() => void this.poll());
    return () => this.remove(id, listener);
  }

  progress(id: string, progress: JobProgress): void {
    const event: JobEvent = { type: 'progress', progress: progress.progress, step: progress.step, bestScore: progress.bestScore };
    this.heard.set(id, key(progress));
    for (const listener of this.listeners.get(id) ?? []) listener(event);
  }

  finished(job: JobRow): void {
    const set = this.listeners.get(job.id);
    this.listeners.delete(job.id);
    this.heard.delete(job.id);
    this.idle();
    for (const listener of set ?? []) listener({ type: 'finished', job });
  }

  private gone(id: string): void {
    const set = this.listeners.get(id);
    this.listeners.delete(id);
    this.heard.delete(id);
    this.idle();
    for (const listener of set ?? []) listener({ type: 'gone' });
  }

  /** Drops every listener without a word (the server is closing). */
  clear(): void {
    this.listeners.clear();
    this.heard.clear();
    this.idle();
  }

  private remove(id: string, listener: JobListener): void {
    const set = this.listeners.get(id);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) {
      this.listeners.delete(id);
      this.heard.delete(id);
    }
    this.idle();
  }

  private idle(): void {
    if (this.listeners.size === 0 && this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
  }

  private async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      for (const id of [...this.listeners.keys()]) {
        const job = await this.options.store.getJob(id);
        if (!this.listeners.has(id)) continue;
        // Removed while watched (by the retention sweep of another instance): say so rather than hang.
        if (!job) this.gone(id);
        else if (FINISHED.includes(job.status)) this.finished(job);
        else if (!this.options.isLocal(id) && this.heard.get(id) !== key(job)) this.progress(id, job);
      }
    } catch (error) {
      this.options.onError(error);
    } finally {
      this.polling = false;
    }
  }
}

const key = (p: JobProgress) => `${p.progress}\0${p.step}\0${p.bestScore}`;
