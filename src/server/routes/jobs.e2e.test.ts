import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { instanceIdOf } from '../../jobs/index.js';
import { SqliteCatalog } from '../../store/sqlite.js';
import { startTestServer } from '../../test-support/server.js';

const dataDir = mkdtempSync(join(tmpdir(), 'litetts-jobs-e2e-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

/** A pid no process has any more: one that has just exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

test('the server takes back what its dead previous life left running, serves /v1/jobs, and counts jobs in /health', async () => {
  // A job the server was running when it was killed: owned by this data directory's instance, in a process that is gone.
  const store = new SqliteCatalog(join(dataDir, 'voices.db'));
  const owner = `${instanceIdOf(dataDir)}:${deadPid()}:0badf00d`;
  await store.insertJob({ id: 'job_orphan', type: 'clone', sessionId: 'sess-e2e', params: '{}', input: new Uint8Array([1]) }, Date.now() - 5000);
  await store.claimJob('job_orphan', owner, Date.now() - 4000);
  await store.updateJob('job_orphan', owner, { progress: 0.6, step: 'walk 48/80', bestScore: 0.7, elapsedMsDelta: 3000 }, Date.now() - 1000);
  await store.close();

  const server = await startTestServer({ dataDir, args: ['--max-jobs', '2', '--job-retention-hours', '48'], waitForWarmUp: true });
  try {
    const job = (await (await fetch(`${server.url}/v1/jobs/job_orphan`)).json()) as Record<string, unknown>;
    // Requeued and taken up again by the clone handler, which refuses its empty parameters: never left running under the dead owner.
    assert.ok(['queued', 'running', 'failed'].includes(job.status as string), `taken back (${String(job.status)})`);
    assert.equal(job.session_id, 'sess-e2e');
    const requeued = server.logs.find((l) => l.event === 'job.requeued');
    assert.equal(requeued?.job, 'job_orphan', 'the log says so');

    const list = (await (await fetch(`${server.url}/v1/jobs?session_id=sess-e2e`)).json()) as { object: string; data: { id: string }[] };
    assert.deepEqual([list.object, list.data.map((j) => j.id)], ['list', ['job_orphan']]);
    const health = (await (await fetch(`${server.url}/health`)).json()) as { jobs: unknown };
    const counts = health.jobs as { queued: number; running: number };
    assert.ok(Number.isInteger(counts.queued) && Number.isInteger(counts.running), '/health counts jobs');

    const missing = await fetch(`${server.url}/v1/jobs/job_missing/events`);
    assert.equal(missing.status, 404);
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'job_not_found');

    const openapi = (await (await fetch(`${server.url}/docs/json`)).json()) as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    for (const path of ['/v1/jobs', '/v1/jobs/{id}', '/v1/jobs/{id}/events', '/v1/jobs/{id}/preview']) assert.ok(openapi.paths[path], `${path} documented`);
    const cancelCodes = Object.keys(openapi.paths['/v1/jobs/{id}']!.delete!.responses);
    for (const code of ['200', '404', '409']) assert.ok(cancelCodes.includes(code), `cancelling documents ${code}: ${cancelCodes.join(', ')}`);

    // An open event stream does not hold a graceful stop until its grace period runs out.
    const events = await fetch(`${server.url}/v1/jobs/job_orphan/events`);
    const reader = events.body!.getReader();
    // The job may have finished by now (its handler refused its empty parameters): a progress or its final event.
    assert.match(new TextDecoder().decode((await reader.read()).value), /^(event: (progress|done|error)\ndata: \{|: )/);
    const stopping = performance.now();
    await server.stop({ keepData: true });
    const stopMs = performance.now() - stopping;
    let ended = false;
    for (let r = await reader.read().catch(() => ({ done: true })); !ended; r = await reader.read().catch(() => ({ done: true }))) ended = r.done === true;
    console.log(`  stopped in ${stopMs.toFixed(0)} ms with an event stream open`);
    assert.ok(stopMs < 5000, `stopped in ${stopMs.toFixed(0)} ms (grace: 10 s)`);
  } finally {
    await server.stop({ keepData: true });
  }

  const again = await startTestServer({ dataDir });
  try {
    const job = (await (await fetch(`${again.url}/v1/jobs/job_orphan`)).json()) as Record<string, unknown>;
    assert.equal(job.id, 'job_orphan', 'still there after a restart');
    assert.ok(['queued', 'running', 'failed'].includes(job.status as string), `in a visible state (${String(job.status)})`);
    const cancelled = await fetch(`${again.url}/v1/jobs/job_orphan`, { method: 'DELETE' });
    // Cancelled if it was still waiting or running; a job its handler already failed is a 409.
    assert.ok(cancelled.status === 200 || cancelled.status === 409, `cancel answered ${cancelled.status}`);
    assert.equal((await fetch(`${again.url}/v1/jobs/job_orphan`, { method: 'DELETE' })).status, 409);
  } finally {
    await again.stop({ keepData: true });
  }
});

test('--max-jobs must be at least 1', async () => {
  await assert.rejects(startTestServer({ args: ['--max-jobs', '0'] }), /maxJobs/);
});
