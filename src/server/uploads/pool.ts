import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { errors } from '../errors.js';

export interface UploadPoolOptions {
  /** The routes that share the pool; each has `concurrency` slots of its own. */
  routes: readonly string[];
  /** Tasks one route may run at the same time; one more is refused with 503 (config: uploadConcurrency). */
  concurrency: number;
  /** Longest a task may take, from admission to answer (config: uploadTimeoutSeconds). */
  timeoutSeconds: number;
  /** Heap of each thread, MiB: a file that needs more kills its thread, not the server. */
  heapMb?: number;
  /** The worker module (a URL or path of built JavaScript); by default the upload worker. */
  filename?: string;
  /** Told of a thread's failure that no task was waiting on. */
  onError?: (error: unknown) => void;
}

/** Enough for any honest voice file or reference analysis (typed arrays live outside this heap). */
const DEFAULT_HEAP_MB = 256;

/**
 * Runs the heavy work on uploaded files (parsing voice files, decoding and
 * analysing reference audio) away from the HTTP thread, bounded three ways:
 *
 * - Admission: each route has `concurrency` slots; a request beyond them gets
 *   503 `server_busy` with Retry-After at once, rather than a place in a queue.
 *   An upload is already on disk when it asks for a slot, and a queue would hold
 *   that file and the client's connection for an unknown time while every
 *   queued task ages towards the time limit; a prompt 503 lets the client retry
 *   when there is room. Threads number `concurrency` per route, so an admitted
 *   task never waits for one and the time limit measures only its own work.
 * - Time: a task still running after `timeoutSeconds` is stopped (its thread
 *   terminated, its ffmpeg killed, through the signal `within` hands out) and
 *   the request gets 422 `upload_timeout`: honest files take a fraction of the
 *   limit, so one that cannot be processed in time is the file's fault.
 * - Memory: each thread has a heap limit; a file that exhausts it kills that
 *   thread only (a new one starts with the next task) and the request gets
 *   413 `upload_too_complex`.
 */
export class UploadPool {
  private readonly pool: Piscina;
  private readonly active = new Map<string, number>();
  private readonly timeoutMs: number;

  constructor(private readonly options: UploadPoolOptions) {
    this.timeoutMs = options.timeoutSeconds * 1000;
    for (const route of options.routes) this.active.set(route, 0);
    const threads = options.concurrency * options.routes.length;
    this.pool = new Piscina({
      filename: options.filename ?? workerFile(),
      minThreads: 0,
      maxThreads: threads,
      // Threads are started on demand and let go when idle: uploads are rare next to speech.
      idleTimeout: 30_000,
      concurrentTasksPerWorker: 1,
      resourceLimits: { maxOldGenerationSizeMb: options.heapMb ?? DEFAULT_HEAP_MB, maxYoungGenerationSizeMb: 16, stackSizeMb: 4 },
    });
    // A thread that fails with no task on it (nothing to reject) must not take the server down.
    this.pool.on('error', (error: unknown) => options.onError?.(error));
  }

  /** Tasks of `route` under way now. */
  running(route: string): number {
    return this.active.get(route) ?? 0;
  }

  /**
   * Runs `work` in one of `route`'s slots, with a signal that aborts when the time
   * limit passes or `client` aborts; whatever `work` starts must stop on it.
   * `param` is the upload's field, named in the errors: 503 when no slot is free,
   * 422 past the time limit, 413 when a thread ran out of memory.
   */
  async within<T>(route: string, param: string, client: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const running = this.active.get(route);
    if (running === undefined) throw new Error(`unknown upload route '${route}'`);
    if (running >= this.options.concurrency) throw errors.busy(Math.min(this.options.timeoutSeconds, 5));
    client.throwIfAborted();
    this.active.set(route, running + 1);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(new Error('upload task time limit')), this.timeoutMs);
    try {
      return await work(AbortSignal.any([deadline.signal, client]));
    } catch (error) {
      if (deadline.signal.aborted) throw errors.uploadTimeout(param, this.options.timeoutSeconds);
      if (client.aborted) throw errors.requestAborted();
      if (outOfMemory(error)) throw errors.uploadTooComplex(param);
      throw error;
    } finally {
      clearTimeout(timer);
      this.active.set(route, this.active.get(route)! - 1);
    }
  }

  /**
   * Runs one task on an upload thread; aborting `signal` terminates the thread if it is running the task.
   * Buffers in `transfer` move to the thread instead of being copied (they are unusable here afterwards).
   */
  run<R>(task: unknown, signal: AbortSignal, transfer?: ArrayBuffer[]): Promise<R> {
    return this.pool.run(task, { signal, ...(transfer && { transferList: transfer }) }) as Promise<R>;
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

function outOfMemory(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}

/** Threads run the built JavaScript (TypeScript loaders do not reach into worker threads on Node 20). */
function workerFile(): string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url).href;
  const built = new URL('../../../dist/server/uploads/worker.js', import.meta.url);
  if (!existsSync(built)) throw new Error('Upload threads need the build: run `npm run build` first');
  return built.href;
}
