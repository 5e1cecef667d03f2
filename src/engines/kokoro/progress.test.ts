import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createProgressBar } from './progress.js';

describe('createProgressBar', () => {
  function sink(isTTY: boolean): { out: string[]; stream: { write(text: string): boolean; isTTY: boolean; columns: number } } {
    const out: string[] = [];
    return { out, stream: { isTTY, columns: 80, write: (text) => out.push(text) > 0 } };
  }

  test('prints one line per finished file when not on a terminal', () => {
    const { out, stream } = sink(false);
    const progress = createProgressBar(stream);
    for (const file of ['a.onnx', 'voices/b.bin']) {
      progress({ file, received: 0, total: 2_000_000, done: false });
      progress({ file, received: 1_000_000, total: 2_000_000, done: false });
      progress({ file, received: 2_000_000, total: 2_000_000, done: true });
    }
    assert.equal(out.length, 2);
    assert.match(out[0] ?? '', /^a\.onnx {2}2\.0 MB {2}\d+\.\d s {2}\d+\.\d MB\/s\n$/);
    assert.match(out[1] ?? '', /^voices\/b\.bin /);
  });

  test('redraws one line on a terminal, at most every 100 ms, ending it when the file is done', async () => {
    const { out, stream } = sink(true);
    const progress = createProgressBar(stream);
    progress({ file: 'a.onnx', received: 0, total: 2_000_000, done: false });
    progress({ file: 'a.onnx', received: 500_000, total: 2_000_000, done: false }); // too soon: skipped
    await sleep(110);
    progress({ file: 'a.onnx', received: 1_000_000, total: 2_000_000, done: false });
    progress({ file: 'a.onnx', received: 2_000_000, total: 2_000_000, done: true });
    assert.equal(out.length, 3);
    assert.ok(out.every((line) => line.startsWith('\r') && line.includes('\x1b[K') && line.length < 90), 'redrawn in place');
    assert.match(out[1] ?? '', /^\ra\.onnx {2} 50\.0% {2}1\.0\/2\.0 MB {2}\d+\.\d MB\/s\x1b\[K$/);
    assert.match(out[2] ?? '', /100\.0% {2}2\.0\/2\.0 MB .*\n$/);
  });
});
