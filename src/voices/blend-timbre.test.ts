import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { EspeakVoiceData } from '../engines/engine.js';
import { TIMBRE_DEFAULTS } from '../engines/espeak/timbre.js';
import { validateEspeakVoice } from './formats/espeak.js';
import { fuzzParams } from '../test-support/fuzz.js';
import { blendVoices } from './blend.js';
import { toneAt } from './blend-timbre.js';

const espeak = (overrides: Partial<EspeakVoiceData> = {}): EspeakVoiceData => ({
  engine: 'espeak',
  base: 'en-us',
  variant: null,
  pitch: 50,
  range: 50,
  rate: 175,
  volume: 100,
  ...overrides,
});
const blend = (a: EspeakVoiceData, b: EspeakVoiceData, wa = 0.5): EspeakVoiceData =>
  blendVoices([{ data: a, weight: wa }, { data: b, weight: 1 - wa }]) as EspeakVoiceData;

describe('blendVoices: espeak timbre', () => {
  it('leaves timbre absent when no part has any, so old blends are unchanged', () => {
    const out = blend(espeak({ pitch: 40 }), espeak({ pitch: 60 }));
    assert.deepEqual(Object.keys(out), ['engine', 'base', 'variant', 'pitch', 'range', 'rate', 'volume'], 'no timbre keys appear');
  });

  it('mixes pitch in Hz geometrically and the rest arithmetically', () => {
    const out = blend(
      espeak({ pitchHz: { base: 100, max: 200 }, roughness: 6, voicing: 150, echo: { delayMs: 100, amplitude: 20 } }),
      espeak({ pitchHz: { base: 200, max: 400 }, roughness: 0, voicing: 50, echo: { delayMs: 200, amplitude: 0 } }),
    );
    assert.deepEqual(out.pitchHz, { base: 141, max: 283 }, 'the geometric mean of the pitches');
    assert.equal(out.roughness, 3, 'mean roughness');
    assert.equal(out.voicing, 100, 'mean voicing');
    assert.deepEqual(out.echo, { delayMs: 150, amplitude: 10 }, 'mean echo');
  });

  it("counts a part without a field at espeak's default", () => {
    const out = blend(espeak({ formants: [{ n: 1, freq: 80, height: 120, width: 60 }], breath: [0, 4, 4, 4, 4, 4, 4, 4], roughness: 6 }), espeak(), 0.75);
    assert.deepEqual(out.formants, [{ n: 1, freq: 85, height: 115, width: 70 }], 'formant 1 is 3/4 of the set one and 1/4 of 100 %');
    assert.deepEqual(out.breath, [0, 3, 3, 3, 3, 3, 3, 3], 'breath mixed with no breath');
    assert.equal(out.roughness, 5, '3/4 · 6 + 1/4 · 2 = 5');
    assert.equal(out.flutter, undefined, 'a field no part sets stays absent');
    assert.deepEqual(blend(espeak({ pitchHz: { base: 164, max: 236 } }), espeak()).pitchHz, { base: 116, max: 167 }, 'pitch with the default 82 118');
  });

  it('mixes tone curves on the heaviest tone\'s frequencies', () => {
    const dark = [{ hz: 500, amplitude: 200 }, { hz: 3000, amplitude: 50 }];
    const out = blend(espeak({ tone: dark }), espeak(), 0.5);
    assert.deepEqual(
      out.tone,
      dark.map((p) => ({ hz: p.hz, amplitude: Math.round((p.amplitude + toneAt(TIMBRE_DEFAULTS.tone, p.hz)) / 2) })),
      'each point the mean of the two curves there',
    );
    assert.equal(toneAt(dark, 1750), 125, 'linear between the points');
    assert.equal(toneAt(dark, 100), 200, 'flat below the first');
    assert.equal(toneAt(dark, 7000), 50, 'flat above the last');
  });

  it('any valid parts blend to a valid voice (fuzz)', () => {
    const n = (min: number, max: number) => fc.integer({ min, max });
    const timbre = fc.record(
      {
        pitchHz: fc.tuple(n(20, 400), n(0, 400)).map(([base, extra]) => ({ base, max: base + extra })),
        formants: fc.uniqueArray(fc.record({ n: n(0, 8), freq: n(40, 250), height: n(0, 300), width: n(20, 400) }), { selector: (f) => f.n, minLength: 1, maxLength: 9 }),
        tone: fc.uniqueArray(n(0, 7999), { minLength: 1, maxLength: 6 }).map((hz) => hz.sort((a, b) => a - b).map((h) => ({ hz: h, amplitude: h % 256 }))),
        breath: fc.array(n(0, 20), { minLength: 8, maxLength: 8 }),
        breathw: fc.array(n(10, 2000), { minLength: 8, maxLength: 8 }),
        roughness: n(0, 7),
        flutter: n(0, 20),
        voicing: n(0, 200),
        echo: fc.record({ delayMs: n(0, 250), amplitude: n(0, 100) }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(timbre, fc.double({ min: 0.01, max: 10, noNaN: true })), { minLength: 1, maxLength: 4 }), (parts) => {
        const out = blendVoices(parts.map(([t, weight]) => ({ data: espeak(t), weight }))) as EspeakVoiceData;
        assert.deepEqual(validateEspeakVoice(out), out, 'the blend is a valid espeak voice as it stands');
      }),
      fuzzParams(300),
    );
  });
});
