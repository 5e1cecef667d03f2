import { int16ToFloat } from '../../audio/pcm.js';
import type { Renderer } from '../../engines/renderer.js';
import type { Cloner, CloneRequest, CloneResult } from '../cloner.js';
import type { Render } from '../espeak-fit-calibration.js';
import { runClone, warmClone } from './run-clone.js';

/**
 * A Cloner on the calling thread, with the caller's renderer: for the CLI (a process of its
 * own, with nothing else to keep responsive) and tests. The server uses ClonePool.
 */
export class InProcessCloner implements Cloner {
  constructor(private readonly renderer: Renderer) {}

  private readonly render: Render = async (voice, text, signal) => {
    signal?.throwIfAborted();
    return int16ToFloat(await this.renderer.render({ text, voice, speed: 1 }));
  };

  /** Loads the engine and calibrates `language` before the first clone (see warmClone). */
  async warmUp(language: string): Promise<void> {
    await warmClone(this.render, language);
  }

  async clone(request: CloneRequest): Promise<CloneResult> {
    const render = this.render;
    return runClone(
      {
        reference: request.reference,
        engine: request.engine,
        language: request.language,
        quality: request.quality,
        budgetMs: request.budgetMs,
        checkpoint: request.checkpoint ?? null,
      },
      { render, signal: request.signal ?? new AbortController().signal, onProgress: request.onProgress, onCheckpoint: request.onCheckpoint },
    );
  }

  async close(): Promise<void> {
    await this.renderer.close();
  }
}
