import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createResampler, resample, type ResampleQuality } from './resample.js';

function sine(freq: number, rate: number, length: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = amplitude * Math.sin((2 * Math.PI * freq * i) / rate);
  return out;
}

/** The middle 60% of a signal: away from the zero-padded edges. */
function middle(x: Float32Array): Float32Array {
  return x.subarray(Math.floor(x.length * 0.2), Math.floor(x.length * 0.8));
}

/** Amplitude of the component at `freq` (least-squares projection; ~0 if the tone moved). */
function toneAmplitude(x: Float32Array, freq: number, rate: number): number {
  let c = 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const w = (2 * Math.PI * freq * i) / rate;
    c += x[i]! * Math.cos(w);
    s += x[i]! * Math.sin(w);
  }
  return (2 * Math.hypot(c, s)) / x.length;
}

function rms(x: Float32Array): number {
  let sum = 0;
  for (const v of x) sum += v * v;
  return Math.sqrt(sum / x.length);
}

const dB = (ratio: number): number => 20 * Math.log10(ratio);

function zeroCrossings(x: Float32Array): number {
  let n = 0;
  for (let i = 1; i < x.length; i++) if (x[i - 1]! < 0 !== x[i]! < 0) n++;
  return n;
}

/** What the resampler replaces: linear interpolation, which does no band-limiting. */
function linearResample(x: Float32Array, inRate: number, outRate: number): Float32Array {
  const out = new Float32Array(Math.round((x.length * outRate) / inRate));
  for (let n = 0; n < out.length; n++) {
    const t = (n * inRate) / outRate;
    const i = Math.floor(t);
    const a = x[i] ?? 0;
    const b = x[i + 1] ?? 0;
    out[n] = a + (b - a) * (t - i);
  }
  return out;
}

/** Deterministic noise so failures reproduce. */
function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 31 - 1;
  }
  return out;
}

/** Expects the passband tone to come out at the same frequency and amplitude (±maxDb). */
function assertPassesTone(inRate: number, outRate: number, freq: number, maxDb: number, quality?: ResampleQuality): void {
  const y = resample(sine(freq, inRate, inRate), inRate, outRate, quality ? { quality } : {});
  const gain = dB(toneAmplitude(middle(y), freq, outRate) / 0.5);
  assert.ok(Math.abs(gain) <= maxDb, `${inRate}→${outRate} ${freq} Hz: gain ${gain.toFixed(4)} dB`);
}

/** Level (dB re the input) of everything a tone above the output Nyquist leaves behind. */
function stopbandLevel(y: Float32Array, inputAmplitude: number): number {
  return dB(rms(middle(y)) / (inputAmplitude / Math.SQRT2));
}

const RATE_PAIRS: readonly [number, number][] = [
  [22050, 24000],
  [24000, 22050],
  [16000, 24000],
  [44100, 24000],
  [48000, 24000],
  [8000, 24000],
];

describe('resample', () => {
  it('produces round(n·out/in) samples', () => {
    for (const [inRate, outRate] of [...RATE_PAIRS, [24000, 24000] as [number, number]]) {
      for (const n of [0, 1, 2, 7, 100, 1001, 22050, 31337]) {
        const y = resample(noise(n, n + 1), inRate, outRate);
        assert.equal(y.length, Math.round((n * outRate) / inRate), `${inRate}→${outRate}, ${n} samples`);
      }
    }
  });

  it('keeps a 22050 → 24000 tone at its frequency and level (±0.1 dB) across the passband', () => {
    for (const freq of [100, 1000, 4000, 8000]) assertPassesTone(22050, 24000, freq, 0.1);
    const y = resample(sine(1000, 22050, 22050), 22050, 24000);
    // One second of 1 kHz crosses zero 2000 times; the middle 60% about 1200 times.
    const crossings = zeroCrossings(middle(y));
    assert.ok(Math.abs(crossings - 1200) <= 2, `zero crossings ${crossings}`);
    // Time-aligned too: output n is the input's waveform at time n/24000 s (no delay).
    const ideal = sine(1000, 24000, y.length);
    let maxError = 0;
    for (let n = 2000; n < y.length - 2000; n++) maxError = Math.max(maxError, Math.abs(y[n]! - ideal[n]!));
    // A 0.1-sample shift would already be off by ~0.015.
    assert.ok(maxError < 0.003, `max deviation from the ideal waveform ${maxError}`);
  });

  it('passes a 1 kHz tone unchanged at every supported rate pair', () => {
    for (const [inRate, outRate] of RATE_PAIRS) {
      assertPassesTone(inRate, outRate, 1000, 0.1);
      assertPassesTone(inRate, outRate, 1000, 0.01, 'high');
    }
    assertPassesTone(24000, 22050, 8000, 0.1);
    assertPassesTone(44100, 24000, 8000, 0.1);
    assertPassesTone(48000, 24000, 8000, 0.1);
  });

  it('rejects a tone that would alias when downsampling (24000 → 22050, 11.5 kHz) by ≥ 50 dB', () => {
    const tone = sine(11500, 24000, 24000);
    const fast = stopbandLevel(resample(tone, 24000, 22050), 0.5);
    assert.ok(fast <= -50, `fast: ${fast.toFixed(1)} dB`);
    const high = stopbandLevel(resample(tone, 24000, 22050, { quality: 'high' }), 0.5);
    assert.ok(high <= -55, `high: ${high.toFixed(1)} dB`);
    // The check has teeth: linear interpolation lets most of the tone through as an alias.
    const linear = stopbandLevel(linearResample(tone, 24000, 22050), 0.5);
    assert.ok(linear > -50, `linear interpolation: ${linear.toFixed(1)} dB`);
  });

  it('rejects content above 12 kHz when going 48000 → 24000', () => {
    for (const freq of [14000, 18000, 23000]) {
      const level = stopbandLevel(resample(sine(freq, 48000, 48000), 48000, 24000), 0.5);
      assert.ok(level <= -50, `${freq} Hz: ${level.toFixed(1)} dB`);
    }
  });

  it('has DC gain 1', () => {
    for (const [inRate, outRate] of RATE_PAIRS) {
      for (const quality of ['fast', 'high'] as const) {
        const y = middle(resample(new Float32Array(inRate / 10).fill(0.5), inRate, outRate, { quality }));
        for (const v of y) assert.ok(Math.abs(v - 0.5) < 1e-6, `${inRate}→${outRate} ${quality}: ${v}`);
      }
    }
  });

  it('is time-aligned: an impulse at input k peaks at output k·out/in', () => {
    for (const [inRate, outRate] of RATE_PAIRS) {
      for (const k of [0, 1, 500, 1237]) {
        const x = new Float32Array(2000);
        x[k] = 1;
        const y = resample(x, inRate, outRate);
        let peak = 0;
        for (let i = 1; i < y.length; i++) if (Math.abs(y[i]!) > Math.abs(y[peak]!)) peak = i;
        const expected = (k * outRate) / inRate;
        // The kernel is symmetric about the true position, so the largest sample is the nearest one.
        assert.ok(Math.abs(peak - expected) <= 0.5, `${inRate}→${outRate}, k=${k}: peak at ${peak}, expected ${expected}`);
      }
    }
  });

  it('gives bit-identical output however the input is chunked', () => {
    const x = noise(9000, 42);
    let seed = 7;
    const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    for (const [inRate, outRate] of RATE_PAIRS) {
      for (const quality of ['fast', 'high'] as const) {
        const whole = resample(x, inRate, outRate, { quality });
        const r = createResampler(inRate, outRate, { quality });
        for (let trial = 0; trial < 4; trial++) {
          const parts: Float32Array[] = [];
          for (let pos = 0; pos < x.length; ) {
            // Mix of empty, single-sample, sub-kernel and large chunks.
            const size = [0, 1, 3, 17, 480, 2500][Math.floor(random() * 6)]!;
            parts.push(r.process(x.subarray(pos, pos + size)));
            pos += size;
          }
          parts.push(r.flush()); // also resets r for the next trial
          const chunked = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
          let offset = 0;
          for (const p of parts) {
            chunked.set(p, offset);
            offset += p.length;
          }
          assert.deepEqual(chunked, whole, `${inRate}→${outRate} ${quality}, trial ${trial}`);
        }
      }
    }
  });

  it('returns a copy when the rates are equal', () => {
    const x = noise(1000, 3);
    const y = resample(x, 24000, 24000);
    assert.notEqual(y, x);
    assert.deepEqual(y, x);
    const r = createResampler(24000, 24000);
    assert.deepEqual(r.process(x), x);
    assert.equal(r.flush().length, 0);
  });

  it('reports its rates and rejects invalid ones', () => {
    const r = createResampler(22050, 24000);
    assert.equal(r.inRate, 22050);
    assert.equal(r.outRate, 24000);
    assert.throws(() => createResampler(0, 24000), RangeError);
    assert.throws(() => createResampler(22050.5, 24000), RangeError);
  });
});
