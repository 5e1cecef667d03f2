/**
 * Fitting an espeak voice to a speaker: the espeak side of voice cloning.
 *
 * 1. Pitch and pace. The reference's median F0 and F0 spread (analysis.ts) and syllable rate
 *    (features.ts) are turned into espeak's voice-file pitch (Hz) and rate (wpm) through a
 *    measured calibration of the language (espeak-fit-calibration.ts: two renders, cached).
 * 2. Timbre. A bounded coordinate descent over variant, formant scaling (formants 1–5 together,
 *    as a longer or shorter vocal tract moves them), spectral tilt (`tone`), breath and roughness
 *    maximises `similarity(reference, clone)` (scorer.ts) on the search text: each coordinate in
 *    turn tries its values with the others held at the best so far, and a value is kept only when
 *    it scores better. Pitch and rate stay calibrated throughout, so the search is about timbre.
 * 3. Correction. The best candidate's own render is measured and its pitch and rate are scaled by
 *    what is still off (a variant, breath or roughness moves the measured pitch a little).
 * 4. The score is measured on a held-out text that the search never heard, so it says how the
 *    clone sounds on new words, not how well the search fitted one sentence.
 *
 * Time: every render counts against `budgetMs` (renders plus features, about 0.1–0.2 s each for
 * 5 s of speech on a small machine); the search stops when the next candidate and the final
 * held-out render would not fit. `signal` cancels between renders (and inside them, through
 * `render`).
 */
import type { EspeakVoiceData } from '../engines/engine.js';
import { TIMBRE_DEFAULTS, TIMBRE_LIMITS } from '../engines/espeak/timbre.js';
import { errors } from '../errors.js';
import {
  calibrate,
  measure,
  pitchFor,
  rateFor,
  RENDER_RATE,
  type Measured,
  type Render,
} from './espeak-fit-calibration.js';
import { FEATURE_NAMES } from './features.js';
import { MIN_SPEECH_SECONDS, similarity, speakerFeatures, type SpeakerFeatures } from './scorer.js';

export { RENDER_RATE } from './espeak-fit-calibration.js';

/** The texts of the fit: the search is scored on one, the result on the other. */
export const FIT_TEXTS = Object.freeze({
  search: 'The old lighthouse keeper walked slowly along the rocky shore, counting the boats that came home before the storm.',
  heldOut: 'Please remember to bring your warm coat tomorrow, because the weather on the mountain changes very quickly in spring.',
});

export interface FitReference {
  samples: Float32Array;
  sampleRate: number;
}

export interface FitOptions {
  /** espeak-ng language voice of the clone, e.g. "en-us". */
  language: string;
  /** Speaks `text` with `voice`: mono float samples at 24 kHz (RENDER_RATE). */
  render: Render;
  /** Time for the whole fit, calibration and held-out render included. */
  budgetMs: number;
  signal?: AbortSignal;
  /** Other texts than FIT_TEXTS (e.g. in the clone's language); they must differ. */
  texts?: { search: string; heldOut: string };
}

export interface FitResult {
  voice: EspeakVoiceData;
  /** similarity(reference, clone on the held-out text), 0..1. */
  score: number;
  /** The best score on the search text. */
  searchScore: number;
  /** Renders made, calibration and held-out included. */
  steps: number;
}

/** The searched settings (pitch and rate come from the calibration). */
export interface TimbreSetting {
  variant: string | null;
  formantScale: number;
  tilt: number;
  breath: number;
  roughness: number;
}

export const START: Readonly<TimbreSetting> = Object.freeze({ variant: null, formantScale: 1, tilt: 0, breath: 0, roughness: 2 });

/**
 * Values each coordinate tries, most promising first (the budget may stop a pass early). The
 * klatt variants come early: on LibriSpeech readers, klatt3/4 voices scored far above the
 * others (a reader at 0.68 with the old list reached 0.96 with 3 s on a busy 2-core machine).
 */
export const SEARCH: { readonly [K in keyof TimbreSetting]: readonly TimbreSetting[K][] } = {
  variant: [null, 'klatt3', 'm3', 'f2', 'klatt4', 'm1', 'f4', 'klatt6', 'm7', 'klatt'],
  formantScale: [1, 0.92, 1.08, 0.85, 1.16, 1.24],
  tilt: [0, -0.4, 0.4, -0.8],
  breath: [0, 3, 6],
  roughness: [2, 0, 5],
};
export const ORDER: readonly (keyof TimbreSetting)[] = ['formantScale', 'variant', 'tilt', 'roughness', 'breath'];

/** How far the breath of formants 1–8 follows the `breath` setting (espeak's own variants weight the middle). */
const BREATH_SHAPE = [0, 0.7, 1, 1, 1, 1, 1, 0.7];

/** The espeak voice of a timbre setting with the given pitch and rate. */
export function voiceOf(language: string, pitchHz: { base: number; max: number }, rate: number, t: TimbreSetting): EspeakVoiceData {
  const L = TIMBRE_LIMITS;
  const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, Math.round(v)));
  return {
    engine: 'espeak',
    base: language,
    variant: t.variant,
    pitch: 50,
    range: 50,
    rate,
    volume: 100,
    pitchHz,
    formants: [1, 2, 3, 4, 5].map((n) => ({ n, freq: clamp(100 * t.formantScale, L.formantFreq), height: 100, width: 100 })),
    // Tilt in octaves above 600 Hz: +0.4 makes each octave 2^0.4 louder than espeak's curve.
    tone: TIMBRE_DEFAULTS.tone.map((p) => ({ hz: p.hz, amplitude: clamp(p.amplitude * 2 ** (t.tilt * Math.log2(p.hz / 600)), L.toneAmplitude) })),
    breath: BREATH_SHAPE.map((s) => clamp(s * t.breath, L.breath)),
    roughness: t.roughness,
  };
}

/** The texts of a fit and the reference's measures, checked: distinct texts, enough speech, not cancelled. Shared by the fast and thorough fits. */
export function fitInput(reference: FitReference, options: { texts?: { search: string; heldOut: string } | undefined; signal?: AbortSignal | undefined }): { texts: { search: string; heldOut: string }; ref: Measured } {
  const texts = options.texts ?? FIT_TEXTS;
  if (texts.search === texts.heldOut) throw errors.invalidParam('texts', 'The held-out text must differ from the search text');
  options.signal?.throwIfAborted();
  const ref = measure(reference.samples, reference.sampleRate);
  if (ref.features.speechSeconds < MIN_SPEECH_SECONDS) {
    throw errors.invalidParam('reference', `The reference has ${ref.features.speechSeconds.toFixed(2)} s of speech; a fit needs at least ${MIN_SPEECH_SECONDS} s`, 'reference_no_speech');
  }
  return { texts, ref };
}

/** Fits an espeak voice to the reference (see the module comment). */
export async function fitEspeakVoice(reference: FitReference, options: FitOptions): Promise<FitResult> {
  const started = performance.now();
  const { language, render, signal } = options;
  const { texts, ref } = fitInput(reference, options);
  let steps = 0;
  const speak = async (voice: EspeakVoiceData, text: string): Promise<Float32Array> => {
    signal?.throwIfAborted();
    steps++;
    return render(voice, text, signal);
  };

  const calibration = await calibrate(voiceOf(language, { base: 100, max: 150 }, 175, START), texts.search, speak, signal);
  // Without a measurable pitch or pace in the reference, espeak's own middle values stand.
  const f0 = Number.isFinite(ref.f0Hz) ? ref.f0Hz : 120;
  let pitchHz = pitchFor(calibration, f0, ref.f0SpreadSt);
  let rate = rateFor(calibration, ref.syllablesPerS);

  const evaluate = async (t: TimbreSetting): Promise<{ score: number; samples: Float32Array; features: SpeakerFeatures }> => {
    const samples = await speak(voiceOf(language, pitchHz, rate, t), texts.search);
    const features = speakerFeatures(samples, RENDER_RATE);
    return { score: similarity(ref.features, features), samples, features };
  };

  const searchStarted = performance.now();
  let best = { setting: START, ...(await evaluate(START)) };
  let evaluations = 1;
  // The formant scaling the first render's resonances point to goes first (see formantScaleEstimate).
  const estimate = formantScaleEstimate(ref.features, best.features, START.formantScale);
  const grid = { ...SEARCH, formantScale: estimate === null ? SEARCH.formantScale : [estimate, ...SEARCH.formantScale.filter((v) => Math.abs(v - estimate) > 0.015)] };
  // Room for one more candidate and the held-out render at the pace seen so far.
  const fits = (): boolean => {
    const perRender = (performance.now() - searchStarted) / evaluations;
    return performance.now() - started + 2 * perRender <= options.budgetMs;
  };
  const seen = new Set([JSON.stringify(START)]);
  search: for (const key of ORDER) {
    for (const value of grid[key]) {
      const setting = { ...best.setting, [key]: value };
      if (seen.has(JSON.stringify(setting))) continue;
      seen.add(JSON.stringify(setting));
      if (!fits()) break search;
      const tried = await evaluate(setting);
      evaluations++;
      if (tried.score > best.score) best = { setting, ...tried };
    }
  }

  ({ pitchHz, rate } = corrected(ref, measure(best.samples, RENDER_RATE), pitchHz, rate));
  const voice = voiceOf(language, pitchHz, rate, best.setting);
  const heldOut: SpeakerFeatures = speakerFeatures(await speak(voice, texts.heldOut), RENDER_RATE);
  return { voice, score: similarity(ref.features, heldOut), searchScore: best.score, steps };
}

/** Pitch and rate scaled by what is still off between the reference and a candidate's own render of them. */
export function corrected(ref: Measured, got: Measured, pitchHz: { base: number; max: number }, rate: number): { pitchHz: { base: number; max: number }; rate: number } {
  let out = { pitchHz, rate };
  if (Number.isFinite(ref.f0Hz) && Number.isFinite(got.f0Hz) && got.f0Hz > 0) {
    const k = ref.f0Hz / got.f0Hz;
    const base = Math.min(400, Math.max(20, Math.round(pitchHz.base * k)));
    out = { ...out, pitchHz: { base, max: Math.min(800, Math.max(base, Math.round(pitchHz.max * k))) } };
  }
  if (Number.isFinite(ref.syllablesPerS) && Number.isFinite(got.syllablesPerS) && got.syllablesPerS > 0) {
    const k = ref.syllablesPerS / got.syllablesPerS;
    // The syllable count is the noisier measure: a correction beyond ±30 % is a miscount.
    if (k > 0.7 && k < 1.3) out = { ...out, rate: Math.min(450, Math.max(80, Math.round(rate * k))) };
  }
  return out;
}

const F3 = FEATURE_NAMES.indexOf('f3_ln_hz');
const F4 = FEATURE_NAMES.indexOf('f4_ln_hz');

/**
 * The formant scaling that would move a render's F3 and F4 (medians, features.ts) onto the
 * reference's, from a render made with `scale`; null when either is unmeasured. F3 and F4 follow
 * the vocal tract's length and hardly the words said (F1 and F2 move with the vowels and the
 * pitch); on espeak round trips they recovered scalings of 0.88–1.24 within 0.02. Rounded to
 * 0.01 and kept within what espeak's formant percentages allow.
 */
export function formantScaleEstimate(reference: SpeakerFeatures, render: SpeakerFeatures, scale: number): number | null {
  const d = [F3, F4].map((i) => (reference.values[i] ?? Number.NaN) - (render.values[i] ?? Number.NaN));
  if (!d.every(Number.isFinite)) return null;
  const k = scale * Math.exp((d[0]! + d[1]!) / 2);
  return Math.round(Math.min(1.4, Math.max(0.7, k)) * 100) / 100;
}
