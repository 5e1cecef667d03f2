import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A throwaway PostgreSQL cluster from Debian's packages (`apt-get install postgresql`), for a
 * local deployment that brings its own database: initdb into a directory, a server on a free
 * port of 127.0.0.1 only, trust authentication (nothing else can reach it). Run as root, the
 * cluster belongs to the `postgres` user, since PostgreSQL refuses to run as root.
 */
export interface LocalPostgres {
  url: string;
  dataDir: string;
  bin: string;
  /** The user the server runs as (null: the current one). */
  user: string | null;
}

/** The newest `/usr/lib/postgresql/<version>/bin` with initdb, or null. */
export function findPostgresBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(root, versions[0]!, 'bin') : null;
}

function run(pg: { bin: string; user: string | null }, tool: string, args: readonly string[]): void {
  const command = join(pg.bin, tool);
  try {
    if (pg.user === null) execFileSync(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    else execFileSync('runuser', ['-u', pg.user, '--', command, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim();
    throw new Error(`${tool} failed: ${stderr || (error as Error).message}`);
  }
}

export function startLocalPostgres(options: { bin: string; dir: string; port: number }): LocalPostgres {
  const user = process.getuid?.() === 0 ? 'postgres' : null;
  const dataDir = join(options.dir, 'postgres');
  // The server's user must be able to enter the deployment's directory; its own stays private.
  mkdirSync(options.dir, { recursive: true });
  chmodSync(options.dir, 0o755);
  mkdirSync(dataDir, { mode: 0o700 });
  if (user !== null) {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    chownSync(dataDir, uid, gid);
  }
  const pg = { bin: options.bin, user };
  run(pg, 'initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  const settings = `-p ${options.port} -c listen_addresses=127.0.0.1 -k ${dataDir} -c max_connections=200`;
  run(pg, 'pg_ctl', ['start', '-w', '-D', dataDir, '-l', join(dataDir, 'server.log'), '-o', settings]);
  run(pg, 'createdb', ['-h', '127.0.0.1', '-p', String(options.port), '-U', 'postgres', 'litetts']);
  return { url: `postgres://postgres@127.0.0.1:${options.port}/litetts`, dataDir, bin: options.bin, user };
}

export function stopLocalPostgres(pg: LocalPostgres): void {
  if (!existsSync(join(pg.dataDir, 'postmaster.pid'))) return;
  run(pg, 'pg_ctl', ['stop', '-w', '-m', 'fast', '-D', pg.dataDir]);
}
