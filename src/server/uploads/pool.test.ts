import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, describe, test } from 'node:test';
import { LiteTtsError } from '../../errors.js';
import { ApiError, statusOf } from '../errors.js';
import { UploadPool } from './pool.js';

/** A worker of tasks that behave like the worst uploads: one that never ends, one that eats the heap. */
const WORKER = `
export default async function (task) {
  if (task.kind === 'spin') for (;;) {}
  if (task.kind === 'hog') { const keep = []; for (;;) keep.push({ n: keep.length, s: 'x' + keep.length }); }
  if (task.kind === 'sleep') await new Promise((r) => setTimeout(r, task.ms));
  return { echo: task.value ?? null };
}
`;

const root = mkdtempSync(join(tmpdir(), 'litetts-pool-'));
const workerFile = join(root, 'worker.mjs');
writeFileSync(workerFile, WORKER);
after(() => rmSync(root, { recursive: true, force: true }));

const never = new AbortController().signal;

function pool(options: { concurrency?: number; timeoutSeconds?: number; heapMb?: number } = {}): UploadPool {
  return new UploadPool({
    routes: ['import', 'analyze'],
    concurrency: options.concurrency ?? 1,
    timeoutSeconds: options.timeoutSeconds ?? 30,
    heapMb: options.heapMb ?? 64,
    filename: pathToFileURL(workerFile).href,
  });
}

function apiError(status: number, code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ApiError || e instanceof LiteTtsError, `an API or domain error, got ${String(e)}`);
    assert.deepEqual([statusOf(e), e.code], [status, code], e.message);
    return true;
  };
}

/** The longest this thread's event loop went without running a timer while `work` ran. */
async function longestStall(work: Promise<unknown>): Promise<number> {
  let last = performance.now();
  let worst = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last);
    last = now;
  }, 10);
  await work.catch(() => undefined);
  clearInterval(timer);
  return worst;
}

describe('UploadPool', () => {
  test('a task past the time limit is stopped with 422, its thread replaced; the caller’s thread stays free', async () => {
    const p = pool({ timeoutSeconds: 1 });
    try {
      const started = performance.now();
      const spinning = p.within('import', 'file', never, (signal) => p.run({ kind: 'spin' }, signal));
      const stall = await longestStall(spinning);
      await assert.rejects(spinning, apiError(422, 'upload_timeout'));
      const took = performance.now() - started;
      assert.ok(took >= 900 && took < 5000, `answered after ${Math.round(took)} ms, for a 1 s limit`);
      assert.ok(stall < 500, `the event loop stalled for ${Math.round(stall)} ms while a thread spun`);
      assert.equal(p.running('import'), 0, 'the slot is free again');
      assert.deepEqual(await p.within('import', 'file', never, (signal) => p.run({ kind: 'echo', value: 1 }, signal)), { echo: 1 }, 'the next task runs');
    } finally {
      await p.close();
    }
  });

  test('a thread that runs out of heap gives 413 and is replaced', async () => {
    const p = pool({ heapMb: 32 });
    try {
      await assert.rejects(p.within('import', 'file', never, (signal) => p.run({ kind: 'hog' }, signal)), apiError(413, 'upload_too_complex'));
      assert.equal(p.running('import'), 0, 'the slot is free again');
      assert.deepEqual(await p.within('import', 'file', never, (signal) => p.run({ kind: 'echo', value: 2 }, signal)), { echo: 2 }, 'a new thread serves');
    } finally {
      await p.close();
    }
  });

  test('beyond the concurrency of a route: 503 server_busy with Retry-After, at once; other routes are not affected', async () => {
    const p = pool({ concurrency: 2, timeoutSeconds: 10 });
    try {
      const slow = [1, 2].map(() => p.within('import', 'file', never, (signal) => p.run({ kind: 'sleep', ms: 400 }, signal)));
      const started = performance.now();
      await assert.rejects(p.within('import', 'file', never, (signal) => p.run({ kind: 'echo' }, signal)), (e) => {
        apiError(503, 'server_busy')(e);
        assert.ok((e as LiteTtsError).retryAfter! >= 1, 'says when to retry');
        return true;
      });
      assert.ok(performance.now() - started < 100, 'refused without waiting');
      assert.deepEqual(await p.within('analyze', 'audio_file', never, (signal) => p.run({ kind: 'echo', value: 3 }, signal)), { echo: 3 }, 'another route has its own slots');
      await Promise.all(slow);
      assert.deepEqual(await p.within('import', 'file', never, (signal) => p.run({ kind: 'echo', value: 4 }, signal)), { echo: 4 }, 'room again');
    } finally {
      await p.close();
    }
  });

  test('a client that leaves stops its task', async () => {
    const p = pool({ timeoutSeconds: 30 });
    try {
      const client = new AbortController();
      const spinning = p.within('analyze', 'audio_file', client.signal, (signal) => p.run({ kind: 'spin' }, signal));
      setTimeout(() => client.abort(), 200);
      await assert.rejects(spinning, apiError(400, 'request_aborted'));
      assert.equal(p.running('analyze'), 0, 'the slot is free again');
      assert.deepEqual(await p.within('analyze', 'audio_file', never, (signal) => p.run({ kind: 'echo', value: 5 }, signal)), { echo: 5 }, 'the next task runs');
    } finally {
      await p.close();
    }
  });
});
