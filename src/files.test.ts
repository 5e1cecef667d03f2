import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileSize, sha256File, writeFileAtomic } from './files.js';

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
