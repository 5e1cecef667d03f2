// Starts N LiteTTS replicas on one PostgreSQL database behind nginx, on this machine, and proves
// that they serve one library (docs/deploy.md). `scripts/deploy-local.sh --help` says how.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { redact, startCluster, stopCluster, type ClusterDatabase, type ClusterState } from '../src/deploy/cluster.js';
import { findNginx } from '../src/deploy/nginx.js';
import { findPostgresBin, startLocalPostgres, type LocalPostgres } from '../src/deploy/local-postgres.js';
import { alive, freePort } from '../src/deploy/processes.js';
import { smokeCheck } from '../src/deploy/smoke.js';

const HELP = `Usage: scripts/deploy-local.sh [options]

Starts N replicas of LiteTTS on one PostgreSQL database behind nginx on 127.0.0.1, checks that
they serve one library (a voice made, spoken and deleted through nginx, each replica asked
directly), prints what it started, and stops it all on Ctrl-C.

  --replicas N         replicas (default 2)
  --port P             where nginx listens (default 8356)
  --dir D              where configs, logs and data go (default $TMPDIR/litetts-deploy)
  --database-url URL   an existing PostgreSQL database (default: $LITETTS_DATABASE_URL, else a
                       throwaway cluster from Debian's postgresql package, in --dir)
  --sqlite             no PostgreSQL: the replicas share one SQLite data directory (one machine only)
  --api-key K          the key every request needs (default: a random one, printed)
  --no-api-key         no keys
  --workers N          synthesis threads per replica (default: cores / replicas)
  --model-dir D        a Kokoro model directory every replica reads (default: espeak only)
  --detach             leave it running and exit; --stop stops it
  --stop               stop what a --detach run left running, and remove its directory
  --keep-files         on stopping, keep the directory (logs, nginx.conf)
  --no-smoke           skip the check`;

const { values } = parseArgs({
  options: {
    replicas: { type: 'string', default: '2' },
    port: { type: 'string', default: '8356' },
    dir: { type: 'string', default: join(tmpdir(), 'litetts-deploy') },
    'database-url': { type: 'string' },
    sqlite: { type: 'boolean', default: false },
    'api-key': { type: 'string' },
    'no-api-key': { type: 'boolean', default: false },
    workers: { type: 'string' },
    'model-dir': { type: 'string' },
    detach: { type: 'boolean', default: false },
    stop: { type: 'boolean', default: false },
    'keep-files': { type: 'boolean', default: false },
    'no-smoke': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

const say = (line: string): void => console.log(`deploy-local: ${line}`);
function fail(message: string, code = 2): never {
  console.error(`deploy-local: ${message}`);
  process.exit(code);
}
function whole(text: string, what: string, min: number, max: number): number {
  const n = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!(n >= min && n <= max)) fail(`${what} must be a whole number from ${min} to ${max}, got '${text}'`);
  return n;
}

const dir = values.dir;
const stateFile = join(dir, 'state.json');
const readState = (): ClusterState | null => (existsSync(stateFile) ? (JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState) : null);

/** Marks a directory as this script's: only such a directory (or an empty one, or none) is ever emptied or removed. */
const MARKER = '.litetts-deploy';

function claimDir(): void {
  if (existsSync(dir) && readdirSync(dir).length > 0 && !existsSync(join(dir, MARKER))) {
    fail(`${dir} holds files this script did not make; give --dir an empty or new directory`, 2);
  }
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, MARKER), 'made by scripts/deploy-local.sh; removed by its --stop\n');
}

async function stopAll(state: ClusterState): Promise<void> {
  say('stopping nginx, then the replicas, then the database');
  await stopCluster(state);
  if (values['keep-files'] || !existsSync(join(dir, MARKER))) say(`stopped; files kept in ${dir}`);
  else {
    rmSync(dir, { recursive: true, force: true });
    say(`stopped; ${dir} removed`);
  }
}

async function main(): Promise<void> {
  if (values.help) return void console.log(HELP);
  if (values.stop) {
    const state = readState();
    if (state === null) fail(`nothing to stop: no ${stateFile}`, 1);
    return stopAll(state);
  }
  const previous = readState();
  if (previous !== null && [previous.nginxPid, ...previous.replicas.map((r) => r.pid)].some((pid) => pid > 0 && alive(pid))) {
    fail(`a deployment is already running from ${dir}; stop it first (--stop --dir ${dir})`, 1);
  }
  const replicas = whole(values.replicas, '--replicas', 1, 32);
  const port = whole(values.port, '--port', 1, 65535);
  const workers = values.workers === undefined ? Math.max(1, Math.floor(availableParallelism() / replicas)) : whole(values.workers, '--workers', 1, 64);
  const nginx = findNginx() ?? fail('nginx is not installed (Debian: apt-get install nginx)', 3);
  const apiKey = values['no-api-key'] ? null : (values['api-key'] ?? `lt_${randomBytes(18).toString('base64url')}`);

  claimDir();
  let database: ClusterDatabase;
  const url = values['database-url'] ?? process.env.LITETTS_DATABASE_URL;
  if (values.sqlite) database = { kind: 'sqlite' };
  else if (url !== undefined && url !== '') database = { kind: 'postgres', url, local: null };
  else {
    const bin = findPostgresBin() ?? fail('no PostgreSQL: pass --database-url, or install Debian\'s (apt-get install postgresql), or use --sqlite', 3);
    say(`starting a throwaway PostgreSQL cluster from ${bin}`);
    let local: LocalPostgres;
    try {
      local = startLocalPostgres({ bin, dir, port: await freePort() });
    } catch (error) {
      fail(`could not start PostgreSQL: ${(error as Error).message}`, 1);
    }
    database = { kind: 'postgres', url: local.url, local };
  }
  say(`database: ${database.kind === 'postgres' ? redact(database.url) : `SQLite in ${join(dir, 'data')}`}`);

  let state: ClusterState;
  try {
    state = await startCluster({ replicas, port, dir, database, nginx, apiKey, workers, modelDir: values['model-dir'] ?? null, maxUploadMb: 100, say });
  } catch (error) {
    if (database.kind === 'postgres' && database.local !== null) await stopCluster({ dir, url: '', apiKey, database, replicas: [], nginxPid: 0 });
    fail(`could not start: ${(error as Error).message}`, 1);
  }
  writeFileSync(stateFile, `${JSON.stringify(state, null, 2)}\n`);

  if (!values['no-smoke']) {
    try {
      for (const line of await smokeCheck(state)) say(`ok: ${line}`);
    } catch (error) {
      console.error(`deploy-local: ${(error as Error).message}`);
      await stopAll(state);
      process.exit(1);
    }
  }
  say(`ready: ${state.url} (${replicas} replicas, ${workers} synthesis thread(s) each)`);
  if (apiKey !== null) say(`API key: ${apiKey}   e.g. curl -H 'Authorization: Bearer ${apiKey}' ${state.url}/v1/voices`);
  if (values.detach) {
    say(`left running; stop with: scripts/deploy-local.sh --stop --dir ${dir}`);
    return;
  }
  say('Ctrl-C stops everything');
  // Watching the processes also keeps this one alive while it waits (they are detached from it).
  const reported = new Set<number>();
  const watch = setInterval(() => {
    for (const [what, pid] of [['nginx', state.nginxPid], ...state.replicas.map((r, i) => [`replica ${i + 1}`, r.pid] as const)] as const) {
      if (!alive(pid) && !reported.has(pid)) {
        reported.add(pid);
        say(`${what} (pid ${pid}) has exited; see its log in ${dir}`);
      }
    }
  }, 2000);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  clearInterval(watch);
  await stopAll(state);
}

await main();
