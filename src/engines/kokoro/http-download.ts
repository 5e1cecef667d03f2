/**
 * Downloads one file: resumable (HTTP Range), retried with backoff, verified (size and SHA-256)
 * and installed atomically, so the destination only ever appears complete.
 */
import { createHash } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileSize, hashFile, syncDirectory } from '../../files.js';

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

/** 'dns': the host's name cannot be looked up (offline, or a wrong base URL); nothing is retried. */
export type DownloadErrorCode = 'size-mismatch' | 'hash-mismatch' | 'http' | 'network' | 'dns';

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
  a.report(offset, a.size ?? null); // the bar shows before the server has answered
  let response: Response;
  try {
    response = await fetch(a.url, { headers, signal: a.signal, redirect: 'follow' });
  } catch (error) {
    throw dnsFailure(a, error) ?? error;
  }

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
    // Only what can heal is retried: a server error, a timeout, a rate limit; a 404 or a 403 stays.
    const retryable = response.status >= 500 || response.status === 408 || response.status === 429;
    throw new DownloadError('http', `${a.label}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${a.url}`, retryable);
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

/**
 * A failed name lookup, as a DownloadError that is not retried. EAI_AGAIN is "temporary" in name
 * only: it is what a machine without network answers, and retrying it for half a minute only
 * delays the message that says so.
 */
function dnsFailure(a: Attempt, error: unknown): DownloadError | null {
  const cause = error instanceof Error ? (error.cause as NodeJS.ErrnoException | undefined) : undefined;
  if (!cause || !['ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EAI_FAIL'].includes(String(cause.code))) return null;
  const host = new URL(a.url).hostname;
  return new DownloadError('dns', `${a.label}: cannot look up ${host} (${cause.code}): no network, or a wrong --model-base-url`, false, { cause: error });
}

function parseContentRange(header: string | null): { start: number; total: number | null } | null {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(header?.trim() ?? '');
  if (!match?.[1] || !match[3]) return null;
  return { start: Number(match[1]), total: match[3] === '*' ? null : Number(match[3]) };
}

async function syncFile(path: string): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.sync();
  } finally {
    await file.close();
  }
}
