import { existsSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { CONTENT_TYPES, type AudioFormat } from '../formats.js';
import type { AudioEncoder, EncoderOptions } from './encoder.js';
import { createEncoder, inProcessEncoders, type EncoderFactory, type WarmUpFormat } from './index.js';

/** Messages to an encoder thread; each is answered once with the bytes it produced or an error. */
export type EncoderRequest =
  | { call: number; op: 'open'; stream: number; format: AudioFormat; options: EncoderOptions }
  | { call: number; op: 'write'; stream: number; pcm: Int16Array }
  | { call: number; op: 'end'; stream: number }
  | { call: number; op: 'close'; stream: number }
  | { call: number; op: 'warm'; formats: readonly WarmUpFormat[] };
export type EncoderReply = { call: number; bytes: Uint8Array } | { call: number; error: string };

type Request = EncoderRequest extends infer R ? (R extends { call: number } ? Omit<R, 'call'> : never) : never;

/**
 * The formats whose encoders cost real CPU here and run in WebAssembly (LAME,
 * libFLAC). pcm and wav are byte copies; AAC's work happens in its own ffmpeg
 * process. Opus stays on the calling thread too: @evan/opus is a native addon
 * that crashes the process (SIGSEGV) when a worker thread that loaded it exits,
 * and at complexity 3 it costs about a third of what LAME does.
 */
const THREADED: ReadonlySet<AudioFormat> = new Set(['mp3', 'flac']);

/** One worker thread and the calls waiting for its answers. */
class EncoderThread {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(bytes: Uint8Array): void; reject(error: Error): void }>();
  #calls = 0;
  /** Streams bound to this thread: new streams go to the thread with the fewest. */
  streams = 0;
  failed: Error | null = null;

  constructor(file: URL) {
    this.#worker = new Worker(file);
    // An idle encoder thread never holds the process open; it is ref'd only while a call is out.
    this.#worker.unref();
    this.#worker.on('message', (reply: EncoderReply) => {
      const waiting = this.#pending.get(reply.call);
      if (!waiting) return;
      this.#settled(reply.call);
      if ('bytes' in reply) waiting.resolve(reply.bytes);
      else waiting.reject(new Error(reply.error));
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`encoder thread exited with code ${code}`)));
  }

  call(request: Request, transfer: ArrayBuffer[] = []): Promise<Uint8Array> {
    if (this.failed) return Promise.reject(this.failed);
    const call = ++this.#calls;
    if (this.#pending.size === 0) this.#worker.ref();
    return new Promise<Uint8Array>((resolve, reject) => {
      this.#pending.set(call, { resolve, reject });
      this.#worker.postMessage({ ...request, call }, transfer);
    });
  }

  async terminate(): Promise<void> {
    this.#fail(new Error('encoder threads closed'));
    await this.#worker.terminate();
  }

  #settled(call: number): void {
    this.#pending.delete(call);
    if (this.#pending.size === 0) this.#worker.unref();
  }

  /** A crashed thread (a WASM trap, out of memory) fails its streams' calls instead of leaving them hanging. */
  #fail(error: Error): void {
    this.failed ??= error;
    for (const [call, waiting] of this.#pending) {
      this.#settled(call);
      waiting.reject(this.failed);
    }
  }
}

/** An encoder whose state lives on one encoder thread for the whole stream. */
class ThreadEncoder implements AudioEncoder {
  readonly contentType: string;
  #ended = false;
  #released = false;

  constructor(
    readonly format: AudioFormat,
    private readonly thread: EncoderThread,
    private readonly stream: number,
  ) {
    this.contentType = CONTENT_TYPES[format];
  }

  async write(pcm: Int16Array): Promise<Uint8Array> {
    if (this.#ended) throw new Error(`${this.format} encoder already ended`);
    // A copy of just these samples is moved over; the caller's array stays usable.
    const copy = pcm.slice();
    return this.thread.call({ op: 'write', stream: this.stream, pcm: copy }, [copy.buffer as ArrayBuffer]);
  }

  async end(): Promise<Uint8Array> {
    if (this.#ended) throw new Error(`${this.format} encoder already ended`);
    this.#ended = true;
    try {
      return await this.thread.call({ op: 'end', stream: this.stream });
    } finally {
      this.#release();
    }
  }

  close(): void {
    if (!this.#ended) {
      this.#ended = true;
      this.thread.call({ op: 'close', stream: this.stream }).catch(() => undefined); // nothing to report for an abandoned stream
    }
    this.#release();
  }

  #release(): void {
    if (this.#released) return;
    this.#released = true;
    this.thread.streams--;
  }
}

/**
 * Encoding off the HTTP thread: a few worker threads, each holding the encoder
 * state of the streams bound to it (an encoder is stateful, so a stream stays on
 * one thread from its first write to its end). The HTTP thread only moves PCM in
 * and bytes out, so it stays responsive however many streams encode.
 */
export class EncoderThreads implements EncoderFactory {
  readonly #threads: EncoderThread[];
  readonly #file: URL;
  #streams = 0;
  #closed = false;

  constructor(readonly count: number) {
    if (!Number.isInteger(count) || count < 1) throw new RangeError(`invalid encoder thread count ${count}`);
    this.#file = workerFile();
    this.#threads = Array.from({ length: count }, () => new EncoderThread(this.#file));
  }

  /**
   * One encoder thread per two synthesis threads: with espeak-ng, encoding MP3
   * costs about a third of synthesising the same audio, so this keeps the
   * encoders ahead of the engines without taking cores from them.
   */
  static forSynthesisThreads(threads: number): EncoderThreads {
    return new EncoderThreads(Math.max(1, Math.floor(threads / 2)));
  }

  async create(format: AudioFormat, options: EncoderOptions): Promise<AudioEncoder> {
    if (!THREADED.has(format)) return createEncoder(format, options);
    if (this.#closed) throw new Error('encoder threads closed');
    const thread = this.#pick();
    const stream = ++this.#streams;
    const encoder = new ThreadEncoder(format, thread, stream);
    thread.streams++;
    try {
      await thread.call({ op: 'open', stream, format, options });
    } catch (error) {
      encoder.close();
      throw error;
    }
    return encoder;
  }

  async warmUp(formats: readonly WarmUpFormat[]): Promise<void> {
    const threaded = formats.filter((f) => THREADED.has(f.format));
    await Promise.all([
      ...this.#threads.map((t) => t.call({ op: 'warm', formats: threaded })),
      inProcessEncoders.warmUp(formats.filter((f) => !THREADED.has(f.format))),
    ]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all(this.#threads.map((t) => t.terminate()));
  }

  /** The live thread with the fewest streams; a thread that died is replaced first. */
  #pick(): EncoderThread {
    for (let i = 0; i < this.#threads.length; i++) {
      if (this.#threads[i]!.failed) this.#threads[i] = new EncoderThread(this.#file);
    }
    return this.#threads.reduce((best, t) => (t.streams < best.streams ? t : best));
  }
}

/** As for synthesis threads: worker threads run the built JavaScript (from sources, the build in dist/). */
function workerFile(): URL {
  if (!import.meta.url.endsWith('.ts')) return new URL('./thread-worker.js', import.meta.url);
  const built = new URL('../../../dist/audio/encoders/thread-worker.js', import.meta.url);
  if (!existsSync(built)) throw new Error('Encoder threads need the build: run `npm run build` first');
  return built;
}
