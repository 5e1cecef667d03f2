import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { writeFileAtomic } from './files.js';

describe('writeFileAtomic', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'litetts-files-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

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
