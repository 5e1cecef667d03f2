import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { instanceIdOf } from './owner.js';
import { openStore, runnerOver, submission, tempDir, until, voiceNamed } from './test-helpers.js';
import type { JobContext } from './types.js';

const SRC = new URL('../', import.meta.url);

/**
 * A server process that dies (SIGKILL) while it runs a job: the next start on the same data
 * directory takes the job back at once (its owner was this directory's previous life, and
 * that process is gone), without waiting the 30 s for its heartbeat to go stale, and resumes it
 * where the dead run last wrote: progress, checkpoint and the time already spent.
 */
const CHILD = `
import { SqliteCatalog } from ${JSON.stringify(new URL('store/sqlite.ts', SRC).href)};
import { JobRunner } from ${JSON.stringify(new URL('jobs/runner.ts', SRC).href)};
const [path, instanceId] = process.argv.slice(2);
const runner = new JobRunner({ store: new SqliteCatalog(path), instanceId, maxJobs: 1, retentionHours: 24, timings: { reportIntervalMs: 50, pollMs: 100 } });
runner.register('clone', async (ctx) => {
  ctx.saveCheckpoint(new TextEncoder().encode('walk-7 state'));
  ctx.report({ progress: 0.35, step: 'walk 7/20', bestScore: 0.6 });
  await new Promise((r) => setTimeout(r, 400));
  ctx.report({ progress: 0.4, step: 'walk 8/20', bestScore: 0.62 });
  await new Promise((r) => setTimeout(r, 200));
  console.log('working');
  await new Promise(() => {});
});
await runner.start();
console.log('started');
`;

let child: ReturnType<typeof spawn> | undefined;
after(() => child?.kill('SIGKILL'));

test('after SIGKILL, the next start on the same data directory resumes the job at once, with its checkpoint and elapsed time', async () => {
  const { store, path, dir } = openStore();
  const instanceId = instanceIdOf(dir);
  assert.equal(instanceIdOf(dir), instanceId, 'the instance id is kept in the data directory');
  const script = join(tempDir(), 'crashing-server.mjs');
  writeFileSync(script, CHILD);
  const job = await store.insertJob({ id: 'job_crash', ...submission() }, Date.now());

  child = spawn(process.execPath, ['--import', 'tsx', script, path, instanceId], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  const exited = new Promise<void>((resolve) => child!.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => line === 'working' && resolve());
    void exited.then(() => reject(new Error('the child exited early')));
  });
  const before = (await store.getJob(job.id))!;
  assert.deepEqual([before.status, before.progress, before.attempts], ['running', 0.4, 1], 'running in the child');
  assert.ok(before.owner?.startsWith(`${instanceId}:${child.pid}:`), `owned by the child: ${before.owner}`);
  child.kill('SIGKILL');
  await exited;

  const runner = runnerOver(store, { instanceId });
  let resumed: JobContext | undefined;
  runner.register('clone', async (ctx) => {
    resumed = ctx;
    return voiceNamed('Survivor');
  });
  const started = performance.now();
  await runner.start();
  const waited = await until(() => resumed !== undefined, 'the job to resume', 5000);
  console.log(`  resumed ${(performance.now() - started).toFixed(0)} ms after the restart (heartbeat still fresh: ${Date.now() - before.heartbeatAt!} ms old)`);
  assert.ok(waited < 2000, 'within seconds, not after the 30 s staleness');
  assert.equal(new TextDecoder().decode(resumed!.checkpoint!), 'walk-7 state', 'the checkpoint');
  assert.ok(resumed!.elapsedMs >= 380, `the time spent before the crash: ${resumed!.elapsedMs} ms`);
  assert.equal(resumed!.elapsedMs, before.elapsedMs, 'as last stored');
  assert.deepEqual([resumed!.job.attempts, resumed!.job.progress, resumed!.job.step], [2, 0.4, 'walk 8/20']);
  await until(async () => (await store.getJob(job.id))?.status === 'succeeded', 'success');
  assert.equal((await store.get('Survivor', Date.now()))?.name, 'Survivor', 'the voice landed');
  await runner.close();
  await store.close();
});
