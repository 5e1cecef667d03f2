/**
 * The settings a thorough espeak fit searches (espeak-fit-thorough.ts): everything the fast fit
 * searches (espeak-fit.ts's TimbreSetting) and the timbre fields it leaves fixed, each formant's
 * frequency, height and width on its own, flutter and voicing, with fine factors on the
 * calibrated pitch, pitch range and rate.
 *
 * Each numeric field is a coordinate with a step, bounds and a smallest step; a coordinate
 * pass moves one at a time (see the search). Factors are relative to what the fast fit would
 * write, so a setting of all-ones is the fast fit's own voice and the search starts where it ends.
 */
import type { EspeakVoiceData } from '../engines/engine.js';
import { z } from 'zod';
import { TIMBRE_LIMITS } from '../engines/espeak/timbre.js';
import { SEARCH, START, voiceOf, type TimbreSetting } from './espeak-fit.js';

/** Formants 1–5 are searched one by one; espeak's formant 0 (below F1) and 6–8 keep their values. */
export const FORMANTS = [1, 2, 3, 4, 5] as const;

export interface ThoroughSetting extends TimbreSetting {
  /** Per formant 1–5: factor on `formantScale`'s frequency. */
  freq: number[];
  /** Per formant 1–5: height (amplitude), percent. */
  height: number[];
  /** Per formant 1–5: width (bandwidth), percent. */
  width: number[];
  /** espeak's pitch jitter, 0–20 (its default 2). */
  flutter: number;
  /** Amplitude of voiced sounds, percent (its default 100). */
  voicing: number;
  /** Factor on the calibrated pitch (base and top together). */
  pitch: number;
  /** Factor on the calibrated top/base ratio (the intonation's spread). */
  range: number;
  /** Factor on the calibrated rate. */
  pace: number;
}

export const THOROUGH_START: Readonly<ThoroughSetting> = Object.freeze({
  ...START,
  freq: [1, 1, 1, 1, 1],
  height: [100, 100, 100, 100, 100],
  width: [100, 100, 100, 100, 100],
  flutter: 2,
  voicing: 100,
  pitch: 1,
  range: 1,
  pace: 1,
});

/** Variants the thorough fit's first pass tries: the fast fit's, then the rest of espeak's plain m/f/klatt ones. */
export const THOROUGH_VARIANTS: readonly (string | null)[] = [
  ...SEARCH.variant,
  ...['klatt2', 'klatt5', 'f1', 'f3', 'f5', 'm2', 'm4', 'm5', 'm6', 'm8'].filter((v) => !SEARCH.variant.includes(v)),
];

/** One numeric field of the setting as the search moves it. */
export interface Coordinate {
  name: string;
  get(s: ThoroughSetting): number;
  set(s: ThoroughSetting, v: number): ThoroughSetting;
  /** The first step; passes halve it down to `minStep`. */
  step: number;
  minStep: number;
  min: number;
  max: number;
  integer?: boolean;
}

const scalar = (key: 'formantScale' | 'tilt' | 'breath' | 'roughness' | 'flutter' | 'voicing' | 'pitch' | 'range' | 'pace', step: number, minStep: number, min: number, max: number, integer = false): Coordinate => ({
  name: key,
  get: (s) => s[key],
  set: (s, v) => ({ ...s, [key]: v }),
  step,
  minStep,
  min,
  max,
  integer,
});

const perFormant = (key: 'freq' | 'height' | 'width', i: number, step: number, minStep: number, min: number, max: number): Coordinate => ({
  name: `F${FORMANTS[i]} ${key}`,
  get: (s) => s[key][i]!,
  set: (s, v) => ({ ...s, [key]: s[key].map((x, j) => (j === i ? v : x)) }),
  step,
  minStep,
  min,
  max,
});

/**
 * The coordinates in the order a pass visits them: first what moves the whole spectrum (vocal
 * tract length, tilt), then each formant, then the voice source and the prosody factors.
 */
export const COORDINATES: readonly Coordinate[] = [
  scalar('formantScale', 0.04, 0.01, 0.7, 1.4),
  scalar('tilt', 0.2, 0.05, -1.2, 1.2),
  ...FORMANTS.map((_, i) => perFormant('freq', i, 0.04, 0.01, 0.8, 1.2)),
  ...FORMANTS.map((_, i) => perFormant('height', i, 20, 5, 30, 220)),
  ...FORMANTS.slice(0, 4).map((_, i) => perFormant('width', i, 20, 5, 40, 250)),
  scalar('breath', 2, 1, 0, 14),
  scalar('roughness', 1, 1, 0, 7, true),
  scalar('flutter', 2, 1, 0, 16, true),
  scalar('voicing', 15, 5, 50, 160),
  scalar('pitch', 0.03, 0.01, 0.95, 1.05),
  scalar('range', 0.08, 0.02, 0.75, 1.3),
  scalar('pace', 0.04, 0.01, 0.9, 1.1),
];

/** The espeak voice of a thorough setting over the calibrated (and corrected) pitch and rate. */
export function thoroughVoiceOf(language: string, pitchHz: { base: number; max: number }, rate: number, s: ThoroughSetting): EspeakVoiceData {
  const L = TIMBRE_LIMITS;
  const clamp = (v: number, [lo, hi]: readonly [number, number]): number => Math.min(hi, Math.max(lo, Math.round(v)));
  const base = clamp(pitchHz.base * s.pitch, L.pitchBaseHz);
  const ratio = Math.max(1, pitchHz.max / Math.max(1, pitchHz.base)) ** s.range;
  const pitch = { base, max: Math.max(base, clamp(base * ratio, L.pitchMaxHz)) };
  const voice = voiceOf(language, pitch, Math.min(450, Math.max(80, Math.round(rate * s.pace))), s);
  return {
    ...voice,
    formants: FORMANTS.map((n, i) => ({
      n,
      freq: clamp(100 * s.formantScale * s.freq[i]!, L.formantFreq),
      height: clamp(s.height[i]!, L.formantHeight),
      width: clamp(s.width[i] ?? 100, L.formantWidth),
    })),
    flutter: clamp(s.flutter, L.flutter),
    voicing: clamp(s.voicing, L.voicing),
  };
}

/** A well-formed setting within every coordinate's bounds (a checkpoint is read back through this). */
export const thoroughSettingSchema = z
  .object({
    variant: z.string().nullable().refine((v) => THOROUGH_VARIANTS.includes(v), 'not a searched variant'),
    formantScale: z.number(),
    tilt: z.number(),
    breath: z.number(),
    roughness: z.number(),
    flutter: z.number(),
    voicing: z.number(),
    pitch: z.number(),
    range: z.number(),
    pace: z.number(),
    freq: z.array(z.number()).length(FORMANTS.length),
    height: z.array(z.number()).length(FORMANTS.length),
    width: z.array(z.number()).length(FORMANTS.length),
  })
  .strict()
  .refine((s) => COORDINATES.every((c) => c.get(s) >= c.min - 1e-9 && c.get(s) <= c.max + 1e-9), 'a value is out of its bounds');
