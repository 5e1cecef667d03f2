/**
 * Tempo change without pitch change, for the part of the requested `speed` that
 * espeak-ng cannot reach by itself (it speaks 80–450 wpm; the API allows
 * 0.25×–4× of 175 wpm).
 *
 * Why WSOLA (waveform-similarity overlap-add): speech is quasi-periodic, so
 * cutting it into short Hann-windowed frames and laying them down at a different
 * hop keeps every pitch period intact — the pitch is preserved, unlike plain
 * resampling. Choosing each frame's exact read position, within a small search
 * window, to line up with the natural continuation of the previous frame avoids
 * the phase cancellation (comb-filter dips) and clicks of plain OLA. It needs no
 * FFT or phase-vocoder state, and a coarse-then-fine search keeps it at a few
 * milliseconds per second of audio: cheap enough to run inline in the renderer.
 */

/** Analysis/synthesis frame length; frames overlap by half (synthesis hop = frame / 2). */
const FRAME_SECONDS = 0.025;
/** How far (each way) from its nominal position a frame may be read from. */
const SEARCH_SECONDS = 0.012;
/**
 * The search runs coarse to fine: first over the whole window on a copy decimated
 * to about this rate / 4, then on one at about this rate, then at the full rate,
 * each time only around the previous level's best.
 */
const COARSE_RATE_HZ = 5500;

/**
 * Changes the duration of `input` by 1 / `tempo` (tempo > 1: faster and shorter),
 * keeping the pitch. The output has exactly `Math.round(input.length / tempo)`
 * samples; `tempo === 1` returns a copy. Inputs shorter than one frame (~25 ms)
 * are linearly resampled to that length instead: too short to matter for pitch.
 */
export function timeStretch(input: Float32Array, tempo: number, sampleRate: number): Float32Array {
  if (!Number.isFinite(tempo) || tempo <= 0) throw new RangeError(`tempo must be a positive number, got ${tempo}`);
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`sampleRate must be a positive number, got ${sampleRate}`);
  }
  if (tempo === 1) return input.slice();

  const outLength = Math.round(input.length / tempo);
  const hop = Math.max(1, Math.round((FRAME_SECONDS * sampleRate) / 2)); // synthesis hop
  const frame = 2 * hop;
  if (input.length < frame) return resampleLinear(input, outLength);
  const search = Math.max(1, Math.round(SEARCH_SECONDS * sampleRate));
  const analysisHop = hop * tempo;

  // Padded input: `hop` zeros in front (frame 0 is centred on sample 0, so its
  // silent first half falls before the output starts), then the input, then the
  // input mirrored about its last sample so frames near the end never read a step.
  const tail = Math.ceil(analysisHop) + search + frame;
  const x = new Float32Array(hop + input.length + tail);
  x.set(input, hop);
  const period = 2 * (input.length - 1);
  for (let m = 0; m < tail; m++) {
    const p = (input.length + m) % period; // position along the back-and-forth path
    x[hop + input.length + m] = input[p < input.length ? p : period - p]!;
  }

  const step = Math.max(1, Math.round(sampleRate / COARSE_RATE_HZ));
  const levels = (step > 1 ? [4 * step, step, 1] : [4, 1]).map((s) => new Level(s > 1 ? decimate(x, s) : x, s, hop));

  // Periodic Hann: w[n] + w[n + hop] = 1, so 50% overlap-add needs no normalisation.
  const window = new Float32Array(frame);
  for (let n = 0; n < frame; n++) window[n] = 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / frame);

  // Frame k is written to y[k*hop, k*hop + frame) and read from x[start_k, start_k + frame),
  // start_k within ±search of k*analysisHop, chosen so that its first half matches the
  // natural continuation of frame k-1. Output sample j is y[hop + j]; the last frame
  // is the last one whose first half still reaches the output.
  const lastFrame = 1 + Math.floor((outLength - 1) / hop);
  const y = new Float32Array((lastFrame + 2) * hop);
  const maxStart = x.length - frame;
  overlapAdd(y, 0, x, 0, window);
  let previous = 0;
  for (let k = 1; k <= lastFrame; k++) {
    const target = previous + hop;
    const nominal = Math.round(k * analysisHop);
    let hi = Math.min(maxStart, nominal + search);
    let lo = Math.min(hi, Math.max(0, nominal - search));
    let start = nominal < lo ? lo : nominal > hi ? hi : nominal;
    for (const level of levels) {
      start = level.bestMatch(target, lo, hi, start);
      lo = Math.max(lo, start - (level.step >> 1));
      hi = Math.min(hi, start + (level.step >> 1));
    }
    overlapAdd(y, k * hop, x, start, window);
    previous = start;
  }
  return y.slice(hop, hop + outLength);
}

/** The signal at one resolution of the search: every `step`-th sample of a box-filtered copy. */
class Level {
  /** energy[i] = sum of x[0..i)^2, so any window's energy is one subtraction. */
  private readonly energy: Float64Array;
  private readonly length: number;

  constructor(
    readonly x: Float32Array,
    readonly step: number,
    hop: number,
  ) {
    this.length = Math.max(1, Math.floor(hop / step));
    this.energy = new Float64Array(x.length + 1);
    for (let i = 0; i < x.length; i++) this.energy[i + 1] = this.energy[i]! + x[i]! * x[i]!;
  }

  /**
   * Of the starts in [lo, hi] (full-rate positions) on this level's grid, the one whose
   * first hop best matches the hop at `target`, by cross-correlation normalised by the
   * candidate's energy; `fallback` when the grid has no point in the range. The grid
   * is shifted to the target's phase so that candidate and target decimate alike.
   */
  bestMatch(target: number, lo: number, hi: number, fallback: number): number {
    const { x, energy, length, step } = this;
    const phase = target % step;
    const t = (target - phase) / step;
    let best = fallback;
    let bestScore = -Infinity;
    for (let i = Math.ceil((lo - phase) / step), end = Math.floor((hi - phase) / step); i <= end; i++) {
      const score = dot(x, t, i, length) / Math.sqrt(Math.max(0, energy[i + length]! - energy[i]!) + 1e-9);
      if (score > bestScore) {
        bestScore = score;
        best = phase + i * step;
      }
    }
    return best;
  }
}

/** Sum of x[a + n] * x[b + n] over n < length; four accumulators let the adds overlap. */
function dot(x: Float32Array, a: number, b: number, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let n = 0;
  for (; n + 4 <= length; n += 4) {
    s0 += x[a + n]! * x[b + n]!;
    s1 += x[a + n + 1]! * x[b + n + 1]!;
    s2 += x[a + n + 2]! * x[b + n + 2]!;
    s3 += x[a + n + 3]! * x[b + n + 3]!;
  }
  for (; n < length; n++) s0 += x[a + n]! * x[b + n]!;
  return s0 + s1 + s2 + s3;
}

function overlapAdd(y: Float32Array, at: number, x: Float32Array, from: number, window: Float32Array): void {
  for (let n = 0; n < window.length; n++) y[at + n] = y[at + n]! + window[n]! * x[from + n]!;
}

/** Mean of each run of `step` samples: a crude low-pass plus decimation, enough to rank lags. */
function decimate(x: Float32Array, step: number): Float32Array {
  const out = new Float32Array(Math.floor(x.length / step));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let n = i * step; n < i * step + step; n++) sum += x[n]!;
    out[i] = sum / step;
  }
  return out;
}

function resampleLinear(input: Float32Array, outLength: number): Float32Array {
  const out = new Float32Array(outLength);
  if (input.length === 0) return out;
  const ratio = outLength > 1 ? (input.length - 1) / (outLength - 1) : 0;
  for (let i = 0; i < outLength; i++) {
    const position = i * ratio;
    const j = Math.floor(position);
    const a = input[j]!;
    const b = input[Math.min(j + 1, input.length - 1)]!;
    out[i] = a + (b - a) * (position - j);
  }
  return out;
}
