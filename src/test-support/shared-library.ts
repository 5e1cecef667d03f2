import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where the replicas of a test keep their one library, and how to point a replica at it. */
export interface SharedLibrary {
  backend: 'postgres' | 'sqlite';
  /** Environment every replica gets (the database URL). */
  env: Record<string, string>;
  /** SQLite: the one data directory all replicas share (the catalog is a file in it); null when each has its own. */
  sharedDataDir: string | null;
  /** Drops the database or removes the directory. */
  close(): Promise<void>;
}

/** One SQLite data directory that every replica opens (WAL lets processes share it on one machine). */
export function sqliteLibrary(): SharedLibrary {
  const dir = mkdtempSync(join(tmpdir(), 'litetts-replicas-'));
  return {
    backend: 'sqlite',
    env: {},
    sharedDataDir: dir,
    close: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
  };
}

export function sharedLibrary(): Promise<SharedLibrary> {
  return Promise.resolve(sqliteLibrary());
}
