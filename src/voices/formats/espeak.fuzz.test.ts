import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, resultOr } from '../../test-support/fuzz.js';
import { TIMBRE_LIMITS } from '../../engines/espeak/timbre.js';
import { parseEspeakJson, toEspeakJson } from './espeak.js';
import { VoiceFormatError } from './tensor.js';

const RANGES = { pitch: [0, 99], range: [0, 99], rate: [80, 450], volume: [0, 200] } as const;

/** Mostly a plausible value of the field, now and then any JSON. */
const field = <T>(plausible: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 20, arbitrary: plausible }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) });
/** Mostly within [min, max] (fast-check favours the bounds), now and then just outside. */
const number = (min: number, max: number) =>
  field(
    fc.oneof(
      { weight: 12, arbitrary: fc.integer({ min, max }) },
      { weight: 4, arbitrary: fc.double({ min, max, noNaN: true }) },
      { weight: 1, arbitrary: fc.constantFrom(min - 1, max + 0.5, -0, Infinity) },
    ),
  );

/** Timbre fields, each optional (a third of the voices get some). */
const timbreArb = fc.record(
  {
    pitchHz: field(fc.record({ base: number(20, 400), max: number(20, 800) })),
    formants: field(
      fc.array(fc.record({ n: number(0, 8), freq: number(40, 250), height: number(0, 300), width: number(20, 400) }), { minLength: 1, maxLength: 3 }),
    ),
    tone: field(fc.array(fc.record({ hz: number(0, 7999), amplitude: number(0, 255) }), { minLength: 1, maxLength: 3 })),
    breath: field(fc.array(number(0, 20), { minLength: 7, maxLength: 9 })),
    roughness: number(0, 7),
    voicing: number(0, 200),
    echo: field(fc.record({ delayMs: number(0, 250), amplitude: number(0, 100) })),
  },
  { requiredKeys: [] },
);

/** Objects with the fields of an espeak voice, each optional, and sometimes a field of no voice. */
const voiceObjectArb = fc
  .tuple(
    fc.record(
      {
        engine: field(fc.constantFrom('espeak', 'espeak', 'espeak', 'kokoro')),
        base: field(fc.constantFrom('en-us', 'cmn', 'en-gb-x-rp', 'de', 'fr-fr', 'x', 'en_us', '')),
        variant: field(fc.constantFrom('f3', 'klatt', 'Mr serious', null, 'm1', ' x', 'a'.repeat(40))),
        pitch: number(0, 99),
        range: number(0, 99),
        rate: number(80, 450),
        volume: number(0, 200),
        name: field(fc.string()),
      },
      { requiredKeys: ['base'] },
    ),
    fc.oneof({ weight: 2, arbitrary: fc.constant({}) }, { weight: 1, arbitrary: timbreArb }),
    fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('extra', 'Pitch', '__proto__') }),
  )
  .map(([plain, timbre, stray]) => {
    const obj = { ...plain, ...timbre };
    return stray === '' ? obj : { ...obj, [stray]: 1 };
  });

let accepted = 0;

function checkVoice(text: string): void {
  const r = resultOr(VoiceFormatError, () => parseEspeakJson(new TextEncoder().encode(text)));
  if (!r.ok) return;
  accepted++;
  const v = r.value;
  assert.equal(v.engine, 'espeak', 'an espeak voice');
  for (const [key, [min, max]] of Object.entries(RANGES)) {
    const value = v[key as keyof typeof RANGES];
    assert.ok(Number.isFinite(value) && value >= min && value <= max, `${key} ${value} within ${min}–${max}`);
  }
  const L = TIMBRE_LIMITS;
  const within = (value: number, [min, max]: readonly [number, number], what: string): void =>
    assert.ok(Number.isFinite(value) && value >= min && value <= max, `${what} ${value} within ${min}–${max}`);
  if (v.pitchHz) {
    within(v.pitchHz.base, L.pitchBaseHz, 'pitchHz.base');
    within(v.pitchHz.max, L.pitchMaxHz, 'pitchHz.max');
    assert.ok(v.pitchHz.max >= v.pitchHz.base, 'pitchHz.max ≥ base');
  }
  for (const f of v.formants ?? []) {
    assert.ok(Number.isInteger(f.n), `formant number ${f.n} is whole`);
    within(f.n, L.formantN, 'formant n');
    within(f.freq, L.formantFreq, 'formant freq');
    within(f.height, L.formantHeight, 'formant height');
    within(f.width, L.formantWidth, 'formant width');
  }
  assert.equal(new Set(v.formants?.map((f) => f.n)).size, v.formants?.length ?? 0, 'each formant once');
  v.tone?.forEach((p, i) => {
    within(p.amplitude, L.toneAmplitude, 'tone amplitude');
    within(p.hz, L.toneHz, 'tone hz');
    if (i > 0) assert.ok(p.hz > v.tone![i - 1]!.hz, 'tone points rise');
  });
  if (v.breath) {
    assert.equal(v.breath.length, 8, 'breath has 8 values');
    for (const b of v.breath) within(b, L.breath, 'breath');
  }
  if (v.roughness !== undefined) within(v.roughness, L.roughness, 'roughness');
  if (v.voicing !== undefined) within(v.voicing, L.voicing, 'voicing');
  if (v.echo) {
    within(v.echo.delayMs, L.echoDelayMs, 'echo delay');
    within(v.echo.amplitude, L.echoAmplitude, 'echo amplitude');
  }
  assert.deepEqual(parseEspeakJson(toEspeakJson(v)), v, 'toEspeakJson → parseEspeakJson is the identity');
}

test('parseEspeakJson: objects of espeak fields with any values give a valid voice or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(voiceObjectArb, fc.boolean(), (obj, bom) => checkVoice(`${bom ? '\ufeff' : ''}${JSON.stringify(obj)}`)),
    fuzzParams(1000),
  );
  assert.ok(accepted >= 20, `the inputs reach valid voices too (${accepted} of 1000)`);
});

test('parseEspeakJson: any JSON text, and any bytes, give a valid voice or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  fc.assert(
    fc.property(fc.oneof(fc.json(), fc.string(), fc.string({ unit: 'binary' })), (text) => checkVoice(text)),
    fuzzParams(500),
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
      resultOr(VoiceFormatError, () => parseEspeakJson(bytes));
    }),
    fuzzParams(300),
  );
});
