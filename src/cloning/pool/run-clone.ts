import { int16ToFloat } from '../../audio/pcm.js';
import type { VoiceData } from '../../engines/engine.js';
import { cloneKokoro, type KokoroCloneDeps } from '../kokoro-clone.js';
import { errors } from '../../errors.js';
import { capReference, ESPEAK_CLONE_LANGUAGES, referenceSecondsFor } from '../clone-params.js';
import type { CloneProgress, CloneResult, DecodedReference } from '../cloner.js';
import { calibrate, type Render } from '../espeak-fit-calibration.js';
import { fitEspeakVoiceThorough } from '../espeak-fit-thorough.js';
import { FIT_TEXTS, fitEspeakVoice, START, voiceOf } from '../espeak-fit.js';
import { MAX_SAMPLE_RATE, MIN_SAMPLE_RATE } from '../scorer.js';
import type { CloneSpec } from './messages.js';

export interface CloneEnvironment {
  /** Speaks with the engine of the clone: 24 kHz float samples. */
  render: Render;
  signal: AbortSignal;
  onProgress?: ((progress: CloneProgress) => void) | undefined;
  onCheckpoint?: ((checkpoint: Uint8Array, best: { data: VoiceData; score: number }) => void) | undefined;
  /** What a Kokoro clone needs here (packs, model identity, render); absent: Kokoro cannot be cloned here. */
  kokoro?: (() => KokoroCloneDeps) | undefined;
}

/**
 * One clone, wherever it runs (a clone thread, or the CLI's own thread): the engine's fit,
 * fast or thorough, on the first seconds of the reference its quality takes (referenceSecondsFor).
 */
export async function runClone(spec: CloneSpec, env: CloneEnvironment): Promise<CloneResult> {
  const reference = capReference(checkedReference(spec.reference), referenceSecondsFor(spec.quality));
  if (spec.engine === 'kokoro') {
    // The voice atlas (fast) or the population walk (thorough): kokoro-clone.ts.
    if (!env.kokoro) throw errors.cloningUnavailable('Kokoro', 'Clone with engine=espeak.');
    const result = await cloneKokoro({ samples: int16ToFloat(reference.samples), sampleRate: reference.sampleRate }, env.kokoro(), {
      quality: spec.quality,
      budgetMs: spec.budgetMs,
      signal: env.signal,
      checkpoint: spec.checkpoint ?? null,
      ...(env.onProgress && { onProgress: env.onProgress }),
      ...(env.onCheckpoint && { onCheckpoint: (bytes: Uint8Array, best: { tensor: Float32Array; score: number }) => env.onCheckpoint!(bytes, { data: { engine: 'kokoro', tensor: best.tensor }, score: best.score }) }),
    });
    return { data: { engine: 'kokoro', tensor: result.tensor }, similarity: result.similarity, searchScore: result.searchScore, steps: result.steps, gender: result.gender, language: result.language };
  }
  const base = ESPEAK_CLONE_LANGUAGES[spec.language];
  if (base === undefined) throw errors.invalidParam('language', `espeak clones speak one of ${Object.keys(ESPEAK_CLONE_LANGUAGES).join(', ')}`, 'invalid_language');
  const samples = { samples: int16ToFloat(reference.samples), sampleRate: reference.sampleRate };
  const common = { language: base, render: env.render, budgetMs: spec.budgetMs, signal: env.signal };
  const fit =
    spec.quality === 'fast'
      ? await fitEspeakVoice(samples, common)
      : await fitEspeakVoiceThorough(samples, {
          ...common,
          checkpoint: spec.checkpoint,
          ...(env.onProgress && { onProgress: env.onProgress }),
          ...(env.onCheckpoint && { onCheckpoint: (bytes, best) => env.onCheckpoint!(bytes, { data: best.voice, score: best.score }) }),
        });
  return { data: fit.voice, similarity: fit.score, searchScore: fit.searchScore, steps: fit.steps, gender: null, language: spec.language };
}

function checkedReference(reference: DecodedReference): DecodedReference {
  const { samples, sampleRate } = reference;
  if (!(samples instanceof Int16Array)) throw errors.invalidParam('reference', 'The reference must be 16-bit samples');
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    throw errors.invalidParam('reference', `The reference's sample rate must be a whole number from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz`);
  }
  return reference;
}

/**
 * Readies a thread (or process) for clones of `language`: V8 optimises espeak's WebAssembly only
 * once it has run a while (the first renders take several times longer), and the language's
 * calibration is measured once and kept (espeak-fit-calibration.ts), so the first clone's
 * budget goes to its search.
 */
const WARM_RENDERS = 5;

export async function warmClone(render: Render, language: string): Promise<void> {
  const base = ESPEAK_CLONE_LANGUAGES[language] ?? 'en-us';
  const voice = voiceOf(base, { base: 100, max: 150 }, 175, START);
  await calibrate(voice, FIT_TEXTS.search, render);
  // Measured on a busy 2-core machine: the first render took 2 s, the next ones 1.1, 0.4, 0.15, then 0.1–0.15 s.
  for (let i = 0; i < WARM_RENDERS; i++) await render(voice, FIT_TEXTS.heldOut);
}
