/**
 * Log mel filterbank energies of short frames, computed as Kaldi's `compute-fbank` does
 * (snip-edges framing, per-frame DC removal, pre-emphasis 0.97, Povey window, power spectrum,
 * triangular filters equally spaced on the mel scale 1127·ln(1 + f/700), natural log floored at
 * float32 epsilon; Kaldi's Povey window or, as WeSpeaker asks of Kaldi, a Hamming window), so that speaker-embedding models trained on Kaldi/torchaudio fbanks
 * (WeSpeaker, ECAPA exports) see what they were trained on, and the hand-made features share
 * the same front end.
 */
import { powerSpectrum } from './fft.js';

export interface FbankOptions {
  sampleRate: number;
  /** Frame length and hop, seconds (defaults 0.025 and 0.010). */
  frameS?: number;
  hopS?: number;
  bins: number;
  /** Band edges, Hz (defaults 20 and the Nyquist frequency). */
  lowHz?: number;
  highHz?: number;
  /** Samples are multiplied by this first (32768 gives Kaldi's int16 scale); default 1. */
  scale?: number;
  /** Default 'povey' (Kaldi's default: a Hann window raised to 0.85). */
  window?: FbankWindow;
}

export type FbankWindow = 'povey' | 'hamming';

export interface Fbank {
  frames: number;
  bins: number;
  /** frames × bins, row-major: natural log of the filter energies. */
  logMel: Float32Array;
  /** Per frame: natural log of the energy of the DC-free frame before pre-emphasis and window (Kaldi's raw energy). */
  logEnergy: Float32Array;
  frameLength: number;
  hop: number;
  fftSize: number;
}

const FLOAT_EPSILON = 1.1920928955078125e-7;
const PREEMPHASIS = 0.97;

/** Kaldi's mel scale. */
export function melOf(hz: number): number {
  return 1127 * Math.log(1 + hz / 700);
}

export function hzOfMel(mel: number): number {
  return 700 * (Math.exp(mel / 1127) - 1);
}

/** Centre frequency (Hz) of each of `bins` filters between `lowHz` and `highHz`. */
export function melCentres(bins: number, lowHz: number, highHz: number): Float64Array {
  const low = melOf(lowHz);
  const delta = (melOf(highHz) - low) / (bins + 1);
  return Float64Array.from({ length: bins }, (_, m) => hzOfMel(low + (m + 1) * delta));
}

interface Bank {
  /** For filter b: the first FFT bin it covers and its weights from there. */
  first: Int32Array;
  weights: Float64Array[];
  window: Float64Array;
}
const banks = new Map<string, Bank>();

function bank(frameLength: number, fftSize: number, sampleRate: number, bins: number, lowHz: number, highHz: number, windowType: FbankWindow): Bank {
  const key = `${frameLength}/${fftSize}/${sampleRate}/${bins}/${lowHz}/${highHz}/${windowType}`;
  let b = banks.get(key);
  if (b) return b;
  const mel = melOf;
  const low = mel(lowHz);
  const delta = (mel(highHz) - low) / (bins + 1);
  const first = new Int32Array(bins);
  const weights: Float64Array[] = [];
  for (let m = 0; m < bins; m++) {
    const left = low + m * delta;
    const centre = left + delta;
    const right = centre + delta;
    const row: number[] = [];
    let start = -1;
    // Kaldi's banks cover bins 0 … n/2 − 1 (the Nyquist bin is left out).
    for (let k = 0; k < fftSize / 2; k++) {
      const f = mel((k * sampleRate) / fftSize);
      const w = f > left && f < right ? (f <= centre ? (f - left) / delta : (right - f) / delta) : 0;
      if (w > 0) {
        if (start < 0) start = k;
        row.length = k - start + 1;
        row[k - start] = w;
      }
    }
    first[m] = Math.max(0, start);
    weights.push(Float64Array.from(row, (v) => v ?? 0));
  }
  const window = new Float64Array(frameLength);
  for (let i = 0; i < frameLength; i++) {
    const phase = (2 * Math.PI * i) / (frameLength - 1);
    window[i] = windowType === 'hamming' ? 0.54 - 0.46 * Math.cos(phase) : (0.5 - 0.5 * Math.cos(phase)) ** 0.85;
  }
  b = { first, weights, window };
  banks.set(key, b);
  return b;
}

/** Frames of `samples` (mono, at `options.sampleRate`); none when shorter than one frame. */
export function fbank(samples: Float32Array, options: FbankOptions): Fbank {
  const { sampleRate, bins } = options;
  const frameLength = Math.round((options.frameS ?? 0.025) * sampleRate);
  const hop = Math.round((options.hopS ?? 0.01) * sampleRate);
  const lowHz = options.lowHz ?? 20;
  const highHz = options.highHz ?? sampleRate / 2;
  const scale = options.scale ?? 1;
  let fftSize = 1;
  while (fftSize < frameLength) fftSize *= 2;
  const frames = samples.length >= frameLength ? 1 + Math.floor((samples.length - frameLength) / hop) : 0;
  const { first, weights, window } = bank(frameLength, fftSize, sampleRate, bins, lowHz, highHz, options.window ?? 'povey');
  const logMel = new Float32Array(frames * bins);
  const logEnergy = new Float32Array(frames);
  const frame = new Float64Array(frameLength);
  const power = new Float64Array(fftSize / 2 + 1);
  for (let t = 0; t < frames; t++) {
    const start = t * hop;
    let mean = 0;
    for (let i = 0; i < frameLength; i++) {
      const v = samples[start + i]!;
      frame[i] = Number.isFinite(v) ? v * scale : 0;
      mean += frame[i]!;
    }
    mean /= frameLength;
    let energy = 0;
    for (let i = 0; i < frameLength; i++) {
      frame[i]! -= mean;
      energy += frame[i]! * frame[i]!;
    }
    logEnergy[t] = Math.log(Math.max(energy, FLOAT_EPSILON));
    for (let i = frameLength - 1; i > 0; i--) frame[i] = (frame[i]! - PREEMPHASIS * frame[i - 1]!) * window[i]!;
    frame[0] = (frame[0]! - PREEMPHASIS * frame[0]!) * window[0]!;
    powerSpectrum(frame, fftSize, power);
    const row = t * bins;
    for (let m = 0; m < bins; m++) {
      const w = weights[m]!;
      const k0 = first[m]!;
      let e = 0;
      for (let j = 0; j < w.length; j++) e += w[j]! * power[k0 + j]!;
      logMel[row + m] = Math.log(Math.max(e, FLOAT_EPSILON));
    }
  }
  return { frames, bins, logMel, logEnergy, frameLength, hop, fftSize };
}
