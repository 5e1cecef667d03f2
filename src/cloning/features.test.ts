import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resample } from '../audio/resample.js';
import { random, synthesize, vowel, VOWEL_A, VOWEL_I, VOWEL_U } from '../test-support/synthetic-voice.js';
import { powerSpectrum } from './fft.js';
import { FEATURE_NAMES, utteranceFeatures } from './features.js';
import { fbank, melCentres } from './mel.js';
import { MIN_SPEECH_SECONDS, projectedCosine, similarity, speakerFeatures } from './scorer.js';
import { speechFrames } from './vad.js';

const at = (values: Float64Array, name: string): number => {
  const i = FEATURE_NAMES.indexOf(name);
  assert.ok(i >= 0, `feature ${name} exists`);
  return values[i]!;
};
const A = vowel(VOWEL_A.hz, 0.4);
const I = vowel(VOWEL_I.hz, 0.4);
const U = vowel(VOWEL_U.hz, 0.4);
const sentence = (f0: number, rate: number) => synthesize({ f0, vowels: [A, I, U, A, I, U, A, I, U, A], noise: 1e-4 }, rate);

describe('power spectrum', () => {
  test('matches the direct DFT', () => {
    const rand = random(3);
    const x = Array.from({ length: 64 }, () => rand() - 0.5);
    const out = powerSpectrum(x, 64, new Float64Array(33));
    for (let k = 0; k <= 32; k++) {
      let re = 0;
      let im = 0;
      for (let t = 0; t < 64; t++) {
        re += x[t]! * Math.cos((2 * Math.PI * k * t) / 64);
        im -= x[t]! * Math.sin((2 * Math.PI * k * t) / 64);
      }
      assert.ok(Math.abs(out[k]! - (re * re + im * im)) < 1e-9, `bin ${k}: ${out[k]} vs ${re * re + im * im}`);
    }
  });

  test('rejects sizes that are not powers of two', () => {
    assert.throws(() => powerSpectrum([1, 2, 3], 48, new Float64Array(25)), RangeError, 'size 48 is refused');
  });
});

describe('fbank', () => {
  test('frames per Kaldi snip-edges, and a 1 kHz tone peaks in the filter centred nearest 1 kHz', () => {
    const x = Float32Array.from({ length: 16_000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 16_000));
    const fb = fbank(x, { sampleRate: 16_000, bins: 80 });
    assert.equal(fb.frames, 1 + Math.floor((16_000 - 400) / 160), 'snip-edges frame count');
    const row = fb.logMel.subarray(50 * 80, 51 * 80);
    const peak = row.indexOf(Math.max(...row));
    const centres = melCentres(80, 20, 8000);
    const nearest = centres.reduce((best, c, i) => (Math.abs(c - 1000) < Math.abs(centres[best]! - 1000) ? i : best), 0);
    assert.ok(Math.abs(peak - nearest) <= 1, `peak filter ${peak} (${centres[peak]?.toFixed(0)} Hz), nearest to 1 kHz ${nearest}`);
  });

  test('shorter than one frame: no frames, no throw', () => {
    assert.equal(fbank(new Float32Array(100), { sampleRate: 16_000, bins: 40 }).frames, 0, 'no frames');
  });
});

describe('speaker features on synthetic voices', () => {
  test('a 150 Hz voice reads about 7.02 semitones above 100 Hz', () => {
    const f = utteranceFeatures(synthesize({ f0: 150, vowels: Array(8).fill(A) }, 16_000));
    const st = at(f.values, 'f0_median_st');
    assert.ok(Math.abs(st - 12 * Math.log2(1.5)) < 0.3, `F0 median ${st} st`);
    assert.ok(at(f.values, 'f0_spread_st') < 1, `a 1 % vibrato spreads F0 by ${at(f.values, 'f0_spread_st')} st`);
    assert.ok(at(f.values, 'voiced_share') > 0.9, `voiced share ${at(f.values, 'voiced_share')}`);
  });

  test('the formants of a synthetic /a/ (F1–F3) and /i/ (F2, F3) are found (within 8 %)', () => {
    // /i/'s F1 (270 Hz) is left out: with harmonics 110 Hz apart, LPC puts a resonance that low
    // on a nearby harmonic (330 Hz here), a known bias of the method that the median cannot fix.
    for (const [name, spec, first] of [
      ['a', VOWEL_A, 0],
      ['i', VOWEL_I, 1],
    ] as const) {
      const f = utteranceFeatures(synthesize({ f0: 110, vowels: Array(6).fill(vowel(spec.hz, 0.4)) }, 16_000));
      for (let k = first; k < 3; k++) {
        const hz = Math.exp(at(f.values, `f${k + 1}_ln_hz`));
        assert.ok(Math.abs(hz / spec.hz[k]! - 1) < 0.08, `/${name}/ F${k + 1}: ${hz.toFixed(0)} Hz, built with ${spec.hz[k]} Hz`);
      }
    }
  });

  test('speaking rate counts one nucleus per vowel', () => {
    const f = utteranceFeatures(synthesize({ f0: 120, vowels: Array(8).fill(A), gapS: 0.2 }, 16_000));
    const nuclei = at(f.values, 'syllables_per_s') * f.speechSeconds;
    assert.ok(Math.abs(nuclei - 8) <= 1, `${nuclei.toFixed(1)} nuclei in 8 vowels`);
  });

  test('pauses do not change the statistics: only speech frames count', () => {
    const tight = utteranceFeatures(synthesize({ f0: 130, vowels: [A, I, U, A, I, U], gapS: 0.1, noise: 3e-4 }, 16_000));
    const loose = utteranceFeatures(synthesize({ f0: 130, vowels: [A, I, U, A, I, U], gapS: 0.6, noise: 3e-4 }, 16_000));
    for (let k = 1; k <= 6; k++) {
      const a = at(tight.values, `mfcc_mean_${k}`);
      const b = at(loose.values, `mfcc_mean_${k}`);
      assert.ok(Math.abs(a - b) < 0.15 * Math.max(1, Math.abs(a)), `mfcc_mean_${k}: ${a.toFixed(3)} with short pauses, ${b.toFixed(3)} with long ones`);
    }
    assert.ok(Math.abs(tight.speechSeconds - loose.speechSeconds) < 0.15, `speech ${tight.speechSeconds} s vs ${loose.speechSeconds} s`);
  });

  test('the same voice at 16, 24 and 48 kHz gives the same features', () => {
    const master = sentence(120, 48_000);
    const [f16, f24, f48] = [16_000, 24_000, 48_000].map((rate) => speakerFeatures(rate === 48_000 ? master : resample(master, 48_000, rate, { quality: 'high' }), rate));
    for (const [label, other] of [
      ['24 kHz', f24!],
      ['48 kHz', f48!],
    ] as const) {
      assert.ok(projectedCosine(f16!, other) > 0.995, `16 kHz vs ${label}: cosine ${projectedCosine(f16!, other)}`);
      assert.ok(Math.abs(at(f16!.values, 'f0_median_st') - at(other.values, 'f0_median_st')) < 0.1, `F0 at ${label}`);
      assert.ok(Math.abs(at(f16!.values, 'f2_ln_hz') - at(other.values, 'f2_ln_hz')) < 0.03, `F2 at ${label}`);
      assert.ok(Math.abs(f16!.speechSeconds - other.speechSeconds) < 0.05, `speech seconds at ${label}`);
    }
    assert.ok(similarity(f16!, f48!) > 0.99, `one voice at two rates scores ${similarity(f16!, f48!)}`);
  });

  test('the same voice scores higher than a voice with other pitch and formants', () => {
    const a = speakerFeatures(sentence(120, 16_000), 16_000);
    const again = speakerFeatures(synthesize({ f0: 121, vowels: [I, U, A, I, U, A, I, U], noise: 1e-4, seed: 9 }, 16_000), 16_000);
    const scaled = [A, I, U, A, I, U, A, I, U, A].map((v) => vowel(v.formants.map((f) => f.hz * 1.2), 0.4));
    const other = speakerFeatures(synthesize({ f0: 210, vowels: scaled, noise: 1e-4 }, 16_000), 16_000);
    assert.ok(projectedCosine(a, again) > projectedCosine(a, other) + 0.2, `same ${projectedCosine(a, again)} vs other ${projectedCosine(a, other)}`);
  });
});

describe('hostile and empty input', () => {
  test('silence, an empty array and a single sample give no speech, score 0 and never NaN', () => {
    for (const [label, x] of [
      ['silence', new Float32Array(16_000 * 2)],
      ['empty', new Float32Array(0)],
      ['one sample', Float32Array.of(0.5)],
    ] as const) {
      const f = speakerFeatures(x, 16_000);
      assert.equal(f.speechSeconds, 0, `${label}: no speech`);
      assert.ok(f.projected.every((v) => v === 0), `${label}: a zero projection`);
      const voice = speakerFeatures(sentence(120, 16_000), 16_000);
      assert.equal(similarity(f, voice), 0, `${label} vs a voice scores 0`);
      assert.equal(similarity(f, f), 0, `${label} vs itself scores 0`);
    }
  });

  test('NaN and Infinity samples are silence, not poison', () => {
    const x = sentence(120, 16_000);
    const dirty = x.slice();
    for (let i = 0; i < dirty.length; i += 997) dirty[i] = i % 2 ? Number.NaN : Number.POSITIVE_INFINITY;
    const clean = speakerFeatures(x, 16_000);
    const f = speakerFeatures(dirty, 16_000);
    assert.ok(f.projected.every(Number.isFinite), 'finite projection');
    assert.ok(projectedCosine(clean, f) > 0.95, `cosine to the clean signal ${projectedCosine(clean, f)}`);
    assert.ok(Number.isFinite(similarity(clean, f)), 'finite score');
  });

  test('less speech than the minimum scores 0; a bad rate is refused', () => {
    const short = speakerFeatures(synthesize({ f0: 120, vowels: [vowel(VOWEL_A.hz, 0.3)] }, 16_000), 16_000);
    assert.ok(short.speechSeconds > 0 && short.speechSeconds < MIN_SPEECH_SECONDS, `short speech ${short.speechSeconds} s`);
    assert.equal(similarity(short, short), 0, 'too little speech to compare');
    assert.throws(() => speakerFeatures(new Float32Array(10), 0), RangeError, 'rate 0');
    assert.throws(() => speakerFeatures(new Float32Array(10), 22_050.5), RangeError, 'fractional rate');
    assert.throws(() => speakerFeatures(new Float32Array(1_000_000), 1), RangeError, '1 Hz: refused, not upsampled 16 000-fold');
    assert.ok(speakerFeatures(synthesize({ f0: 120, vowels: [A, I, U] }, 8000), 8000).speechSeconds > 0, 'telephone-band 8 kHz is accepted');
  });

  test('voice activity: a steady vowel with no pause is all speech; clicks are not', () => {
    const steady = new Float64Array(200).fill(-20);
    assert.equal(speechFrames(steady).reduce((s, v) => s + v, 0), 200, 'a recording without pauses is speech throughout');
    const clicks = new Float64Array(200).fill(-70);
    clicks[50] = -10;
    clicks[120] = -10;
    clicks[121] = -10;
    assert.equal(speechFrames(clicks).reduce((s, v) => s + v, 0), 0, 'runs under 30 ms are dropped');
  });
});
