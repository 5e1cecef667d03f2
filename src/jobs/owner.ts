import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Who runs a job. An owner id is `<instance>:<pid>:<random>`: the instance id is kept in the
 * data directory, so a server that restarts on the same directory knows the jobs it left
 * `running` when it died as its own; the pid and random part tell its lives apart. At start a
 * runner takes back, at once, the jobs of its own lives that are gone, instead of waiting for
 * their heartbeat to go stale (which covers every other owner: replicas with a directory of
 * their own, a life whose pid now belongs to someone else).
 */
const INSTANCE_FILE = 'instance-id';
const INSTANCE_PATTERN = /^inst_[0-9a-f]{16}$/;

/** The data directory's instance id, made on first use. */
export function instanceIdOf(dataDir: string): string {
  const path = join(dataDir, INSTANCE_FILE);
  const read = (): string | null => {
    try {
      const text = readFileSync(path, 'utf8').trim();
      return INSTANCE_PATTERN.test(text) ? text : null;
    } catch {
      return null;
    }
  };
  const existing = read();
  if (existing !== null) return existing;
  mkdirSync(dataDir, { recursive: true });
  const fresh = `inst_${randomBytes(8).toString('hex')}`;
  try {
    // Exclusive: of two processes starting at once, one writes and both read its id.
    writeFileSync(path, `${fresh}\n`, { flag: 'wx' });
    return fresh;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // There is a file, but not a valid id (a crash while it was written): replace it.
  const raced = read();
  if (raced !== null) return raced;
  writeFileSync(path, `${fresh}\n`);
  return fresh;
}

export function newOwnerId(instanceId: string): string {
  return `${instanceId}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

/**
 * Whether `owner` is a past life of this instance that can no longer be running: same
 * instance id, and its process is gone, or it is this process and not one of the runners it
 * has alive (`liveHere`). A pid that has been reused by another process reads as alive; its
 * jobs then wait for the heartbeat to go stale.
 */
export function isDeadLife(owner: string, instanceId: string, liveHere: ReadonlySet<string>): boolean {
  const [instance, pidText] = owner.split(':');
  if (instance !== instanceId || pidText === undefined || !/^\d+$/.test(pidText)) return false;
  const pid = Number(pidText);
  if (pid === process.pid) return !liveHere.has(owner);
  return !processAlive(pid);
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is just not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
