import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { instanceIdOf, isDeadLife, newOwnerId } from './owner.js';
import { scrubMessage } from './scrub.js';
import { tempDir } from './test-helpers.js';

test('the instance id is made once per data directory, kept, and remade when its file is damaged', () => {
  const dir = join(tempDir(), 'fresh', 'data');
  const id = instanceIdOf(dir);
  assert.match(id, /^inst_[0-9a-f]{16}$/);
  assert.equal(instanceIdOf(dir), id, 'the same id the next time');
  assert.notEqual(instanceIdOf(tempDir()), id, 'another directory, another id');
  writeFileSync(join(dir, 'instance-id'), 'garbage\0');
  const remade = instanceIdOf(dir);
  assert.match(remade, /^inst_[0-9a-f]{16}$/);
  assert.equal(readFileSync(join(dir, 'instance-id'), 'utf8').trim(), remade);
});

test('a past life is dead when its process is gone, or it is this process and not a live runner; other instances never are', () => {
  const instance = 'inst_0123456789abcdef';
  const gone = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout);
  const mine = newOwnerId(instance);
  assert.ok(mine.startsWith(`${instance}:${process.pid}:`));
  assert.equal(isDeadLife(`${instance}:${gone}:aa`, instance, new Set()), true, 'its process exited');
  assert.equal(isDeadLife(`${instance}:${process.ppid}:aa`, instance, new Set()), false, 'its process is alive');
  assert.equal(isDeadLife(mine, instance, new Set([mine])), false, 'a live runner here');
  assert.equal(isDeadLife(`${instance}:${process.pid}:bb`, instance, new Set([mine])), true, 'a runner of this process that is gone');
  assert.equal(isDeadLife(`inst_ffffffffffffffff:${gone}:aa`, instance, new Set()), false, 'another instance: only its heartbeat tells');
  assert.equal(isDeadLife('nonsense', instance, new Set()), false);
});

test('failure messages lose paths, stacks and length', () => {
  assert.equal(scrubMessage("ENOENT: open '/srv/data/tmp/x.wav'"), "ENOENT: open '<path>'");
  assert.equal(scrubMessage('cannot read C:\\Users\\me\\ref.wav or ./rel/x or ~/y or file:///z'), 'cannot read <path> or <path> or <path> or <path>');
  assert.equal(scrubMessage('bad input 1/2 and/or worse\n    at fn (/app/src/x.ts:1:2)'), 'bad input 1/2 and/or worse');
  assert.equal(scrubMessage('in node_modules/onnxruntime-node/bin'), 'in <path>');
  assert.equal(scrubMessage('Cannot import voice file: bad header'), 'Cannot import voice file: bad header', 'the word file: is not a file: URL');
  assert.equal(scrubMessage('x'.repeat(5000)).length, 501);
});
