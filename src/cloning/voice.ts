/**
 * The speaker features that are not cepstra: pitch, voice quality, vocal-tract resonances and
 * pace. Each is a statistic over the utterance, robust to the words said (medians, percentiles).
 * NaN marks a value that could not be measured (no voiced frame); the scorer puts the population
 * mean in its place, so a missing value neither helps nor hurts a comparison.
 *
 * - F0 median and spread (5th–95th percentile), in semitones re 100 Hz, from the reference
 *   analysis's pitch tracker (analysis.ts).
 * - HNR (harmonics-to-noise ratio, dB, median over voiced frames) from the peak r of the
 *   normalised autocorrelation at 50–400 Hz lags, 10·log10(r / (1 − r)) (Boersma 1993), on a
 *   copy at 8 kHz, 40 ms frames every 20 ms; a frame with r ≥ 0.5 counts as voiced, and the share
 *   of speech frames that are voiced is a feature too (breathy voices have fewer).
 * - F1–F4: medians over the voiced frames of the LPC envelope's peaks (lpc.ts; order 18 at
 *   16 kHz, 25 ms Hamming frame after pre-emphasis), as ln Hz.
 * - Spectral tilt: slope (dB per octave) of the long-term average spectrum of the speech frames
 *   from 100 Hz to 5 kHz (steep for soft, breathy voices; flat for pressed ones).
 * - Speaking rate: syllable nuclei per second of speech, from peaks of the 300–2500 Hz band
 *   energy (smoothed over 50 ms) at least 2 dB above the dip since the previous peak and 100 ms
 *   apart (after de Jong & Wempe 2009).
 */
import { resample } from '../audio/resample.js';
import { analyzeAudio } from './analysis.js';
import { formants, formantScratch } from './lpc.js';
import { melCentres, type Fbank } from './mel.js';

export interface VoiceFeatures {
  f0MedianSt: number;
  f0SpreadSt: number;
  hnrDb: number;
  voicedShare: number;
  /** ln Hz of F1…F4. */
  formantsLnHz: [number, number, number, number];
  tiltDbPerOctave: number;
  syllablesPerSecond: number;
}

export const VOICE_PARAMS = Object.freeze({
  rate: 16_000,
  hnrRate: 8_000,
  hnrWindowS: 0.04,
  /** Every how many 10 ms frames HNR and formants are measured. */
  frameStep: 2,
  minF0Hz: 50,
  maxF0Hz: 400,
  voicedR: 0.5,
  lpcOrder: 18,
  formantMinHz: 150,
  formantMaxHz: 5000,
  tiltLowHz: 100,
  tiltHighHz: 5000,
  rateBandLowHz: 300,
  rateBandHighHz: 2500,
  rateSmoothFrames: 5,
  rateDipDb: 2,
  rateMinGapFrames: 10,
});

const V = VOICE_PARAMS;

/** `samples` at 16 kHz; `fb` its fbank (10 ms hop, 25 ms frames) and `speech` the speech frames of it. */
export function voiceFeatures(samples: Float32Array, fb: Fbank, speech: Uint8Array, melLowHz: number, melHighHz: number): VoiceFeatures {
  const st = (hz: number) => 12 * Math.log2(hz / 100);
  const analysis = analyzeAudio(samples, V.rate);
  const f0 = analysis.f0_median_hz;
  const range = analysis.f0_range_hz;
  const quality = voiceQuality(samples, fb, speech);
  return {
    f0MedianSt: f0 !== null ? st(f0) : Number.NaN,
    f0SpreadSt: range !== null ? st(range.max) - st(range.min) : Number.NaN,
    ...quality,
    tiltDbPerOctave: spectralTilt(fb, speech, melLowHz, melHighHz),
    syllablesPerSecond: syllableRate(fb, speech, melLowHz, melHighHz),
  };
}

function voiceQuality(samples: Float32Array, fb: Fbank, speech: Uint8Array): Pick<VoiceFeatures, 'hnrDb' | 'voicedShare' | 'formantsLnHz'> {
  const y = resample(samples, V.rate, V.hnrRate);
  const ratio = V.rate / V.hnrRate;
  const width = Math.round(V.hnrWindowS * V.hnrRate);
  const minLag = Math.floor(V.hnrRate / V.maxF0Hz);
  const maxLag = Math.ceil(V.hnrRate / V.minF0Hz);
  const hnr: number[] = [];
  const tracks: number[][] = [[], [], [], []];
  const scratch = formantScratch(V.lpcOrder);
  const frame = new Float64Array(fb.frameLength);
  const hamming = Float64Array.from({ length: fb.frameLength }, (_, i) => 0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (fb.frameLength - 1)));
  let tried = 0;
  for (let t = 0; t < fb.frames; t += V.frameStep) {
    if (!speech[t]) continue;
    tried++;
    const centre = Math.round((t * fb.hop + fb.frameLength / 2) / ratio);
    const start = centre - (width >> 1);
    if (start < 0 || start + width + maxLag > y.length) continue;
    const r = peakCorrelation(y, start, width, minLag, maxLag);
    if (r < V.voicedR) continue;
    const clipped = Math.min(r, 0.999);
    hnr.push(10 * Math.log10(clipped / (1 - clipped)));
    const s0 = t * fb.hop;
    for (let i = 0; i < fb.frameLength; i++) frame[i] = (samples[s0 + i]! - (i > 0 ? 0.97 * samples[s0 + i - 1]! : 0)) * hamming[i]!;
    formants(frame, V.rate, V.lpcOrder, 4, V.formantMinHz, V.formantMaxHz, scratch).forEach((hz, i) => tracks[i]!.push(Math.log(hz)));
  }
  return {
    hnrDb: median(hnr),
    voicedShare: tried > 0 ? hnr.length / tried : Number.NaN,
    formantsLnHz: [median(tracks[0]!), median(tracks[1]!), median(tracks[2]!), median(tracks[3]!)],
  };
}

/** The largest normalised cross-correlation of y[start, start+width) with itself shifted by minLag…maxLag. */
function peakCorrelation(y: Float32Array, start: number, width: number, minLag: number, maxLag: number): number {
  let e0 = 0;
  for (let i = start; i < start + width; i++) e0 += y[i]! * y[i]!;
  if (!(e0 > 0)) return 0;
  // Energy of the shifted window, updated by one sample per lag.
  let e1 = 0;
  for (let i = start + minLag; i < start + minLag + width; i++) e1 += y[i]! * y[i]!;
  let best = 0;
  for (let lag = minLag; lag <= maxLag; lag++) {
    let cross = 0;
    for (let i = start; i < start + width; i++) cross += y[i]! * y[i + lag]!;
    if (e1 > 0) best = Math.max(best, cross / Math.sqrt(e0 * e1));
    const out = y[start + lag]!;
    const enter = y[start + lag + width]!;
    e1 += enter * enter - out * out;
  }
  return best;
}

function spectralTilt(fb: Fbank, speech: Uint8Array, lowHz: number, highHz: number): number {
  const centres = melCentres(fb.bins, lowHz, highHz);
  const mean = new Float64Array(fb.bins);
  let count = 0;
  for (let t = 0; t < fb.frames; t++) {
    if (!speech[t]) continue;
    count++;
    for (let m = 0; m < fb.bins; m++) mean[m]! += fb.logMel[t * fb.bins + m]!;
  }
  if (count === 0) return Number.NaN;
  let n = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let sxy = 0;
  for (let m = 0; m < fb.bins; m++) {
    const hz = centres[m]!;
    if (hz < V.tiltLowHz || hz > V.tiltHighHz) continue;
    const x = Math.log2(hz);
    const y = ((10 / Math.LN10) * mean[m]!) / count;
    n++;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const d = n * sxx - sx * sx;
  return n >= 2 && d > 0 ? (n * sxy - sx * sy) / d : Number.NaN;
}

/** Syllable nuclei per second of speech (see the module comment); NaN without speech. */
export function syllableRate(fb: Fbank, speech: Uint8Array, lowHz: number, highHz: number): number {
  const centres = melCentres(fb.bins, lowHz, highHz);
  const band: number[] = [];
  for (let m = 0; m < fb.bins; m++) if (centres[m]! >= V.rateBandLowHz && centres[m]! <= V.rateBandHighHz) band.push(m);
  let speechCount = 0;
  for (let t = 0; t < fb.frames; t++) speechCount += speech[t]!;
  if (speechCount === 0 || band.length === 0) return Number.NaN;
  const level = new Float64Array(fb.frames);
  for (let t = 0; t < fb.frames; t++) {
    let e = 0;
    for (const m of band) e += Math.exp(fb.logMel[t * fb.bins + m]!);
    level[t] = 10 * Math.log10(e + 1e-30);
  }
  const half = V.rateSmoothFrames >> 1;
  const smooth = new Float64Array(fb.frames);
  for (let t = 0; t < fb.frames; t++) {
    let s = 0;
    let c = 0;
    for (let k = Math.max(0, t - half); k <= Math.min(fb.frames - 1, t + half); k++, c++) s += level[k]!;
    smooth[t] = s / c;
  }
  let peaks = 0;
  let lastPeak = -Infinity;
  let dip = Infinity;
  for (let t = 1; t < fb.frames - 1; t++) {
    dip = Math.min(dip, smooth[t]!);
    const isPeak = speech[t] && smooth[t]! >= smooth[t - 1]! && smooth[t]! > smooth[t + 1]!;
    if (isPeak && smooth[t]! - dip >= V.rateDipDb && t - lastPeak >= V.rateMinGapFrames) {
      peaks++;
      lastPeak = t;
      dip = smooth[t]!;
    }
  }
  return peaks / ((speechCount * fb.hop) / V.rate);
}

function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
