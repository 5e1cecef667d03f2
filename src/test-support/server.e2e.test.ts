import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A test file that restarts a server on its data directory, and one that ends with
 * a server still running, leave nothing behind. Run in a child process standing in
 * for a test file, since the last clean-up happens when that process exits.
 */
test('test servers remove their data directories, also after restarts, and none outlives its test file', async () => {
  const script = `
    import { existsSync } from 'node:fs';
    import { startTestServer } from './src/test-support/server.ts';
    const first = await startTestServer();
    await first.kill();
    const restarted = await startTestServer({ dataDir: first.dataDir });
    await restarted.stop();
    const leftRunning = await startTestServer();
    console.log(JSON.stringify({ restartedDirExists: existsSync(first.dataDir), dir: leftRunning.dataDir, pid: leftRunning.process.pid }));
    process.exit(0);`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, `the stand-in test file failed: ${out}`);
  const report = JSON.parse(out.trim().split('\n').at(-1)!) as { restartedDirExists: boolean; dir: string; pid: number };
  assert.equal(report.restartedDirExists, false, 'stop() removes a directory the support made, though a restarted server was given it');
  assert.equal(existsSync(report.dir), false, 'the directory of a server left running is removed when the test file exits');
  // Running, as opposed to gone or a zombie waiting to be reaped by whoever adopted it.
  const running = () => {
    try {
      return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${report.pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  let alive = running();
  for (let i = 0; i < 50 && alive; i++) {
    await new Promise((r) => setTimeout(r, 100));
    alive = running();
  }
  if (alive) process.kill(report.pid, 'SIGKILL');
  assert.equal(alive, false, 'a server left running is killed when its test file exits');
});
