import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileSize, LockHeldError, sha256File, withLockFile, writeFileAtomic } from './files.js';

const root = mkdtempSync(join(tmpdir(), 'litetts-files-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** An empty folder of its own for each group of tests. */
function folder(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  return dir;
}

describe('writeFileAtomic', () => {
  const dir = folder('atomic');

  test('writeFileAtomic: the old contents or the new, never a part; the temporary file goes on failure', async () => {
    const path = join(dir, 'file.bin');
    await writeFile(path, 'old');
    await writeFileAtomic(path, 'new contents');
    assert.equal(await readFile(path, 'utf8'), 'new contents', 'replaced');
    await mkdir(join(dir, 'folder', 'x'), { recursive: true });
    await assert.rejects(writeFileAtomic(join(dir, 'folder'), 'data'), /E[A-Z]+/, 'renaming onto a folder fails');
    assert.deepEqual((await readdir(dir)).sort(), ['file.bin', 'folder'], 'no temporary file is left');
  });
});

describe('withLockFile', () => {
  const dir = folder('lock');

  test('holds the lock while the work runs, and only then; a second holder is refused meanwhile', async () => {
    const lock = join(dir, 'a.lock');
    let release!: () => void;
    const first = withLockFile(lock, () => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(await readFile(lock, 'utf8'), String(process.pid), 'the lock names its owner');
    await assert.rejects(withLockFile(lock, async () => 'second'), (e) => e instanceof LockHeldError && e.pid === process.pid, 'refused while held');
    release();
    assert.equal(await first, 'done', 'the work’s result');
    assert.equal(existsSync(lock), false, 'released');
    assert.equal(await withLockFile(lock, async () => 'again'), 'again', 'free again');
    assert.deepEqual(await readdir(dir), [], 'no temporary files left');
  });

  test('a lock held by another live process is refused; one left by a dead process is taken over', async () => {
    const lock = join(dir, 'b.lock');
    const sleeper = spawn('sleep', ['30']);
    try {
      await writeFile(lock, String(sleeper.pid));
      await assert.rejects(withLockFile(lock, async () => 1), (e) => e instanceof LockHeldError && e.pid === sleeper.pid, 'live owner');
    } finally {
      sleeper.kill();
    }
    await new Promise((r) => sleeper.once('exit', r));
    assert.equal(await withLockFile(lock, async () => 'taken over'), 'taken over', 'dead owner');
    await writeFile(lock, '');
    assert.equal(await withLockFile(lock, async () => 'empty'), 'empty', 'a lock without an owner');
  });
});

describe('fileSize and sha256File', () => {
  const dir = folder('hash');

  test('the size (0 for a missing file) and the SHA-256 of what is on disk', async () => {
    const path = join(dir, 'data.bin');
    assert.equal(await fileSize(path), 0, 'a missing file has no bytes');
    const data = Buffer.alloc(200_000, 3);
    await writeFile(path, data);
    assert.equal(await fileSize(path), data.length, 'the file’s size');
    assert.equal(await sha256File(path), createHash('sha256').update(data).digest('hex'), 'the hash of its contents');
    await assert.rejects(fileSize(join(path, 'below')), /ENOTDIR/, 'other errors are not a missing file');
  });
});
