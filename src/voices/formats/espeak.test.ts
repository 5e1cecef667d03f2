import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EspeakVoiceData } from '../../engines/engine.js';
import { parseEspeakJson, toEspeakJson } from './espeak.js';
import { VoiceFormatError } from './tensor.js';

const VOICE: EspeakVoiceData = { engine: 'espeak', base: 'en-us', variant: 'klatt', pitch: 30, range: 10, rate: 150, volume: 100 };

function namesField(field: string, pattern?: RegExp) {
  return (e: unknown) =>
    e instanceof VoiceFormatError && e.code === 'invalid_voice_file' && e.message.includes(`"${field}"`) && (!pattern || pattern.test(e.message));
}

test('toEspeakJson: pretty, stable key order, engine first; parse gives it back', () => {
  const json = toEspeakJson({ volume: 100, rate: 150, range: 10, pitch: 30, variant: 'klatt', base: 'en-us', engine: 'espeak' });
  assert.equal(
    json,
    '{\n  "engine": "espeak",\n  "base": "en-us",\n  "variant": "klatt",\n  "pitch": 30,\n  "range": 10,\n  "rate": 150,\n  "volume": 100\n}\n',
  );
  assert.deepEqual(parseEspeakJson(json), VOICE);
  assert.deepEqual(parseEspeakJson(new TextEncoder().encode(json)), VOICE);
  assert.deepEqual(parseEspeakJson(toEspeakJson({ ...VOICE, variant: null })), { ...VOICE, variant: null });
});

test('parseEspeakJson: defaults, BOM, ignored descriptive keys, edge values', () => {
  assert.deepEqual(parseEspeakJson('{"base": "fr"}'), { engine: 'espeak', base: 'fr', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 });
  assert.deepEqual(parseEspeakJson(`\ufeff${JSON.stringify(VOICE)}`), VOICE);
  assert.deepEqual(parseEspeakJson(new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode(JSON.stringify(VOICE))])), VOICE);
  assert.deepEqual(parseEspeakJson(JSON.stringify({ ...VOICE, name: 'Robot', description: 'x', language: 'en', gender: null })), VOICE);
  const edges = { base: 'en-gb-x-rp', variant: 'Mr serious', pitch: 0, range: 99, rate: 80, volume: 200 };
  assert.deepEqual(parseEspeakJson(JSON.stringify(edges)), { engine: 'espeak', ...edges });
  assert.equal(parseEspeakJson(JSON.stringify({ ...VOICE, rate: 450, pitch: 12.5 })).pitch, 12.5);
});

test('validation errors name the field', () => {
  const cases: [Record<string, unknown>, string, RegExp?][] = [
    [{ ...VOICE, engine: 'kokoro' }, 'engine', /"espeak"/],
    [{ ...VOICE, base: undefined }, 'base', /required/],
    [{ ...VOICE, base: '' }, 'base'],
    [{ ...VOICE, base: 'en/../../etc' }, 'base'],
    [{ ...VOICE, base: 'en-us+f3' }, 'base'],
    [{ ...VOICE, base: 42 }, 'base'],
    [{ ...VOICE, variant: '../f3' }, 'variant'],
    [{ ...VOICE, variant: 'f3 ' }, 'variant'],
    [{ ...VOICE, variant: 3 }, 'variant'],
    // Well-formed names this espeak-ng does not have: refused when stored, not a failure when spoken.
    [{ ...VOICE, variant: 'Mk1Qz7Xw' }, 'variant', /not a variant of this espeak-ng/],
    [{ ...VOICE, variant: 'F3' }, 'variant', /not a variant/],
    [{ ...VOICE, base: 'zz-qq' }, 'base', /not a voice of this espeak-ng/],
    [{ ...VOICE, base: 'en-gb' }, 'base', /"en-gb-scotland"/],
    [{ ...VOICE, pitch: 100 }, 'pitch', /0 to 99/],
    [{ ...VOICE, pitch: -1 }, 'pitch'],
    [{ ...VOICE, pitch: '50' }, 'pitch', /number/],
    [{ ...VOICE, range: 120 }, 'range', /0 to 99/],
    [{ ...VOICE, rate: 79 }, 'rate', /80 to 450 words per minute/],
    [{ ...VOICE, rate: 451 }, 'rate'],
    [{ ...VOICE, rate: null }, 'rate'],
    [{ ...VOICE, volume: 201 }, 'volume', /0 to 200/],
    [{ ...VOICE, volume: true }, 'volume'],
    [{ ...VOICE, pich: 40 }, 'pich', /not a field/],
  ];
  for (const [obj, field, pattern] of cases) {
    assert.throws(() => parseEspeakJson(JSON.stringify(obj)), namesField(field, pattern), JSON.stringify(obj));
  }
  // non-finite numbers cannot come from JSON text, but can from objects handed to toEspeakJson
  assert.throws(() => toEspeakJson({ ...VOICE, pitch: NaN }), namesField('pitch'));
});

test('malformed JSON and non-objects are refused clearly', () => {
  assert.throws(() => parseEspeakJson('{"base": "en",'), /not valid JSON/);
  assert.throws(() => parseEspeakJson('[1, 2]'), /must be an object/);
  assert.throws(() => parseEspeakJson('null'), /must be an object/);
  assert.throws(() => parseEspeakJson(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
  assert.throws(() => parseEspeakJson(`{"base": "en", "description": "${'x'.repeat(70_000)}"}`), /too long/);
  assert.throws(() => parseEspeakJson(new Uint8Array(70_000).fill(0x20)), /at most/);
});

const TIMBRE = {
  pitchHz: { base: 95, max: 140 },
  formants: [{ n: 1, freq: 90, height: 100, width: 120 }, { n: 0, freq: 100, height: 80, width: 100 }],
  tone: [{ hz: 600, amplitude: 170 }, { hz: 2000, amplitude: 90.5 }],
  breath: [0, 2, 3, 3, 3, 3, 3, 2],
  breathw: [200, 200, 400, 400, 400, 600, 600, 600],
  roughness: 3,
  flutter: 0,
  voicing: 120,
  echo: { delayMs: 120, amplitude: 10 },
};

test('timbre fields: kept when given, absent when not, and they round-trip', () => {
  const voice = parseEspeakJson(JSON.stringify({ ...VOICE, ...TIMBRE }));
  assert.deepEqual(voice, { ...VOICE, ...TIMBRE }, 'every timbre field reads back as written');
  assert.deepEqual(parseEspeakJson(toEspeakJson(voice)), voice, 'toEspeakJson → parseEspeakJson is the identity');
  assert.ok(toEspeakJson(voice).indexOf('"volume"') < toEspeakJson(voice).indexOf('"pitchHz"'), 'timbre after the old fields');
  const old = parseEspeakJson(JSON.stringify(VOICE));
  assert.deepEqual(Object.keys(old), ['engine', 'base', 'variant', 'pitch', 'range', 'rate', 'volume'], 'an old file gains no keys');
  assert.equal(toEspeakJson(old), toEspeakJson(VOICE), 'and writes back byte for byte as before');
});

test('timbre validation errors name the field', () => {
  const f = TIMBRE.formants[0]!;
  const cases: [Record<string, unknown>, string, RegExp?][] = [
    [{ pitchHz: { base: 10, max: 100 } }, 'pitchHz.base', /20 to 400/],
    [{ pitchHz: { base: 100, max: 90 } }, 'pitchHz.max', /at least/],
    [{ pitchHz: { base: 100 } }, 'pitchHz.max'],
    [{ pitchHz: { base: 100, max: 120, min: 1 } }, 'pitchHz.min', /not a field/],
    [{ pitchHz: 100 }, 'pitchHz', /object/],
    [{ formants: [] }, 'formants', /1 to 9/],
    [{ formants: [{ ...f, n: 9 }] }, 'formants[0].n', /0 to 8/],
    [{ formants: [{ ...f, n: 1.5 }] }, 'formants[0].n', /whole/],
    [{ formants: [f, { ...f }] }, 'formants[1].n', /repeats/],
    [{ formants: [{ ...f, freq: 300 }] }, 'formants[0].freq', /40 to 250/],
    [{ formants: [{ ...f, height: -1 }] }, 'formants[0].height'],
    [{ formants: [{ ...f, width: '100' }] }, 'formants[0].width', /number/],
    [{ formants: [{ n: 1, freq: 100, height: 100 }] }, 'formants[0].width'],
    [{ formants: { n: 1 } }, 'formants', /array/],
    [{ tone: [{ hz: 600, amplitude: 300 }] }, 'tone[0].amplitude', /0 to 255/],
    [{ tone: [{ hz: 600, amplitude: 100 }, { hz: 600, amplitude: 100 }] }, 'tone[1].hz', /above/],
    [{ tone: Array.from({ length: 7 }, (_, i) => ({ hz: 100 * (i + 1), amplitude: 100 })) }, 'tone', /1 to 6/],
    [{ tone: [{ hz: 8000, amplitude: 1 }] }, 'tone[0].hz'],
    [{ breath: [1, 2, 3] }, 'breath', /8 items/],
    [{ breath: [0, 0, 0, 0, 0, 0, 0, 21] }, 'breath[7]', /0 to 20/],
    [{ breathw: [0, 0, 0, 0, 0, 0, 0, 0] }, 'breathw[0]'],
    [{ roughness: 8 }, 'roughness', /0 to 7/],
    [{ flutter: null }, 'flutter'],
    [{ voicing: 201 }, 'voicing'],
    [{ echo: { delayMs: 300, amplitude: 10 } }, 'echo.delayMs', /0 to 250/],
    [{ echo: { delayMs: 100, amplitude: 10, feedback: 1 } }, 'echo.feedback', /not a field/],
    [{ formant: [] }, 'formant', /not a field/],
  ];
  for (const [extra, field, pattern] of cases) {
    const obj = { ...VOICE, ...extra };
    assert.throws(() => parseEspeakJson(JSON.stringify(obj)), namesField(field, pattern), JSON.stringify(extra));
  }
  assert.throws(() => toEspeakJson({ ...VOICE, roughness: Number.NaN }), namesField('roughness'), 'NaN from an object is refused');
});
