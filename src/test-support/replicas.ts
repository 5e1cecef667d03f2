import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openCatalog, type Catalog } from '../store/open.js';
import { startTestServer, type TestServer, type TestServerOptions } from './server.js';
import { sharedLibrary, type SharedLibrary } from './shared-library.js';

/**
 * Several real servers (`litetts serve` processes) serving one library, as replicas behind a
 * load balancer do. Where the library lives is `sharedLibrary()`'s choice: one PostgreSQL
 * database that every replica points at, each replica with a data directory of its own for its
 * local files, or, where PostgreSQL is not available, one SQLite data directory they all share.
 */
export interface ReplicaSet {
  /** The replicas, in start order; `restart(i)` replaces an entry. */
  readonly servers: TestServer[];
  /** `postgres` or `sqlite`: what the replicas share. */
  readonly backend: SharedLibrary['backend'];
  /** Starts one more replica on the same library. */
  add(): Promise<TestServer>;
  /** Starts replica `i` again (after a kill), on its own data directory. */
  restart(i: number): Promise<TestServer>;
  /** Every log line of every replica, each with the index of the replica that printed it. */
  logs(): { replica: number; entry: Record<string, unknown> }[];
  /** The library's catalog opened from the test itself (to look at what the API does not show); the caller closes it. */
  openCatalog(): Promise<Catalog>;
  /** Stops every replica still running and removes the data directories and the database. */
  close(): Promise<void>;
}

export interface ReplicaOptions {
  count: number;
  /** Flags for every replica (after the harness's own). */
  args?: string[];
  env?: Record<string, string>;
  waitForWarmUp?: boolean;
}

/**
 * Timings that make a replica's death visible within seconds instead of the production half
 * minute: a heartbeat a second, stale after three, queued jobs looked for every second.
 */
export const FAST_JOB_FLAGS = ['--job-heartbeat-seconds', '1', '--job-stale-seconds', '3', '--job-poll-seconds', '1'];

export async function startReplicas(options: ReplicaOptions): Promise<ReplicaSet> {
  const library = await sharedLibrary();
  const dirs: string[] = [];
  const servers: TestServer[] = [];
  const retired: TestServer[] = [];
  const dataDirOf = new Map<TestServer, string>();
  const indexOf = new Map<TestServer, number>();

  const launch = async (dataDir: string): Promise<TestServer> => {
    const server = await startTestServer({
      dataDir,
      args: [...(options.args ?? [])],
      env: { ...library.env, ...options.env },
      ...(options.waitForWarmUp !== undefined && { waitForWarmUp: options.waitForWarmUp }),
    } satisfies TestServerOptions);
    dataDirOf.set(server, dataDir);
    return server;
  };
  const newDataDir = (): string => {
    if (library.sharedDataDir !== null) return library.sharedDataDir;
    const dir = mkdtempSync(join(tmpdir(), 'litetts-replica-'));
    dirs.push(dir);
    return dir;
  };

  const set: ReplicaSet = {
    servers,
    backend: library.backend,
    async add() {
      const server = await launch(newDataDir());
      indexOf.set(server, servers.push(server) - 1);
      return server;
    },
    async restart(i) {
      const old = servers[i];
      if (old === undefined) throw new RangeError(`no replica ${i}`);
      await old.kill();
      retired.push(old);
      const server = await launch(dataDirOf.get(old)!);
      indexOf.set(server, i);
      servers[i] = server;
      return server;
    },
    logs() {
      return [...retired, ...servers].flatMap((s) => s.logs.map((entry) => ({ replica: indexOf.get(s)!, entry })));
    },
    async openCatalog() {
      const sqlitePath = join(library.sharedDataDir ?? '', 'voices.db');
      const { catalog } = await openCatalog({ databaseUrl: library.env.LITETTS_DATABASE_URL ?? null, databasePoolSize: 1, sqlitePath });
      return catalog;
    },
    async close() {
      await Promise.allSettled(servers.map((s) => s.stop({ keepData: true })));
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await library.close();
    },
  };
  try {
    // The first replica alone: it creates the schema (or runs the migrations) before the others open it.
    await set.add();
    await Promise.all(Array.from({ length: options.count - 1 }, () => set.add()));
  } catch (error) {
    await set.close();
    throw error;
  }
  return set;
}
