import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, rmdir, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { InstallLockError, withModelDirLock, type InstallLockOwner } from './install-lock.js';

/** proper-lockfile's shortest stale window; the holder refreshes every second. */
const STALE_MS = 2000;

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'litetts-install-lock-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function isLocked(error: unknown): error is InstallLockError {
  return error instanceof InstallLockError && error.code === 'install-locked';
}

/** Work that runs until `finish` is called. */
function pending(): { work: () => Promise<string>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { work: () => done.then(() => 'done'), finish };
}

/** Makes a lock as a holder that then vanished would have left it: nobody refreshes it after `ageMs`. */
async function abandonedLock(ageMs: number, owner: InstallLockOwner): Promise<void> {
  await mkdir(join(dir, '.install.lock'));
  await writeFile(join(dir, '.install.owner'), JSON.stringify(owner));
  const then = new Date(Date.now() - ageMs);
  await utimes(join(dir, '.install.lock'), then, then);
}

describe('withModelDirLock', () => {
  test('held while the work runs, and only then; a second taker is refused meanwhile, told who holds it since when', async () => {
    const { work, finish } = pending();
    const first = withModelDirLock(dir, work, { staleMs: STALE_MS });
    await sleep(50);
    assert.ok(statSync(join(dir, '.install.lock')).isDirectory(), 'the lock is a folder');
    const owner = JSON.parse(await readFile(join(dir, '.install.owner'), 'utf8')) as InstallLockOwner;
    assert.equal(owner.pid, process.pid, 'the note names the holder’s process');
    assert.equal(owner.host, hostname(), 'and its host');
    assert.ok(Math.abs(Date.parse(owner.since) - Date.now()) < 10_000, `and since when: ${owner.since}`);
    await assert.rejects(
      withModelDirLock(dir, async () => 'second'),
      (e) => isLocked(e) && e.message.includes(`is running (in this process since ${owner.since}); wait for it to finish`),
      'a second taker is refused with the holder and its start',
    );
    finish();
    assert.equal(await first, 'done', 'the work’s result');
    assert.deepEqual(await readdir(dir), [], 'the lock, its note and no temporary file are left');
    assert.equal(await withModelDirLock(dir, async () => 'again'), 'again', 'free again');
  });

  test('a failing install releases the lock', async () => {
    await assert.rejects(withModelDirLock(dir, async () => Promise.reject(new Error('disk full'))), /disk full/, 'the install’s own error');
    assert.deepEqual(await readdir(dir), [], 'nothing left behind');
  });

  test('another live process keeps its lock past the stale window; once it is SIGKILLed, the lock is taken over within the window', { timeout: 60_000 }, async () => {
    const module = fileURLToPath(new URL('./install-lock.ts', import.meta.url));
    const code = [
      `import { withModelDirLock } from ${JSON.stringify(module)};`,
      'setInterval(() => {}, 1000);', // the lock's own refresh timer does not keep a process alive
      `await withModelDirLock(${JSON.stringify(dir)}, () => { process.stdout.write('locked\\n'); return new Promise(() => {}); }, { staleMs: ${STALE_MS} });`,
    ].join('\n');
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (chunk: Buffer) => chunk.toString().includes('locked') && resolve());
        child.once('exit', (status) => reject(new Error(`the child exited (${status}) before it took the lock`)));
      });
      // Trying again and again for longer than the window: every look finds the lock freshly refreshed.
      const started = performance.now();
      await assert.rejects(
        withModelDirLock(dir, async () => 'stolen', { staleMs: STALE_MS, waitMs: STALE_MS + 1500 }),
        (e) => isLocked(e) && e.message.includes(`process ${child.pid} on ${hostname()} since`),
        'a live holder keeps its lock, and is named',
      );
      assert.ok(performance.now() - started >= STALE_MS, 'it was tried for longer than the stale window');
    } finally {
      child.kill('SIGKILL');
    }
    await exited;
    assert.ok(existsSync(join(dir, '.install.lock')), 'a killed holder cleans nothing up');
    const killed = performance.now();
    const result = await withModelDirLock(dir, async () => 'taken over', { staleMs: STALE_MS, waitMs: 10_000 });
    assert.equal(result, 'taken over', 'the killed holder’s lock is taken over');
    assert.ok(performance.now() - killed < STALE_MS + 1500, `within the stale window (${Math.round(performance.now() - killed)} ms)`);
  });

  test('process ids decide nothing: an unrefreshed lock whose note names this very process (PID 1 in every container) is taken over', async () => {
    // The plain lock file of earlier releases, holding a pid that is alive (ours): a fresh one may
    // have a live holder, an old one is abandoned.
    await writeFile(join(dir, '.install.lock'), String(process.pid));
    await assert.rejects(withModelDirLock(dir, async () => 'early', { staleMs: STALE_MS }), isLocked, 'a fresh one is respected');
    const then = new Date(Date.now() - 60_000);
    await utimes(join(dir, '.install.lock'), then, then);
    assert.equal(await withModelDirLock(dir, async () => 'legacy', { staleMs: STALE_MS }), 'legacy', 'an old one is taken over');

    // Today's lock folder with a note naming this process: the same rule, and no "in this process".
    await abandonedLock(0, { pid: process.pid, host: hostname(), since: new Date().toISOString() });
    await assert.rejects(
      withModelDirLock(dir, async () => 'early', { staleMs: STALE_MS }),
      (e) => isLocked(e) && e.message.includes(`(process ${process.pid} on ${hostname()}, an earlier run with this process id since `),
      'a fresh one is respected, and not taken for this process’s own',
    );
    await utimes(join(dir, '.install.lock'), then, then);
    assert.equal(await withModelDirLock(dir, async () => 'taken over', { staleMs: STALE_MS }), 'taken over', 'the stale lock is taken over');
    assert.deepEqual(await readdir(dir), [], 'the old note went with it');
  });

  test('a lock that is not stale yet is waited for when asked; an abort ends the wait', async () => {
    await abandonedLock(STALE_MS - 800, { pid: 1, host: 'container', since: new Date().toISOString() });
    await assert.rejects(
      withModelDirLock(dir, async () => 'now', { staleMs: STALE_MS }),
      (e) => isLocked(e) && /process 1 on container since .* taken over 2 s after its last refresh/.test(e.message),
      'refused at once without a wait, saying when a dead holder’s lock is taken over',
    );
    assert.equal(await withModelDirLock(dir, async () => 'waited', { staleMs: STALE_MS, waitMs: 5000 }), 'waited', 'taken over once stale');

    await abandonedLock(0, { pid: 1, host: 'container', since: new Date().toISOString() });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = performance.now();
    await assert.rejects(withModelDirLock(dir, async () => 'never', { staleMs: 60_000, waitMs: 60_000, signal: controller.signal }), { name: 'AbortError' }, 'aborted');
    assert.ok(performance.now() - started < 5000, 'promptly');
  });

  test('a lost lock stops the install with a clear error, never an uncaught one', { timeout: 30_000 }, async () => {
    const lockPath = join(dir, '.install.lock');
    // The lock's refresh timer does not keep the process alive; a real install's downloads would.
    const alive = setInterval(() => {}, 1000);
    try {
      // One install listens to the signal, the other ignores it and finishes: both learn the lock was lost.
      const listening = withModelDirLock(
        dir,
        (signal) =>
          new Promise<string>((_resolve, reject) => {
            signal.addEventListener('abort', () => reject(signal.reason as Error));
            void rmdir(lockPath); // as a careless hand or a clean-up job might
          }),
        { staleMs: STALE_MS },
      );
      await assert.rejects(
        listening,
        (e) => e instanceof InstallLockError && e.code === 'install-lock-lost' && /the install lock on .* was lost .*this one stopped/.test(e.message),
        'the install is stopped by a lost lock',
      );

      const other = join(dir, 'other');
      await mkdir(other);
      const ignoring = withModelDirLock(
        other,
        async () => {
          await rmdir(join(other, '.install.lock'));
          await sleep(STALE_MS);
          return 'finished regardless';
        },
        { staleMs: STALE_MS },
      );
      await assert.rejects(ignoring, (e) => e instanceof InstallLockError && e.code === 'install-lock-lost', 'a result made without the lock is not trusted');
    } finally {
      clearInterval(alive);
    }
  });
});
