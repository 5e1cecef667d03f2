import { dirname } from 'node:path';
import { EspeakEngine } from '../espeak/engine.js';
import type { Engine, SynthesisInput } from '../engine.js';
import { lexiconDir } from './g2p/lexicon-files.js';
import { Lexicons } from './g2p/lexicons.js';
import { KOKORO_MODEL_SAMPLE_RATE, KOKORO_STYLE_DIM, KokoroModel, type KokoroModelOptions } from './model.js';
import { KOKORO_LANGUAGES, phonemizeText, type KokoroLanguage, type PhonemizedText } from './phonemize.js';
import { splitForModel, styleRowIndex, toModelInput, tokenize } from './tokens.js';
import { trimSilence } from './trim.js';

export interface KokoroEngineOptions extends KokoroModelOptions {
  /** Called with every phoneme symbol the vocab lacks (the engine drops them). */
  onUnknownSymbol?: (symbol: string) => void;
  /** Called once per synthesis that dropped symbols, with how often each was dropped. */
  onUnknownSymbols?: (counts: Record<string, number>) => void;
  /** The thread's espeak-ng, shared as the phonemiser (one instance is ~30 MB); default: a new one. */
  espeak?: Promise<EspeakEngine>;
  /** Where misaki's English lexicons are; default `lexicon/` beside the model file. Without them English goes through espeak-ng alone. */
  lexiconDir?: string;
}

/**
 * Kokoro-82M: text → Kokoro phonemes (English: lexicon first, espeak-ng for the rest; other
 * languages: espeak-ng) → token ids, in pieces of at
 * most 510 tokens; each piece runs the model with the style row for its length
 * and the requested speed, and comes out trimmed of silence at 24 kHz.
 */
export class KokoroEngine implements Engine {
  readonly id = 'kokoro';
  readonly sampleRate = KOKORO_MODEL_SAMPLE_RATE;

  private constructor(
    private readonly model: KokoroModel,
    private readonly espeak: EspeakEngine,
    private readonly options: KokoroEngineOptions,
    /** Read on first English use. */
    readonly lexicons: Lexicons,
  ) {}

  static async load(modelPath: string, options: KokoroEngineOptions = {}): Promise<KokoroEngine> {
    const [model, espeak] = await Promise.all([KokoroModel.load(modelPath, options), options.espeak ?? EspeakEngine.load()]);
    return new KokoroEngine(model, espeak, options, new Lexicons(options.lexiconDir ?? lexiconDir(dirname(modelPath))));
  }

  /** Kokoro takes the speed itself, over the API's whole range. */
  residualSpeed(): number {
    return 1;
  }

  /** The token ids of each model call for this text, in order (exposed for tests and benchmarks). */
  tokenPieces(text: string, language: KokoroLanguage): number[][] {
    const counts: Record<string, number> = {};
    const { phonemes } = this.phonemize(text, language);
    const pieces = splitForModel(phonemes)
      .map((piece) =>
        tokenize(piece, (symbol) => {
          counts[symbol] = (counts[symbol] ?? 0) + 1;
          this.options.onUnknownSymbol?.(symbol);
        }),
      )
      .filter((ids) => ids.length > 0);
    if (Object.keys(counts).length > 0) this.options.onUnknownSymbols?.(counts);
    return pieces;
  }

  /** The phonemes this engine reads `text` as (before tokenisation). */
  phonemize(text: string, language: KokoroLanguage): PhonemizedText {
    const lexicon = language === 'en-us' || language === 'en-gb' ? this.lexicons.get(language) : null;
    return phonemizeText(this.espeak, text, language, lexicon);
  }

  async *synthesize(input: SynthesisInput): AsyncIterable<Float32Array> {
    if (input.voice.engine !== 'kokoro') throw new Error(`Kokoro cannot speak a ${input.voice.engine} voice`);
    const tensor = input.voice.tensor;
    for (const ids of this.tokenPieces(input.text, kokoroLanguage(input.language))) {
      if (input.signal?.aborted) return;
      const row = styleRowIndex(ids.length);
      const style = tensor.subarray(row * KOKORO_STYLE_DIM, (row + 1) * KOKORO_STYLE_DIM);
      const waveform = await this.model.run(toModelInput(ids), style, input.speed);
      yield trimSilence(waveform, this.sampleRate);
    }
  }

  async release(): Promise<void> {
    await this.model.release();
  }
}

/** A voice's language as one Kokoro phonemises; anything else is read as American English. */
export function kokoroLanguage(language: string | undefined): KokoroLanguage {
  return KOKORO_LANGUAGES.find((l) => l === language) ?? 'en-us';
}
