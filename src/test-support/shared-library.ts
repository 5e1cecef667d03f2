import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testDatabase } from './postgres.js';

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

/** A fresh PostgreSQL database (test-support/postgres.ts) that every replica is pointed at; each keeps its own data directory. */
export async function postgresLibrary(): Promise<SharedLibrary> {
  const database = await testDatabase();
  return { backend: 'postgres', env: { LITETTS_DATABASE_URL: database.url }, sharedDataDir: null, close: () => database.drop() };
}

/**
 * PostgreSQL, the way replicas are deployed (from LITETTS_TEST_DATABASE_URL, else the embedded
 * server; no PostgreSQL fails the test, it never skips). LITETTS_TEST_REPLICA_BACKEND=sqlite
 * runs the same tests over one shared SQLite data directory instead.
 */
export function sharedLibrary(): Promise<SharedLibrary> {
  return process.env.LITETTS_TEST_REPLICA_BACKEND === 'sqlite' ? Promise.resolve(sqliteLibrary()) : postgresLibrary();
}
