import { existsSync } from 'node:fs';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import type { Config } from '../../config.js';
import type { EngineSettings } from '../../engines/index.js';
import { errors, LiteTtsError } from '../../errors.js';
import { capReference, referenceSecondsFor } from '../clone-params.js';
import type { Cloner, CloneRequest, CloneResult } from '../cloner.js';
import { SpeechActivity } from './activity.js';
import type { AtlasReport, CloneSpec, CloneTask, CloneTaskResult, CloneWorkerData, Lane, ServerMessage, ThreadMessage, ThreadStatus } from './messages.js';

export interface ClonePoolOptions {
  engines: EngineSettings;
  log: Pick<Config, 'logLevel' | 'logDir'>;
  /** Threads of the fast lane (config `cloneThreads`): each makes one fast clone at a time. */
  fastThreads: number;
  /** Fast clones that may wait for a thread beyond those running (config `cloneQueue`); more get 503. */
  fastQueue: number;
  /** Thorough clones the background thread works on at once (config `maxJobs`, else 2); more wait in its queue. */
  backgroundTasks: number;
  /** The server's count of speech requests; the background lane yields to them. */
  speechActivity?: SpeechActivity;
  /** Heap of each clone thread, MiB (a clone that needs more ends its thread, not the server). */
  heapMb?: number;
  /** Told of each clone made (for the log). */
  onCloned?: (info: { quality: string; engine: string; ms: number; steps: number; similarity: number; referenceSeconds: number }) => void;
  /** Told of a thread's failure (with or without a clone on it). */
  onError?: (error: unknown) => void;
  /** Where Kokoro's voice atlas is cached (`<data-dir>/cache`); null: in each thread's memory only. */
  cacheDir?: string | null;
  /** The worker module (built JavaScript); by default the clone worker. */
  filename?: string;
}

/** Enough for a minute of 48 kHz reference and its features many times over (typed arrays live outside this heap). */
const DEFAULT_HEAP_MB = 512;
/** A fast clone still running this long after its budget is cancelled; this long again, and its thread is ended. */
const FAST_GRACE_MS = 15_000;
/** A thorough clone still running this long after its budget is cancelled (its thread is shared, so never ended). */
const BACKGROUND_GRACE_MS = 60_000;

/**
 * The Cloner of the server: clones run on threads of their own, never on the HTTP thread nor
 * on the synthesis threads (each clone thread renders its candidates itself, see worker.ts).
 *
 * - Fast lane (`quality: 'fast'`, answered while the client waits): `fastThreads` threads, one
 *   clone each; `fastQueue` more may wait for one; beyond that a clone is refused at once with
 *   503 `server_busy` and a Retry-After of about one clone's time.
 * - Background lane (`quality: 'thorough'`, jobs): one thread at the lowest OS priority, running
 *   `backgroundTasks` clones at once, each yielding to speech before every render. Admission is
 *   the job runner's; beyond `backgroundTasks` clones wait in the thread's queue.
 *
 * Cancelling (the request's signal) is a message the clone checks between renders; piscina's
 * own abort would end the whole thread and every clone sharing it, so it is only a last resort
 * for a fast clone that ignores its cancel. A thread that dies (out of memory, a crash) fails
 * the clones on it with 503 `clone_failed` and a Retry-After; piscina starts a new thread for
 * the next one.
 */
export class ClonePool implements Cloner {
  private readonly fast: Piscina;
  private readonly background: Piscina;
  private readonly activity: SpeechActivity;
  private fastActive = 0;
  private closed = false;

  constructor(private readonly options: ClonePoolOptions) {
    this.activity = options.speechActivity ?? new SpeechActivity();
    this.fast = this.lane('fast', options.fastThreads, 1);
    this.background = this.lane('background', 1, Math.max(1, options.backgroundTasks));
  }

  private lane(lane: Lane, threads: number, tasksPerThread: number): Piscina {
    const workerData: CloneWorkerData = { lane, engines: this.options.engines, log: this.options.log, speechActivity: this.activity.buffer, cacheDir: this.options.cacheDir ?? null };
    const pool = new Piscina({
      filename: this.options.filename ?? workerFile(),
      workerData,
      // Fast threads stay (their engines and calibrations warm); the background thread comes with the first job.
      minThreads: lane === 'fast' ? threads : 0,
      maxThreads: threads,
      idleTimeout: lane === 'fast' ? Number.POSITIVE_INFINITY : 60_000,
      concurrentTasksPerWorker: tasksPerThread,
      // Tasks wait on timers and message ports; piscina's blocking wait between tasks would stall them.
      atomics: 'disabled',
      resourceLimits: { maxOldGenerationSizeMb: this.options.heapMb ?? DEFAULT_HEAP_MB, maxYoungGenerationSizeMb: 16 },
    });
    pool.on('error', (error: unknown) => this.options.onError?.(error));
    return pool;
  }

  /** Fast clones running or waiting now. */
  get fastClones(): number {
    return this.fastActive;
  }

  async clone(request: CloneRequest): Promise<CloneResult> {
    if (this.closed) throw errors.busy(1);
    request.signal?.throwIfAborted();
    const fast = request.quality === 'fast';
    if (fast && this.fastActive >= this.options.fastThreads + this.options.fastQueue) {
      throw errors.busy(Math.max(1, Math.ceil(request.budgetMs / 1000)));
    }
    if (fast) this.fastActive++;
    const started = performance.now();
    try {
      const result = await this.run(fast ? this.fast : this.background, fast, request);
      this.options.onCloned?.({
        quality: request.quality,
        engine: request.engine,
        ms: Math.round(performance.now() - started),
        steps: result.steps,
        similarity: result.similarity,
        referenceSeconds: request.reference.samples.length / request.reference.sampleRate,
      });
      return result;
    } finally {
      if (fast) this.fastActive--;
    }
  }

  private async run(pool: Piscina, fast: boolean, request: CloneRequest): Promise<CloneResult> {
    const spec: CloneSpec = {
      reference: capReference(request.reference, referenceSecondsFor(request.quality)),
      engine: request.engine,
      language: request.language,
      quality: request.quality,
      budgetMs: request.budgetMs,
      checkpoint: request.checkpoint ?? null,
    };
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (message: ThreadMessage) => {
      if (message.type === 'progress') request.onProgress?.(message.progress);
      else request.onCheckpoint?.(message.checkpoint, message.best);
    });
    const cancel = (reason: string) => port1.postMessage({ type: 'cancel', reason } satisfies ServerMessage);
    const onAbort = () => cancel(String((request.signal?.reason as Error | undefined)?.message ?? 'cancelled'));
    request.signal?.addEventListener('abort', onAbort, { once: true });
    // Budgets bound the fits themselves; these only stop a clone that overran them by far.
    const kill = new AbortController();
    // A Kokoro clone's first call also builds the voice atlas (a render of every pack, counted in
    // its budget but not bounded by it), so it gets the background lane's grace.
    const grace = fast && spec.engine !== 'kokoro' ? FAST_GRACE_MS : BACKGROUND_GRACE_MS;
    let overran = false;
    const overrun = setTimeout(() => {
      overran = true;
      cancel('the clone ran far past its budget');
    }, request.budgetMs + grace);
    const end = fast ? setTimeout(() => kill.abort(new Error('the clone did not stop when cancelled')), request.budgetMs + 2 * grace) : undefined;
    let result: CloneTaskResult;
    try {
      const task: CloneTask = { kind: 'clone', spec, port: port2 };
      result = (await pool.run(task, { transferList: [port2], ...(fast && { signal: kill.signal }) })) as CloneTaskResult;
    } catch (error) {
      if (request.signal?.aborted) throw request.signal.reason;
      // The thread died under the clone (out of memory, a crash, ended after overrunning): the clone is lost, the pool is not.
      this.options.onError?.(error);
      throw overran ? errors.cloneOverran(request.budgetMs, fast ? 5 : 30) : errors.cloneFailed(fast ? 1 : 30);
    } finally {
      clearTimeout(overrun);
      clearTimeout(end);
      request.signal?.removeEventListener('abort', onAbort);
      port1.close();
    }
    if (result.ok) return result.result;
    if ('cancelled' in result) {
      if (request.signal?.aborted) throw request.signal.reason;
      throw overran ? errors.cloneOverran(request.budgetMs, fast ? 5 : 30) : errors.cloneFailed(1);
    }
    const e = result.error;
    throw new LiteTtsError(e.kind, e.code, e.message, e.param, e.retryAfter, e.details);
  }

  /**
   * Loads the fast threads' engines and calibrates `language` on each, so that the first clone is
   * not slow; with `background`, the background thread's too (it otherwise starts with its first
   * job, whose first seconds go to that).
   */
  async warmUp(language = 'en-us', options: { background?: boolean } = {}): Promise<void> {
    const task: CloneTask = { kind: 'warm', language };
    const fast = Array.from({ length: this.options.fastThreads }, () => this.fast.run(task));
    await Promise.all([...fast, ...(options.background ? [this.background.run(task)] : [])]);
  }

  /**
   * Builds Kokoro's voice atlas into the cache on the background lane (lowest priority, yielding
   * to speech), so that the first Kokoro clone finds it ready instead of spending its budget on
   * a render of every pack. Cheap when the cache already holds every installed pack.
   */
  async buildAtlas(): Promise<AtlasReport> {
    const task: CloneTask = { kind: 'atlas' };
    return (await this.background.run(task)) as AtlasReport;
  }

  /** The thread of a lane: its kernel id and OS priority (tests and diagnostics). */
  async status(lane: Lane): Promise<ThreadStatus> {
    const task: CloneTask = { kind: 'status' };
    return (await (lane === 'fast' ? this.fast : this.background).run(task)) as ThreadStatus;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([this.fast.destroy(), this.background.destroy()]);
  }
}

/** Threads run the built JavaScript (TypeScript loaders do not reach into worker threads on Node 20). */
function workerFile(): string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url).href;
  const built = new URL('../../../dist/cloning/pool/worker.js', import.meta.url);
  if (!existsSync(built)) throw new Error('Clone threads need the build: run `npm run build` first');
  return built.href;
}
