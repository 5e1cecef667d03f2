import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpegPath } from '../audio/ffmpeg.js';
import { floatToInt16 } from '../audio/pcm.js';
import type { EspeakVoiceData } from '../engines/engine.js';
import { renderEspeak } from './espeak-render.js';
import type { TestServer } from './server.js';
import { wavFile } from './wav.js';

/** What the clone e2e tests share: the create request, and reference recordings made by espeak and ffmpeg. */

export interface CreateAnswer {
  status: number;
  ms: number;
  headers: Headers;
  body: { error?: { code: string; param: string | null; message: string; analysis?: Record<string, unknown> } } & Record<string, unknown>;
}

/** POST /v1/voices/create with the text fields, and the file when given (field `audio_file`). */
export async function createVoice(server: TestServer, fields: Record<string, string>, file?: { name: string; bytes: Uint8Array }): Promise<CreateAnswer> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (file) form.append('audio_file', new Blob([file.bytes]), file.name);
  const started = performance.now();
  const response = await fetch(`${server.url}/v1/voices/create`, { method: 'POST', body: form });
  const body = (await response.json()) as CreateAnswer['body'];
  return { status: response.status, ms: performance.now() - started, headers: response.headers, body };
}

const BASE: EspeakVoiceData = { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 };
/** espeak's own defaults, the baseline a clone must beat. */
export const DEFAULT_ESPEAK: EspeakVoiceData = BASE;
/** A voice far from espeak's defaults: high (180 Hz base), fast, another variant, formants scaled by 1.15. */
export const HIDDEN_VOICE: EspeakVoiceData = {
  ...BASE,
  variant: 'f2',
  rate: 230,
  pitchHz: { base: 180, max: 260 },
  formants: [1, 2, 3, 4, 5].map((n) => ({ n, freq: 115, height: 100, width: 100 })),
};
/** About 10 s at the hidden voice's pace. */
export const REFERENCE_TEXT =
  'A reference recording has many words in it, spoken one after the other by the hidden voice, so that the fit has enough to hear. ' +
  'It goes on for a while longer, about ten seconds in all, and then it stops at the end of the third sentence.';

/** The hidden voice reading the reference text: 24 kHz 16-bit samples. */
export async function hiddenReference(): Promise<Int16Array> {
  return floatToInt16(await renderEspeak(HIDDEN_VOICE, REFERENCE_TEXT));
}

export function referenceWav(pcm: Int16Array): Uint8Array {
  return wavFile(pcm, 24_000);
}

/** `args` through the bundled ffmpeg into `dir/name`, returned as bytes. */
export function ffmpegFile(dir: string, name: string, args: string[]): Uint8Array {
  const path = join(dir, name);
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', ...args, '-y', path]);
  return new Uint8Array(readFileSync(path));
}
