/**
 * The speaker-similarity scorer: how much two recordings sound like one speaker.
 *
 * `speakerFeatures` turns a recording into the hand-made feature vector of features.ts (at
 * 16 kHz, whatever the input's rate) and projects it with the LDA projection learned on the
 * tuning readers (scorer-params.ts, made by scripts/tune-scorer.ts). `similarity` takes the
 * cosine c of two projections and maps it to a score in [0, 1]:
 *
 *   score = 1 / (1 + e^(−slope · (c − threshold)))
 *
 * where `threshold` is the cosine at which misses and false alarms were equal (the EER point) on
 * the tuning readers, scored out of fold (each half of them by a projection learned on the other
 * half), and `slope` the maximum-likelihood slope there with same- and different-speaker pairs
 * weighted equally. So 0.5 is the EER operating point: above it, "same speaker" is the better bet
 * when same and different are a priori equally likely; 0.9 means the cosine is well into the
 * region where only same-speaker pairs were seen. It is not a calibrated posterior for other
 * priors, recording conditions or languages.
 *
 * With a speaker-embedding model (speaker-model.ts) the features carry an embedding too, and
 * when both sides have one from the same model, the score's logit is the weighted sum of the two
 * calibrated logits (the model's calibration says the weight).
 *
 * Below `MIN_SPEECH_SECONDS` of speech on either side there is nothing to compare: the score is 0.
 * Time and memory grow linearly with the input (about 10 ms and a few copies of the samples per
 * second of audio): callers cap what they pass in (the reference length limit).
 * Figures (held-out EER, cost) are printed by `npm run bench -- scorer`.
 */
import { resample } from '../audio/resample.js';
import { FEATURE_NAMES, FEATURE_RATE, utteranceFeatures } from './features.js';
import { project, type Projection } from './lda.js';
import { SCORER_PARAMS } from './scorer-params.js';

export interface Calibration {
  /** The cosine that maps to 0.5. */
  threshold: number;
  slope: number;
}

export interface ScorerParams extends Projection {
  version: number;
  /** Must equal FEATURE_NAMES: the projection's input order. */
  features: readonly string[];
  calibration: Calibration;
  /** How the parameters were made (for people; the scorer does not read it). */
  tuning: Readonly<Record<string, number | string>>;
}

export interface EmbeddingCalibration extends Calibration {
  /** 0..1: the model's share of the fused logit (1: the model replaces the hand-made score). */
  weight: number;
}

export interface SpeakerEmbedding {
  /** Identifies the model (a digest of its file): embeddings of different models are not compared. */
  model: string;
  /** Unit length. */
  vector: Float32Array;
  calibration: EmbeddingCalibration;
}

export interface SpeakerFeatures {
  /** The hand-made features, in FEATURE_NAMES order (NaN: not measurable). */
  values: Float64Array;
  /** Their projection, unit length (all zero without speech). */
  projected: Float64Array;
  speechSeconds: number;
  embedding?: SpeakerEmbedding;
}

export const MIN_SPEECH_SECONDS = 0.5;

if (SCORER_PARAMS.features.join() !== FEATURE_NAMES.join()) {
  throw new Error('scorer-params.ts was made for other features: run `node --import tsx scripts/tune-scorer.ts`');
}

/** Mono float samples in [−1, 1] at `sampleRate` → the speaker's features. */
export function speakerFeatures(samples: Float32Array, sampleRate: number, params: ScorerParams = SCORER_PARAMS): SpeakerFeatures {
  const x = at16k(samples, sampleRate);
  const { values, speechSeconds } = utteranceFeatures(x);
  const projected = project(params, values);
  if (speechSeconds > 0) normaliseInPlace(projected);
  else projected.fill(0);
  return { values, projected, speechSeconds };
}

/** The cosine of the two projections (−1..1; 0 when either has no speech). */
export function projectedCosine(a: SpeakerFeatures, b: SpeakerFeatures): number {
  return dot(a.projected, b.projected);
}

/** How much `a` and `b` sound like one speaker, 0..1 (see the module comment). */
export function similarity(a: SpeakerFeatures, b: SpeakerFeatures, params: ScorerParams = SCORER_PARAMS): number {
  if (a.speechSeconds < MIN_SPEECH_SECONDS || b.speechSeconds < MIN_SPEECH_SECONDS) return 0;
  let logit = params.calibration.slope * (projectedCosine(a, b) - params.calibration.threshold);
  const ea = a.embedding;
  const eb = b.embedding;
  if (ea && eb && ea.model === eb.model) {
    const c = ea.calibration;
    const model = c.slope * (dot(ea.vector, eb.vector) - c.threshold);
    logit = c.weight * model + (1 - c.weight) * logit;
  }
  return 1 / (1 + Math.exp(-logit));
}

/** Rates outside these are refused: below, there is no speech band left; above, nothing records. */
export const MIN_SAMPLE_RATE = 4000;
export const MAX_SAMPLE_RATE = 768_000;

/** `samples` at the features' 16 kHz, non-finite samples as silence. */
export function at16k(samples: Float32Array, sampleRate: number): Float32Array {
  if (!Number.isInteger(sampleRate) || sampleRate < MIN_SAMPLE_RATE || sampleRate > MAX_SAMPLE_RATE) {
    // A bogus rate (1 Hz) would otherwise have the resampler make 16 000 samples of each one.
    throw new RangeError(`sample rate must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${sampleRate}`);
  }
  let x = samples;
  if (!x.every(Number.isFinite)) x = x.map((v) => (Number.isFinite(v) ? v : 0));
  return sampleRate === FEATURE_RATE ? x : resample(x, sampleRate, FEATURE_RATE, { quality: 'high' });
}

/** Scales `v` to unit length (a zero vector stays zero). */
export function normaliseInPlace(v: Float64Array | Float32Array): void {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i]! /= n;
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * The features of a recording from its measured values (`SpeakerFeatures.values` and
 * `speechSeconds`), as `speakerFeatures` would give them: for caches that store what was measured
 * and project it with the scorer's parameters of the day.
 */
export function featuresFromValues(values: Float64Array, speechSeconds: number, params: ScorerParams = SCORER_PARAMS): SpeakerFeatures {
  if (values.length !== params.features.length) throw new RangeError(`expected ${params.features.length} feature values, got ${values.length}`);
  const projected = project(params, values);
  if (speechSeconds > 0) normaliseInPlace(projected);
  else projected.fill(0);
  return { values, projected, speechSeconds };
}

/**
 * The LDA coordinates of the features before they are scaled to unit length: an affine map of
 * the measured values, so a weighted mean of recordings' values (weights summing to 1) maps to
 * the same weighted mean of their coordinates. Least squares here weighs every direction by how
 * well it tells speakers apart (the within-speaker scatter is the identity, lda.ts).
 */
export function ldaCoordinates(features: SpeakerFeatures, params: ScorerParams = SCORER_PARAMS): Float64Array {
  return project(params, features.values);
}
