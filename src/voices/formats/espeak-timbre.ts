/**
 * Validation of the optional timbre fields of an espeak voice JSON (limits: engines/espeak/timbre.ts):
 *
 *   "pitchHz": { "base": 95, "max": 140 },
 *   "formants": [{ "n": 1, "freq": 90, "height": 100, "width": 100 }, …],   formants 0–8, each once
 *   "tone": [{ "hz": 600, "amplitude": 170 }, …],                           1–6 points, rising in hz
 *   "breath": [0, 2, 3, 3, 3, 3, 3, 2], "breathw": [200, …],                8 values (formants 1–8)
 *   "roughness": 3, "flutter": 2, "voicing": 100,
 *   "echo": { "delayMs": 120, "amplitude": 10 }
 *
 * Every object refuses keys it does not know, and every number must be finite and within its limits.
 */
import type { EspeakFormant, EspeakVoiceData } from '../../engines/engine.js';
import { BREATH_VALUES, TIMBRE_LIMITS, type TimbreKey } from '../../engines/espeak/timbre.js';
import type { VoiceFormatError } from './tensor.js';

type Timbre = Pick<EspeakVoiceData, TimbreKey>;
type FieldError = (field: string, why: string) => VoiceFormatError;
type Limit = readonly [number, number];

const MAX_FORMANTS = 9;

/** The timbre fields present in `obj`, checked (absent ones stay absent). */
export function validateTimbre(obj: Record<string, unknown>, fail: FieldError): Timbre {
  const out: Timbre = {};
  const L = TIMBRE_LIMITS;
  const num = (v: unknown, field: string, [min, max]: Limit): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(field, `must be a number from ${min} to ${max} (got ${JSON.stringify(v)})`);
    if (v < min || v > max) throw fail(field, `must be from ${min} to ${max} (got ${v})`);
    return v;
  };
  const record = (v: unknown, field: string, keys: readonly string[]): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw fail(field, `must be an object with ${keys.join(', ')}`);
    const r = v as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!keys.includes(key)) throw fail(`${field}.${key}`, `is not a field of "${field}" (expected: ${keys.join(', ')})`);
    }
    return r;
  };
  const list = (v: unknown, field: string, [min, max]: Limit): unknown[] => {
    if (!Array.isArray(v)) throw fail(field, `must be an array of ${min === max ? min : `${min} to ${max}`} items`);
    if (v.length < min || v.length > max) throw fail(field, `must have ${min === max ? min : `${min} to ${max}`} items (got ${v.length})`);
    return v;
  };

  if (obj.pitchHz !== undefined) {
    const p = record(obj.pitchHz, 'pitchHz', ['base', 'max']);
    const base = num(p.base, 'pitchHz.base', L.pitchBaseHz);
    const max = num(p.max, 'pitchHz.max', L.pitchMaxHz);
    if (max < base) throw fail('pitchHz.max', `must be at least pitchHz.base (${base}), got ${max}`);
    out.pitchHz = { base, max };
  }
  if (obj.formants !== undefined) {
    const seen = new Set<number>();
    out.formants = list(obj.formants, 'formants', [1, MAX_FORMANTS]).map((item, i): EspeakFormant => {
      const where = `formants[${i}]`;
      const f = record(item, where, ['n', 'freq', 'height', 'width']);
      const n = num(f.n, `${where}.n`, L.formantN);
      if (!Number.isInteger(n)) throw fail(`${where}.n`, `must be a whole formant number 0–8 (got ${n})`);
      if (seen.has(n)) throw fail(`${where}.n`, `repeats formant ${n}`);
      seen.add(n);
      return {
        n,
        freq: num(f.freq, `${where}.freq`, L.formantFreq),
        height: num(f.height, `${where}.height`, L.formantHeight),
        width: num(f.width, `${where}.width`, L.formantWidth),
      };
    });
  }
  if (obj.tone !== undefined) {
    let last = -Infinity;
    out.tone = list(obj.tone, 'tone', L.tonePoints).map((item, i) => {
      const where = `tone[${i}]`;
      const t = record(item, where, ['hz', 'amplitude']);
      const hz = num(t.hz, `${where}.hz`, L.toneHz);
      // espeak interpolates between the points in order: they must rise.
      if (hz <= last) throw fail(`${where}.hz`, `must be above the previous point's ${last} Hz (got ${hz})`);
      last = hz;
      return { hz, amplitude: num(t.amplitude, `${where}.amplitude`, L.toneAmplitude) };
    });
  }
  for (const key of ['breath', 'breathw'] as const) {
    if (obj[key] === undefined) continue;
    out[key] = list(obj[key], key, [BREATH_VALUES, BREATH_VALUES]).map((v, i) => num(v, `${key}[${i}]`, L[key]));
  }
  for (const key of ['roughness', 'flutter', 'voicing'] as const) {
    if (obj[key] !== undefined) out[key] = num(obj[key], key, L[key]);
  }
  if (obj.echo !== undefined) {
    const e = record(obj.echo, 'echo', ['delayMs', 'amplitude']);
    out.echo = { delayMs: num(e.delayMs, 'echo.delayMs', L.echoDelayMs), amplitude: num(e.amplitude, 'echo.amplitude', L.echoAmplitude) };
  }
  return out;
}
