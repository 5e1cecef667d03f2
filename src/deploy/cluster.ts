import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startNginx } from './nginx.js';
import { alive, freePort, startLogged, stopPid, waitForOk } from './processes.js';
import { stopLocalPostgres, type LocalPostgres } from './local-postgres.js';

/** N LiteTTS replicas on one library behind one nginx, on this machine: what docs/deploy.md describes. */

const BIN = new URL('../../bin/litetts.js', import.meta.url).pathname;

export type ClusterDatabase = { kind: 'postgres'; url: string; local: LocalPostgres | null } | { kind: 'sqlite' };

export interface ClusterOptions {
  replicas: number;
  /** Where nginx listens (127.0.0.1). */
  port: number;
  /** Everything the deployment writes: configs, logs, replica data directories, a local database. */
  dir: string;
  database: ClusterDatabase;
  nginx: string;
  /** Every replica requires this key (LITETTS_API_KEYS); null: no keys. */
  apiKey: string | null;
  /** Synthesis threads per replica. */
  workers: number;
  /** One Kokoro model directory every replica reads; null: espeak only, nothing downloaded. */
  modelDir: string | null;
  maxUploadMb: number;
  /** More environment for every replica. */
  env?: Record<string, string>;
  say?: (line: string) => void;
}

export interface ReplicaState {
  url: string;
  pid: number;
  dataDir: string;
  log: string;
}

/** What `--stop` needs to stop it all again (kept as state.json in the deployment's directory). */
export interface ClusterState {
  dir: string;
  url: string;
  apiKey: string | null;
  database: ClusterDatabase;
  replicas: ReplicaState[];
  nginxPid: number;
}

function replicaEnv(options: ClusterOptions, dataDir: string, port: number): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...options.env,
    LITETTS_HOST: '127.0.0.1',
    LITETTS_PORT: String(port),
    LITETTS_DATA_DIR: dataDir,
    LITETTS_LOG_FORMAT: 'json',
    LITETTS_WORKERS: String(options.workers),
    LITETTS_MAX_UPLOAD_MB: String(options.maxUploadMb),
    LITETTS_API_KEYS: options.apiKey ?? '',
    // Replicas never download models themselves: N downloads of one model. `litetts models pull` fills the shared directory once.
    LITETTS_MODEL_AUTO_DOWNLOAD: 'false',
    LITETTS_MODEL_DIR: options.modelDir ?? '',
  };
  if (options.database.kind === 'postgres') env.LITETTS_DATABASE_URL = options.database.url;
  else delete env.LITETTS_DATABASE_URL;
  return env;
}

function migrate(options: ClusterOptions): string {
  try {
    return execFileSync(BIN, ['migrate'], { env: replicaEnv(options, join(options.dir, 'migrate'), 0), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (error) {
    const { stderr, stdout } = error as { stderr?: string; stdout?: string };
    throw new Error(`litetts migrate failed: ${(stderr || stdout || (error as Error).message).trim()}`);
  }
}

/** Starts the replicas (after the migrations), waits until each is healthy, then nginx, and waits for /health through it. */
export async function startCluster(options: ClusterOptions): Promise<ClusterState> {
  const say = options.say ?? (() => {});
  mkdirSync(options.dir, { recursive: true });
  // nginx's workers (and a local PostgreSQL's server) run as other users: they need to enter it.
  chmodSync(options.dir, 0o755);
  if (options.database.kind === 'postgres') {
    // The schema first, as a deployment step of its own: replicas would migrate too (once among them), but a
    // failed migration then stops the deployment here, with its message, instead of in N replica logs.
    say(`litetts migrate: ${migrate(options)}`);
  }
  const state: ClusterState = { dir: options.dir, url: `http://127.0.0.1:${options.port}`, apiKey: options.apiKey, database: options.database, replicas: [], nginxPid: 0 };
  const shared = join(options.dir, 'data');
  const healthy = (r: ReplicaState) => waitForOk(`${r.url}/health`, { timeoutMs: 60_000, gone: () => !alive(r.pid) });
  for (let i = 0; i < options.replicas; i++) {
    // The first replica alone: SQLite's catalog file is made by the first to open it.
    if (i === 1) await healthy(state.replicas[0]!).catch(async (error: unknown) => {
      await stopCluster(state);
      throw error;
    });
    const port = await freePort();
    // PostgreSQL: a data directory per replica for its local files; SQLite: the one directory whose catalog they share.
    const dataDir = options.database.kind === 'postgres' ? join(options.dir, `replica-${i + 1}`) : shared;
    mkdirSync(dataDir, { recursive: true });
    const log = join(options.dir, `replica-${i + 1}.log`);
    const started = startLogged(BIN, ['serve'], { env: replicaEnv(options, dataDir, port), logFile: log });
    state.replicas.push({ url: `http://127.0.0.1:${port}`, pid: started.pid, dataDir, log });
    say(`replica ${i + 1}: pid ${started.pid}, http://127.0.0.1:${port}, data ${dataDir}, log ${log}`);
  }
  try {
    await Promise.all(state.replicas.map(healthy));
    const nginx = startNginx(options.nginx, {
      listen: `127.0.0.1:${options.port}`,
      replicas: state.replicas.map((r) => r.url.replace('http://', '')),
      prefix: options.dir,
      maxUploadMb: options.maxUploadMb,
      readTimeoutSeconds: 300,
    });
    state.nginxPid = nginx.pid;
    say(`nginx: pid ${nginx.pid}, ${state.url}, config ${join(options.dir, 'nginx.conf')}`);
    await waitForOk(`${state.url}/health`, { timeoutMs: 15_000, gone: () => !alive(nginx.pid) });
  } catch (error) {
    await stopCluster(state);
    throw error;
  }
  return state;
}

/** nginx first (no new requests), then the replicas (each finishes what it has in flight), then a local database. */
export async function stopCluster(state: ClusterState): Promise<void> {
  if (state.nginxPid > 0) await stopPid(state.nginxPid, 5000);
  await Promise.all(state.replicas.map((r) => stopPid(r.pid)));
  if (state.database.kind === 'postgres' && state.database.local !== null) stopLocalPostgres(state.database.local);
}

/** A database URL without its password, for printing. */
export function redact(url: string): string {
  return url.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@');
}
