/**
 * What a clone request asks for, in the forms it travels in: the fields of `POST
 * /v1/voices/create` (read and checked here, so that the route stays thin), the parameters a
 * thorough clone job stores as JSON text and reads back when it runs or resumes, and the
 * reference audio as the job's input bytes.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { EngineId, EngineInfo } from '../engines/engine.js';
import { ESPEAK_BUILTIN_VOICES } from '../engines/espeak/voices.js';
import { errors } from '../errors.js';
import type { CloneQuality, DecodedReference } from './cloner.js';

/** A thorough clone's time budget when the request names none, and the most it may ask for (seconds). */
export const DEFAULT_THOROUGH_SECONDS = 60;
export const MAX_THOROUGH_SECONDS = 600;
/**
 * The cloner is handed at most the first this many seconds of the (decoded, analysed)
 * reference: the fit's features settle well within a minute of speech, and a longer reference
 * would only make every candidate's comparison slower and a stored job's input larger.
 */
export const MAX_CLONE_REFERENCE_SECONDS = 60;
/**
 * A fast clone fits the first this many seconds: measuring the reference is part of its 3 s
 * (a minute of 48 kHz audio took 1.5 s to measure on a 2-core machine, 20 s about 0.4 s), and
 * 20 s hold enough speech for its features.
 */
export const FAST_CLONE_REFERENCE_SECONDS = 20;

/** The seconds of reference a clone of `quality` is fitted to. */
export function referenceSecondsFor(quality: CloneQuality): number {
  return quality === 'fast' ? FAST_CLONE_REFERENCE_SECONDS : MAX_CLONE_REFERENCE_SECONDS;
}

const ENGINES: readonly EngineId[] = ['espeak', 'kokoro'];
const QUALITIES: readonly CloneQuality[] = ['fast', 'thorough'];

/**
 * The languages an espeak clone may speak, each with the espeak-ng voice it is built on: those
 * of the builtin espeak voices, which are known to load (any other name could fail inside espeak).
 */
export const ESPEAK_CLONE_LANGUAGES: Readonly<Record<string, string>> = Object.freeze(
  Object.fromEntries(ESPEAK_BUILTIN_VOICES.map((v) => [v.language, v.data.base])),
);

/** Everything a clone job needs besides the audio; stored as JSON text with the job. */
export interface CloneParams {
  voiceName: string;
  description?: string | undefined;
  temporary: boolean;
  /** The temporary voice's session (generated when the request named none); null for a custom voice without one. */
  sessionId: string | null;
  ttlSeconds?: number | undefined;
  engine: EngineId;
  /** The clone's language, e.g. "en-us" (espeak: a key of ESPEAK_CLONE_LANGUAGES). */
  language: string;
  /** The thorough search's budget, seconds. */
  maxSeconds: number;
}

const paramsSchema = z
  .object({
    voiceName: z.string().min(1).max(64),
    description: z.string().max(1000).optional(),
    temporary: z.boolean(),
    sessionId: z.string().min(1).max(128).nullable(),
    ttlSeconds: z.number().int().min(1).optional(),
    engine: z.enum(['espeak', 'kokoro']),
    language: z.string().min(1).max(32),
    maxSeconds: z.number().int().min(1).max(MAX_THOROUGH_SECONDS),
  })
  .strict();

export function serializeCloneParams(params: CloneParams): string {
  return JSON.stringify(paramsSchema.parse(params));
}

/** Parameters from `serializeCloneParams`; a 400 `invalid_clone_params` for anything else. */
export function parseCloneParams(text: string): CloneParams {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw errors.invalidParam('params', `Clone parameters are not JSON: ${(error as Error).message}`, 'invalid_clone_params');
  }
  const parsed = paramsSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw errors.invalidParam('params', `Invalid clone parameters: ${issue.path.join('.') || 'value'} ${issue.message}`, 'invalid_clone_params');
  }
  return parsed.data;
}

/** What the create route needs to know beyond the form: the defaults of this server. */
export interface CloneFieldDefaults {
  /** The engine of the default voice. */
  engine: EngineId;
  /** The language of the default voice, used when it is of the chosen engine. */
  defaultVoice: { engine: EngineId; language: string };
}

/** The engine and language of the default voice (what a clone is made for unless the request says otherwise). */
export async function cloneDefaults(library: {
  defaultVoiceName(): string;
  get(name: string): Promise<{ engine: string; language: string } | undefined>;
}): Promise<CloneFieldDefaults> {
  const voice = await library.get(library.defaultVoiceName());
  const engine: EngineId = voice?.engine === 'kokoro' ? 'kokoro' : 'espeak';
  return { engine, defaultVoice: { engine, language: voice?.language ?? 'en-us' } };
}

/** The engine a clone is for, when it can run here; else 503 saying how to install it. */
export function requireCloneEngine(engines: readonly EngineInfo[], id: EngineId): void {
  const engine = engines.find((e) => e.id === id);
  if (!engine) throw errors.invalidParam('engine', `Unknown engine '${id}'`, 'invalid_engine');
  if (!engine.available()) throw errors.engineUnavailable(engine.id, engine.installHint);
}

export interface CloneFields {
  params: CloneParams;
  quality: CloneQuality;
  /** Whether the request named its session (else `params.sessionId` was generated). */
  sessionGiven: boolean;
}

/**
 * The create route's text fields, checked field by field (every refusal is a 400 naming its
 * field): `voice_name` required; `temporary` true/false/1/0; `engine` espeak|kokoro; `quality`
 * fast|thorough; `max_seconds` 1–600 and for thorough clones only; `ttl_seconds` a whole number
 * (its range and the name, session and description are the library's to check, in `precheck`);
 * `language` (an extension) one of the clone languages of the engine. Empty fields count as absent.
 */
export function parseCloneFields(fields: Record<string, string | undefined>, defaults: CloneFieldDefaults): CloneFields {
  const get = (name: string): string | undefined => {
    const v = fields[name];
    return v === undefined || v === '' ? undefined : v;
  };
  const voiceName = get('voice_name');
  if (voiceName === undefined) throw errors.missingParam('voice_name');
  const temporary = parseBool(get('temporary'), 'temporary') ?? true;
  const engine = oneOf(get('engine'), ENGINES, 'engine', 'invalid_engine') ?? defaults.engine;
  const quality = oneOf(get('quality'), QUALITIES, 'quality', 'invalid_quality') ?? 'fast';
  const maxText = get('max_seconds');
  if (maxText !== undefined && quality !== 'thorough') {
    throw errors.invalidParam('max_seconds', "'max_seconds' applies to thorough clones only (quality=thorough)");
  }
  const maxSeconds = parseWhole(maxText, 'max_seconds') ?? DEFAULT_THOROUGH_SECONDS;
  if (maxSeconds < 1 || maxSeconds > MAX_THOROUGH_SECONDS) {
    throw errors.invalidParam('max_seconds', `'max_seconds' must be a whole number from 1 to ${MAX_THOROUGH_SECONDS}`);
  }
  const given = get('session_id');
  const language = cloneLanguage(engine, get('language'), defaults.defaultVoice);
  return {
    params: {
      voiceName,
      description: fields.description,
      temporary,
      sessionId: given ?? (temporary ? randomUUID() : null),
      ttlSeconds: parseWhole(get('ttl_seconds'), 'ttl_seconds'),
      engine,
      language,
      maxSeconds,
    },
    quality,
    sessionGiven: given !== undefined,
  };
}

/** The clone's language: as asked (checked), else the default voice's when it is of that engine, else en-us. */
export function cloneLanguage(engine: EngineId, asked: string | undefined, defaultVoice: { engine: EngineId; language: string }): string {
  if (engine === 'espeak') {
    const fallback = defaultVoice.engine === 'espeak' && defaultVoice.language in ESPEAK_CLONE_LANGUAGES ? defaultVoice.language : 'en-us';
    const language = asked?.toLowerCase() ?? fallback;
    if (!Object.hasOwn(ESPEAK_CLONE_LANGUAGES, language)) {
      throw errors.invalidParam('language', `espeak clones speak one of ${Object.keys(ESPEAK_CLONE_LANGUAGES).join(', ')}; got ${JSON.stringify(asked)}`, 'invalid_language');
    }
    return language;
  }
  const language = asked?.toLowerCase() ?? (defaultVoice.engine === engine ? defaultVoice.language : 'en-us');
  if (!/^[a-z]{2,3}(?:-[a-z0-9]{1,8}){0,3}$/.test(language)) {
    throw errors.invalidParam('language', `'language' must be a language tag such as en-us, got ${JSON.stringify(asked)}`, 'invalid_language');
  }
  return language;
}

function parseBool(value: string | undefined, param: string): boolean | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw errors.invalidParam(param, `'${param}' must be true, false, 1 or 0, got ${JSON.stringify(value.slice(0, 40))}`);
}

function parseWhole(value: string | undefined, param: string): number | undefined {
  if (value === undefined) return undefined;
  // Plain digits only: Number() would read '1e3' as 1000 and ' ' as 0.
  const n = /^\s*\d{1,9}\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) throw errors.invalidParam(param, `'${param}' must be a whole number, got ${JSON.stringify(value.slice(0, 40))}`);
  return n;
}

function oneOf<T extends string>(value: string | undefined, allowed: readonly T[], param: string, code: string): T | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (!(allowed as readonly string[]).includes(v)) {
    throw errors.invalidParam(param, `Unknown ${param} ${JSON.stringify(value.slice(0, 40))}; use one of ${allowed.join(', ')}`, code);
  }
  return v as T;
}

/**
 * The first `seconds` of a reference (the same object when it is no longer). A copy, not a
 * view: a view sent to a thread would take the whole buffer under it along.
 */
export function capReference(reference: DecodedReference, seconds = MAX_CLONE_REFERENCE_SECONDS): DecodedReference {
  const max = Math.floor(seconds * reference.sampleRate);
  return reference.samples.length <= max ? reference : { samples: reference.samples.slice(0, max), sampleRate: reference.sampleRate };
}

// ——— the reference as a job's input ———

const MAGIC = 'LTCLREF1';
const HEADER_BYTES = 16;

/** A reference as bytes: "LTCLREF1", the rate and the sample count (uint32 LE), then the samples (s16le). */
export function cloneJobInput(reference: DecodedReference): Uint8Array {
  const { samples, sampleRate } = reference;
  const out = new Uint8Array(HEADER_BYTES + samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < MAGIC.length; i++) out[i] = MAGIC.charCodeAt(i);
  view.setUint32(8, sampleRate, true);
  view.setUint32(12, samples.length, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(HEADER_BYTES + 2 * i, samples[i]!, true);
  return out;
}

/** The reference in `cloneJobInput`'s bytes; throws on anything else (a stored job whose input is damaged). */
export function referenceFromJobInput(bytes: Uint8Array): DecodedReference {
  if (bytes.length < HEADER_BYTES || String.fromCharCode(...bytes.subarray(0, 8)) !== MAGIC) {
    throw errors.invalidParam('input', 'The clone job input is not a stored reference', 'invalid_clone_input');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const sampleRate = view.getUint32(8, true);
  const count = view.getUint32(12, true);
  if (sampleRate < 4000 || sampleRate > 768_000 || bytes.length !== HEADER_BYTES + count * 2) {
    throw errors.invalidParam('input', 'The clone job input is damaged (its header does not match its length)', 'invalid_clone_input');
  }
  const samples = new Int16Array(count);
  for (let i = 0; i < count; i++) samples[i] = view.getInt16(HEADER_BYTES + 2 * i, true);
  return { samples, sampleRate };
}
