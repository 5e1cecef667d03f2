import assert from 'node:assert/strict';
import { test } from 'node:test';
import { analyzeAudio } from '../../cloning/analysis.js';
import { FEATURE_NAMES } from '../../cloning/features.js';
import { speakerFeatures } from '../../cloning/scorer.js';
import { renderEspeak } from '../../test-support/espeak-render.js';
import type { EspeakVoiceData } from '../engine.js';
import { hasTimbre, timbreLines, variantFile } from './timbre.js';

const VOICE: EspeakVoiceData = { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 };
const TEXT = 'Many years ago, a farmer and his wife lived in a small house beside the river, where they grew apples and pears.';
const RATE = 24_000;
const feature = (samples: Float32Array, name: string): number => speakerFeatures(samples, RATE).values[FEATURE_NAMES.indexOf(name)]!;
const rms = (x: Float32Array): number => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / x.length);

test('variantFile: the variant\'s settings, then the timbre lines; the name follows the content', () => {
  const voice = { ...VOICE, variant: 'f3', roughness: 5, formants: [{ n: 2, freq: 90.4, height: 100, width: 80 }, { n: 1, freq: 110, height: 100, width: 100 }] };
  const file = variantFile(voice, 'language variant\nname female3\ngender female\n// a comment\nroughness 4\n');
  assert.match(file.text, /^name litetts[0-9a-f]{16}\nlanguage variant\n/, 'a variant file named by its content');
  assert.ok(!file.text.includes('female3') && !file.text.includes('comment'), 'the variant\'s own name and comments are dropped');
  assert.ok(file.text.indexOf('roughness 4') < file.text.indexOf('roughness 5'), 'the voice\'s line comes after the variant\'s, so it wins');
  assert.ok(file.text.indexOf('formant 1 110 100 100') < file.text.indexOf('formant 2 90 100 80'), 'formants in order, rounded');
  assert.equal(variantFile(voice, 'roughness 4').name, variantFile({ ...voice }, 'roughness 4').name, 'same content, same name');
  assert.notEqual(variantFile(voice, null).name, variantFile({ ...voice, roughness: 6 }, null).name, 'other content, other name');
  assert.equal(hasTimbre(VOICE), false, 'a plain voice has no timbre');
  assert.deepEqual(timbreLines({ ...VOICE, pitchHz: { base: 90, max: 80 } }), ['pitch 90 90'], 'a top below the base is a monotone');
});

test('the engine honours every timbre parameter, in the expected direction', { timeout: 120_000 }, async () => {
  const plain = await renderEspeak(VOICE, TEXT);
  const again = await renderEspeak({ ...VOICE, roughness: 2 }, TEXT);
  // Within 1 %: espeak's noise generator runs on between renders, so no two are bit-identical.
  assert.ok(Math.abs(rms(again) / rms(plain) - 1) < 0.01, `espeak's default roughness through a variant file speaks as the plain voice (rms ${rms(plain)} vs ${rms(again)})`);
  assert.ok(Math.abs(again.length - plain.length) < 100, `with the same timing (${plain.length} vs ${again.length} samples)`);

  const f0 = async (v: Partial<EspeakVoiceData>): Promise<number> => analyzeAudio(await renderEspeak({ ...VOICE, ...v }, TEXT), RATE).f0_median_hz!;
  const low = await f0({ pitchHz: { base: 60, max: 80 } });
  const high = await f0({ pitchHz: { base: 160, max: 220 } });
  assert.ok(high / low > 2.2, `pitchHz moves the median F0: ${low.toFixed(1)} → ${high.toFixed(1)} Hz`);

  const formants = (freq: number) => [1, 2, 3, 4, 5].map((n) => ({ n, freq, height: 100, width: 100 }));
  for (const name of ['f1_ln_hz', 'f2_ln_hz']) {
    const shortTract = feature(await renderEspeak({ ...VOICE, formants: formants(125) }, TEXT), name);
    const longTract = feature(await renderEspeak({ ...VOICE, formants: formants(80) }, TEXT), name);
    assert.ok(shortTract - longTract > Math.log(1.2), `formant scaling moves ${name}: ${Math.exp(longTract).toFixed(0)} → ${Math.exp(shortTract).toFixed(0)} Hz`);
  }

  // Breath is noise shaped around the formants: it shows as high-frequency energy (the share of
  // the first difference's energy in the signal's) between the harmonics.
  const hiShare = (x: Float32Array): number => {
    let diff = 0;
    let all = 0;
    for (let i = 1; i < x.length; i++) {
      diff += (x[i]! - x[i - 1]!) ** 2;
      all += x[i]! ** 2;
    }
    return diff / all;
  };
  const clean = hiShare(plain);
  const breathy = hiShare(await renderEspeak({ ...VOICE, breath: [20, 20, 20, 20, 20, 20, 20, 20], breathw: [300, 300, 500, 500, 500, 700, 700, 700] }, TEXT));
  assert.ok(breathy / clean > 1.1, `breath raises the noise floor: high-band share ${clean.toFixed(4)} → ${breathy.toFixed(4)}`);
  const hnr = async (v: Partial<EspeakVoiceData>): Promise<number> => feature(await renderEspeak({ ...VOICE, ...v }, TEXT), 'hnr_db');
  const rough = await hnr({ roughness: 7 });
  const smooth = await hnr({ roughness: 0 });
  assert.ok(smooth - rough > 0.5, `roughness lowers the HNR: ${smooth.toFixed(1)} → ${rough.toFixed(1)} dB`);

  const tilt = async (amplitudes: number[]): Promise<number> =>
    feature(await renderEspeak({ ...VOICE, tone: [600, 1200, 2000, 3000].map((hz, i) => ({ hz, amplitude: amplitudes[i]! })) }, TEXT), 'tilt_db_per_octave');
  const dark = await tilt([255, 120, 60, 30]);
  const bright = await tilt([100, 160, 220, 255]);
  assert.ok(bright - dark > 1, `tone tilts the spectrum: ${dark.toFixed(2)} → ${bright.toFixed(2)} dB/octave`);

  const loud = rms(await renderEspeak({ ...VOICE, voicing: 180 }, TEXT));
  const soft = rms(await renderEspeak({ ...VOICE, voicing: 40 }, TEXT));
  assert.ok(loud / soft > 1.5, `voicing scales voiced sounds: rms ${soft.toFixed(4)} → ${loud.toFixed(4)}`);

  const jitter = async (flutter: number): Promise<number> => {
    const a = analyzeAudio(await renderEspeak({ ...VOICE, pitchHz: { base: 100, max: 100 }, flutter }, TEXT), RATE);
    return Math.log(a.f0_range_hz!.max / a.f0_range_hz!.min);
  };
  const steady = await jitter(0);
  const shaky = await jitter(20);
  assert.ok(shaky > steady * 1.5, `flutter spreads a monotone's F0: ${steady.toFixed(3)} → ${shaky.toFixed(3)} (ln of the 5–95 % range)`);

  // An echo is a delayed copy: the normalised correlation of the signal with itself at the delay rises.
  const delay = Math.round(0.2 * RATE);
  const lagCorrelation = (x: Float32Array): number => {
    let xy = 0;
    let xx = 0;
    let yy = 0;
    for (let i = 0; i + delay < x.length; i++) {
      xy += x[i]! * x[i + delay]!;
      xx += x[i]! ** 2;
      yy += x[i + delay]! ** 2;
    }
    return xy / Math.sqrt(xx * yy);
  };
  const dry = lagCorrelation(plain);
  const wet = lagCorrelation(await renderEspeak({ ...VOICE, echo: { delayMs: 200, amplitude: 60 } }, TEXT));
  assert.ok(wet - dry > 0.1, `echo adds a copy 200 ms later: correlation at that lag ${dry.toFixed(3)} → ${wet.toFixed(3)}`);
});
