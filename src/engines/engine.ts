/**
 * The engine interface. Engines know nothing of HTTP, the catalog or encoding:
 * text + voice data + speed in, PCM chunks at the engine's native rate out.
 */
export type EngineId = 'espeak' | 'kokoro';
export type Gender = 'female' | 'male';

/** espeak-ng voices are parameter sets over one of espeak's language voices. */
export interface EspeakVoiceData {
  engine: 'espeak';
  /** espeak-ng voice (language) name, e.g. "en-us", "fr", "cmn". */
  base: string;
  /** espeak-ng variant file, e.g. "f3", "m1", "klatt"; null for the language voice itself. */
  variant: string | null;
  /** 0–99, espeak's default 50. */
  pitch: number;
  /** Pitch range 0–99, default 50. */
  range: number;
  /** Words per minute at speed 1.0, default 175. */
  rate: number;
  /** 0–200, default 100. */
  volume: number;
  // Timbre: settings of an espeak-ng voice file, laid over the variant's own. Each is optional;
  // one that is absent keeps what the variant (or espeak) says, so a voice without any speaks
  // exactly as before. Limits and defaults: src/voices/formats/espeak.ts.
  /** The voice file's `pitch`: base and top of the intonation in Hz (espeak's 82 118). */
  pitchHz?: { base: number; max: number };
  /** `formant n freq height width`: formants 0–8, each in percent of the language's own. */
  formants?: EspeakFormant[];
  /** `tone`: the spectral tilt as up to 6 points (Hz, amplitude 0–255), rising in frequency. */
  tone?: { hz: number; amplitude: number }[];
  /** `breath`: noise added at formants 1–8 (8 values, 0 none). */
  breath?: number[];
  /** `breathw`: the bandwidths of that noise in Hz (8 values). */
  breathw?: number[];
  /** `roughness` 0–7 (espeak's 2). */
  roughness?: number;
  /** `flutter`: pitch jitter (espeak's 2). */
  flutter?: number;
  /** `voicing`: amplitude of voiced sounds, percent (espeak's 100). */
  voicing?: number;
  /** `echo`: delay in ms and amplitude in percent (espeak's 0 0). */
  echo?: { delayMs: number; amplitude: number };
}

/** One `formant` line of an espeak voice file. */
export interface EspeakFormant {
  /** 0–8. */
  n: number;
  /** Frequency, percent of the language's. */
  freq: number;
  /** Height (amplitude), percent. */
  height: number;
  /** Width (bandwidth), percent. */
  width: number;
}

/** Kokoro voices are style tensors: float32 510×256 (row i = style for i phoneme tokens). */
export interface KokoroVoiceData {
  engine: 'kokoro';
  tensor: Float32Array;
}

export type VoiceData = EspeakVoiceData | KokoroVoiceData;

export interface BuiltinVoice {
  name: string;
  engine: EngineId;
  language: string;
  gender: Gender | null;
  description: string;
  /** Whether the voice's data is here (espeak: always; Kokoro: its voice pack is installed). */
  installed(): boolean;
  /**
   * Where the voice's data is: given (espeak's parameters), or bytes in the form the library
   * stores voices in (a Kokoro voice pack, raw float32, from its file or an archive), read and
   * checked when the voice first speaks.
   */
  readonly source: { data: VoiceData } | { read: () => Promise<Uint8Array> };
}

export interface SynthesisInput {
  text: string;
  voice: VoiceData;
  /**
   * The voice's language (en-us, fr-fr, …): Kokoro needs it to phonemise, since its
   * voice data is only a style tensor. espeak voices carry their own language.
   */
  language?: string;
  /** 0.25–4.0; 1 is the voice's natural pace. */
  speed: number;
  signal?: AbortSignal;
}

/** A loaded engine, living in one worker thread (or in-process for the CLI). */
export interface Engine {
  readonly id: EngineId;
  /** Native output rate of `synthesize`, Hz. */
  readonly sampleRate: number;
  /** PCM in [-1, 1] at `sampleRate`, in chunks as the engine produces them. */
  synthesize(input: SynthesisInput): AsyncIterable<Float32Array>;
  /**
   * The tempo factor the engine cannot apply itself for this input (1 when it
   * honours `speed` fully); the renderer time-stretches by it.
   */
  residualSpeed(input: SynthesisInput): number;
  /** Frees what the engine holds (a model session); optional. */
  release?(): Promise<void>;
}

export interface EngineLoadOptions {
  /** Debug-level notes from the engine (e.g. phoneme symbols Kokoro's vocabulary lacks). */
  debug?: (details: Record<string, unknown>, message: string) => void;
  /** Another engine of the same thread, for an engine built on it (Kokoro phonemises with espeak-ng). */
  engine?: (id: EngineId) => Promise<Engine>;
}

/** What the main thread knows about an engine without loading it. */
export interface EngineInfo {
  readonly id: EngineId;
  readonly sampleRate: number;
  readonly description: string;
  /** Whether the engine can run here now (its model files are installed). */
  available(): boolean;
  /** How to make the engine (or one of its voices) available, for 503 messages. */
  readonly installHint: string;
  /** Changes whenever the engine's availability or the set of its installed voices changes. */
  state(): string;
  builtinVoices(): readonly BuiltinVoice[];
  /** The builtin voice spoken when a request or command names none. */
  readonly defaultVoice: string;
  /** OpenAI's voice names (alloy, echo, …) → this engine's builtin voices. */
  readonly openAiAliases: Readonly<Record<string, string>>;
  /** Loads the engine itself (in a worker thread or in-process). */
  load(options?: EngineLoadOptions): Promise<Engine>;
  /** Engine-specific facts for /health, beside `available` (Kokoro: its English lexicons). */
  health?(): Record<string, unknown>;
}

const LOAD_FAILED = 'engine failed to load: ';

/**
 * An engine that could not load (e.g. a damaged model file). Errors cross from worker
 * threads as plain messages, so the kind travels in the message itself.
 */
export function engineLoadError(id: EngineId, cause: unknown): Error {
  const detail = cause instanceof Error ? cause.message : String(cause);
  return new Error(`${LOAD_FAILED}${id}: ${detail}`, { cause });
}

/** The engine and reason of an `engineLoadError`, wherever it was thrown; null for other errors. */
export function parseEngineLoadError(error: unknown): { engine: EngineId; detail: string } | null {
  const message = error instanceof Error ? error.message : '';
  const match = new RegExp(`^${LOAD_FAILED}(espeak|kokoro): ([\\s\\S]*)$`).exec(message);
  return match ? { engine: match[1] as EngineId, detail: match[2]! } : null;
}
