import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeCheckpoint, encodeCheckpoint, referenceDigest, type ThoroughState } from './espeak-fit-checkpoint.js';
import { COORDINATES, THOROUGH_START, thoroughVoiceOf } from './espeak-fit-space.js';

const samples = Float32Array.from({ length: 24_000 }, (_, i) => Math.sin(i / 10) * 0.3);
const digest = referenceDigest(samples, 24_000);
const STATE: ThoroughState = {
  language: 'en-us',
  reference: digest,
  pitchHz: { base: 95, max: 140 },
  rate: 160,
  setting: { ...THOROUGH_START, variant: 'm3', height: [100, 140, 100, 100, 100] },
  score: 0.8,
  phase: 'fine',
  index: 7,
  pass: 2,
  scale: 0.5,
  improved: true,
  steps: 41,
};

test('a checkpoint reads back as the state it was made of', () => {
  assert.deepEqual(decodeCheckpoint(encodeCheckpoint(STATE), 'en-us', digest), STATE);
});

test("a checkpoint of another reference or language, or a damaged one, is ignored (the search starts afresh)", () => {
  const bytes = encodeCheckpoint(STATE);
  assert.equal(decodeCheckpoint(bytes, 'en-us', referenceDigest(samples.map((x) => x / 2), 24_000)), null, 'another reference');
  assert.equal(decodeCheckpoint(bytes, 'en-us', referenceDigest(samples, 16_000)), null, 'the same samples at another rate');
  assert.equal(decodeCheckpoint(bytes, 'fr-fr', digest), null, 'another language');
  const json = JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
  const variants: unknown[] = [
    { ...json, version: 2 },
    { ...json, setting: { ...STATE.setting, variant: 'Mr serious' } },
    { ...json, setting: { ...STATE.setting, formantScale: 9 } },
    { ...json, setting: { ...STATE.setting, height: [100, 100] } },
    { ...json, pitchHz: { base: 300, max: 100 } },
    { ...json, score: 2 },
    { ...json, scale: 0 },
    { ...json, index: -1 },
    { ...json, extra: true },
  ];
  for (const v of variants) assert.equal(decodeCheckpoint(new TextEncoder().encode(JSON.stringify(v)), 'en-us', digest), null, JSON.stringify(v).slice(0, 80));
  for (const b of [null, new Uint8Array(0), new Uint8Array([0xff, 0xfe]), new TextEncoder().encode('{"version":1'), new Uint8Array(70_000).fill(0x20)]) {
    assert.equal(decodeCheckpoint(b, 'en-us', digest), null);
  }
});

test('every setting within the coordinates\' bounds makes a valid espeak voice', () => {
  for (const c of COORDINATES) {
    for (const v of [c.min, c.max]) {
      const voice = thoroughVoiceOf('en-us', { base: 400, max: 800 }, 450, c.set(THOROUGH_START, v));
      assert.ok(voice.pitchHz!.base >= 20 && voice.pitchHz!.max <= 800 && voice.pitchHz!.max >= voice.pitchHz!.base, `${c.name}=${v}: pitch`);
      assert.ok(voice.rate >= 80 && voice.rate <= 450, `${c.name}=${v}: rate`);
      for (const f of voice.formants!) assert.ok(f.freq >= 40 && f.freq <= 250 && f.height >= 0 && f.height <= 300 && f.width >= 20 && f.width <= 400, `${c.name}=${v}: formant ${f.n}`);
    }
  }
});
