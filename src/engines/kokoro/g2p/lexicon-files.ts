/**
 * misaki's English pronunciation lexicons, as Kokoro's model directory holds them
 * (`<model dir>/lexicon/<file>`): which files, from which commit of the public repository, with
 * their sizes and SHA-256, so that installs (`litetts models pull`, `litetts models
 * import-lexicon DIR`) are verified against facts that live in code.
 */
import { copyFile, mkdir, rename } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sha256File } from '../../../files.js';
import { downloadFile, type ProgressCallback } from '../http-download.js';

/** hexgrad/misaki, Apache-2.0; the lexicons Kokoro-82M v1.0 was trained with. */
export const LEXICON_REPOSITORY = 'hexgrad/misaki';
export const LEXICON_COMMIT = 'fba1236595f2d2bf21d414ba6e57d25256afada3';
export const LEXICON_BASE_URL = `https://raw.githubusercontent.com/${LEXICON_REPOSITORY}/${LEXICON_COMMIT}/misaki/data`;

export type LexiconLanguage = 'en-us' | 'en-gb';

export interface LexiconFile {
  name: string;
  language: LexiconLanguage;
  tier: 'gold' | 'silver';
  size: number;
  sha256: string;
}

export const LEXICON_FILES: readonly LexiconFile[] = [
  { name: 'us_gold.json', language: 'en-us', tier: 'gold', size: 3_000_469, sha256: 'dc414872a49a28ae6c141463d502fd945f3b2fde040484fdc47d00cc4612686f' },
  { name: 'us_silver.json', language: 'en-us', tier: 'silver', size: 3_099_517, sha256: 'de8f67be911bb6c659187b4a65fd966b6a30e56350e0f790d763210b053ac475' },
  { name: 'gb_gold.json', language: 'en-gb', tier: 'gold', size: 2_838_552, sha256: '29e62f4b60261c88f7f3c2c7811ca3825978948090b72d2b27d565b729282f71' },
  { name: 'gb_silver.json', language: 'en-gb', tier: 'silver', size: 3_663_898, sha256: '48131e2d92ccc41655f4543e87e0f938e71463eb5a54be7f0693bb712ebb6bce' },
];

/** Where a model directory keeps the lexicons. */
export function lexiconDir(modelDir: string): string {
  return join(modelDir, 'lexicon');
}

/** The gold and silver file of one language in `dir`. */
export function lexiconPaths(dir: string, language: LexiconLanguage): { gold: string; silver: string } {
  const of = (tier: 'gold' | 'silver'): string => join(dir, LEXICON_FILES.find((f) => f.language === language && f.tier === tier)!.name);
  return { gold: of('gold'), silver: of('silver') };
}

/**
 * Whether both files of `language` are in `dir` with their pinned sizes (a cheap check for
 * /health; the contents were verified when they were installed).
 */
export function lexiconPresent(dir: string, language: LexiconLanguage): boolean {
  return LEXICON_FILES.filter((f) => f.language === language).every((f) => {
    const path = join(dir, f.name);
    return existsSync(path) && statSync(path).size === f.size;
  });
}

/**
 * For /health: per English language, whether its lexicon is installed beside the model (each
 * synthesis thread reads it on first use); without it Kokoro reads that language through espeak-ng alone.
 */
export function lexiconHealth(modelDir: string): Record<LexiconLanguage, { installed: boolean; reading: string; install?: string }> {
  const of = (language: LexiconLanguage) =>
    lexiconPresent(lexiconDir(modelDir), language)
      ? { installed: true, reading: 'lexicon first, espeak-ng for words it lacks' }
      : { installed: false, reading: 'espeak-ng only', install: 'Install it with `litetts models pull`, or `litetts models import-lexicon DIR` from local copies of misaki’s data files.' };
  return { 'en-us': of('en-us'), 'en-gb': of('en-gb') };
}

export class LexiconInstallError extends Error {
  override readonly name = 'LexiconInstallError';
}

/** The file's pinned facts, checked against a file on disk; a reason when they differ. */
async function mismatch(path: string, file: LexiconFile): Promise<string | null> {
  if (!existsSync(path)) return 'missing';
  const size = statSync(path).size;
  if (size !== file.size) return `${size} bytes, expected ${file.size}`;
  const sha256 = await sha256File(path);
  return sha256 === file.sha256 ? null : `SHA-256 ${sha256}, expected ${file.sha256}`;
}

/**
 * Copies the four lexicon files from a local folder (e.g. a checkout of misaki's `misaki/data/`)
 * into `dest`, each verified against its pinned size and SHA-256 before it is copied. Nothing is
 * copied unless all four are right.
 */
export async function importLexicon(sourceDir: string, dest: string): Promise<string[]> {
  const problems: string[] = [];
  for (const file of LEXICON_FILES) {
    const reason = await mismatch(join(sourceDir, file.name), file);
    if (reason !== null) problems.push(`${file.name}: ${reason}`);
  }
  if (problems.length > 0) {
    throw new LexiconInstallError(`${sourceDir} does not hold misaki's lexicons at commit ${LEXICON_COMMIT}: ${problems.join('; ')}`);
  }
  await mkdir(dest, { recursive: true });
  for (const file of LEXICON_FILES) {
    const temp = join(dest, `.${file.name}.import`);
    await copyFile(join(sourceDir, file.name), temp);
    const reason = await mismatch(temp, file); // the copy, not just the source
    if (reason !== null) throw new LexiconInstallError(`${file.name}: copy ${reason}`);
    await rename(temp, join(dest, file.name));
  }
  return LEXICON_FILES.map((f) => f.name);
}

export interface PullLexiconOptions {
  dest: string;
  /** Where misaki's `data/` folder is served; default LEXICON_BASE_URL. */
  baseUrl?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
}

/** Downloads the lexicon files that are not already in `dest` and valid; returns which came and which were kept. */
export async function pullLexicon(options: PullLexiconOptions): Promise<{ downloaded: string[]; skipped: string[] }> {
  const downloaded: string[] = [];
  const skipped: string[] = [];
  await mkdir(options.dest, { recursive: true });
  for (const file of LEXICON_FILES) {
    options.signal?.throwIfAborted();
    const dest = join(options.dest, file.name);
    if ((await mismatch(dest, file)) === null) {
      skipped.push(`lexicon/${file.name}`);
      continue;
    }
    await downloadFile({
      url: `${(options.baseUrl ?? LEXICON_BASE_URL).replace(/\/+$/, '')}/${file.name}`,
      dest,
      size: file.size,
      sha256: file.sha256,
      label: `lexicon/${file.name}`,
      onProgress: options.onProgress,
      signal: options.signal,
      retries: options.retries,
      retryDelayMs: options.retryDelayMs,
    });
    downloaded.push(`lexicon/${file.name}`);
  }
  return { downloaded, skipped };
}
