/**
 * Downloads the Kokoro model and voice packs: resumable (HTTP Range), retried, verified (size and
 * SHA-256) and installed atomically; then a manifest, written last, records what is installed.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { LockHeldError, syncDirectory, withLockFile, writeFileAtomic } from '../../files.js';
import {
  DEFAULT_VARIANT,
  KOKORO_CATALOG,
  KOKORO_VOICE_SIZE,
  fileUrl,
  voicePath,
  type KokoroCatalog,
} from './model-files.js';

// ---------------------------------------------------------------------------------------------
// One file

export interface DownloadProgress {
  /** What is being downloaded: the repository path, or the destination's file name. */
  file: string;
  /** Bytes of the file so far, resumed bytes included. */
  received: number;
  /** Expected size in bytes; null while unknown. */
  total: number | null;
  /** True on the last call for a file: verified and installed. */
  done: boolean;
}

export type ProgressCallback = (progress: DownloadProgress) => void;

export interface DownloadOptions {
  url: string;
  dest: string;
  /** Expected size in bytes. */
  size?: number;
  /** Expected SHA-256, hex. */
  sha256?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  /** Failed attempts in a row that brought no new byte before giving up; default 5. */
  retries?: number;
  /** First backoff in ms, doubled after each failure (at most 30 s); default 1000. */
  retryDelayMs?: number;
  /** Name for progress and errors; default the destination's file name. */
  label?: string;
}

export interface DownloadResult {
  path: string;
  size: number;
  sha256: string;
  /** Bytes that came over the network in this call (0 when a complete .part was only verified). */
  downloaded: number;
}

export type DownloadErrorCode = 'size-mismatch' | 'hash-mismatch' | 'http' | 'network';

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(
    readonly code: DownloadErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const MAX_BACKOFF_MS = 30_000;

interface Attempt {
  url: string;
  part: string;
  label: string;
  size: number | undefined;
  signal: AbortSignal | undefined;
  report: (received: number, total: number | null) => void;
  /** Network bytes, summed over attempts. */
  downloaded: number;
}

/**
 * Downloads `url` to `dest` through `dest + '.part'`, resuming an existing part. `dest` only ever
 * appears complete and verified (fsync, then rename). A wrong size or hash removes the part and
 * throws; an abort or a network failure keeps it, so that the next call resumes.
 */
export async function downloadFile(options: DownloadOptions): Promise<DownloadResult> {
  const { url, dest, size, signal, onProgress } = options;
  const expectedHash = options.sha256?.toLowerCase();
  const retries = options.retries ?? 5;
  const retryDelayMs = options.retryDelayMs ?? 1000;
  const label = options.label ?? basename(dest);
  const part = `${dest}.part`;
  new URL(url); // throws on a malformed URL before any retrying
  await mkdir(dirname(dest), { recursive: true });

  const attempt: Attempt = {
    url,
    part,
    label,
    size,
    signal,
    downloaded: 0,
    report: (received, total) => onProgress?.({ file: label, received, total, done: false }),
  };
  // Bytes left by an earlier call: if they spoil the hash, start over once before failing.
  let stalePart = (await fileSize(part)) > 0;
  let best = 0;
  let failures = 0;
  for (;;) {
    signal?.throwIfAborted();
    let result: { size: number; sha256: string };
    try {
      result = await fetchIntoPart(attempt);
    } catch (error) {
      signal?.throwIfAborted();
      if (error instanceof DownloadError && error.code === 'size-mismatch') await rm(part, { force: true });
      if (!retryable(error)) throw error;
      const now = await fileSize(part);
      if (now > best) [best, failures] = [now, 0];
      failures += 1;
      if (failures > retries) {
        throw new DownloadError('network', `${label}: giving up after ${failures} failed attempts: ${describe(error)}`, false, { cause: error });
      }
      await sleep(Math.min(retryDelayMs * 2 ** (failures - 1), MAX_BACKOFF_MS), undefined, { signal });
      continue;
    }

    const mismatch = verify(label, result, size, expectedHash);
    if (mismatch) {
      await rm(part, { force: true });
      if (mismatch.code === 'hash-mismatch' && stalePart) {
        stalePart = false;
        continue;
      }
      throw mismatch;
    }
    await syncFile(part);
    await rename(part, dest);
    await syncDirectory(dirname(dest));
    onProgress?.({ file: label, received: result.size, total: result.size, done: true });
    return { path: dest, size: result.size, sha256: result.sha256, downloaded: attempt.downloaded };
  }
}

/** Network trouble is worth another try; a verification failure or a local file system error (it has a `syscall`) is not. */
function retryable(error: unknown): boolean {
  if (error instanceof DownloadError) return error.retryable;
  return !(error instanceof Error && 'syscall' in error);
}

/** undici says "fetch failed" or "terminated"; the cause says why. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.cause instanceof Error ? `${error.message} (${error.cause.message})` : error.message;
}

function verify(label: string, got: { size: number; sha256: string }, size?: number, sha256?: string): DownloadError | null {
  if (size !== undefined && got.size !== size) return sizeMismatch(label, size, got.size);
  if (sha256 !== undefined && got.sha256 !== sha256) {
    return new DownloadError('hash-mismatch', `${label}: SHA-256 mismatch: expected ${sha256}, got ${got.sha256}`, false);
  }
  return null;
}

function sizeMismatch(label: string, expected: number, actual: number, more = false): DownloadError {
  const got = more ? `more than ${actual}` : String(actual);
  return new DownloadError('size-mismatch', `${label}: size mismatch: expected ${expected} bytes, got ${got}`, false);
}

/** One request: brings the .part up to date; resolves with its size and hash once the server has sent everything. */
async function fetchIntoPart(a: Attempt): Promise<{ size: number; sha256: string }> {
  let offset = await fileSize(a.part);
  if (a.size !== undefined && offset > a.size) {
    await rm(a.part, { force: true });
    offset = 0;
  }
  let hash = createHash('sha256');
  if (offset > 0) await hashFile(hash, a.part);
  if (a.size !== undefined && offset === a.size) return { size: offset, sha256: hash.digest('hex') };

  const headers: Record<string, string> = { 'accept-encoding': 'identity' };
  if (offset > 0) headers.range = `bytes=${offset}-`;
  const response = await fetch(a.url, { headers, signal: a.signal, redirect: 'follow' });

  let declared: number | null;
  let append = false;
  if (offset > 0 && response.status === 416) {
    await response.body?.cancel();
    // "bytes */N": the file has N bytes. If the part holds them all it only needs verifying.
    const total = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (total === undefined || Number(total) === offset) return { size: offset, sha256: hash.digest('hex') };
    await rm(a.part, { force: true });
    throw new DownloadError('network', `${a.label}: the partial download does not fit the file (${total} bytes); starting over`, true);
  } else if (offset > 0 && response.status === 206) {
    const range = parseContentRange(response.headers.get('content-range'));
    if (range?.start !== offset) {
      await response.body?.cancel();
      await rm(a.part, { force: true });
      throw new DownloadError('network', `${a.label}: unexpected Content-Range for bytes=${offset}-; starting over`, true);
    }
    declared = range.total;
    append = true;
  } else if (response.status === 200) {
    // Either a fresh download or a server that ignored the Range header: start from byte 0.
    offset = 0;
    hash = createHash('sha256');
    const length = response.headers.get('content-length');
    declared = length !== null && /^\d+$/.test(length) ? Number(length) : null;
  } else {
    await response.body?.cancel();
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new DownloadError('http', `${a.label}: HTTP ${response.status} ${response.statusText} from ${a.url}`, retryable);
  }
  if (a.size !== undefined && declared !== null && declared !== a.size) {
    await response.body?.cancel();
    throw sizeMismatch(a.label, a.size, declared);
  }
  const total = a.size ?? declared;

  let received = offset;
  const file = await open(a.part, append ? 'a' : 'w');
  try {
    a.report(received, total);
    if (response.body) {
      for await (const chunk of response.body) {
        if (a.size !== undefined && received + chunk.byteLength > a.size) throw sizeMismatch(a.label, a.size, a.size, true);
        await file.write(chunk);
        hash.update(chunk);
        received += chunk.byteLength;
        a.downloaded += chunk.byteLength;
        a.report(received, total);
      }
    }
  } finally {
    await file.close();
  }
  if (declared !== null && received < declared) {
    throw new DownloadError('network', `${a.label}: connection closed after ${received} of ${declared} bytes`, true);
  }
  return { size: received, sha256: hash.digest('hex') };
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match?.[1] || !match[3]) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

async function fileSize(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
}

async function hashFile(hash: Hash, path: string): Promise<void> {
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  await hashFile(hash, path);
  return hash.digest('hex');
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}


// ---------------------------------------------------------------------------------------------
// The model directory

export interface ManifestFile {
  /** Relative to the model directory, '/'-separated. */
  path: string;
  size: number;
  sha256: string;
}

export interface KokoroManifest {
  version: 1;
  repository: string;
  /** The variant pulled last: the one to load. */
  variant: string;
  /** Installed model variants by name (e.g. "model_quantized.onnx"). */
  models: Record<string, ManifestFile>;
  /** Installed voice packs by name (e.g. "af_heart"). */
  voices: Record<string, ManifestFile>;
  /** ISO 8601. */
  installedAt: string;
}

const MANIFEST = 'manifest.json';

const relativePath = z
  .string()
  .refine((p) => p.length > 0 && !isAbsolute(p) && !p.includes('\\') && !p.split('/').includes('..'), 'not a path inside the directory');
const manifestFile = z.object({ path: relativePath, size: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) });
const manifestSchema = z.object({
  version: z.literal(1),
  repository: z.string(),
  variant: z.string(),
  models: z.record(z.string(), manifestFile),
  voices: z.record(z.string(), manifestFile),
  installedAt: z.string(),
});

/** The manifest of `dir`, or null when there is none. Throws when it exists but is invalid. */
export async function readManifest(dir: string): Promise<KokoroManifest | null> {
  const path = join(dir, MANIFEST);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON`, { cause: error });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new Error(`${path}: not a Kokoro manifest: ${parsed.error.message}`);
  return parsed.data;
}

export interface PullOptions {
  dir: string;
  /** A key of the catalog's variants; default DEFAULT_VARIANT. */
  variant?: string;
  /** Default 'all'. */
  voices?: 'all' | readonly string[];
  /** Where the repository's files are; default Hugging Face. */
  baseUrl?: string;
  onProgress?: ProgressCallback;
  signal?: AbortSignal;
  retries?: number;
  retryDelayMs?: number;
  /** What the repository holds; default KOKORO_CATALOG (tests inject their own). */
  catalog?: KokoroCatalog;
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
 * Entries of an earlier manifest whose files are still there are kept.
 */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const { dir, signal } = options;
  const catalog = options.catalog ?? KOKORO_CATALOG;
  const variant = options.variant ?? DEFAULT_VARIANT;
  const model = catalog.variants[variant];
  if (!model) throw new Error(`unknown Kokoro model variant "${variant}"; known: ${Object.keys(catalog.variants).join(', ')}`);
  const voices = options.voices === undefined || options.voices === 'all' ? catalog.voiceNames : [...new Set(options.voices)];
  const unknown = voices.filter((v) => !catalog.voiceNames.includes(v));
  if (unknown.length > 0) throw new Error(`unknown Kokoro voice(s): ${unknown.join(', ')}`);

  await mkdir(dir, { recursive: true });
  return withModelDirLock(dir, async () => {
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
    for (const job of jobs) {
      signal?.throwIfAborted();
      const dest = join(dir, job.local);
      let sha256 = await validHash(dest, job.size, job.sha256);
      if (sha256 !== null) {
        skipped.push(job.local);
      } else {
        const result = await downloadFile({
          url: fileUrl(options.baseUrl, job.remote),
          dest,
          size: job.size,
          sha256: job.kind === 'models' ? job.sha256 : undefined,
          label: job.local,
          onProgress: options.onProgress,
          signal,
          retries: options.retries,
          retryDelayMs: options.retryDelayMs,
        });
        sha256 = result.sha256;
        downloaded.push(job.local);
      }
      manifest[job.kind][job.name] = { path: job.local, size: job.size, sha256 };
    }
    manifest.installedAt = new Date().toISOString();
    await writeFileAtomic(join(dir, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest, downloaded, skipped };
  });
}

/**
 * Runs `fn` as the only writer of a model directory: a server's background download, `litetts
 * models pull` and `models import-voices` beside it would otherwise write the same files.
 */
export async function withModelDirLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await withLockFile(join(dir, '.install.lock'), fn);
  } catch (error) {
    if (error instanceof LockHeldError) {
      throw new Error(`another install into ${dir} is running (${error.pid === process.pid ? 'in this process' : `process ${error.pid}`}); wait for it to finish`, { cause: error });
    }
    throw error;
  }
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


export interface InstalledFile {
  name: string;
  /** Absolute path. */
  path: string;
  size: number;
  /** From the manifest; null for a file found by scanning (hashing a 300 MB model on every look is too slow). */
  sha256: string | null;
}

export interface InstalledKokoro {
  dir: string;
  /** 'manifest': what `litetts models pull` recorded; 'scan': files found in a directory without a manifest. */
  source: 'manifest' | 'scan';
  /** The repository pulled from; 'local' for scanned files. */
  repository: string;
  /** The variant to load. */
  variant: string;
  /** ISO 8601; null for scanned files. */
  installedAt: string | null;
  /** Model variants present with their recorded size. */
  models: InstalledFile[];
  /** Voice packs present with their recorded size. */
  voices: InstalledFile[];
  /** Files the manifest lists that are missing or have another size, e.g. "voices/af_bella.bin: missing". */
  problems: string[];
  /** The variant to load is present and nothing is missing. */
  ok: boolean;
}

/**
 * What `dir` holds according to its manifest, checked against the disk (sizes). Without a manifest
 * (files put there by hand), what a scan finds: every `*.onnx` directly in `dir` and every
 * `voices/<name>.bin` of the pack size; then `variant` (default DEFAULT_VARIANT) is the one to load.
 * Null when there is neither a manifest nor any model or voice pack.
 */
export async function installedModels(dir: string, variant?: string): Promise<InstalledKokoro | null> {
  const manifest = await readManifest(dir);
  if (!manifest) return scanInstalled(dir, variant ?? DEFAULT_VARIANT);
  const problems: string[] = [];
  const check = async (entries: Record<string, ManifestFile>): Promise<InstalledFile[]> => {
    const present: InstalledFile[] = [];
    for (const [name, entry] of Object.entries(entries)) {
      const path = join(dir, entry.path);
      const size = await fileSize(path).catch(() => 0);
      if (size === entry.size) present.push({ name, path, size, sha256: entry.sha256 });
      else problems.push(`${entry.path}: ${size === 0 ? 'missing' : `${size} bytes, expected ${entry.size}`}`);
    }
    return present;
  };
  const models = await check(manifest.models);
  const voices = await check(manifest.voices);
  if (!(manifest.variant in manifest.models)) problems.push(`${manifest.variant}: not in the manifest`);
  const ok = problems.length === 0 && models.some((m) => m.name === manifest.variant);
  return {
    dir,
    source: 'manifest',
    repository: manifest.repository,
    variant: manifest.variant,
    installedAt: manifest.installedAt,
    models,
    voices,
    problems,
    ok,
  };
}

async function scanInstalled(dir: string, variant: string): Promise<InstalledKokoro | null> {
  const files = async (folder: string, suffix: string): Promise<{ name: string; path: string; size: number }[]> => {
    let names: string[];
    try {
      names = await readdir(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return [];
      throw error;
    }
    const found: { name: string; path: string; size: number }[] = [];
    for (const fileName of names.sort()) {
      if (!fileName.endsWith(suffix) || fileName.startsWith('.')) continue;
      const path = join(folder, fileName);
      const info = await stat(path).catch(() => null); // a dangling link is not a file
      if (info?.isFile()) found.push({ name: fileName, path, size: info.size });
    }
    return found;
  };
  const problems: string[] = [];
  const models = (await files(dir, '.onnx')).map((f): InstalledFile => ({ ...f, sha256: null }));
  const voices: InstalledFile[] = [];
  for (const f of await files(join(dir, 'voices'), '.bin')) {
    const name = f.name.slice(0, -'.bin'.length);
    if (f.size === KOKORO_VOICE_SIZE) voices.push({ ...f, name, sha256: null });
    else problems.push(`${voicePath(name)}: ${f.size} bytes, expected ${KOKORO_VOICE_SIZE}`);
  }
  if (models.length === 0 && voices.length === 0) return null;
  if (!models.some((m) => m.name === variant)) problems.push(`${variant}: missing`);
  const ok = problems.length === 0;
  return { dir, source: 'scan', repository: 'local', variant, installedAt: null, models, voices, problems, ok };
}

// ---------------------------------------------------------------------------------------------
// Terminal progress

/** The parts of a stream the progress bar uses (process.stderr fits). */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const MB = 1_000_000;
const REDRAW_MS = 100;

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/**
 * On a TTY, one line redrawn in place (at most every 100 ms): file, percentage, MB, rate.
 * Otherwise one line per finished file.
 */
export function createProgressBar(stream: ProgressStream): ProgressCallback {
  let file = '';
  let started = 0;
  let startBytes = 0;
  let lastDraw = -Infinity;
  return (p: DownloadProgress): void => {
    const now = performance.now();
    if (p.file !== file) [file, started, startBytes, lastDraw] = [p.file, now, p.received, -Infinity];
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? (p.received - startBytes) / seconds : 0;
    if (!stream.isTTY) {
      if (p.done) stream.write(`${p.file}  ${megabytes(p.received)} MB  ${seconds.toFixed(1)} s  ${megabytes(rate)} MB/s\n`);
      return;
    }
    if (!p.done && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const percent = p.total ? `${((100 * p.received) / p.total).toFixed(1).padStart(5)}%` : '    ?%';
    const size = p.total === null ? megabytes(p.received) : `${megabytes(p.received)}/${megabytes(p.total)}`;
    let line = `${p.file}  ${percent}  ${size} MB  ${megabytes(rate)} MB/s`;
    if (stream.columns && line.length >= stream.columns) line = line.slice(0, stream.columns - 1);
    stream.write(`\r${line}\x1b[K${p.done ? '\n' : ''}`);
  };
}
