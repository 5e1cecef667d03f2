/**
 * Linear prediction of a frame, and its formants: the resonances of the vocal tract, whose
 * frequencies over an utterance (their medians) follow the length of the speaker's tract more
 * than the words.
 *
 * Formants are the peaks of the LPC envelope 1/|A(e^jω)|², read from a 512-point spectrum of the
 * predictor with parabolic interpolation. Peak picking rather than polynomial roots: it costs one
 * FFT, never fails to converge, and ignores the wide, weak poles that root solving must filter out.
 */
import { powerSpectrum } from './fft.js';

/** Predictor coefficients a[0] = 1, a[1..p] from autocorrelation r[0..p] (Levinson–Durbin); null when r is degenerate. */
export function levinson(r: ArrayLike<number>, order: number): Float64Array | null {
  const a = new Float64Array(order + 1);
  const previous = new Float64Array(order + 1);
  a[0] = 1;
  let error = r[0]!;
  if (!(error > 0)) return null;
  for (let i = 1; i <= order; i++) {
    let acc = r[i]!;
    for (let j = 1; j < i; j++) acc += a[j]! * r[i - j]!;
    const k = -acc / error;
    previous.set(a);
    for (let j = 1; j < i; j++) a[j] = previous[j]! + k * previous[i - j]!;
    a[i] = k;
    error *= 1 - k * k;
    if (!(error > 0)) return null;
  }
  return a;
}

const ENVELOPE_FFT = 512;

export interface FormantScratch {
  padded: Float64Array;
  spectrum: Float64Array;
  r: Float64Array;
}

export function formantScratch(order: number): FormantScratch {
  return { padded: new Float64Array(ENVELOPE_FFT), spectrum: new Float64Array(ENVELOPE_FFT / 2 + 1), r: new Float64Array(order + 1) };
}

/**
 * Up to `count` formant frequencies (Hz, ascending) of a windowed, pre-emphasised frame, from an
 * order-`order` predictor: the envelope peaks between `minHz` and `maxHz`.
 */
export function formants(frame: Float64Array, sampleRate: number, order: number, count: number, minHz: number, maxHz: number, scratch: FormantScratch): number[] {
  const { padded, spectrum, r } = scratch;
  for (let k = 0; k <= order; k++) {
    let s = 0;
    for (let i = k; i < frame.length; i++) s += frame[i]! * frame[i - k]!;
    r[k] = s;
  }
  // A tiny white-noise floor (lag-0 boost) keeps the recursion stable on near-periodic frames.
  r[0]! *= 1 + 1e-9;
  const a = levinson(r, order);
  if (!a) return [];
  padded.fill(0);
  padded.set(a);
  powerSpectrum(padded, ENVELOPE_FFT, spectrum);
  const out: number[] = [];
  const binHz = sampleRate / ENVELOPE_FFT;
  const last = Math.min(ENVELOPE_FFT / 2 - 1, Math.floor(maxHz / binHz));
  // Envelope peaks are minima of |A|².
  for (let k = Math.max(1, Math.floor(minHz / binHz)); k <= last && out.length < count; k++) {
    const here = spectrum[k]!;
    if (!(here < spectrum[k - 1]! && here <= spectrum[k + 1]!)) continue;
    const l = Math.log(spectrum[k - 1]!);
    const m = Math.log(here);
    const h = Math.log(spectrum[k + 1]!);
    const d = l - 2 * m + h;
    const shift = d > 0 ? Math.max(-0.5, Math.min(0.5, (0.5 * (l - h)) / d)) : 0;
    const hz = (k + shift) * binHz;
    if (hz >= minHz) out.push(hz);
  }
  return out;
}
