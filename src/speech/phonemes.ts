/**
 * What an engine is given for a text, for `POST /v1/audio/phonemes`: the text as the server
 * normalises and splits it, then, per piece, Kokoro's phonemes and token ids (the same
 * phonemizeText and tokenize the Kokoro engine calls, with the lexicons of the model directory)
 * or espeak-ng's IPA for espeak voices (inline pronunciations as the phonemes espeak speaks for them). It runs on the calling thread with an espeak-ng of its
 * own, loaded on first use; the input is bounded by the server's maxInputChars, and the thread is
 * given back between pieces (sentences), so a long input of words no lexicon has (each one an
 * espeak-ng call) holds it for one piece at a time, not for the whole text.
 */
import type { NormalizationOptions } from '../text/options.js';
import { setImmediate as yieldThread } from 'node:timers/promises';
import { errors } from '../errors.js';
import type { EspeakEngine } from '../engines/espeak/engine.js';
import { Lexicons } from '../engines/kokoro/g2p/lexicons.js';
import { KOKORO_LANGUAGES, phonemizeText, type KokoroLanguage } from '../engines/kokoro/phonemize.js';
import { splitForModel, tokenize } from '../engines/kokoro/tokens.js';
import type { ResolvedVoice } from '../voices/voice.js';

export interface PhonemesResult {
  /** The text as it will be read: the normalised pieces, joined by spaces. */
  normalized: string;
  /** The phonemes of the pieces, joined by spaces. */
  phonemes: string;
  /** Kokoro only: the token ids of every model call in order (each call is framed by pad id 0 on its way to the model). */
  tokens?: number[];
  language: string;
  /**
   * Symbols dropped, with how often: for Kokoro those its vocab lacks (dropped before
   * tokenisation); for espeak voices the Kokoro symbols of inline pronunciations and server-lexicon
   * entries that espeak-ng has no phoneme for.
   */
  dropped?: Record<string, number>;
}

export interface PhonemeServiceOptions {
  /** The server's normaliser and splitter (SpeechService.pieces): the pieces the engine is given. */
  pieces: (input: string, language?: string, options?: Partial<NormalizationOptions>) => string[];
  /** Where the Kokoro model directory keeps misaki's lexicons. */
  lexiconDir: string;
  /** Default: a new espeak-ng on first use. */
  espeak?: () => Promise<EspeakEngine>;
}

export class PhonemeService {
  private espeak: Promise<EspeakEngine> | null = null;
  private readonly lexicons: Lexicons;

  constructor(private readonly options: PhonemeServiceOptions) {
    this.lexicons = new Lexicons(options.lexiconDir);
  }

  /** The language `value` names for Kokoro (case-insensitive); a LiteTtsError (invalid, unknown_language) otherwise. */
  static kokoroLanguage(value: string): KokoroLanguage {
    const found = KOKORO_LANGUAGES.find((l) => l === value.toLowerCase());
    if (!found) throw errors.unknownLanguage(value, KOKORO_LANGUAGES);
    return found;
  }

  /**
   * What the engine of `voice` would be given for `input` (Kokoro: in `language`, default the
   * voice's); with no voice, Kokoro's reading in `language`.
   */
  async phonemes(input: string, target: { voice: ResolvedVoice | null; language: string | null }, normalization?: Partial<NormalizationOptions>): Promise<PhonemesResult> {
    const voice = target.voice;
    // Normalised in the language it is read in, as the speech route does.
    const readIn = voice?.data.engine === 'espeak' ? voice.voice.language : PhonemeService.kokoroLanguage(target.language ?? voice?.voice.language ?? 'en-us');
    const pieces = this.options.pieces(input, readIn, normalization);
    if (pieces.length === 0) throw errors.emptyInput();
    const espeak = await this.espeakEngine();
    const normalized = pieces.join(' ');
    if (voice?.data.engine === 'espeak') {
      const base = voice.data.base;
      const phonemes: string[] = [];
      const dropped: Record<string, number> = {};
      for (const [i, piece] of pieces.entries()) {
        if (i > 0) await yieldThread();
        // Inline pronunciations as the espeak-ng phonemes they become; symbols espeak lacks dropped and counted.
        const reading = espeak.reading(piece, base);
        phonemes.push(reading.phonemes.replaceAll('_', '').replace(/\s+/g, ' ').trim());
        for (const symbol of reading.dropped) dropped[symbol] = (dropped[symbol] ?? 0) + 1;
      }
      return { normalized, phonemes: phonemes.join(' '), language: voice.voice.language, ...(Object.keys(dropped).length > 0 && { dropped }) };
    }
    const language = PhonemeService.kokoroLanguage(target.language ?? voice?.voice.language ?? 'en-us');
    const lexicon = language === 'en-us' || language === 'en-gb' ? this.lexicons.get(language) : null;
    const dropped: Record<string, number> = {};
    const phonemes: string[] = [];
    const tokens: number[] = [];
    for (const [i, piece] of pieces.entries()) {
      if (i > 0) await yieldThread();
      const ps = phonemizeText(espeak, piece, language, lexicon).phonemes;
      phonemes.push(ps);
      for (const part of splitForModel(ps)) tokens.push(...tokenize(part, (symbol) => (dropped[symbol] = (dropped[symbol] ?? 0) + 1)));
    }
    return { normalized, phonemes: phonemes.join(' '), tokens, language, ...(Object.keys(dropped).length > 0 && { dropped }) };
  }

  private espeakEngine(): Promise<EspeakEngine> {
    if (!this.espeak) {
      const load = this.options.espeak ?? (async () => (await import('../engines/espeak/engine.js')).EspeakEngine.load());
      this.espeak = load();
      this.espeak.catch(() => (this.espeak = null));
    }
    return this.espeak;
  }
}
