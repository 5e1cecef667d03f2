import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import type { Engine, EngineId, VoiceData } from './engine.js';
import { engineInfo } from './index.js';
import { renderPiece } from './render.js';

/** One piece of text to render: the unit of work a synthesis thread takes. */
export interface RenderTask {
  text: string;
  voice: VoiceData;
  speed: number;
  language?: string;
}

/** Turns pieces of text into 24 kHz PCM, on worker threads or in-process. */
export interface Renderer {
  /** How many pieces can render at the same time. */
  readonly threads: number;
  render(task: RenderTask): Promise<Int16Array>;
  /** Loads engines and runs a short utterance on every thread so the first request is not slow. */
  warmUp(engines: readonly EngineId[]): Promise<void>;
  close(): Promise<void>;
}

const WARM_UP_TEXT = 'Warming up the speech engine. This takes a moment.';

/**
 * Synthesis never runs on the event loop: a fixed pool of threads, one engine
 * instance per thread. Admission (how many requests may wait) is decided by the
 * caller, so the pool's own queue is unbounded.
 */
export class WorkerPoolRenderer implements Renderer {
  private readonly pool: Piscina;

  constructor(readonly threads: number) {
    this.pool = new Piscina({
      filename: workerFile(),
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Each thread runs one piece at a time; pieces are short, so fairness comes from the queue.
      concurrentTasksPerWorker: 1,
      // A piece's garbage is small; a small young generation keeps each thread's memory down.
      resourceLimits: { maxYoungGenerationSizeMb: 4 },
    });
  }

  render(task: RenderTask): Promise<Int16Array> {
    return this.pool.run(task) as Promise<Int16Array>;
  }

  async warmUp(engines: readonly EngineId[]): Promise<void> {
    const voices = engines.flatMap((id) => engineInfo(id)?.builtinVoices().slice(0, 1) ?? []);
    // threads × 2 tasks so that every thread, not just the first free one, gets one.
    const runs = voices.flatMap((v) =>
      Array.from({ length: this.threads * 2 }, () => this.render({ text: WARM_UP_TEXT, voice: v.data, speed: 1 })),
    );
    await Promise.all(runs);
  }

  async close(): Promise<void> {
    await this.pool.destroy();
  }
}

/**
 * Worker threads always run the built JavaScript (TypeScript loaders do not reach
 * into worker threads on Node 20); from sources, that is the build in dist/.
 */
function workerFile(): string {
  if (!import.meta.url.endsWith('.ts')) return new URL('./worker.js', import.meta.url).href;
  const built = new URL('../../dist/engines/worker.js', import.meta.url);
  if (!existsSync(built)) throw new Error('Worker threads need the build: run `npm run build` first');
  return built.href;
}

/** Renders on the calling thread: for the CLI's `say`, benchmarks and tests. */
export class InProcessRenderer implements Renderer {
  readonly threads = 1;
  private readonly engines = new Map<EngineId, Promise<Engine>>();

  async render(task: RenderTask): Promise<Int16Array> {
    return renderPiece(await this.engine(task.voice.engine), task);
  }

  engine(id: EngineId): Promise<Engine> {
    let engine = this.engines.get(id);
    if (!engine) {
      const info = engineInfo(id);
      if (!info) return Promise.reject(new Error(`unknown engine '${id}'`));
      engine = info.load();
      this.engines.set(id, engine);
    }
    return engine;
  }

  async warmUp(engines: readonly EngineId[]): Promise<void> {
    for (const id of engines) {
      const voice = engineInfo(id)?.builtinVoices()[0];
      if (voice) await this.render({ text: WARM_UP_TEXT, voice: voice.data, speed: 1 });
    }
  }

  async close(): Promise<void> {
    this.engines.clear();
  }
}
