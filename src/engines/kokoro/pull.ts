/**
 * `litetts models pull` and the server's background install: a model variant and voice packs into
 * a model directory, each file downloaded only when it is not already there and valid, then the
 * manifest. One install at a time holds the directory (install-lock.ts).
 */
import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileSize, sha256File } from '../../files.js';
import { LEXICON_BASE_URL, lexiconDir, pullLexicon } from './g2p/lexicon-files.js';
import { DownloadError, downloadFile, type DownloadProgress } from './http-download.js';
import { withModelDirLock, type InstallLockOptions } from './install-lock.js';
import { readManifest, writeManifest, type KokoroManifest, type ManifestFile } from './manifest.js';
import { DEFAULT_VARIANT, KOKORO_CATALOG, fileUrl, voicePath, type KokoroCatalog } from './model-files.js';

export interface PullOptions {
  dir: string;
  /** A key of the catalog's variants; default DEFAULT_VARIANT. */
  variant?: string;
  /** Default 'all'. */
  voices?: 'all' | readonly string[];
  /** Where the repository's files are; default Hugging Face. */
  baseUrl?: string;
  onProgress?: (progress: PullProgress) => void;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
  /** What the repository holds; default KOKORO_CATALOG (tests inject their own). */
  catalog?: KokoroCatalog;
  /** The install lock's stale window and how long to wait for another install; default: refuse at once. */
  lock?: Omit<InstallLockOptions, 'signal'>;
  /**
   * Where misaki's English lexicons are fetched from (into `<dir>/lexicon/`, after the manifest);
   * null: not fetched. Default: the pinned public commit with the default catalog, none with an injected one.
   */
  lexiconBaseUrl?: string | null;
}

/**
 * A file's progress and, while the model and voice packs come in, the whole install's: the bytes
 * of every file of the plan (those already present count as received) and the files finished.
 * The lexicon files fetched afterwards report without `overall`.
 */
export interface PullProgress extends DownloadProgress {
  overall?: { received: number; total: number; files: number; filesDone: number };
}

export interface PullResult {
  manifest: KokoroManifest;
  /** Relative paths fetched this time. */
  downloaded: string[];
  /** Relative paths already present and valid. */
  skipped: string[];
}

interface PullJob {
  kind: 'models' | 'voices';
  name: string;
  /** Path in the repository. */
  remote: string;
  /** Path in the directory. */
  local: string;
  size: number;
  /** Published hash, else the one a previous install recorded, else unknown. */
  sha256: string | undefined;
}

/**
 * Installs a model variant as `<dir>/<file name>` and voice packs as `<dir>/voices/<name>.bin`,
 * skipping files already present and valid, then writes `<dir>/manifest.json` (last, atomically).
 * Entries of an earlier manifest whose files are still there are kept. It holds the directory's
 * install lock throughout: beside another install it is refused (or waits, as `lock.waitMs` says),
 * and it stops if the lock is lost.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const { dir } = options;
  const catalog = options.catalog ?? KOKORO_CATALOG;
  const variant = options.variant ?? DEFAULT_VARIANT;
  const model = catalog.variants[variant];
  if (!model) throw new Error(`unknown Kokoro model variant "${variant}"; known: ${Object.keys(catalog.variants).join(', ')}`);
  const voices = options.voices === undefined || options.voices === 'all' ? catalog.voiceNames : [...new Set(options.voices)];
  const unknown = voices.filter((v) => !catalog.voiceNames.includes(v));
  if (unknown.length > 0) throw new Error(`unknown Kokoro voice(s): ${unknown.join(', ')}`);

  await mkdir(dir, { recursive: true });
  const run = async (lockLost: AbortSignal): Promise<PullResult> => {
    // Stop when the caller says so, and when the lock is lost: another install may be writing now.
    const signal = options.signal ? AbortSignal.any([options.signal, lockLost]) : lockLost;
    const previous = await readManifest(dir).catch(() => null);
    const jobs: PullJob[] = [
      { kind: 'models', name: variant, remote: model.path, local: basename(model.path), size: model.size, sha256: model.sha256 },
      ...voices.map((name): PullJob => ({
        kind: 'voices',
        name,
        remote: voicePath(name),
        local: voicePath(name),
        size: catalog.voiceSize,
        sha256: previous?.voices[name]?.sha256,
      })),
    ];

    const manifest: KokoroManifest = {
      version: 1,
      repository: catalog.repository,
      variant,
      models: await stillPresent(dir, previous?.models),
      voices: await stillPresent(dir, previous?.voices),
      installedAt: '',
    };
    const downloaded: string[] = [];
    const skipped: string[] = [];
    const planned = jobs.reduce((sum, job) => sum + job.size, 0);
    let settled = 0;
    let filesDone = 0;
    for (const job of jobs) {
      signal.throwIfAborted();
      let counted = false;
      const settle = (): void => {
        if (counted) return;
        counted = true;
        settled += job.size;
        filesDone += 1;
      };
      const { onProgress } = options;
      const report =
        onProgress &&
        ((p: DownloadProgress): void => {
          if (p.done) settle();
          onProgress({ ...p, overall: { received: settled + (p.done ? 0 : p.received), total: planned, files: jobs.length, filesDone } });
        });
      const dest = join(dir, job.local);
      let sha256 = await validHash(dest, job.size, job.sha256);
      if (sha256 !== null) {
        skipped.push(job.local);
        settle();
      } else {
        const result = await downloadFile({
          url: fileUrl(options.baseUrl, job.remote),
          dest,
          size: job.size,
          sha256: job.kind === 'models' ? job.sha256 : undefined,
          label: job.local,
          onProgress: report,
          signal,
          retries: options.retries,
          retryDelayMs: options.retryDelayMs,
        }).catch((error: unknown) => {
          throw withAdvice(error);
        });
        sha256 = result.sha256;
        downloaded.push(job.local);
        settle();
      }
      manifest[job.kind][job.name] = { path: job.local, size: job.size, sha256 };
    }
    manifest.installedAt = new Date().toISOString();
    await writeManifest(dir, manifest);
    // After the manifest: a model without its lexicon still speaks (English through espeak-ng).
    const lexiconBaseUrl = options.lexiconBaseUrl !== undefined ? options.lexiconBaseUrl : options.catalog ? null : LEXICON_BASE_URL;
    if (lexiconBaseUrl !== null) {
      const { retries, retryDelayMs, onProgress } = options;
      const lexicon = await pullLexicon({ dest: lexiconDir(dir), baseUrl: lexiconBaseUrl, onProgress, signal, retries, retryDelayMs });
      downloaded.push(...lexicon.downloaded);
      skipped.push(...lexicon.skipped);
    }
    return { manifest, downloaded, skipped };
  };
  return withModelDirLock(dir, run, { ...options.lock, ...(options.signal && { signal: options.signal }) });
}

/** The SHA-256 of `path` if it exists with `size` bytes (and `sha256`, when given); else null. */
async function validHash(path: string, size: number, sha256: string | undefined): Promise<string | null> {
  if ((await fileSize(path)) !== size) return null;
  const actual = await sha256File(path);
  return sha256 === undefined || actual === sha256 ? actual : null;
}

async function stillPresent(dir: string, entries: Record<string, ManifestFile> | undefined): Promise<Record<string, ManifestFile>> {
  const kept: Record<string, ManifestFile> = {};
  for (const [name, entry] of Object.entries(entries ?? {})) {
    if ((await fileSize(join(dir, entry.path))) === entry.size) kept[name] = entry;
  }
  return kept;
}

/** What to do instead, for the failures another try will not mend. */
export const PULL_ADVICE =
  'use a mirror (--model-base-url, LITETTS_MODEL_BASE_URL), install voice packs you have with `litetts models import-voices PATH`, ' +
  'or point LITETTS_MODEL_DIR at a Kokoro download (kokoro-onnx\'s files or an onnx-community snapshot)';

function withAdvice(error: unknown): unknown {
  if (!(error instanceof DownloadError) || !['dns', 'http', 'network'].includes(error.code)) return error;
  // The same failure with the advice added: its cause is the original's, so that logs, which
  // append the messages of causes, do not say the failure twice.
  return new DownloadError(error.code, `${error.message}; ${PULL_ADVICE}`, false, { cause: error.cause });
}
