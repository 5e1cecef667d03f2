import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { stopCluster, type ClusterState } from './cluster.js';
import { findNginx } from './nginx.js';
import { findPostgresBin } from './local-postgres.js';
import { testDatabase } from '../test-support/postgres.js';
import { alive, freePort } from './processes.js';

const ROOT = new URL('../../', import.meta.url).pathname;
/**
 * PostgreSQL as the guide deploys it: the script's own throwaway cluster from Debian's
 * postgresql package where that is installed (CI installs it), else a test database.
 */
async function databaseArgs(): Promise<{ args: string[]; drop(): Promise<void> }> {
  if (findPostgresBin() !== null) return { args: [], drop: () => Promise.resolve() };
  const database = await testDatabase();
  return { args: ['--database-url', database.url], drop: () => database.drop() };
}

test('scripts/deploy-local.sh: replicas behind nginx pass its smoke check, serve through nginx, and Ctrl-C stops every process it started', { skip: findNginx() === null ? 'nginx is not installed' : false, timeout: 150_000 }, async (t) => {
  const parent = mkdtempSync(join(tmpdir(), 'litetts-deploy-test-'));
  // PostgreSQL's and nginx's workers run as other users (this may run as root): they must be able to enter it.
  chmodSync(parent, 0o755);
  const dir = join(parent, 'deploy');
  const port = await freePort();
  const database = await databaseArgs();
  const child = spawn(join(ROOT, 'scripts/deploy-local.sh'), ['--replicas', '2', '--port', String(port), '--dir', dir, ...database.args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LITETTS_DATABASE_URL: '' },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines: string[] = [];
  try {
    const ready = await new Promise<boolean>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (line) => {
        lines.push(line);
        if (line.includes('deploy-local: ready:')) resolve(true);
      });
      void exited.then(() => resolve(false));
    });
    t.diagnostic(lines.join('\n'));
    assert.ok(ready, `the script got ready\n${lines.join('\n')}\n${stderr}`);
    for (const check of ['every replica has it', 'it speaks through nginx', 'every replica answers 404 at once', 'the API key is required through the proxy']) {
      assert.ok(lines.some((l) => l.includes(`ok: ${check}`)), `smoke check: ${check}`);
    }

    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as ClusterState;
    assert.equal(state.replicas.length, 2);
    const pids = [state.nginxPid, ...state.replicas.map((r) => r.pid)];
    assert.ok(pids.every(alive), 'nginx and both replicas run');
    // Through nginx with the printed key: a list, and a 401 without it.
    const list = await fetch(`${state.url}/v1/voices`, { headers: { authorization: `Bearer ${state.apiKey}` } });
    assert.equal(list.status, 200);
    assert.equal((await fetch(`${state.url}/v1/voices`)).status, 401);
    // Streaming: the first audio arrives well before the whole answer of a long text.
    const started = performance.now();
    const speech = await fetch(`${state.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { authorization: `Bearer ${state.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'First. ' + 'This sentence is here to make the answer long. '.repeat(12), voice: 'espeak-en-us-male', response_format: 'pcm' }),
    });
    const reader = speech.body!.getReader();
    await reader.read();
    const first = performance.now() - started;
    let total = 0;
    for (let r = await reader.read(); !r.done; r = await reader.read()) total += r.value.length;
    const all = performance.now() - started;
    t.diagnostic(`through nginx: first bytes after ${first.toFixed(0)} ms, all ${total} bytes after ${all.toFixed(0)} ms`);
    assert.ok(first < all / 2, `audio streams through the proxy, not buffered until the end (first bytes after ${first.toFixed(0)} of ${all.toFixed(0)} ms)`);

    // A replica dies: nginx takes it out of the rotation, and what goes through the proxy still gets answered.
    process.kill(state.replicas[0]!.pid, 'SIGKILL');
    const answers = await Promise.all(
      Array.from({ length: 10 }, async () => (await fetch(`${state.url}/v1/voices/espeak-en-us-male`, { headers: { authorization: `Bearer ${state.apiKey}` } })).status),
    );
    assert.deepEqual(answers, Array(10).fill(200), `every request answered by the surviving replica (${answers.join(' ')})`);

    child.kill('SIGINT');
    assert.equal(await exited, 0, `the script stopped cleanly\n${stderr}`);
    assert.ok(pids.every((pid) => !alive(pid)), 'every process it started is gone');
    assert.ok(!existsSync(dir), 'and its directory removed');
  } finally {
    if (child.exitCode === null) {
      child.kill('SIGINT');
      await exited;
    }
    // Whatever a script that failed half-way left running.
    const stateFile = join(dir, 'state.json');
    if (existsSync(stateFile)) await stopCluster(JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState);
    rmSync(parent, { recursive: true, force: true });
    await database.drop();
  }
});
