import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import type { Engine, EngineId, EngineInfo, EngineLoadOptions, VoiceData } from './engine.js';
import type { Config } from '../config.js';
import type { EngineSettings } from './index.js';
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
  /** Runs each voice's short utterance on every thread (loading its engine there), so the first request is not slow. */
  warmUp(voices: readonly WarmUpVoice[]): Promise<void>;
  close(): Promise<void>;
}

export interface WarmUpVoice {
  voice: VoiceData;
  language: string;
}

/** What each synthesis thread is started with. */
export interface WorkerSettings {
  engines: EngineSettings;
  /** Engines' debug notes are logged from the threads at this level and place. */
  log: Pick<Config, 'logLevel' | 'logDir'>;
}

const WARM_UP_TEXT = 'Warming up the speech engine. This takes a moment.';
const WARM_UP_RUNS_PER_THREAD = 6;

/**
 * Synthesis never runs on the event loop: a fixed pool of threads, one engine
 * instance per thread. Admission (how many requests may wait) is decided by the
 * caller, so the pool's own queue is unbounded.
 */
export class WorkerPoolRenderer implements Renderer {
  private readonly pool: Piscina;

  constructor(
    readonly threads: number,
    settings: WorkerSettings,
  ) {
    this.pool = new Piscina({
      filename: workerFile(),
      workerData: settings,
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

  async warmUp(voices: readonly WarmUpVoice[]): Promise<void> {
    // Several per thread, and queued all at once so that every thread, not just the first
    // free one, gets its share: V8 optimises an engine's WebAssembly only once it has run
    // a while, and espeak-ng's first four renders on a thread took 3-10× longer than later ones.
    const runs = voices.flatMap((v) =>
      Array.from({ length: this.threads * WARM_UP_RUNS_PER_THREAD }, () => this.render({ text: WARM_UP_TEXT, voice: v.voice, language: v.language, speed: 1 })),
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
  private readonly loaded = new Map<EngineId, Promise<Engine>>();

  constructor(
    private readonly engines: readonly EngineInfo[],
    private readonly options: EngineLoadOptions = {},
  ) {}

  async render(task: RenderTask): Promise<Int16Array> {
    return renderPiece(await this.engine(task.voice.engine), task);
  }

  /** The loaded engine of `id`; a load that failed is tried again next time (the files may have been repaired). */
  engine(id: EngineId): Promise<Engine> {
    let engine = this.loaded.get(id);
    if (!engine) {
      const info = this.engines.find((e) => e.id === id);
      if (!info) return Promise.reject(new Error(`unknown engine '${id}'`));
      engine = info.load({ ...this.options, engine: (other) => this.engine(other) });
      engine.catch(() => this.loaded.delete(id));
      this.loaded.set(id, engine);
    }
    return engine;
  }

  async warmUp(voices: readonly WarmUpVoice[]): Promise<void> {
    for (const v of voices) await this.render({ text: WARM_UP_TEXT, voice: v.voice, language: v.language, speed: 1 });
  }

  async close(): Promise<void> {
    const engines = [...this.loaded.values()];
    this.loaded.clear();
    await Promise.all(engines.map(async (e) => (await e.catch(() => null))?.release?.()));
  }
}
