import { CatalogError } from '../store/catalog.js';
import type { JobPatch } from '../store/jobs.js';

export interface ProgressWriterOptions {
  /** Writes a patch of the job (the store's updateJob for its owner). */
  write(patch: JobPatch): Promise<void>;
  /** Least time between two writes, ms. */
  minIntervalMs: number;
  /** The job is no longer this owner's to write (cancelled, or taken over): called once. */
  onLost(error: CatalogError): void;
  /** A write failed for another reason; it is tried again with the next one. */
  onError(error: unknown): void;
}

/**
 * A running job's writes to the store: progress and checkpoints throttled to one write per
 * `minIntervalMs` (the last one always lands, from a timer), each carrying the time spent
 * since the previous one, so `elapsedMs` adds up across runs. Every write refreshes the
 * job's heartbeat; `beat()` writes when nothing else has for a while. Writes never overlap.
 */
export class ProgressWriter {
  private pending: JobPatch = {};
  private lastWrite = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  /** Where the running time was last counted up to (performance.now()). */
  private counted = performance.now();
  private stopped = false;

  constructor(private readonly options: ProgressWriterOptions) {}

  /** Merges into what the next write carries, and schedules it. */
  update(patch: JobPatch): void {
    if (this.stopped) return;
    this.pending = { ...this.pending, ...patch };
    if (this.timer !== null) return;
    const wait = Math.max(0, this.lastWrite + this.options.minIntervalMs - performance.now());
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.flush();
    }, wait);
  }

  /** A heartbeat: writes (time spent only, if nothing else) unless a write happened within `withinMs`. */
  beat(withinMs: number): void {
    if (this.stopped || this.timer !== null || performance.now() - this.lastWrite < withinMs) return;
    void this.flush();
  }

  /** Writes whatever is pending, and the time spent, now; resolves once it is written (or has failed). */
  flush(): Promise<void> {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.chain = this.chain.then(() => this.writeNow());
    return this.chain;
  }

  /** No more writes from here on; a write in flight still finishes. */
  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async writeNow(): Promise<void> {
    if (this.stopped) return;
    const now = performance.now();
    // Whole milliseconds are stored; the fraction is carried into the next write.
    const delta = Math.floor(now - this.counted);
    const patch: JobPatch = { ...this.pending, elapsedMsDelta: delta };
    this.pending = {};
    this.lastWrite = now;
    try {
      await this.options.write(patch);
      this.counted += delta;
    } catch (error) {
      if (error instanceof CatalogError && (error.code === 'job_state' || error.code === 'not_found')) {
        this.stop();
        this.options.onLost(error);
        return;
      }
      // Busy or worse: keep what was not written (newer values win) for the next try.
      const { elapsedMsDelta: _unused, ...rest } = patch;
      this.pending = { ...rest, ...this.pending };
      this.options.onError(error);
    }
  }
}
