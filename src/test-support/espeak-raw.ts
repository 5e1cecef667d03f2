/**
 * espeak-ng (WASM) driven without the engine's escaping, for tests only: what espeak itself says
 * it spoke for an input (its phoneme events, IPA), and the samples of an input such as
 * `[[k'oUk@roU]]` rendered directly with a voice's settings, exactly as EspeakEngine sets them.
 */
import createModule, { type EspeakWorker } from '@echogarden/espeak-ng-emscripten';
import type { EspeakVoiceData } from '../engines/engine.js';

let worker: Promise<EspeakWorker> | undefined;

async function raw(): Promise<EspeakWorker> {
  return (worker ??= createModule().then((module) => new module.eSpeakNGWorker()));
}

/** The phonemes espeak-ng reports speaking for `input` in the voice `base` (IPA, one entry per phoneme, pauses left out). */
export async function spokenPhonemes(input: string, base: string): Promise<string[]> {
  const w = await raw();
  if (w.set_voice(base) !== 0) throw new Error(`espeak-ng has no voice ${base}`);
  const phonemes: string[] = [];
  w.synthesize(input, (_samples, events) => {
    for (const event of events as { type: string; id?: unknown }[]) {
      if (event.type === 'phoneme' && typeof event.id === 'string' && event.id.length > 0 && !/^_+$/.test(event.id)) phonemes.push(event.id);
    }
    return 0;
  });
  return phonemes;
}

/**
 * `fn` (loading an espeak-ng) with the clock stopped: espeak-ng seeds its noise source (breath,
 * roughness) with the time in seconds when it starts, so two instances started in different
 * seconds render the same input a little differently.
 */
export async function atFixedClock<T>(fn: () => Promise<T>): Promise<T> {
  const now = Date.now;
  Date.now = () => 1_750_000_000_000;
  try {
    return await fn();
  } finally {
    Date.now = now;
  }
}

/**
 * `input` spoken as is by a voice without timbre settings (base, variant, rate, pitch, range,
 * volume): 16-bit samples at espeak's rate. espeak-ng's output depends a little on what it spoke
 * before (its noise source runs on) and on when it started (atFixedClock), so each call is a fresh
 * espeak-ng, started at the fixed clock, with the history of a freshly loaded EspeakEngine (one
 * synthesis of a space): compare with the first render of an engine loaded atFixedClock.
 */
export async function rawEspeakPcm(input: string, voice: EspeakVoiceData): Promise<Int16Array> {
  const w = await atFixedClock(async () => new (await createModule()).eSpeakNGWorker());
  w.synthesize(' ', () => 0);
  const name = voice.variant ? `${voice.base}+${voice.variant}` : voice.base;
  if (w.set_voice(name) !== 0) throw new Error(`espeak-ng has no voice ${name}`);
  w.set_rate(Math.round(voice.rate));
  w.set_pitch(Math.round(voice.pitch));
  w.set_range(Math.round(voice.range));
  w.set_volume(Math.round(voice.volume));
  const chunks: Int16Array[] = [];
  w.synthesize(input, (samples) => {
    if (samples.length > 0) chunks.push(samples.slice());
    return 0;
  });
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}
