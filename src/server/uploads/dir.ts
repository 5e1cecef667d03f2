import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where uploads lie while a request handles them: one private directory per
 * server process (`<root>/<pid>-<random>`, mode 0700), and inside it one
 * directory per request, which the request removes when it ends. The process's
 * directory goes when the server closes; one left behind by a process that died
 * is removed by the next server that starts on the same root.
 */
export class UploadDir {
  private constructor(readonly path: string) {}

  static async open(root: string): Promise<UploadDir> {
    await mkdir(root, { recursive: true, mode: 0o700 });
    await sweepDead(root);
    return new UploadDir(await mkdtemp(join(root, `${process.pid}-`)));
  }

  /** A fresh, empty, private directory for one request's files; the caller removes it (see `remove`). */
  async scratch(): Promise<string> {
    return mkdtemp(join(this.path, 'u-'));
  }

  /** Directories of requests still under way (for tests and diagnostics). */
  async pending(): Promise<string[]> {
    return readdir(this.path).catch(() => []);
  }

  async close(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}

/** Removes a scratch directory and everything in it; never throws (it is cleanup). */
export async function remove(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => undefined);
}

/** Removes the directories of server processes that no longer run. */
async function sweepDead(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [])) {
    const pid = Number(/^(\d+)-/.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid)) await remove(join(root, name));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
