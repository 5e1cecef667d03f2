import { int16ToFloat } from '../audio/pcm.js';
import type { CloneRequest, CloneResult, Cloner } from '../cloning/cloner.js';
import { fitEspeakVoice } from '../cloning/espeak-fit.js';
import { renderEspeak } from './espeak-render.js';

/**
 * A Cloner for tests: the espeak fit, in this process (on its main thread, which tests may
 * afford and the server may not), with the budget capped so that a test's clone takes a few
 * seconds. Every request is kept in `requests`, so a test can see what the server asked for.
 */
export class EspeakFitCloner implements Cloner {
  readonly requests: CloneRequest[] = [];
  closed = false;

  constructor(private readonly maxBudgetMs = 3000) {}

  async clone(request: CloneRequest): Promise<CloneResult> {
    this.requests.push(request);
    if (request.engine !== 'espeak') throw new Error(`EspeakFitCloner clones espeak voices only, not ${request.engine}`);
    const fit = await fitEspeakVoice(
      { samples: int16ToFloat(request.reference.samples), sampleRate: request.reference.sampleRate },
      { language: request.language, render: renderEspeak, budgetMs: Math.min(request.budgetMs, this.maxBudgetMs), ...(request.signal && { signal: request.signal }) },
    );
    return { data: fit.voice, similarity: fit.score, searchScore: fit.searchScore, steps: fit.steps, gender: null, language: request.language };
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}
