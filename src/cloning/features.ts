/**
 * Hand-made speaker features of one utterance: a fixed-length vector describing the voice rather
 * than the words. Input: mono float samples at 16 kHz (scorer.ts resamples to that first, so the
 * features do not depend on the input's rate).
 *
 * Front end (mel.ts): 25 ms frames every 10 ms, 40 mel filters from 20 Hz to 7.6 kHz, and MFCCs
 * c0–c19 (orthonormal DCT-II of the natural-log filter energies). Only speech frames count
 * (vad.ts). The vector, in order (`FEATURE_NAMES`):
 * - mean of c1–c19: the long-term spectral envelope. It holds the voice's timbre and the
 *   channel (microphone, room) alike; it is kept rather than subtracted (cepstral mean
 *   subtraction), because a reference recording and its comparison usually share a channel,
 *   and the learned projection (scorer.ts) decides how much weight it deserves;
 * - standard deviation of c1–c19: how far the envelope moves around its mean, which is free of
 *   any fixed channel (it is the statistic after cepstral mean subtraction);
 * - the voice block (voice.ts): F0 median and spread, HNR, voiced share, F1–F4, spectral
 *   tilt, speaking rate.
 * c0 (the level) is left out: it says how loud the recording is, not who speaks.
 *
 * Cost: about 6–10 ms per second of audio on a small, busy 2-core machine, two thirds of it the
 * voice block (pitch, HNR, formants; bench suite `scorer`).
 */
import { fbank, type Fbank } from './mel.js';
import { speechFrames } from './vad.js';
import { voiceFeatures } from './voice.js';

export const FEATURE_RATE = 16_000;
export const MEL_BINS = 40;
export const MEL_LOW_HZ = 20;
export const MEL_HIGH_HZ = 7600;
/** Cepstra c1…c19 enter the statistics. */
export const CEPSTRA = 19;

export const FEATURE_NAMES: readonly string[] = Object.freeze([
  ...Array.from({ length: CEPSTRA }, (_, i) => `mfcc_mean_${i + 1}`),
  ...Array.from({ length: CEPSTRA }, (_, i) => `mfcc_sd_${i + 1}`),
  'f0_median_st',
  'f0_spread_st',
  'hnr_db',
  'voiced_share',
  'f1_ln_hz',
  'f2_ln_hz',
  'f3_ln_hz',
  'f4_ln_hz',
  'tilt_db_per_octave',
  'syllables_per_s',
]);

export interface UtteranceFeatures {
  /** `FEATURE_NAMES.length` values; NaN where a value could not be measured (no speech, no voiced frame). */
  values: Float64Array;
  /** Seconds of speech the statistics are over. */
  speechSeconds: number;
}

/** The MFCC frames of an utterance and which of them are speech. */
export interface Cepstra {
  fb: Fbank;
  /** frames × (CEPSTRA + 1): c0…c19 per frame. */
  mfcc: Float64Array;
  speech: Uint8Array;
  speechCount: number;
}

const dct: Float64Array[] = Array.from({ length: CEPSTRA + 1 }, (_, c) =>
  Float64Array.from({ length: MEL_BINS }, (_, m) => Math.cos((Math.PI * c * (m + 0.5)) / MEL_BINS) * Math.sqrt((c === 0 ? 1 : 2) / MEL_BINS)),
);

/** MFCCs of 16 kHz `samples`, with the speech frames marked. */
export function cepstra(samples: Float32Array): Cepstra {
  const fb = fbank(samples, { sampleRate: FEATURE_RATE, bins: MEL_BINS, lowHz: MEL_LOW_HZ, highHz: MEL_HIGH_HZ });
  const width = CEPSTRA + 1;
  const mfcc = new Float64Array(fb.frames * width);
  const powerDb = new Float64Array(fb.frames);
  for (let t = 0; t < fb.frames; t++) {
    // Mean power per sample in dB re full scale, from the frame's natural-log energy.
    powerDb[t] = (10 / Math.LN10) * (fb.logEnergy[t]! - Math.log(fb.frameLength));
    for (let c = 0; c < width; c++) {
      const row = dct[c]!;
      let s = 0;
      for (let m = 0; m < MEL_BINS; m++) s += row[m]! * fb.logMel[t * MEL_BINS + m]!;
      mfcc[t * width + c] = s;
    }
  }
  const speech = speechFrames(powerDb);
  let speechCount = 0;
  for (let t = 0; t < fb.frames; t++) speechCount += speech[t]!;
  return { fb, mfcc, speech, speechCount };
}

/** Mean and standard deviation of c1…c19 over the speech frames (NaN without any). */
export function cepstralStats(c: Cepstra): { mean: Float64Array; sd: Float64Array } {
  const width = CEPSTRA + 1;
  const mean = new Float64Array(CEPSTRA).fill(c.speechCount > 0 ? 0 : Number.NaN);
  const sd = new Float64Array(CEPSTRA).fill(c.speechCount > 0 ? 0 : Number.NaN);
  if (c.speechCount === 0) return { mean, sd };
  for (let t = 0; t < c.fb.frames; t++) {
    if (!c.speech[t]) continue;
    for (let k = 0; k < CEPSTRA; k++) mean[k]! += c.mfcc[t * width + k + 1]!;
  }
  for (let k = 0; k < CEPSTRA; k++) mean[k]! /= c.speechCount;
  for (let t = 0; t < c.fb.frames; t++) {
    if (!c.speech[t]) continue;
    for (let k = 0; k < CEPSTRA; k++) sd[k]! += (c.mfcc[t * width + k + 1]! - mean[k]!) ** 2;
  }
  for (let k = 0; k < CEPSTRA; k++) sd[k] = Math.sqrt(sd[k]! / c.speechCount);
  return { mean, sd };
}

/** The feature vector of 16 kHz `samples` (see the module comment). */
export function utteranceFeatures(samples: Float32Array): UtteranceFeatures {
  const c = cepstra(samples);
  const { mean, sd } = cepstralStats(c);
  const v = c.speechCount > 0 ? voiceFeatures(samples, c.fb, c.speech, MEL_LOW_HZ, MEL_HIGH_HZ) : null;
  const voice = v
    ? [v.f0MedianSt, v.f0SpreadSt, v.hnrDb, v.voicedShare, ...v.formantsLnHz, v.tiltDbPerOctave, v.syllablesPerSecond]
    : new Array<number>(10).fill(Number.NaN);
  const values = Float64Array.from([...mean, ...sd, ...voice]);
  return { values, speechSeconds: (c.speechCount * c.fb.hop) / FEATURE_RATE };
}
