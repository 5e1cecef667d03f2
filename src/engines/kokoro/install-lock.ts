import { join } from 'node:path';
import { LockHeldError, withLockFile } from '../../files.js';

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
