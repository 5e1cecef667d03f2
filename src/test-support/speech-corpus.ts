/**
 * The development speech corpus (251 LibriSpeech readers, one utterance each; see
 * `shared/data/speech/README.md`), for the speaker-similarity tuning script, its benchmark and
 * its tests. Never part of the product: the audio is read from the shared folder, never copied.
 *
 * The split into tuning and held-out readers is one fixed rule, used everywhere: within each sex,
 * the readers sorted by numeric id alternate tuning, held-out, tuning, … — balanced by sex, no
 * randomness, and a reader never moves between the sets when the code changes.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ffmpegPath } from '../audio/ffmpeg.js';

export type Sex = 'F' | 'M';

export interface Utterance {
  speaker: string;
  sex: Sex;
  path: string;
}

export interface ReaderSplit {
  tuning: Utterance[];
  heldOut: Utterance[];
}

const SUBDIR = 'librispeech-train-clean';

/**
 * The corpus folder under `LITETTS_SPEECH_DATA` when that is set (only there: pointing it
 * elsewhere turns the corpus off), else under `/work/shared/data/speech` or
 * `<repo>/../shared/data/speech`; null when absent.
 */
export function findSpeechCorpus(): string | null {
  const repo = resolve(fileURLToPath(new URL('../..', import.meta.url)));
  const override = process.env.LITETTS_SPEECH_DATA;
  const candidates = override ? [override] : ['/work/shared/data/speech', join(repo, '..', 'shared', 'data', 'speech')];
  for (const base of candidates) {
    const dir = join(base, SUBDIR);
    if (existsSync(join(dir, 'SPEAKERS.TXT'))) return dir;
  }
  return null;
}

/** Every utterance of the folder whose reader SPEAKERS.TXT lists, ordered by numeric speaker id. */
export function listUtterances(dir: string): Utterance[] {
  const sexes = new Map<string, Sex>();
  for (const line of readFileSync(join(dir, 'SPEAKERS.TXT'), 'utf8').split('\n')) {
    if (line.startsWith(';')) continue;
    const [id, sex] = line.split('|').map((f) => f.trim());
    if (id && (sex === 'F' || sex === 'M')) sexes.set(id, sex);
  }
  const out: Utterance[] = [];
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.flac')) continue;
    const speaker = name.split('-')[0]!;
    const sex = sexes.get(speaker);
    if (sex) out.push({ speaker, sex, path: join(dir, name) });
  }
  return out.sort((a, b) => Number(a.speaker) - Number(b.speaker) || a.path.localeCompare(b.path));
}

/** The fixed tuning / held-out split (see the module comment). */
export function splitReaders(utterances: readonly Utterance[]): ReaderSplit {
  const split: ReaderSplit = { tuning: [], heldOut: [] };
  for (const sex of ['F', 'M'] as const) {
    const readers = [...new Set(utterances.filter((u) => u.sex === sex).map((u) => u.speaker))].sort((a, b) => Number(a) - Number(b));
    readers.forEach((speaker, i) => {
      const mine = utterances.filter((u) => u.speaker === speaker);
      (i % 2 === 0 ? split.tuning : split.heldOut).push(...mine);
    });
  }
  return split;
}

/** Decodes a file to mono float samples at `sampleRate` with the bundled ffmpeg. */
export function decodeFile(path: string, sampleRate = 16_000): Promise<Float32Array> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(ffmpegPath(), ['-hide_banner', '-nostdin', '-loglevel', 'error', '-i', path, '-ac', '1', '-ar', String(sampleRate), '-f', 'f32le', 'pipe:1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`ffmpeg could not decode ${path}: ${stderr.trim()}`));
      const bytes = Buffer.concat(chunks);
      // A fresh, aligned copy: the Buffer's offset need not be a multiple of 4.
      const out = new Float32Array(bytes.length >> 2);
      new Uint8Array(out.buffer).set(bytes.subarray(0, out.length * 4));
      resolvePromise(out);
    });
  });
}

/** Decodes many files, `concurrency` ffmpeg processes at a time, keeping the input order. */
export async function decodeAll(paths: readonly string[], sampleRate = 16_000, concurrency = 2): Promise<Float32Array[]> {
  const out: Float32Array[] = new Array(paths.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await decodeFile(paths[i]!, sampleRate);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return out;
}
