/**
 * The thorough espeak fit: what a background clone job runs, for as long as its budget allows
 * (`max_seconds`, up to 10 minutes), where the fast fit (espeak-fit.ts) has about 3 s.
 *
 * 1. Coarse: the fast fit's calibration and its grid (variants, formant scaling, tilt, roughness,
 *    breath), with more variants, then the fast fit's correction of pitch and rate by what the
 *    best candidate's own render measures. This is where the fast fit ends.
 * 2. Fine: repeated coordinate passes over every field of espeak-fit-space.ts, including what the
 *    fast fit leaves fixed (each formant's frequency, height and width, flutter, voicing, and
 *    small factors on pitch, range and rate). Each coordinate tries one step up and one down from
 *    the best so far and keeps going while that is better; a pass that finds nothing better
 *    halves every step. The search ends when the steps are at their smallest and a pass found
 *    nothing, or when the next candidate and the held-out render would not fit in the budget.
 * 3. Held-out: the result is scored on a text the search never heard, as in the fast fit.
 *
 * Every candidate reports progress (time used of the budget); the best setting is checkpointed
 * (espeak-fit-checkpoint.ts) now and then, and a search handed a checkpoint of the same
 * reference resumes where it was, with whatever budget it is given now. `signal` cancels
 * between renders.
 */
import type { EspeakVoiceData } from '../engines/engine.js';
import { calibrate, measure, pitchFor, rateFor, RENDER_RATE } from './espeak-fit-calibration.js';
import { decodeCheckpoint, encodeCheckpoint, referenceDigest, type ThoroughState } from './espeak-fit-checkpoint.js';
import { COORDINATES, THOROUGH_START, THOROUGH_VARIANTS, thoroughVoiceOf, type Coordinate, type ThoroughSetting } from './espeak-fit-space.js';
import { corrected, fitInput, formantScaleEstimate, ORDER, SEARCH, voiceOf, type FitOptions, type FitReference, type FitResult } from './espeak-fit.js';
import { similarity, speakerFeatures, type SpeakerFeatures } from './scorer.js';

export interface ThoroughProgress {
  /** 0..1: time used of the budget (1 when the search converged early is not reported; the result is). */
  progress: number;
  step: string;
  bestScore: number | null;
}

export interface ThoroughFitOptions extends FitOptions {
  onProgress?: (progress: ThoroughProgress) => void;
  /** A checkpoint from `onCheckpoint` of an earlier run on the same reference, to resume from. */
  checkpoint?: Uint8Array | null;
  /** The best state so far (bytes to store) and its voice, at most every `checkpointEveryMs` and at the end of each pass. */
  onCheckpoint?: (checkpoint: Uint8Array, best: { voice: EspeakVoiceData; score: number }) => void;
  checkpointEveryMs?: number;
}

/** The fine passes stop once steps are this fraction of their first size and a pass found nothing better. */
const FINEST_SCALE = 1 / 8;
/** A line search along one coordinate takes at most this many steps in one direction. */
const MAX_RUN = 4;

/** Coarse grid: the fast fit's values in its order, with the thorough fit's longer list of variants. */
const COARSE: readonly { key: keyof ThoroughSetting; value: unknown }[] = ORDER.flatMap((key) =>
  (key === 'variant' ? THOROUGH_VARIANTS : (SEARCH[key] as readonly unknown[])).map((value) => ({ key, value })),
);

/** Fits an espeak voice to the reference by the longer search (see the module comment). */
export async function fitEspeakVoiceThorough(reference: FitReference, options: ThoroughFitOptions): Promise<FitResult> {
  const started = performance.now();
  const { language, render, signal } = options;
  const { texts, ref } = fitInput(reference, options);
  const digest = referenceDigest(reference.samples, reference.sampleRate);
  const resumed = decodeCheckpoint(options.checkpoint, language, digest);

  let renders = 0;
  const speak = async (voice: EspeakVoiceData, text: string): Promise<Float32Array> => {
    signal?.throwIfAborted();
    renders++;
    return render(voice, text, signal);
  };
  let renderMs = 0;
  const timed = async (voice: EspeakVoiceData, text: string): Promise<Float32Array> => {
    const t = performance.now();
    const samples = await speak(voice, text);
    renderMs = renderMs === 0 ? performance.now() - t : 0.8 * renderMs + 0.2 * (performance.now() - t);
    return samples;
  };
  // Room for one more candidate and the held-out render at the pace seen so far.
  const fits = (): boolean => performance.now() - started + 2 * renderMs <= options.budgetMs;

  let state: ThoroughState;
  if (resumed) {
    state = resumed;
  } else {
    const calibration = await calibrate(voiceOf(language, { base: 100, max: 150 }, 175, THOROUGH_START), texts.search, timed, signal);
    const f0 = Number.isFinite(ref.f0Hz) ? ref.f0Hz : 120;
    state = {
      language,
      reference: digest,
      pitchHz: pitchFor(calibration, f0, ref.f0SpreadSt),
      rate: rateFor(calibration, ref.syllablesPerS),
      setting: THOROUGH_START,
      score: -1,
      phase: 'coarse',
      index: 0,
      pass: 0,
      scale: 1,
      improved: false,
      steps: 0,
    };
  }
  const stepsBefore = state.steps;
  const voiceFor = (s: ThoroughSetting): EspeakVoiceData => thoroughVoiceOf(language, state.pitchHz, state.rate, s);
  const evaluate = async (s: ThoroughSetting): Promise<{ score: number; features: SpeakerFeatures }> => {
    const features = speakerFeatures(await timed(voiceFor(s), texts.search), RENDER_RATE);
    return { score: similarity(ref.features, features), features };
  };

  const report = (step: string): void =>
    options.onProgress?.({ progress: Math.min(1, (performance.now() - started) / options.budgetMs), step, bestScore: state.score >= 0 ? state.score : null });
  let lastCheckpoint = performance.now();
  let checkpointed = '';
  const checkpoint = (force: boolean): void => {
    if (!options.onCheckpoint || state.score < 0) return;
    if (!force && performance.now() - lastCheckpoint < (options.checkpointEveryMs ?? 2000)) return;
    const bytes = encodeCheckpoint({ ...state, steps: stepsBefore + renders });
    const key = JSON.stringify([state.setting, state.pitchHz, state.rate, state.phase, state.index, state.pass, state.scale]);
    if (key === checkpointed) return;
    checkpointed = key;
    lastCheckpoint = performance.now();
    options.onCheckpoint(bytes, { voice: voiceFor(state.setting), score: state.score });
  };
  // Settings tried in this run (a resumed run may try one again: its scores are not kept).
  const seen = new Set<string>([JSON.stringify(state.setting)]);
  /** Tries `s`; keeps it when better. */
  const tryIt = async (s: ThoroughSetting, step: string): Promise<boolean> => {
    if (seen.has(JSON.stringify(s))) return false;
    seen.add(JSON.stringify(s));
    const tried = await evaluate(s);
    const better = tried.score > state.score;
    if (better) state = { ...state, setting: s, score: tried.score, improved: true };
    report(step);
    checkpoint(false);
    return better;
  };

  search: {
    if (state.phase === 'coarse') {
      if (state.score < 0) {
        // The first candidate is tried whatever the budget says: a result is owed.
        const first = await evaluate(state.setting);
        state = { ...state, score: first.score };
        report('coarse 1');
        // The formant scaling its resonances point to, as the fast fit tries first.
        const estimate = formantScaleEstimate(ref.features, first.features, state.setting.formantScale);
        if (estimate !== null && estimate !== state.setting.formantScale && fits()) await tryIt({ ...state.setting, formantScale: estimate }, 'coarse: formant estimate');
      }
      for (; state.index < COARSE.length; state = { ...state, index: state.index + 1 }) {
        const { key, value } = COARSE[state.index]!;
        if (state.setting[key] === value) continue;
        if (!fits()) break search;
        await tryIt({ ...state.setting, [key]: value }, `coarse ${state.index + 1}/${COARSE.length}`);
      }
      // The fast fit's correction of what is still off in pitch and pace, kept whatever it scores:
      // matching the reference's pitch and pace is the point, the score only judges timbre.
      if (!fits()) break search;
      const best = await timed(voiceFor(state.setting), texts.search);
      const fixed = corrected(ref, measure(best, RENDER_RATE), state.pitchHz, state.rate);
      if (!fits()) break search;
      const samples = await timed(thoroughVoiceOf(language, fixed.pitchHz, fixed.rate, state.setting), texts.search);
      const score = similarity(ref.features, speakerFeatures(samples, RENDER_RATE));
      state = { ...state, ...fixed, score, phase: 'fine', index: 0, pass: 1, scale: 1, improved: false };
      report('corrected pitch and rate');
      checkpoint(true);
    }
    for (;;) {
      for (; state.index < COORDINATES.length; state = { ...state, index: state.index + 1 }) {
        const c = COORDINATES[state.index]!;
        if (!(await lineSearch(c))) break search;
      }
      checkpoint(true);
      if (!state.improved && state.scale <= FINEST_SCALE) break;
      state = { ...state, index: 0, pass: state.pass + 1, scale: state.improved ? state.scale : state.scale / 2, improved: false };
    }
  }

  /** One coordinate: a step either way from the best, then on while better. False when the budget ran out. */
  async function lineSearch(c: Coordinate): Promise<boolean> {
    const step = Math.max(c.minStep, c.step * state.scale);
    for (const direction of [1, -1]) {
      let moved = false;
      for (let run = 0; run < MAX_RUN; run++) {
        const from = c.get(state.setting);
        let value = Math.min(c.max, Math.max(c.min, from + direction * step));
        if (c.integer) value = Math.round(value);
        value = Math.round(value * 1e6) / 1e6;
        if (Math.abs(value - from) < 1e-9) break;
        if (!fits()) return false;
        if (!(await tryIt(c.set(state.setting, value), `pass ${state.pass}: ${c.name} ${value}`))) break;
        moved = true;
      }
      if (moved) break;
    }
    return true;
  }

  checkpoint(true);
  const voice = voiceFor(state.setting);
  const heldOut = speakerFeatures(await speak(voice, texts.heldOut), RENDER_RATE);
  return { voice, score: similarity(ref.features, heldOut), searchScore: state.score, steps: stepsBefore + renders };
}
