import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';
import { LiteTtsError } from '../errors.js';
import { statusOf } from '../server/errors.js';
import type { SqliteCatalog } from '../store/sqlite.js';
import type { JobRunner } from './runner.js';
import { aborted, collect, countingWrites, gate, openStore, runnerOver, submission, until, voiceNamed } from './test-helpers.js';
import type { JobContext } from './types.js';

const code = (error: unknown) => (error instanceof LiteTtsError ? `${statusOf(error)} ${error.code}` : String(error));

describe('JobRunner', () => {
  const runners: JobRunner[] = [];
  const stores: SqliteCatalog[] = [];
  const make = (...args: Parameters<typeof runnerOver>) => {
    const runner = runnerOver(...args);
    runners.push(runner);
    return runner;
  };
  const store = () => {
    const opened = openStore();
    stores.push(opened.store);
    return opened.store;
  };
  afterEach(async () => {
    for (const r of runners.splice(0)) await r.close();
    for (const s of stores.splice(0)) await s.close();
  });

  test('progress reaches listeners at once and the store at most twice a second, the last report always', async () => {
    const { store: counted, writes } = countingWrites(store());
    const runner = make(counted);
    const reportedAt: number[] = [];
    const REPORTS = 60;
    let id = '';
    const watching = gate();
    runner.register('clone', async (ctx) => {
      await watching.promise;
      for (let i = 1; i <= REPORTS; i++) {
        reportedAt.push(performance.now());
        ctx.report({ progress: i / REPORTS, step: `walk ${i}/${REPORTS}`, bestScore: 0.5 + i / 1000 });
        await new Promise((r) => setTimeout(r, 25));
      }
      return voiceNamed('Progressive');
    });
    await runner.start();
    id = (await runner.submit(submission())).id;
    const heard = collect(runner, id);
    const started = performance.now();
    watching.open();
    await until(() => heard.events.some((e) => e.type === 'finished'), 'the job to finish');
    const seconds = (performance.now() - started) / 1000;

    const progress = heard.events.filter((e) => e.type === 'progress');
    const reports = progress.filter((e) => e.step.startsWith('walk'));
    assert.equal(reports.length, REPORTS, 'every report reached the listener');
    assert.deepEqual(reports.map((e) => e.progress), Array.from({ length: REPORTS }, (_, i) => (i + 1) / REPORTS), 'in order');
    // Listener latency: the event arrives in the same turn as the report.
    const firstReportEvent = heard.events.findIndex((e) => e.type === 'progress' && e.step === 'walk 1/60');
    const latency = heard.at[firstReportEvent]! - reportedAt[0]!;
    assert.ok(latency < 5, `listener latency ${latency.toFixed(2)} ms`);

    // Writes from the first report on (before it, the waiting job only beat its heartbeat).
    const during = writes.filter((w) => w.at >= reportedAt[0]!);
    const progressWrites = during.filter((w) => w.patch.progress !== undefined);
    const finished = heard.events.at(-1);
    assert.equal(finished?.type, 'finished');
    assert.equal(finished?.type === 'finished' && finished.job.status, 'succeeded');
    assert.equal(progressWrites.at(-1)?.patch.progress, 1, 'the last report was written before completion');
    assert.equal(progressWrites.at(-1)?.patch.step, `walk ${REPORTS}/${REPORTS}`);
    const gaps = during.slice(1).map((w, i) => w.at - during[i]!.at);
    const rate = during.length / seconds;
    // Throttled writes at 0, 0.5, 1, … s, and the final one with the last of the time spent.
    const allowed = Math.floor(seconds * 2) + 2;
    console.log(`  ${REPORTS} reports in ${seconds.toFixed(2)} s → ${during.length} store writes (${rate.toFixed(2)}/s, at most ${allowed} allowed), smallest gap ${Math.min(...gaps).toFixed(0)} ms, listener latency ${latency.toFixed(2)} ms`);
    assert.ok(during.length <= allowed, `at most two writes a second: ${during.length} writes in ${seconds.toFixed(2)} s`);
    // The final flush may follow the last throttled write at once; every other gap keeps the interval.
    assert.ok(gaps.slice(0, -1).every((g) => g >= 490), `gaps between throttled writes ≥ 500 ms: ${gaps.map((g) => g.toFixed(0)).join(', ')}`);
    assert.ok((await runner.get(id)).elapsedMs >= REPORTS * 25 * 0.9, 'running time was counted');
  });

  test('a running job keeps a fresh heartbeat while it reports nothing', async () => {
    const s = store();
    const runner = make(s);
    const release = gate();
    runner.register('clone', async () => {
      await release.promise;
      return voiceNamed('Quiet');
    });
    await runner.start();
    const { id } = await runner.submit(submission());
    await until(async () => (await s.getJob(id))?.status === 'running', 'the job to run');
    const first = (await s.getJob(id))!.heartbeatAt!;
    await until(async () => (await s.getJob(id))!.heartbeatAt! > first, 'a heartbeat', 3000);
    release.open();
    await until(async () => (await s.getJob(id))?.status === 'succeeded', 'success');
  });

  test('cancel mid-run: the job is cancelled, its handler aborted, and the voice it returns never lands; twice is 409, unknown 404', async () => {
    const s = store();
    const runner = make(s);
    const running = gate();
    let reason: unknown;
    let returned = false;
    runner.register('clone', async (ctx) => {
      running.open();
      reason = await aborted(ctx.signal);
      // A handler that ignores the abort and hands in its voice anyway.
      returned = true;
      return voiceNamed('NeverLands');
    });
    await runner.start();
    const { id } = await runner.submit(submission());
    await running.promise;
    const heard = collect(runner, id);
    const cancelled = await runner.cancel(id);
    assert.deepEqual([cancelled.status, cancelled.error?.code], ['cancelled', 'cancelled']);
    await until(() => reason !== undefined, 'the handler to be aborted');
    assert.equal((reason as LiteTtsError).code, 'cancelled', 'the abort says why');
    await until(() => returned, 'the handler to hand in its voice');
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(await s.get('NeverLands', Date.now()), undefined, 'no voice');
    assert.equal((await s.getJob(id))?.status, 'cancelled', 'still cancelled');
    assert.deepEqual(heard.events.filter((e) => e.type === 'finished').length, 1, 'listeners heard one end');
    await assert.rejects(runner.cancel(id), (e) => code(e) === '409 job_finished', 'cancelling again');
    await assert.rejects(runner.cancel('job_nothing'), (e) => code(e) === '404 job_not_found', 'unknown job');
  });

  test('cancelling a queued job: it never starts', async () => {
    const s = store();
    const runner = make(s);
    const hold = gate();
    const started: string[] = [];
    runner.register('clone', async (ctx) => {
      started.push(ctx.job.id);
      await hold.promise;
      return voiceNamed(`V${started.length}`);
    });
    await runner.start();
    const first = await runner.submit(submission());
    const second = await runner.submit(submission());
    await until(() => started.length === 1, 'the first to start');
    assert.equal((await runner.cancel(second.id)).status, 'cancelled');
    hold.open();
    await until(async () => (await s.getJob(first.id))?.status === 'succeeded', 'the first to finish');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(started, [first.id], 'the cancelled job never ran');
  });

  test('at most maxJobs run at once', async () => {
    const s = store();
    const runner = make(s, { maxJobs: 2 });
    let now = 0;
    let most = 0;
    runner.register('clone', async (ctx) => {
      now++;
      most = Math.max(most, now);
      await new Promise((r) => setTimeout(r, 150));
      now--;
      return voiceNamed(`Par${ctx.job.id.slice(-6).replace(/[^A-Za-z0-9]/g, 'x')}`);
    });
    await runner.start();
    const jobs = await Promise.all(Array.from({ length: 5 }, (_, i) => runner.submit(submission(`sess-${i}`))));
    await until(async () => (await s.listJobs({ status: ['succeeded'] })).length === 5, 'all five to succeed');
    assert.equal(most, 2, 'two at a time, never more');
    assert.equal(jobs.length, 5);
  });

  test('fair across sessions: A queues three, B one; B’s job starts second', async () => {
    const s = store();
    const runner = make(s);
    const order: string[] = [];
    const first = gate();
    runner.register('clone', async (ctx) => {
      order.push(JSON.parse(ctx.job.params).label as string);
      if (order.length === 1) await first.promise;
      return voiceNamed(`Fair${order.length}`);
    });
    await runner.start();
    for (const label of ['a1', 'a2', 'a3']) await runner.submit(submission('session-A', { label }));
    await runner.submit(submission('session-B', { label: 'b1' }));
    first.open();
    await until(() => order.length === 4, 'all four to start');
    assert.deepEqual(order, ['a1', 'b1', 'a2', 'a3']);
  });

  test('a handler’s LiteTtsError fails the job with its code; any other error is job_failed without paths', async () => {
    const s = store();
    const runner = make(s);
    runner.register('clone', async (ctx) => {
      const { kind } = JSON.parse(ctx.job.params) as { kind: string };
      if (kind === 'domain') throw new LiteTtsError('unusable', 'audio_unusable', 'The reference has too little speech (0.8 s; at least 3 s is needed)', 'audio_file');
      throw new Error(`ENOENT: no such file or directory, open '/home/someone/litetts/data/tmp/ref.wav'\n    at open (node:fs:1:1)`);
    });
    await runner.start();
    const domain = await runner.submit(submission('s', { kind: 'domain' }));
    const fault = await runner.submit(submission('s', { kind: 'fault' }));
    await until(async () => (await s.listJobs({ status: ['failed'] })).length === 2, 'both to fail');
    const a = await runner.get(domain.id);
    assert.deepEqual(a.error, { code: 'audio_unusable', message: 'The reference has too little speech (0.8 s; at least 3 s is needed)' });
    const b = await runner.get(fault.id);
    assert.equal(b.error?.code, 'job_failed');
    assert.ok(!b.error?.message.includes('/home') && !b.error?.message.includes('node:fs'), `no path or stack: ${b.error?.message}`);
    assert.match(b.error!.message, /^The job failed: ENOENT: no such file or directory, open '<path>'$/);
  });

  test('a name taken while the job ran fails it as name_taken, and nothing else lands', async () => {
    const s = store();
    const runner = make(s);
    const taken = gate();
    runner.register('clone', async () => {
      await taken.promise;
      return voiceNamed('Contested');
    });
    await runner.start();
    const { id } = await runner.submit(submission());
    await until(async () => (await s.getJob(id))?.status === 'running', 'running');
    const holder = await s.insert({ ...voiceNamed('contested'), kind: 'custom', expiresAt: null, sessionId: null, description: 'the holder' }, Date.now());
    taken.open();
    await until(async () => (await s.getJob(id))?.status === 'failed', 'failure');
    const job = await runner.get(id);
    assert.equal(job.error?.code, 'name_taken');
    assert.match(job.error!.message, /'Contested' was taken/);
    assert.deepEqual(await s.get('Contested', Date.now()), holder, 'the holder is untouched');
  });

  test('a preview is kept while the job runs and dropped when it ends', async () => {
    const s = store();
    const runner = make(s);
    const previewed = gate();
    const finish = gate();
    runner.register('clone', async (ctx) => {
      ctx.preview({ engine: 'espeak', base: 'en-gb-x-rp', variant: 'm1', pitch: 40, range: 50, rate: 170, volume: 100 }, 0.71);
      previewed.open();
      await finish.promise;
      return voiceNamed('Previewed');
    });
    await runner.start();
    const { id } = await runner.submit(submission());
    assert.equal(runner.preview('job_nothing'), undefined);
    await previewed.promise;
    const preview = runner.preview(id);
    assert.deepEqual([preview?.score, preview?.language, preview?.data.engine], [0.71, 'en-gb-x-rp', 'espeak']);
    finish.open();
    await until(async () => (await s.getJob(id))?.status === 'succeeded', 'success');
    await until(() => runner.preview(id) === undefined, 'the preview to go');
  });

  test('close aborts running handlers without failing them: the job is queued again with its progress, and resumes on the next start', async () => {
    const { store: s, dir } = openStore();
    stores.push(s);
    const first = make(s);
    const reported = gate();
    first.register('clone', async (ctx) => {
      ctx.report({ progress: 0.5, step: 'walk 40/80', bestScore: 0.66 });
      ctx.saveCheckpoint(new TextEncoder().encode('walk-40'));
      await new Promise((r) => setTimeout(r, 120));
      reported.open();
      throw await aborted(ctx.signal);
    });
    await first.start();
    const { id } = await first.submit(submission());
    await reported.promise;
    await first.close();
    const parked = (await s.getJob(id))!;
    assert.deepEqual([parked.status, parked.error, parked.progress, parked.step, parked.attempts], ['queued', null, 0.5, 'walk 40/80', 1]);
    assert.ok(parked.elapsedMs >= 100, `time spent kept: ${parked.elapsedMs} ms`);

    const { store: reopened } = openStore(dir);
    stores.push(reopened);
    const second = make(reopened);
    let resumed: JobContext | undefined;
    second.register('clone', async (ctx) => {
      resumed = ctx;
      return voiceNamed('Resumed');
    });
    await second.start();
    await until(async () => (await reopened.getJob(id))?.status === 'succeeded', 'the resumed job to succeed');
    assert.equal(new TextDecoder().decode(resumed!.checkpoint!), 'walk-40', 'the checkpoint');
    assert.equal(resumed!.elapsedMs, parked.elapsedMs, 'the time already spent');
    assert.deepEqual([resumed!.job.attempts, resumed!.job.progress], [2, 0.5]);
  });

  test('a job whose owner stopped beating (a replica that died) is taken over once its heartbeat is 30 s stale', async () => {
    const { store: s, dir } = openStore();
    stores.push(s);
    const T = Date.now();
    // The first runner's clock stands still: to the second one, its heartbeat is 31 s old.
    const frozen = make(s, { instanceId: 'inst_0000000000000001', clock: () => T });
    let lostReason: unknown;
    const working = gate();
    frozen.register('clone', async (ctx) => {
      ctx.report({ progress: 0.3, step: 'far away', bestScore: 0.5 });
      working.open();
      lostReason = await aborted(ctx.signal);
      throw lostReason;
    });
    await frozen.start();
    const { id } = await frozen.submit(submission());
    await working.promise;
    await until(async () => (await s.getJob(id))?.progress === 0.3, 'the first owner’s progress to be stored');

    const { store: other } = openStore(dir);
    stores.push(other);
    const later = make(other, { instanceId: 'inst_0000000000000002', clock: () => T + 31_000 });
    let taken: JobContext | undefined;
    const finish = gate();
    later.register('clone', async (ctx) => {
      taken = ctx;
      await finish.promise;
      return voiceNamed('TakenOver');
    });
    const started = performance.now();
    await later.start();
    await until(() => taken !== undefined, 'the takeover');
    console.log(`  stale job taken over ${(performance.now() - started).toFixed(0)} ms after the second runner started`);
    assert.deepEqual([taken!.job.attempts, taken!.job.progress], [2, 0.3]);
    await until(() => lostReason !== undefined, 'the first owner to notice it lost the job');
    assert.equal((lostReason as LiteTtsError).code, 'job_lost');
    finish.open();
    await until(async () => (await s.getJob(id))?.status === 'succeeded', 'success under the new owner');
  });

  test('a job interrupted three times fails as job_interrupted instead of resuming', async () => {
    const s = store();
    const T = Date.now();
    const interrupt = async (id: string, times: number, leaveRunning: boolean) => {
      for (let i = 0; i < times; i++) {
        await s.claimJob(id, `inst_ghost000000000000:${i + 1}:dead`, T - 120_000);
        if (i < times - 1 || !leaveRunning) await s.requeueRunning({ deadOwner: `inst_ghost000000000000:${i + 1}:dead` }, T - 119_000);
      }
    };
    // Died in its third run (still running, stale), and requeued after a third interruption elsewhere.
    const third = await s.insertJob({ id: 'job_third', ...submission() }, T - 200_000);
    await interrupt(third.id, 3, true);
    const requeued = await s.insertJob({ id: 'job_requeued', ...submission() }, T - 200_000);
    await interrupt(requeued.id, 3, false);
    // Died in its second run: resumes.
    const second = await s.insertJob({ id: 'job_second', ...submission() }, T - 200_000);
    await interrupt(second.id, 2, true);

    const runner = make(s, { maxJobs: 3 });
    const ran: string[] = [];
    runner.register('clone', async (ctx) => {
      ran.push(`${ctx.job.id}#${ctx.job.attempts}`);
      return voiceNamed('Survivor');
    });
    await runner.start();
    await until(async () => (await s.listJobs({ status: ['failed', 'succeeded'] })).length === 3, 'all three to end');
    for (const id of [third.id, requeued.id]) {
      const job = (await s.getJob(id))!;
      assert.deepEqual([job.status, job.error?.code], ['failed', 'job_interrupted'], id);
      assert.match(job.error!.message, /interrupted 3 times/);
    }
    assert.equal((await s.getJob(second.id))?.status, 'succeeded');
    assert.deepEqual(ran, ['job_second#3'], 'only the twice-interrupted job ran, as its third attempt');
  });

  test('finished jobs are swept after the retention, and only those', async () => {
    const s = store();
    const HOUR = 3600_000;
    const T = Date.now();
    const old = await s.insertJob({ id: 'job_old', ...submission() }, T - 30 * HOUR);
    await s.finishJob(old.id, { status: 'failed', error: { code: 'job_failed', message: 'x' } }, T - 25 * HOUR);
    const recent = await s.insertJob({ id: 'job_recent', ...submission() }, T - 30 * HOUR);
    await s.finishJob(recent.id, { status: 'cancelled', error: { code: 'cancelled', message: 'x' } }, T - 23 * HOUR);
    const waiting = await s.insertJob({ id: 'job_waiting', ...submission() }, T - 40 * HOUR);
    const runner = make(s, { retentionHours: 24 });
    await runner.start();
    assert.equal(await s.getJob(old.id), undefined, 'swept at start');
    assert.equal((await s.getJob(recent.id))?.status, 'cancelled', 'within the retention');
    assert.equal((await s.getJob(waiting.id))?.status, 'queued', 'unfinished jobs stay however old');
    const later = make(s, { retentionHours: 24, clock: () => T + 2 * HOUR });
    assert.equal(await later.sweep(), 1, 'an hour past its retention');
    assert.equal(await s.getJob(recent.id), undefined);
  });

  test('submit checks the session and bounds the queue; counts say what waits and runs', async () => {
    const s = store();
    const runner = make(s);
    await assert.rejects(runner.submit(submission('bad session!')), (e) => code(e) === '400 invalid_session_id');
    await runner.start();
    for (let i = 0; i < 100; i++) await runner.submit(submission(`s${i % 7}`));
    await assert.rejects(runner.submit(submission()), (e) => code(e) === '503 job_queue_full' && (e as LiteTtsError).retryAfter === 30);
    assert.deepEqual(await runner.counts(), { queued: 100, running: 0 }, 'no handler registered: all wait');
    const hold = gate();
    runner.register('clone', async () => {
      await hold.promise;
      return voiceNamed('Counted');
    });
    await until(async () => (await runner.counts()).running === 1, 'one to run');
    assert.deepEqual(await runner.counts(), { queued: 99, running: 1 });
    await Promise.all((await s.listJobs({ status: ['queued'] })).map((j) => runner.cancel(j.id)));
    hold.open();
  });
});
