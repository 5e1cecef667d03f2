import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { timeStretch } from './stretch.js';

const SR = 22050;
const FRAME = 2 * Math.round(0.0125 * SR); // the stretcher's frame length at this rate

function sine(hz: number, seconds: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(Math.round(seconds * SR));
  for (let i = 0; i < out.length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * hz * i) / SR);
  return out;
}

/** Deterministic white noise in [-1, 1). */
function noise(length: number, seed = 1): Float32Array {
  const out = new Float32Array(length);
  let s = seed;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

/** The middle half, away from the edges. */
function middle(x: Float32Array): Float32Array {
  return x.subarray(Math.floor(x.length / 4), Math.floor((3 * x.length) / 4));
}

/** Frequency from the interpolated positions of the first and last rising zero crossings. */
function frequency(x: Float32Array): number {
  let first = -1;
  let last = -1;
  let crossings = 0;
  for (let i = 0; i + 1 < x.length; i++) {
    const a = x[i]!;
    const b = x[i + 1]!;
    if (a < 0 && b >= 0) {
      const at = i + a / (a - b);
      if (first < 0) first = at;
      last = at;
      crossings++;
    }
  }
  assert.ok(crossings > 2, 'too few zero crossings to estimate a frequency');
  return ((crossings - 1) * SR) / (last - first);
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

function maxStep(x: Float32Array): number {
  let max = 0;
  for (let i = 1; i < x.length; i++) max = Math.max(max, Math.abs(x[i]! - x[i - 1]!));
  return max;
}

/** Naive speed change: linear resampling to the same length, which shifts the pitch. */
function resample(x: Float32Array, tempo: number): Float32Array {
  const out = new Float32Array(Math.round(x.length / tempo));
  for (let i = 0; i < out.length; i++) {
    const p = Math.min(i * tempo, x.length - 1);
    const j = Math.floor(p);
    out[i] = x[j]! + (x[Math.min(j + 1, x.length - 1)]! - x[j]!) * (p - j);
  }
  return out;
}

/** Plain overlap-add with the same frames and window but no similarity search. */
function naiveOla(x: Float32Array, tempo: number): Float32Array {
  const hop = FRAME / 2;
  const out = new Float32Array(Math.round(x.length / tempo) + FRAME);
  for (let k = 0; k * hop < out.length - FRAME; k++) {
    const from = Math.round(k * hop * tempo);
    for (let n = 0; n < FRAME && from + n < x.length; n++) {
      out[k * hop + n] = out[k * hop + n]! + (0.5 - 0.5 * Math.cos((2 * Math.PI * n) / FRAME)) * x[from + n]!;
    }
  }
  return out.subarray(hop, hop + Math.round(x.length / tempo));
}

const withinPercent = (value: number, expected: number, percent: number): boolean =>
  Math.abs(value / expected - 1) <= percent / 100;
const decibels = (a: number, b: number): number => 20 * Math.log10(a / b);

const TEMPOS = [0.25, 0.5, 0.8, 1.5, 2, 4];

describe('timeStretch', () => {
  it('makes the output input.length / tempo long, well within one frame', () => {
    const input = noise(28_663); // odd, not a multiple of any hop
    for (const tempo of TEMPOS) {
      const out = timeStretch(input, tempo, SR);
      const error = Math.abs(out.length - input.length / tempo);
      assert.ok(error <= 0.5 && error < FRAME, `tempo ${tempo}: ${out.length} vs ${input.length / tempo}`);
    }
  });

  it('returns a copy, not the same array, at tempo 1', () => {
    const input = sine(220, 0.2);
    const out = timeStretch(input, 1, SR);
    assert.notEqual(out, input);
    assert.deepEqual(out, input);
  });

  it('keeps the pitch of 220 Hz and 1 kHz sines, where resampling would not', () => {
    for (const hz of [220, 1000]) {
      const input = sine(hz, 2);
      for (const tempo of [0.5, 2]) {
        const stretched = frequency(middle(timeStretch(input, tempo, SR)));
        assert.ok(withinPercent(stretched, hz, 1), `${hz} Hz at tempo ${tempo} came out at ${stretched.toFixed(2)} Hz`);
        // The same check catches a pitch-shifting speed change.
        const resampled = frequency(middle(resample(input, tempo)));
        assert.ok(!withinPercent(resampled, hz, 1), `resampling kept ${hz} Hz at tempo ${tempo}?`);
      }
    }
  });

  it('keeps the level of a stationary sine within 1 dB (no comb-filter dips)', () => {
    for (const hz of [137.3, 220, 1000]) {
      const input = sine(hz, 2);
      for (const tempo of TEMPOS) {
        const change = decibels(rms(middle(timeStretch(input, tempo, SR))), rms(input));
        assert.ok(Math.abs(change) <= 1, `${hz} Hz at tempo ${tempo}: ${change.toFixed(2)} dB`);
      }
    }
    // Overlap-add without the similarity search fails the same check.
    const input = sine(220, 2);
    const change = decibels(rms(middle(naiveOla(input, 0.5))), rms(input));
    assert.ok(Math.abs(change) > 1, `naive OLA changed the level by only ${change.toFixed(2)} dB`);
  });

  it('adds no clicks: the largest sample step stays that of the input sine', () => {
    for (const hz of [137.3, 220, 1000]) {
      const input = sine(hz, 2);
      const limit = maxStep(input) * 1.1;
      for (const tempo of TEMPOS) {
        const step = maxStep(timeStretch(input, tempo, SR));
        assert.ok(step <= limit, `${hz} Hz at tempo ${tempo}: step ${step.toFixed(4)} > ${limit.toFixed(4)}`);
      }
    }
  });

  it('keeps silence silent', () => {
    for (const tempo of TEMPOS) {
      const out = timeStretch(new Float32Array(SR), tempo, SR);
      assert.equal(out.length, Math.round(SR / tempo));
      assert.ok(out.every((v) => v === 0), `tempo ${tempo}`);
    }
  });

  it('handles inputs shorter than a frame, and empty ones', () => {
    const short = sine(440, 100 / SR);
    for (const tempo of [...TEMPOS, 1]) {
      const out = timeStretch(short, tempo, SR);
      assert.equal(out.length, Math.round(100 / tempo));
      assert.ok(out.every(Number.isFinite));
      assert.ok(out.every((v) => Math.abs(v) <= 0.5), `tempo ${tempo}: out of the input's range`);
    }
    for (const length of [0, 1, 2, FRAME - 1, FRAME, FRAME + 1]) {
      assert.equal(timeStretch(noise(length), 0.5, SR).length, Math.round(length / 0.5));
    }
  });

  it('gives finite, bounded output for noise, at any tempo and sample rate', () => {
    for (const sampleRate of [8000, 16000, 22050, 24000, 48000]) {
      const input = noise(sampleRate, sampleRate);
      for (const tempo of TEMPOS) {
        const out = timeStretch(input, tempo, sampleRate);
        assert.equal(out.length, Math.round(input.length / tempo));
        assert.ok(
          out.every((v) => Number.isFinite(v) && Math.abs(v) <= 1.0001),
          `${sampleRate} Hz, tempo ${tempo}`,
        );
      }
    }
  });

  it('rejects a tempo or sample rate that is not a positive number', () => {
    const input = sine(220, 0.1);
    for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => timeStretch(input, bad, SR), RangeError);
      assert.throws(() => timeStretch(input, 1.5, bad), RangeError);
    }
  });

  it('is fast: 10 s of audio well under the 30 ms budget (loose guard against regressions)', () => {
    const input = noise(10 * SR);
    for (let i = 0; i < 3; i++) timeStretch(input, 0.5, SR); // warm up
    let best = Infinity;
    for (let i = 0; i < 5; i++) {
      const start = process.cpuUsage();
      timeStretch(input, 0.5, SR);
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / 1000);
    }
    // The budget is 30 ms on a quiet machine; CPU time, so that other work on a shared machine does not count.
    assert.ok(best < 150, `best of 5: ${best.toFixed(1)} ms of CPU`);
  });
});
