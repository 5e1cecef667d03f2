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
