import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import ffmpegInstaller from '@ffmpeg-installer/ffmpeg';

/** The ffmpeg binary shipped through npm, so the server needs nothing installed system-wide. */
export function ffmpegPath(): string {
  return ffmpegInstaller.path;
}

/** Enough of stderr for stream info and error messages; a corrupt input can make ffmpeg print without end. */
const STDERR_LIMIT = 64 * 1024;

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/**
 * One ffmpeg process fed through stdin and read through stdout. stdout is
 * drained continuously (so ffmpeg never blocks on a full pipe while we wait on
 * stdin's backpressure) and handed out with take(). No method rejects because
 * of a kill(): an abandoned stream must not leave an unhandled rejection.
 */
export class FfmpegPipe {
  readonly #child: ChildProcessByStdio<Writable, Readable, Readable>;
  readonly #exit: Promise<Exit>;
  #out: Buffer[] = [];
  #stderr = '';
  #spawnError: Error | undefined;
  #exited: Exit | undefined;
  #stdinBroken = false;
  #killed = false;

  constructor(args: readonly string[]) {
    this.#child = spawn(ffmpegPath(), args, { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stdout.on('data', (chunk: Buffer) => this.#out.push(chunk));
    this.#child.stderr.setEncoding('utf8');
    this.#child.stderr.on('data', (text: string) => {
      if (this.#stderr.length < STDERR_LIMIT) this.#stderr += text.slice(0, STDERR_LIMIT - this.#stderr.length);
    });
    // EPIPE when ffmpeg has died is reported through the exit status instead.
    this.#child.stdin.on('error', () => (this.#stdinBroken = true));
    // 'close' (not 'exit') so that everything on stdout has arrived.
    this.#exit = new Promise<Exit>((resolve) => {
      this.#child.on('error', (err) => {
        this.#spawnError = err;
        resolve({ code: null, signal: null });
      });
      this.#child.on('close', (code, signal) => resolve({ code, signal }));
    }).then((exit) => (this.#exited = exit));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves once ffmpeg has accepted the bytes (stdin backpressure), or as soon as it has exited. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.#exited || this.#killed) throw this.#failure('ffmpeg is not running');
    if (bytes.length === 0 || this.#child.stdin.write(bytes)) return;
    // once() rejects on a stdin 'error'; that case is handled below through the exit status.
    await Promise.race([once(this.#child.stdin, 'drain').catch(() => undefined), this.#exit]);
    if (this.#stdinBroken || this.#exited) {
      await this.#exit;
      throw this.#failure('ffmpeg exited while reading input');
    }
  }

  /** stdout produced so far. */
  take(): Uint8Array {
    const out = this.#out.length === 1 ? this.#out[0]! : Buffer.concat(this.#out);
    this.#out = [];
    return out;
  }

  /** Closes stdin, waits for ffmpeg to finish and returns the rest of stdout; throws on failure. */
  async finish(): Promise<Uint8Array> {
    this.#child.stdin.end();
    const exit = await this.#exit;
    if (exit.code !== 0) throw this.#failure(`ffmpeg failed (${exit.signal ?? `exit code ${exit.code}`})`);
    return this.take();
  }

  kill(): void {
    if (this.#killed) return;
    this.#killed = true;
    this.#out = [];
    this.#child.stdin.destroy();
    if (!this.#exited) this.#child.kill('SIGKILL');
  }

  #failure(summary: string): Error {
    if (this.#spawnError) return new Error(`could not run ffmpeg: ${this.#spawnError.message}`, { cause: this.#spawnError });
    if (this.#killed) return new Error('ffmpeg was stopped');
    const detail = this.#stderr.trim();
    return new Error(detail ? `${summary}: ${detail}` : summary);
  }
}

/** `format`, `sampleRate` and `channels` describe the input, as ffmpeg's options before `-i` do. */
export interface DecodeOptions {
  /** Input format for inputs ffmpeg cannot probe, e.g. 's16le'. */
  format?: string;
  /** Sample rate of raw input (only with `format`; ffmpeg would assume 44100). */
  sampleRate?: number;
  /** Channel count of raw input (only with `format`). */
  channels?: number;
  /** Resample the decoded audio to this rate; by default the decoder's own rate is kept. */
  outputSampleRate?: number;
}

export interface DecodedAudio {
  /** Mono (downmixed) signed 16-bit samples at `sampleRate`. */
  pcm: Int16Array;
  sampleRate: number;
  /** Channel count of the source, before the downmix. */
  channels: number;
  /** ffmpeg's name of the source's codec, e.g. 'mp3', 'opus', 'pcm_s16le'. */
  codec: string;
}

/**
 * Decodes any audio ffmpeg understands into mono 16-bit PCM. The input goes
 * through a temporary file, not a pipe, because some containers (MP4/M4A with
 * the index at the end) can only be read from a seekable input.
 */
export async function decodeToPcm(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<DecodedAudio> {
  const dir = await mkdtemp(join(tmpdir(), 'litetts-decode-'));
  try {
    const input = join(dir, 'input');
    await writeFile(input, bytes);
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'info'];
    if (opts.format) {
      args.push('-f', opts.format);
      if (opts.sampleRate) args.push('-ar', String(opts.sampleRate));
      if (opts.channels) args.push('-ac', String(opts.channels));
    }
    args.push('-i', input, '-map', '0:a:0', '-f', 's16le', '-ac', '1');
    if (opts.outputSampleRate) args.push('-ar', String(opts.outputSampleRate));
    args.push('pipe:1');
    const ffmpeg = new FfmpegPipe(args);
    const out = await ffmpeg.finish();
    const info = parseStreamInfo(ffmpeg.stderr);
    // Copy into a fresh buffer: the Buffer's offset need not be 2-byte aligned.
    const pcm = new Int16Array(Math.floor(out.length / 2));
    new Uint8Array(pcm.buffer).set(out.subarray(0, pcm.length * 2));
    return { pcm, ...info };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const CHANNEL_LAYOUTS: Readonly<Record<string, number>> = {
  mono: 1,
  stereo: 2,
  '2.1': 3,
  '3.0': 3,
  quad: 4,
  '4.0': 4,
  '5.0': 5,
  '5.0(side)': 5,
  '5.1': 6,
  '5.1(side)': 6,
  '6.1': 7,
  '7.1': 8,
};

/** Reads codec and channels of the first input audio stream and the rate of the output from ffmpeg's log. */
export function parseStreamInfo(stderr: string): { codec: string; channels: number; sampleRate: number } {
  const outputAt = stderr.search(/^Output #0/m);
  const inputPart = outputAt >= 0 ? stderr.slice(0, outputAt) : stderr;
  const audio = /Stream #0:\d+.*?: Audio: ([\w-]+).*?, (\d+) Hz, ([^,\n]+)/;
  const input = audio.exec(inputPart);
  const output = outputAt >= 0 ? audio.exec(stderr.slice(outputAt)) : null;
  if (!input || !output) throw new Error(`could not read stream info from ffmpeg: ${stderr.trim()}`);
  const layout = input[3]!.trim();
  const channels = CHANNEL_LAYOUTS[layout] ?? Number(/^(\d+) channels/.exec(layout)?.[1] ?? NaN);
  if (!Number.isInteger(channels)) throw new Error(`unknown channel layout from ffmpeg: ${layout}`);
  return { codec: input[1]!, channels, sampleRate: Number(output[2]) };
}
