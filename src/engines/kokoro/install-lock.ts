/**
 * One install at a time per model directory. A server's background download, `litetts models
 * pull` and `models import-voices` beside each other would otherwise write the same files.
 *
 * The lock is proper-lockfile's: a folder `<dir>/.install.lock` whose modification time the holder
 * refreshes every few seconds. A lock not refreshed within the stale window is abandoned, whoever
 * made it, and is taken over. Process ids decide nothing: a container's server is PID 1 on every
 * start, so "is the recorded pid alive?" would call a lock left by a killed download live forever.
 * `<dir>/.install.owner` says who holds the lock and since when, for the refusal message only.
 */
import { randomBytes } from 'node:crypto';
import { lstat, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { lock } from 'proper-lockfile';

/** A lock not refreshed for this long is taken over: its holder died (or froze for that long). */
export const INSTALL_LOCK_STALE_MS = 15_000;

/** proper-lockfile's own floor for the stale window. */
const MIN_STALE_MS = 2_000;
/** Between two looks at a lock held by someone else while waiting for it. */
const POLL_MS = 500;

const LOCK = '.install.lock';
const OWNER = '.install.owner';

/** Directories this process holds now: only these are "in this process" (a note's pid may be reused). */
const heldHere = new Set<string>();

export interface InstallLockOptions {
  /** The stale window in ms (at least 2000); default INSTALL_LOCK_STALE_MS. Tests shorten it. */
  staleMs?: number;
  /** How long to keep trying while another holds the lock, in ms; default 0: refuse at once. */
  waitMs?: number;
  /** Ends a wait early (the server shutting down). */
  signal?: AbortSignal;
}

/** Who holds a lock, as its holder wrote it down. */
export interface InstallLockOwner {
  pid: number;
  host: string;
  /** ISO 8601: when the lock was taken. */
  since: string;
}

export type InstallLockErrorCode = 'install-locked' | 'install-lock-lost';

/**
 * 'install-locked': another install holds the directory. 'install-lock-lost': the lock of a running
 * install could not be kept fresh (or was removed), so another install may have started; this one
 * stopped.
 */
export class InstallLockError extends Error {
  override readonly name = 'InstallLockError';
  constructor(
    readonly code: InstallLockErrorCode,
    readonly dir: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Runs `fn` as the only installer of `dir` (which must exist). `fn` gets a signal that aborts if
 * the lock is lost meanwhile; it should pass it on to its downloads. When held by another install,
 * this rejects with an InstallLockError naming the holder, after `waitMs` of trying.
 */
export async function withModelDirLock<T>(dir: string, fn: (signal: AbortSignal) => Promise<T>, options: InstallLockOptions = {}): Promise<T> {
  const staleMs = Math.max(options.staleMs ?? INSTALL_LOCK_STALE_MS, MIN_STALE_MS);
  const lost = new AbortController();
  // The owner note is written beforehand and renamed into place once the lock is ours: one
  // system call, so an install refused a moment later can still say who holds the lock.
  const note = join(dir, `${OWNER}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let release: () => Promise<void>;
  try {
    release = await acquire(dir, note, staleMs, options, (error) => {
      lost.abort(
        new InstallLockError(
          'install-lock-lost',
          dir,
          `the install lock on ${dir} was lost (${error.message}), so another install may have started; this one stopped. Run it again once no other install is running`,
          { cause: error },
        ),
      );
    });
  } catch (error) {
    await rm(note, { force: true });
    throw error;
  }
  const key = resolve(dir);
  heldHere.add(key);
  try {
    await rename(note, join(dir, OWNER));
    const result = await fn(lost.signal);
    lost.signal.throwIfAborted();
    return result;
  } catch (error) {
    // Whatever `fn` failed with, a lost lock is the reason worth reporting.
    lost.signal.throwIfAborted();
    throw error;
  } finally {
    // A lost lock may belong to another install by now: its owner note and folder are not ours.
    heldHere.delete(key);
    await rm(note, { force: true }); // left only when renaming it failed
    if (!lost.signal.aborted) {
      await rm(join(dir, OWNER), { force: true });
      await release();
    }
  }
}

/** Takes the lock, trying until `options.waitMs` have passed; `note` is (re)written before each try, with its time. */
async function acquire(
  dir: string,
  note: string,
  staleMs: number,
  options: InstallLockOptions,
  onCompromised: (error: Error) => void,
): Promise<() => Promise<void>> {
  const lockPath = join(dir, LOCK);
  const deadline = performance.now() + (options.waitMs ?? 0);
  for (;;) {
    options.signal?.throwIfAborted();
    await removeStaleLockFile(lockPath, staleMs);
    await writeFile(note, `${JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() } satisfies InstallLockOwner)}\n`);
    try {
      return await lock(dir, {
        lockfilePath: lockPath,
        realpath: false,
        stale: staleMs,
        // Three refreshes per window: a busy moment of the event loop does not lose the lock.
        update: Math.max(1000, Math.floor(staleMs / 3)),
        onCompromised,
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
      const left = deadline - performance.now();
      if (left <= 0) throw await lockedError(dir, lockPath, staleMs, error);
      await sleep(Math.min(POLL_MS, left), undefined, options.signal ? { signal: options.signal } : {});
    }
  }
}

/**
 * Earlier releases left a plain file (holding a pid) at the lock's path; proper-lockfile cannot
 * remove a file, so an abandoned one is removed here by the same rule: not touched within the window.
 */
async function removeStaleLockFile(lockPath: string, staleMs: number): Promise<void> {
  const stat = await lstat(lockPath).catch(() => null);
  if (stat && !stat.isDirectory() && stat.mtimeMs < Date.now() - staleMs) await rm(lockPath, { force: true });
}

async function lockedError(dir: string, lockPath: string, staleMs: number, cause: unknown): Promise<InstallLockError> {
  // A holder that took the lock this very moment may not have put its note in place yet.
  const owner = (await readOwner(dir)) ?? (await sleep(100).then(() => readOwner(dir)));
  const refreshed = await lstat(lockPath).then(
    (stat) => Math.max(0, Math.round((Date.now() - stat.mtimeMs) / 1000)),
    () => null,
  );
  let holder: string;
  if (heldHere.has(resolve(dir))) holder = `in this process${owner ? ` since ${owner.since}` : ''}`;
  else if (!owner) holder = refreshed === null ? 'holder unknown' : `holder unknown, active ${refreshed} s ago`;
  else {
    // The same pid on the same host is not this process: an earlier run (a container restarted) had it.
    const earlier = owner.pid === process.pid && owner.host === hostname() ? ', an earlier run with this process id' : '';
    holder = `process ${owner.pid} on ${owner.host}${earlier} since ${owner.since}`;
  }
  return new InstallLockError(
    'install-locked',
    dir,
    `another install into ${dir} is running (${holder}); wait for it to finish. ` +
      `A lock whose holder was killed is taken over ${Math.round(staleMs / 1000)} s after its last refresh.`,
    { cause },
  );
}

/** The owner note, or null when there is none or it is not one (it is advice, never trusted for more). */
async function readOwner(dir: string): Promise<InstallLockOwner | null> {
  try {
    const note = JSON.parse(await readFile(join(dir, OWNER), 'utf8')) as Partial<InstallLockOwner>;
    if (typeof note.pid === 'number' && typeof note.host === 'string' && typeof note.since === 'string') {
      return { pid: note.pid, host: note.host, since: note.since };
    }
  } catch {
    // missing or unreadable: the holder is unknown
  }
  return null;
}
