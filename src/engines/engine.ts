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
  data: VoiceData;
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
}

/** What the main thread knows about an engine without loading it. */
export interface EngineInfo {
  readonly id: EngineId;
  readonly sampleRate: number;
  readonly description: string;
  available(): boolean;
  /** How to make the engine available, for 503 messages. */
  readonly installHint: string;
  builtinVoices(): readonly BuiltinVoice[];
  /** Loads the engine itself (in a worker thread or in-process). */
  load(): Promise<Engine>;
}
