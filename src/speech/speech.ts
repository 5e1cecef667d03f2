import { createHash } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import { inProcessEncoders, type AudioEncoder, type EncoderFactory } from '../audio/encoders/index.js';
import { AUDIO_FORMATS, type AudioFormat } from '../audio/formats.js';
import { OUTPUT_SAMPLE_RATE } from '../audio/pcm.js';
import type { Config } from '../config.js';
import { parseEngineLoadError } from '../engines/index.js';
import type { Renderer } from '../engines/renderer.js';
import { errors } from '../errors.js';
import { normalizeText } from '../text/normalize.js';
import type { NormalizationOptions } from '../text/options.js';
import { splitSentences } from '../text/sentences.js';
import type { ResolvedVoice } from '../voices/voice.js';

export interface SpeechRequest {
  /** Pieces of text from `pieces()`, spoken in order. */
  pieces: readonly string[];
  voice: ResolvedVoice;
  speed: number;
  format: AudioFormat;
  /** Aborted when the client goes away: no further pieces are rendered. */
  signal?: AbortSignal;
  /** The engine's model (file, variant): part of the audio cache key. */
  model?: string;
}

/** What the service reports as it works (metrics are kept elsewhere). */
export interface SpeechObserver {
  admitted?(active: number): void;
  released?(active: number): void;
  rejected?(): void;
  pieceRendered?(engine: string): void;
  cacheHit?(): void;
  finished?(engine: string, format: AudioFormat, audioSeconds: number, completed: boolean): void;
}

/** Half a second of output audio per encoder call. */
const ENCODE_SLICE = OUTPUT_SAMPLE_RATE / 2;

type SpeechSettings = Pick<
  Config,
  'maxQueue' | 'mp3Bitrate' | 'opusBitrate' | 'aacBitrate' | 'sentenceMaxChars' | 'firstSentenceMaxChars'
> & { audioCacheMb?: number };

/**
 * text → pieces → engine (worker threads) → encoder → bytes, streamed piece by
 * piece: the first piece's audio leaves before the rest is synthesised.
 * Each request renders one piece at a time, so one long request cannot take
 * every thread from the others; the next piece is queued before the current
 * one is encoded so the thread never idles on the encoder.
 */
export class SpeechService {
  private active = 0;
  /** Whole encoded responses of repeated requests, bounded in bytes; keyed by content (see `stream`). */
  private readonly cache: LRUCache<string, Uint8Array[]> | null;
  private readonly maxCachedResponse: number;

  constructor(
    private readonly renderer: Renderer,
    private readonly settings: SpeechSettings,
    private readonly observer: SpeechObserver = {},
    /** The server passes encoder threads (`EncoderThreads`) so that encoding stays off the HTTP thread. */
    private readonly encoders: EncoderFactory = inProcessEncoders,
  ) {
    const bytes = (settings.audioCacheMb ?? 0) * 1024 * 1024;
    this.cache = bytes > 0 ? new LRUCache<string, Uint8Array[]>({ maxSize: bytes }) : null;
    // One response may take at most an eighth of the cache, so long texts do not flush it.
    this.maxCachedResponse = bytes / 8;
  }

  /** Requests being served or waiting for a thread. */
  get activeRequests(): number {
    return this.active;
  }

  get capacity(): number {
    return this.renderer.threads + this.settings.maxQueue;
  }

  /**
   * Reserves a place for one request or throws 503 when the queue is full.
   * Call before sending anything; the stream releases the place when it ends.
   */
  admit(): Admission {
    if (this.active >= this.capacity) {
      this.observer.rejected?.();
      throw errors.busy(1);
    }
    this.active++;
    this.observer.admitted?.(this.active);
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.active--;
        this.observer.released?.(this.active);
      },
    };
  }

  /**
   * The input as the pieces it is spoken in; none when nothing in it can be spoken. The
   * language is the voice's: it decides which normalisation rules apply (English ones only
   * to English voices).
   */
  pieces(input: string, language?: string, options?: Partial<NormalizationOptions>): string[] {
    return splitSentences(normalizeText(input, language, options), {
      maxChars: this.settings.sentenceMaxChars,
      firstMaxChars: this.settings.firstSentenceMaxChars,
    });
  }

  /**
   * Encoded audio chunks; the admission is released when the stream ends, however
   * it ends. A repeated request is answered from the audio cache, whose key holds
   * the voice's content hash: a deleted or changed voice can never be served from it
   * (and resolving a deleted voice fails before the cache is asked).
   */
  async *stream(request: SpeechRequest, admission: Admission): AsyncGenerator<Uint8Array> {
    const key = this.cache ? this.cacheKey(request) : '';
    const cached = this.cache?.get(key);
    if (cached) {
      try {
        this.observer.cacheHit?.();
        for (const chunk of cached) yield chunk;
      } finally {
        admission.release();
        this.observer.finished?.(request.voice.voice.engine, request.format, 0, true);
      }
      return;
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const outcome = { completed: false };
    for await (const chunk of this.synthesize(request, admission, outcome)) {
      if (this.cache && size <= this.maxCachedResponse) {
        chunks.push(chunk);
        size += chunk.length;
      }
      yield chunk;
    }
    if (this.cache && outcome.completed && size > 0 && size <= this.maxCachedResponse) this.cache.set(key, chunks, { size });
  }

  private async *synthesize(request: SpeechRequest, admission: Admission, outcome: { completed: boolean }): AsyncGenerator<Uint8Array> {
    const pieces = request.pieces;
    let encoder: AudioEncoder | undefined;
    const render = (i: number): Promise<Int16Array> => {
      const pending = this.renderer.render({
        text: pieces[i]!,
        voice: request.voice.data,
        speed: request.speed,
        language: request.voice.voice.language,
      });
      const mapped = pending.catch((error: unknown) => {
        const failed = parseEngineLoadError(error);
        throw failed ? errors.engineLoadFailed(failed.engine, failed.detail) : error;
      });
      mapped.catch(() => undefined); // awaited below unless the client left first
      return mapped;
    };
    let samples = 0;
    try {
      encoder = await this.encoders.create(request.format, { sampleRate: OUTPUT_SAMPLE_RATE, bitrate: this.bitrate(request.format) });
      let next = pieces.length > 0 ? render(0) : null;
      for (let i = 0; next !== null; i++) {
        const pcm = await next;
        if (request.signal?.aborted) return;
        next = i + 1 < pieces.length ? render(i + 1) : null;
        samples += pcm.length;
        this.observer.pieceRendered?.(request.voice.voice.engine);
        // Encode in slices so the first bytes of a long piece leave without waiting for all of it,
        // and give the event loop a turn between slices: an encoder on this thread (Opus) would
        // otherwise hold it for a whole piece, since awaiting a finished promise never yields.
        for (let at = 0; at < pcm.length; at += ENCODE_SLICE) {
          if (at > 0) await setImmediate();
          const bytes = await encoder.write(pcm.subarray(at, at + ENCODE_SLICE));
          if (bytes.length > 0) yield bytes;
        }
      }
      const tail = await encoder.end();
      if (tail.length > 0) yield tail;
      outcome.completed = true;
    } finally {
      encoder?.close();
      admission.release();
      this.observer.finished?.(request.voice.voice.engine, request.format, samples / OUTPUT_SAMPLE_RATE, outcome.completed);
    }
  }

  /**
   * All of `text` in `voice` as 24 kHz PCM, not encoded (the speaker-similarity scorer
   * measures the samples). Admitted like any speech request (503 when the queue is full);
   * the pieces render on the synthesis threads one after another, and stop when `signal` aborts.
   */
  async renderPcm(voice: ResolvedVoice, text: string, signal?: AbortSignal): Promise<Int16Array> {
    const admission = this.admit();
    try {
      const parts: Int16Array[] = [];
      let length = 0;
      for (const piece of this.pieces(text, voice.voice.language)) {
        signal?.throwIfAborted();
        const pcm = await this.renderer
          .render({ text: piece, voice: voice.data, speed: 1, language: voice.voice.language })
          .catch((error: unknown) => {
            const failed = parseEngineLoadError(error);
            throw failed ? errors.engineLoadFailed(failed.engine, failed.detail) : error;
          });
        this.observer.pieceRendered?.(voice.voice.engine);
        parts.push(pcm);
        length += pcm.length;
      }
      signal?.throwIfAborted();
      const out = new Int16Array(length);
      let at = 0;
      for (const part of parts) {
        out.set(part, at);
        at += part.length;
      }
      return out;
    } finally {
      admission.release();
    }
  }

  private cacheKey(request: SpeechRequest): string {
    return createHash('sha256')
      .update(
        JSON.stringify([
          request.voice.voice.engine,
          request.model ?? '',
          request.voice.hash,
          request.pieces,
          request.speed,
          request.format,
          this.bitrate(request.format) ?? 0,
        ]),
      )
      .digest('hex');
  }

  /** Compiles and exercises every encoder once (on every encoder thread), so the first request of each format is not slow. */
  async warmUpEncoders(): Promise<void> {
    await this.encoders.warmUp(AUDIO_FORMATS.map((format) => ({ format, options: { sampleRate: OUTPUT_SAMPLE_RATE, bitrate: this.bitrate(format) } })));
  }

  private bitrate(format: AudioFormat): number | undefined {
    if (format === 'mp3') return this.settings.mp3Bitrate * 1000;
    if (format === 'opus') return this.settings.opusBitrate * 1000;
    if (format === 'aac') return this.settings.aacBitrate * 1000;
    return undefined;
  }
}

export interface Admission {
  release(): void;
}
