import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const ROOT = new URL('../../', import.meta.url).pathname;

/**
 * Data directories this module made, and servers still running. A test that
 * restarts a server on the same directory (after kill(), or stop({ keepData })) or
 * fails before stopping it would otherwise leave both behind: when the test file's
 * process exits, whatever is left is killed and removed.
 */
const madeDirs = new Set<string>();
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of madeDirs) rmSync(dir, { recursive: true, force: true });
});

export interface TestServer {
  url: string;
  dataDir: string;
  /** Log lines the server printed so far (parsed JSON). */
  logs: Record<string, unknown>[];
  process: ChildProcess;
  /**
   * SIGTERM and wait; removes the data directory unless `keepData` (or the test
   * brought a directory of its own). A directory this module made is removed however
   * many servers ran on it.
   */
  stop(options?: { keepData?: boolean }): Promise<void>;
  /** SIGKILL and wait (crash simulation); keeps the data directory for a restart, removed when the test file ends. */
  kill(): Promise<void>;
}

export interface TestServerOptions {
  args?: string[];
  env?: Record<string, string>;
  dataDir?: string;
  /** Resolve only once engines and encoders are warm (benchmarks), not as soon as it listens. */
  waitForWarmUp?: boolean;
}

/**
 * Starts the real server (`litetts serve`, the build in dist/ that `npm test` makes) as a child process on a free port with a
 * temporary data directory, and resolves once it is listening.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'litetts-test-'));
  if (options.dataDir === undefined) madeDirs.add(dataDir);
  const child = spawn(
    // As `npm start` runs it: bin/litetts.js (with its V8 flags) over the build in dist/.
    join(ROOT, 'bin/litetts.js'),
    ['serve', '--port', '0', '--host', '127.0.0.1', '--data-dir', dataDir, '--log-level', 'info', ...(options.args ?? [])],
    {
      cwd: ROOT,
      // Kokoro stays out unless a test installs it: no model directory from the environment, no download.
      env: { ...process.env, LITETTS_LOG_LEVEL: '', LITETTS_MODEL_DIR: '', LITETTS_MODEL_AUTO_DOWNLOAD: 'false', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const logs: Record<string, unknown>[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  running.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      running.delete(child);
      resolve();
    }),
  );

  let listening: string | null = null;
  let warm = false;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start in 30 s\n${stderr}`));
    }, 30_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (typeof entry.url === 'string' && String(entry.msg).startsWith('LiteTTS listening')) listening = entry.url;
      if (entry.msg === 'engines warmed up') warm = true;
      if (listening !== null && (warm || !options.waitForWarmUp)) {
        clearTimeout(timer);
        resolve(listening);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening\n${stderr}`));
    });
  });

  return {
    url,
    dataDir,
    logs,
    process: child,
    async stop({ keepData = false } = {}) {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      if (!keepData && madeDirs.delete(dataDir)) rmSync(dataDir, { recursive: true, force: true });
    },
    async kill() {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}
