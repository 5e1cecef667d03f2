import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { ffmpegPath, parseStreamInfo } from './ffmpeg.js';

/**
 * Bounded decoding of audio that someone else sent (reference recordings): one
 * ffmpeg process reads the upload from its file on disk and writes mono 16-bit
 * PCM to another file, and every resource it can take is capped up front:
 *
 * - time: `-t` stops the output after `maxSeconds` (and a little more, so that a
 *   longer input can be told from one of exactly that length); a `signal` kills it;
 * - size: at most `MAX_RATE` Hz (faster sources are resampled, see `RATES`), so the
 *   output is at most (maxSeconds + 1) × MAX_RATE × 2 bytes, which `-fs` enforces
 *   inside ffmpeg as well;
 * - reach: only the `file` protocol and a list of plain audio demuxers, so that a
 *   playlist (HLS .m3u8), an ffconcat script or any other container that names
 *   further inputs cannot make ffmpeg open other files on this machine or URLs;
 * - input: never stdin (`-nostdin`), never more than 64 KiB of its log kept.
 */

/** Demuxers for the audio formats the API accepts (wav, mp3, flac, ogg/opus, webm, m4a, …); nothing that opens other inputs. */
export const AUDIO_DEMUXERS = ['wav', 'w64', 'mp3', 'flac', 'ogg', 'matroska', 'mov', 'aac', 'aiff', 'caf', 'au', 'amr', 'asf', 'ac3'] as const;

/** Output rates: a source's own rate when it is one of these, else the nearest one (ffmpeg's format negotiation). */
const RATES = [8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000] as const;
export const MAX_RATE = 48000;

const STDERR_LIMIT = 64 * 1024;

export interface BoundedDecodeOptions {
  /** Decode at most this much of the input, in seconds. */
  maxSeconds: number;
  /** Kills ffmpeg when aborted (the caller's time limit, or a client that left). */
  signal?: AbortSignal;
}

export interface DecodedFile {
  /** Mono signed 16-bit little-endian samples to read from the output file: at most maxSeconds × sampleRate. */
  samples: number;
  sampleRate: number;
  /** Channel count of the source, before the downmix. */
  channels: number;
  /** ffmpeg's name of the source's codec, e.g. 'mp3', 'opus', 'pcm_s16le'. */
  codec: string;
  /** The input holds more than `maxSeconds`; only that much was decoded. */
  truncated: boolean;
}

/** An input ffmpeg cannot read as audio (or is not allowed to); the message is ffmpeg's reason, in a line. */
export class AudioDecodeError extends Error {
  override name = 'AudioDecodeError';
}

/**
 * Decodes the first `maxSeconds` of the audio file `input` into raw mono s16le
 * samples in `output`. Rejects with an AudioDecodeError when the input is not
 * audio it may read, and with the signal's reason when the signal aborts it.
 */
export async function decodeFileBounded(input: string, output: string, opts: BoundedDecodeOptions): Promise<DecodedFile> {
  opts.signal?.throwIfAborted();
  // One second beyond the cap: more than maxSeconds × rate samples then means "longer than the cap".
  const seconds = opts.maxSeconds + 1;
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'info',
    '-protocol_whitelist', 'file',
    '-format_whitelist', AUDIO_DEMUXERS.join(','),
    '-i', `file:${input}`,
    '-map', '0:a:0', '-vn', '-sn', '-dn',
    '-af', `aformat=sample_fmts=s16:channel_layouts=mono:sample_rates=${RATES.join('|')}`,
    '-t', String(seconds),
    '-fs', String(seconds * MAX_RATE * 2),
    '-f', 's16le', '-y', `file:${output}`,
  ];
  const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    if (stderr.length < STDERR_LIMIT) stderr += text.slice(0, STDERR_LIMIT - stderr.length);
  });
  const kill = () => child.kill('SIGKILL');
  opts.signal?.addEventListener('abort', kill, { once: true });
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    exit = await new Promise((resolve, reject) => {
      child.once('error', reject);
      child.once('close', (code, signal) => resolve({ code, signal }));
    });
  } finally {
    opts.signal?.removeEventListener('abort', kill);
  }
  opts.signal?.throwIfAborted();
  // The paths are the server's own business: the client's message names neither.
  const log = stderr.replaceAll(`file:${input}`, 'input').replaceAll(`file:${output}`, 'output');
  if (exit.code !== 0) throw new AudioDecodeError(reason(log) ?? `ffmpeg failed (${exit.signal ?? `exit code ${exit.code}`})`);
  let info;
  try {
    info = parseStreamInfo(log);
  } catch {
    throw new AudioDecodeError(reason(log) ?? 'it holds no audio stream');
  }
  const { size } = await stat(output);
  const decoded = Math.floor(size / 2);
  const cap = Math.floor(opts.maxSeconds * info.sampleRate);
  return { ...info, samples: Math.min(decoded, cap), truncated: decoded > cap };
}

/** What ffmpeg's log says about why it gave up, in words for the client (no paths, no addresses). */
function reason(log: string): string | undefined {
  const refused = /\[([\w-]+)[^\]]* @ [^\]]*\] Format not on whitelist/.exec(log);
  if (refused) return `its format (${refused[1]}) is not one of the audio formats read here (${AUDIO_DEMUXERS.join(', ')})`;
  const lines = log.split('\n').map((l) => l.trim()).filter(Boolean).reverse();
  const line = lines.find((l) => /invalid|unknown|not supported|could not|no such|error|does not contain|matches no streams/i.test(l));
  return line?.replace(/^input: /, '').replace(/^\[[^\]]*\] /, '');
}
