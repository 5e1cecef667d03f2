/**
 * What espeak's settings come out as, measured: the calibration the espeak fit (espeak-fit.ts)
 * inverts to give a clone the reference's pitch and pace.
 *
 * espeak's intonation moves between a voice file's `pitch base max`; with the top at a fixed ratio
 * r = max/base the whole contour scales with the base, so the median F0 heard is k(r) · base and
 * the spread (5th–95th percentile, in semitones) s(r) does not depend on the base. Two probe
 * renders (r = 1.3 and 2.2, base 100 Hz, 175 words per minute) measure k and s at both ratios
 * (interpolated and extrapolated linearly in ln r between them) and the syllable rate at 175 wpm
 * (espeak's durations scale inversely with the rate, so syllables per second are taken as
 * proportional to it). Pitch is measured by the project's tracker (analysis.ts), pace by the
 * speaker features' syllable rate (features.ts), the same measures the reference gets.
 */
import type { EspeakVoiceData } from '../engines/engine.js';
import { analyzeAudio } from './analysis.js';
import { FEATURE_NAMES } from './features.js';
import { speakerFeatures, type SpeakerFeatures } from './scorer.js';

/** Rate of the renders the fit is handed. */
export const RENDER_RATE = 24_000;
const PROBE_BASE_HZ = 100;
const PROBE_RATIOS = [1.3, 2.2] as const;
const PROBE_WPM = 175;
const SYLLABLES = FEATURE_NAMES.indexOf('syllables_per_s');

export interface Measured {
  features: SpeakerFeatures;
  /** Median F0 (Hz) and its 5th–95th percentile spread (semitones); NaN when unvoiced. */
  f0Hz: number;
  f0SpreadSt: number;
  syllablesPerS: number;
}

/** Pitch and pace of a recording, by the same measures for references and renders. */
export function measure(samples: Float32Array, sampleRate: number): Measured {
  const features = speakerFeatures(samples, sampleRate);
  const a = analyzeAudio(samples, sampleRate);
  const range = a.f0_range_hz;
  return {
    features,
    f0Hz: a.f0_median_hz ?? Number.NaN,
    f0SpreadSt: range && range.min > 0 ? 12 * Math.log2(range.max / range.min) : Number.NaN,
    syllablesPerS: features.values[SYLLABLES] ?? Number.NaN,
  };
}

export interface Calibration {
  /** ln r of the probes, and per probe: ln(median F0 / base) and the spread in semitones. */
  lnRatio: readonly [number, number];
  lnGain: readonly [number, number];
  spreadSt: readonly [number, number];
  /** Syllables per second at `PROBE_WPM`. */
  syllablesAtProbe: number;
}

export type Render = (voice: EspeakVoiceData, text: string, signal?: AbortSignal) => Promise<Float32Array>;

/** Calibrations by base|variant; the settings they measure never change within a process. */
const cache = new Map<string, Calibration>();
const MAX_CACHED = 256;

export function calibrationKey(base: string, variant: string | null): string {
  return `${base}|${variant ?? ''}`;
}

export function cachedCalibration(base: string, variant: string | null): Calibration | undefined {
  return cache.get(calibrationKey(base, variant));
}

export function storeCalibration(base: string, variant: string | null, c: Calibration): void {
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(calibrationKey(base, variant), c);
}

/** Measures (or recalls) the calibration of `voice`'s base and variant on `text`: two renders. */
export async function calibrate(voice: EspeakVoiceData, text: string, render: Render, signal?: AbortSignal): Promise<Calibration> {
  const known = cachedCalibration(voice.base, voice.variant);
  if (known) return known;
  const probes: Measured[] = [];
  for (const r of PROBE_RATIOS) {
    signal?.throwIfAborted();
    const probe = { ...voice, pitch: 50, range: 50, rate: PROBE_WPM, pitchHz: { base: PROBE_BASE_HZ, max: PROBE_BASE_HZ * r } };
    probes.push(measure(await render(probe, text, signal), RENDER_RATE));
  }
  const [a, b] = probes as [Measured, Measured];
  if (![a.f0Hz, b.f0Hz, a.f0SpreadSt, b.f0SpreadSt].every(Number.isFinite)) {
    throw new Error(`espeak's calibration renders of ${calibrationKey(voice.base, voice.variant)} have no measurable pitch`);
  }
  const syllables = [a.syllablesPerS, b.syllablesPerS].filter(Number.isFinite);
  const c: Calibration = {
    lnRatio: [Math.log(PROBE_RATIOS[0]), Math.log(PROBE_RATIOS[1])],
    lnGain: [Math.log(a.f0Hz / PROBE_BASE_HZ), Math.log(b.f0Hz / PROBE_BASE_HZ)],
    spreadSt: [a.f0SpreadSt, b.f0SpreadSt],
    syllablesAtProbe: syllables.length > 0 ? syllables.reduce((x, y) => x + y, 0) / syllables.length : Number.NaN,
  };
  storeCalibration(voice.base, voice.variant, c);
  return c;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** The voice-file pitch (Hz) whose median F0 and spread should match the given ones. */
export function pitchFor(c: Calibration, f0Hz: number, spreadSt: number): { base: number; max: number } {
  const [s0, s1] = c.spreadSt;
  // Where the wanted spread falls between the probes (0 at the first, 1 at the second).
  const t = Number.isFinite(spreadSt) && Math.abs(s1 - s0) > 1e-6 ? clamp((spreadSt - s0) / (s1 - s0), -0.6, 2.5) : 0.5;
  const ratio = clamp(Math.exp(c.lnRatio[0] + t * (c.lnRatio[1] - c.lnRatio[0])), 1.05, 5);
  const gain = Math.exp(c.lnGain[0] + t * (c.lnGain[1] - c.lnGain[0]));
  const base = clamp(f0Hz / gain, 20, 400);
  return { base: Math.round(base), max: Math.round(clamp(base * ratio, base, 800)) };
}

/** espeak's rate (wpm, within 80–450) for a syllable rate, by the probe's proportion. */
export function rateFor(c: Calibration, syllablesPerS: number): number {
  if (!Number.isFinite(syllablesPerS) || !Number.isFinite(c.syllablesAtProbe) || c.syllablesAtProbe <= 0) return PROBE_WPM;
  return Math.round(clamp((PROBE_WPM * syllablesPerS) / c.syllablesAtProbe, 80, 450));
}
