import createModule, { type EspeakModule, type EspeakWorker } from '@echogarden/espeak-ng-emscripten';
import { int16ToFloat } from '../../audio/pcm.js';
import type { Engine, EspeakVoiceData, SynthesisInput } from '../engine.js';

import { ESPEAK_SAMPLE_RATE } from './constants.js';
import { escapeText, espeakInput } from './input.js';
import { hasTimbre, variantFile } from './timbre.js';

const VARIANTS_DIR = '/usr/share/espeak-ng-data/voices/!v';
/** Generated variant files kept in the virtual FS (a few hundred bytes each); the oldest go first. */
const MAX_WRITTEN_VARIANTS = 4096;
/** espeak-ng treats rates outside this range as the nearest bound (measured). */
const MIN_RATE = 80;
const MAX_RATE = 450;

/** One in-process espeak-ng (WASM) instance; keep one per thread, it is not re-entrant. */
export class EspeakEngine implements Engine {
  readonly id = 'espeak';
  readonly sampleRate = ESPEAK_SAMPLE_RATE;
  private currentVoice = '';
  /** Names of the timbre variant files written into the virtual FS (reused by content). */
  private readonly written = new Map<string, true>();

  private readonly utf8 = new TextDecoder();

  private constructor(
    private readonly module: EspeakModule,
    private readonly worker: EspeakWorker,
    readonly variants: ReadonlySet<string>,
  ) {}

  static async load(): Promise<EspeakEngine> {
    const module = await createModule();
    const worker = new module.eSpeakNGWorker();
    const variants = new Set(module.FS.readdir(VARIANTS_DIR).filter((n) => !n.startsWith('.')));
    // espeak's phonemiser reads text in the modes of the last synthesis (SSML and phoneme input,
    // as the wrapper's synthesize sets them): one synthesis now, so that it always does, and
    // escaped text (input.ts) reads the same in both.
    worker.synthesize(' ', () => 0);
    return new EspeakEngine(module, worker, variants);
  }

  residualSpeed(input: SynthesisInput): number {
    const wanted = this.voiceOf(input).rate * input.speed;
    return wanted / clampRate(wanted);
  }

  async *synthesize(input: SynthesisInput): AsyncIterable<Float32Array> {
    const voice = this.voiceOf(input);
    this.applyVoice(voice, clampRate(voice.rate * input.speed));
    const chunks: Float32Array[] = [];
    const text = espeakInput(input.text, voice.base).text;
    // espeak synthesises synchronously and hands back chunks through the callback;
    // returning 1 stops it, which is how an abort cuts a long utterance short.
    this.worker.synthesize(text, (samples) => {
      if (samples.length > 0) chunks.push(int16ToFloat(samples));
      return input.signal?.aborted ? 1 : 0;
    });
    for (const chunk of chunks) yield chunk;
  }

  /**
   * IPA phonemes for `text` in the given espeak voice (the phonemiser Kokoro needs): one line per
   * clause, phonemes of a word joined by '_'. espeak_TextToPhonemes gives what a synthesis would
   * speak without synthesising it (about 8× faster than synthesize_ipa, same phonemes).
   */
  phonemize(text: string, base: string): string {
    return this.textToPhonemes(escapeText(text), base);
  }

  /**
   * What `synthesize` speaks for `text` in the voice `base`, as `phonemize` writes it: inline
   * pronunciations as the espeak-ng phonemes they become, with the Kokoro symbols that have none
   * (dropped) in order.
   */
  reading(text: string, base: string): { phonemes: string; dropped: string[] } {
    const input = espeakInput(text, base);
    return { phonemes: this.textToPhonemes(input.text, base), dropped: input.dropped };
  }

  private textToPhonemes(input: string, base: string): string {
    this.selectVoice(base);
    const pointer = this.module.getPointer(this.worker.text_to_phonemes(input, true));
    if (pointer === 0) throw new Error('espeak-ng could not phonemise text');
    const heap = this.module.HEAPU8;
    const end = heap.indexOf(0, pointer);
    const clauses = this.utf8.decode(heap.subarray(pointer, end < 0 ? heap.length : end));
    return clauses.length === 0 ? '' : `${clauses.split(' | ').join('\n')}\n`;
  }

  private voiceOf(input: SynthesisInput): EspeakVoiceData {
    if (input.voice.engine !== 'espeak') throw new Error(`espeak cannot speak a ${input.voice.engine} voice`);
    return input.voice;
  }

  private applyVoice(voice: EspeakVoiceData, rate: number): void {
    if (voice.variant !== null && !this.variants.has(voice.variant)) {
      throw new Error(`espeak-ng has no voice variant '${voice.variant}'`);
    }
    this.selectVoice(hasTimbre(voice) ? `${voice.base}+${this.timbreVariant(voice)}` : voice.variant ? `${voice.base}+${voice.variant}` : voice.base);
    this.worker.set_rate(Math.round(rate));
    this.worker.set_pitch(Math.round(voice.pitch));
    this.worker.set_range(Math.round(voice.range));
    this.worker.set_volume(Math.round(voice.volume));
  }

  /**
   * The name of a variant file holding the voice's variant and timbre (written on first use):
   * espeak loads it over the base language exactly as it loads its own variants.
   */
  private timbreVariant(voice: EspeakVoiceData): string {
    const variantText = voice.variant === null ? null : this.module.FS.readFile(`${VARIANTS_DIR}/${voice.variant}`, { encoding: 'utf8' });
    const file = variantFile(voice, variantText);
    if (this.written.delete(file.name)) {
      this.written.set(file.name, true); // most recently used last
    } else {
      // espeak reads a variant file only while selecting the voice, so an old file can go at any time.
      const oldest = this.written.size >= MAX_WRITTEN_VARIANTS ? this.written.keys().next().value : undefined;
      if (oldest !== undefined) {
        this.module.FS.unlink(`${VARIANTS_DIR}/${oldest}`);
        this.written.delete(oldest);
      }
      this.module.FS.writeFile(`${VARIANTS_DIR}/${file.name}`, file.text);
      this.written.set(file.name, true);
    }
    return file.name;
  }

  private selectVoice(name: string): void {
    if (name === this.currentVoice) return;
    const code = this.worker.set_voice(name);
    if (code !== 0) throw new Error(`espeak-ng has no voice '${name}' (code ${code})`);
    this.currentVoice = name;
  }
}

function clampRate(wpm: number): number {
  return Math.min(MAX_RATE, Math.max(MIN_RATE, wpm));
}
