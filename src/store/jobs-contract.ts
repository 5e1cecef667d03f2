import assert from 'node:assert/strict';
import { errorOf } from './contract-support.js';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { CatalogError, type NewVoice, type VoiceCatalog } from './catalog.js';
import type { JobRow, JobStore, NewJob } from './jobs.js';

/**
 * The promises of `JobStore` (see jobs.ts) as node:test tests, one test per promise, for
 * every implementation to run against itself (`jobsContract('SqliteCatalog', …)` in
 * sqlite.contract.test.ts). Jobs land voices, so the store under test is a voice catalog too.
 *
 * What jobs.ts leaves open and this suite pins down: an id the store does not have is
 * `not_found` for the writes that name one (`updateJob`, `completeJob`, `finishJob`), and a
 * succeeded job's progress is 1.
 */
export type JobCatalog = JobStore & VoiceCatalog;

const T0 = Date.parse('2026-11-25T12:00:00Z');
const SECOND = 1000;

let serial = 0;
function newJob(extra: Partial<NewJob> = {}): NewJob {
  serial++;
  return {
    id: `job_contract${String(serial).padStart(4, '0')}`,
    type: 'clone',
    sessionId: 'sess-a',
    params: JSON.stringify({ voice_name: `v${serial}` }),
    input: new Uint8Array([1, 2, 3, serial & 0xff]),
    ...extra,
  };
}

function voice(name: string): NewVoice {
  return {
    name,
    engine: 'espeak',
    kind: 'temporary',
    language: 'en-us',
    gender: null,
    description: '',
    source: 'clone',
    expiresAt: T0 + 3600 * SECOND,
    sessionId: 'sess-a',
    similarity: 0.8,
    data: new TextEncoder().encode(JSON.stringify({ engine: 'espeak', base: 'en-us', variant: name.slice(0, 30) })),
  };
}

/** errorOf, typed with the job a job_state error carries. */
const failure = (call: () => Promise<unknown>): Promise<CatalogError & { job?: JobRow }> => errorOf(call);

const bytes = (b: Uint8Array | null | undefined) => (b == null ? b : [...b]);
const ids = (rows: readonly JobRow[]) => rows.map((r) => r.id);

export function jobsContract(name: string, open: () => Promise<JobCatalog>, reopen: (store: JobCatalog) => Promise<JobCatalog>): void {
  describe(`${name} keeps the JobStore contract`, () => {
    let store: JobCatalog;
    let opened: JobCatalog[] = [];
    const another = async () => {
      const other = await reopen(store);
      opened.push(other);
      return other;
    };
    /** Queued, then running for `owner`. */
    const running = async (owner = 'owner-1', at = T0, extra: Partial<NewJob> = {}) => {
      const job = await store.insertJob(newJob(extra), at);
      return (await store.claimJob(job.id, owner, at))!;
    };

    beforeEach(async () => {
      store = await open();
      opened = [store];
    });
    afterEach(async () => {
      for (const s of opened) await s.close();
    });

    test('insertJob returns the committed queued row; reads return the same, and the input', async () => {
      const spec = newJob({ sessionId: 'sess-x', params: '{"a":1}' });
      const row = await store.insertJob(spec, T0);
      assert.deepEqual(row, {
        id: spec.id, type: 'clone', status: 'queued', sessionId: 'sess-x', progress: 0, step: '', bestScore: null, params: '{"a":1}',
        voiceName: null, error: null, createdAt: T0, updatedAt: T0, elapsedMs: 0, owner: null, heartbeatAt: null, attempts: 0,
      });
      assert.deepEqual(await store.getJob(spec.id), row, 'getJob');
      assert.deepEqual(bytes(await store.jobInput(spec.id)), [...spec.input], 'the input');
      assert.equal(await store.jobCheckpoint(spec.id), null, 'no checkpoint yet');
      assert.equal(await store.getJob('job_nothing'), undefined, 'unknown id: no job');
      assert.equal(await store.jobInput('job_nothing'), undefined, 'unknown id: no input');
    });

    test('claimJob: exactly one of two instances wins a queued job; attempts and heartbeat are set', async () => {
      const other = await another();
      const job = await store.insertJob(newJob(), T0);
      const [a, b] = await Promise.all([store.claimJob(job.id, 'owner-a', T0 + 1), other.claimJob(job.id, 'owner-b', T0 + 2)]);
      const winners = [a, b].filter((r) => r !== undefined);
      assert.equal(winners.length, 1, 'one winner');
      const won = winners[0]!;
      assert.deepEqual([won.status, won.attempts, won.owner], ['running', 1, a ? 'owner-a' : 'owner-b']);
      assert.equal(won.heartbeatAt, a ? T0 + 1 : T0 + 2, 'heartbeat is the claim');
      assert.equal(await store.claimJob(job.id, 'owner-c', T0 + 3), undefined, 'a running job cannot be claimed');
      assert.deepEqual(await other.getJob(job.id), won, 'both instances see the committed claim');
      await store.finishJob(job.id, { status: 'cancelled', error: { code: 'cancelled', message: 'x' } }, T0 + 4);
      assert.equal(await other.claimJob(job.id, 'owner-c', T0 + 5), undefined, 'a finished job cannot be claimed');
    });

    test('updateJob: only the owner, only while running; it patches, sums elapsed time and refreshes the heartbeat', async () => {
      const job = await running('owner-1');
      const updated = await store.updateJob(job.id, 'owner-1', { progress: 0.25, step: 'walk 3/80', bestScore: 0.61, elapsedMsDelta: 1500, checkpoint: new Uint8Array([9, 9]) }, T0 + 10 * SECOND);
      assert.deepEqual(
        [updated.progress, updated.step, updated.bestScore, updated.elapsedMs, updated.heartbeatAt, updated.updatedAt],
        [0.25, 'walk 3/80', 0.61, 1500, T0 + 10 * SECOND, T0 + 10 * SECOND],
      );
      assert.deepEqual(bytes(await store.jobCheckpoint(job.id)), [9, 9], 'the checkpoint');
      const beat = await store.updateJob(job.id, 'owner-1', { elapsedMsDelta: 500 }, T0 + 12 * SECOND);
      assert.deepEqual([beat.progress, beat.step, beat.bestScore, beat.elapsedMs, beat.heartbeatAt], [0.25, 'walk 3/80', 0.61, 2000, T0 + 12 * SECOND], 'absent fields stay');
      assert.deepEqual(bytes(await store.jobCheckpoint(job.id)), [9, 9], 'checkpoint kept when not given');
      await store.updateJob(job.id, 'owner-1', { bestScore: null, checkpoint: null }, T0 + 13 * SECOND);
      assert.deepEqual([(await store.getJob(job.id))?.bestScore, await store.jobCheckpoint(job.id)], [null, null], 'null clears');

      const stranger = await failure(() => store.updateJob(job.id, 'owner-2', { progress: 0.9 }, T0 + 14 * SECOND));
      assert.equal(stranger.code, 'job_state', 'another owner');
      assert.equal(stranger.job?.owner, 'owner-1', 'the error carries the job');
      const queued = await store.insertJob(newJob(), T0);
      assert.equal((await failure(() => store.updateJob(queued.id, 'owner-1', { progress: 0.5 }, T0))).code, 'job_state', 'a queued job');
      await store.finishJob(job.id, { status: 'cancelled', error: { code: 'cancelled', message: 'stop' } }, T0 + 15 * SECOND);
      const late = await failure(() => store.updateJob(job.id, 'owner-1', { progress: 0.95 }, T0 + 16 * SECOND));
      assert.deepEqual([late.code, late.job?.status], ['job_state', 'cancelled'], 'a cancelled job');
      assert.equal((await store.getJob(job.id))?.progress, 0.25, 'refused updates changed nothing');
      assert.equal((await failure(() => store.updateJob('job_nothing', 'owner-1', {}, T0))).code, 'not_found', 'unknown id');
    });

    test('completeJob lands the voice and succeeds the job in one transaction, dropping input and checkpoint', async () => {
      const job = await running('owner-1');
      await store.updateJob(job.id, 'owner-1', { progress: 0.5, checkpoint: new Uint8Array([5]), elapsedMsDelta: 700 }, T0 + SECOND);
      const other = await another();
      const { job: done, voice: row } = await store.completeJob(job.id, 'owner-1', voice('Landed'), T0 + 2 * SECOND);
      assert.deepEqual(
        [done.status, done.voiceName, done.progress, done.owner, done.heartbeatAt, done.updatedAt, done.elapsedMs, done.error],
        ['succeeded', 'Landed', 1, null, null, T0 + 2 * SECOND, 700, null],
      );
      assert.deepEqual([row.name, row.createdAt, row.source, row.similarity], ['Landed', T0 + 2 * SECOND, 'clone', 0.8], 'the voice row as committed');
      assert.deepEqual(await other.get('landed', T0 + 2 * SECOND), row, 'another instance sees the voice');
      assert.deepEqual(await other.getJob(job.id), done, 'and the job');
      assert.equal(await store.jobInput(job.id), undefined, 'input gone');
      assert.equal(await store.jobCheckpoint(job.id), null, 'checkpoint gone');
      assert.equal((await failure(() => store.completeJob(job.id, 'owner-1', voice('Twice'), T0 + 3 * SECOND))).code, 'job_state', 'twice');
      assert.equal(await store.get('Twice', T0 + 3 * SECOND), undefined, 'the second voice did not land');
    });

    test('completeJob with a taken name is name_taken and changes nothing: the job keeps running, its input stays', async () => {
      await store.insert(voice('Holder'), T0);
      const job = await running('owner-1');
      await store.updateJob(job.id, 'owner-1', { checkpoint: new Uint8Array([4]) }, T0 + 1);
      const before = await store.getJob(job.id);
      const taken = await failure(() => store.completeJob(job.id, 'owner-1', voice('HOLDER'), T0 + 2));
      assert.equal(taken.code, 'name_taken');
      assert.deepEqual(await store.getJob(job.id), before, 'the job is unchanged');
      assert.deepEqual([bytes(await store.jobInput(job.id)), bytes(await store.jobCheckpoint(job.id))], [[...newJobInput(job)], [4]], 'data kept');
      assert.equal((await store.counts(T0 + 2)).temporary, 1, 'only the holder');
      const retried = await store.completeJob(job.id, 'owner-1', voice('Free'), T0 + 3);
      assert.equal(retried.job.status, 'succeeded', 'a free name afterwards lands');
    });

    test('completeJob of a job cancelled meanwhile, or of another owner, is job_state and never lands a voice', async () => {
      const cancelled = await running('owner-1');
      await store.finishJob(cancelled.id, { status: 'cancelled', error: { code: 'cancelled', message: 'Cancelled' } }, T0 + 1);
      const late = await failure(() => store.completeJob(cancelled.id, 'owner-1', voice('Ghost'), T0 + 2));
      assert.deepEqual([late.code, late.job?.status], ['job_state', 'cancelled']);
      const foreign = await running('owner-1');
      assert.equal((await failure(() => store.completeJob(foreign.id, 'owner-2', voice('Ghost'), T0 + 2))).code, 'job_state', 'not the owner');
      const queued = await store.insertJob(newJob(), T0);
      assert.equal((await failure(() => store.completeJob(queued.id, 'owner-1', voice('Ghost'), T0 + 2))).code, 'job_state', 'queued');
      assert.equal(await store.get('Ghost', T0 + 2), undefined, 'no voice landed');
      assert.equal((await store.getJob(foreign.id))?.status, 'running', 'the foreign job runs on');
      assert.equal((await failure(() => store.completeJob('job_nothing', 'owner-1', voice('Ghost'), T0))).code, 'not_found', 'unknown id');
    });

    test('finishJob: queued or running → failed or cancelled, once; with an owner only while that owner runs it', async () => {
      const queued = await store.insertJob(newJob(), T0);
      const cancelled = await store.finishJob(queued.id, { status: 'cancelled', error: { code: 'cancelled', message: 'By request' } }, T0 + 5);
      assert.deepEqual([cancelled.status, cancelled.error, cancelled.updatedAt, cancelled.owner], ['cancelled', { code: 'cancelled', message: 'By request' }, T0 + 5, null]);
      const twice = await failure(() => store.finishJob(queued.id, { status: 'failed', error: { code: 'x', message: 'y' } }, T0 + 6));
      assert.deepEqual([twice.code, twice.job?.status], ['job_state', 'cancelled'], 'a finished job never changes again');

      const job = await running('owner-1');
      const refused = await failure(() => store.finishJob(job.id, { status: 'failed', error: { code: 'x', message: 'y' } }, T0 + 7, 'owner-2'));
      assert.equal(refused.code, 'job_state', 'another owner');
      const failed = await store.finishJob(job.id, { status: 'failed', error: { code: 'audio_unusable', message: 'Too quiet' } }, T0 + 8, 'owner-1');
      assert.deepEqual([failed.status, failed.error, failed.owner, failed.heartbeatAt], ['failed', { code: 'audio_unusable', message: 'Too quiet' }, null, null]);
      const again = await failure(() => store.finishJob(job.id, { status: 'cancelled', error: { code: 'cancelled', message: 'c' } }, T0 + 9));
      assert.deepEqual([again.code, again.job?.status], ['job_state', 'failed'], 'failed, then cancelled: refused');

      const owned = await store.insertJob(newJob(), T0);
      assert.equal((await failure(() => store.finishJob(owned.id, { status: 'failed', error: { code: 'x', message: 'y' } }, T0, 'owner-1'))).code, 'job_state', 'with an owner: not while queued');
      const succeeded = await running('owner-1');
      await store.completeJob(succeeded.id, 'owner-1', voice('Done'), T0 + 1);
      assert.equal((await failure(() => store.finishJob(succeeded.id, { status: 'cancelled', error: { code: 'cancelled', message: 'c' } }, T0 + 2))).code, 'job_state', 'succeeded');
      assert.equal((await failure(() => store.finishJob('job_nothing', { status: 'cancelled', error: { code: 'cancelled', message: 'c' } }, T0))).code, 'not_found', 'unknown id');
    });

    test('the input and checkpoint are gone once a job finishes, however it finishes', async () => {
      const ends: [string, (job: JobRow) => Promise<unknown>][] = [
        ['succeeded', (job) => store.completeJob(job.id, 'owner-1', voice(`End${job.id.slice(-4)}`), T0 + 1)],
        ['failed', (job) => store.finishJob(job.id, { status: 'failed', error: { code: 'job_failed', message: 'm' } }, T0 + 1, 'owner-1')],
        ['cancelled', (job) => store.finishJob(job.id, { status: 'cancelled', error: { code: 'cancelled', message: 'm' } }, T0 + 1)],
      ];
      for (const [status, end] of ends) {
        const job = await running('owner-1');
        await store.updateJob(job.id, 'owner-1', { checkpoint: new Uint8Array([1, 2]) }, T0);
        await end(job);
        assert.equal((await store.getJob(job.id))?.status, status);
        assert.equal(await store.jobInput(job.id), undefined, `${status}: input gone`);
        assert.equal(await store.jobCheckpoint(job.id), null, `${status}: checkpoint gone`);
      }
      const queued = await store.insertJob(newJob(), T0);
      await store.finishJob(queued.id, { status: 'cancelled', error: { code: 'cancelled', message: 'm' } }, T0 + 1);
      assert.equal(await store.jobInput(queued.id), undefined, 'cancelled while queued: input gone');
    });

    test('requeueRunning puts back jobs of a dead owner and jobs with a stale heartbeat, keeping progress, checkpoint and elapsed time', async () => {
      const dead = await running('dead-owner', T0 + 100 * SECOND);
      await store.updateJob(dead.id, 'dead-owner', { progress: 0.4, step: 'walk 9', bestScore: 0.7, elapsedMsDelta: 4000, checkpoint: new Uint8Array([7]) }, T0 + 100 * SECOND);
      const stale = await running('far-replica', T0);
      await store.updateJob(stale.id, 'far-replica', { progress: 0.2, elapsedMsDelta: 900 }, T0 + 10 * SECOND);
      const live = await running('live-owner', T0 + 100 * SECOND);
      const queued = await store.insertJob(newJob(), T0);

      const byOwner = await store.requeueRunning({ deadOwner: 'dead-owner' }, T0 + 101 * SECOND);
      assert.deepEqual(ids(byOwner), [dead.id], 'the dead owner’s job only');
      const back = byOwner[0]!;
      assert.deepEqual(
        [back.status, back.owner, back.heartbeatAt, back.progress, back.step, back.bestScore, back.elapsedMs, back.attempts, back.updatedAt],
        ['queued', null, null, 0.4, 'walk 9', 0.7, 4000, 1, T0 + 101 * SECOND],
      );
      assert.deepEqual(bytes(await store.jobCheckpoint(dead.id)), [7], 'checkpoint kept');
      assert.notEqual(await store.jobInput(dead.id), undefined, 'input kept');

      const byHeartbeat = await store.requeueRunning({ staleBefore: T0 + 60 * SECOND }, T0 + 102 * SECOND);
      assert.deepEqual(ids(byHeartbeat), [stale.id], 'only the stale heartbeat');
      assert.deepEqual([byHeartbeat[0]!.progress, byHeartbeat[0]!.elapsedMs], [0.2, 900]);
      assert.equal((await store.getJob(live.id))?.status, 'running', 'a fresh owner keeps its job');
      assert.equal((await store.getJob(queued.id))?.status, 'queued', 'queued jobs untouched');
      assert.deepEqual(await store.requeueRunning({}, T0), [], 'no criterion: nothing');

      const resumed = await store.claimJob(dead.id, 'new-owner', T0 + 103 * SECOND);
      assert.deepEqual([resumed?.attempts, resumed?.progress, resumed?.elapsedMs], [2, 0.4, 4000], 'a resumed run counts as a second attempt');
    });

    test('listJobs filters by session and status, oldest first (created, then id)', async () => {
      const a2 = await store.insertJob(newJob({ id: 'job_b', sessionId: 'A' }), T0 + 2);
      const a1 = await store.insertJob(newJob({ id: 'job_z', sessionId: 'A' }), T0 + 1);
      const a3 = await store.insertJob(newJob({ id: 'job_a', sessionId: 'A' }), T0 + 2);
      const b1 = await store.insertJob(newJob({ id: 'job_c', sessionId: 'B' }), T0);
      await store.claimJob(a3.id, 'o', T0 + 3);
      await store.finishJob(b1.id, { status: 'cancelled', error: { code: 'cancelled', message: 'c' } }, T0 + 4);
      assert.deepEqual(ids(await store.listJobs({})), [b1.id, a1.id, a3.id, a2.id], 'all, oldest first, ties by id');
      assert.deepEqual(ids(await store.listJobs({ sessionId: 'A' })), [a1.id, a3.id, a2.id], 'one session');
      assert.deepEqual(ids(await store.listJobs({ status: ['queued'] })), [a1.id, a2.id], 'queued');
      assert.deepEqual(ids(await store.listJobs({ status: ['running', 'cancelled'] })), [b1.id, a3.id], 'two statuses');
      assert.deepEqual(ids(await store.listJobs({ sessionId: 'B', status: ['queued'] })), [], 'both filters');
      assert.deepEqual(ids(await store.listJobs({ status: [] })), [], 'no status: none');
      assert.deepEqual(ids(await store.listJobs({ sessionId: 'nobody' })), [], 'unknown session');
    });

    test('every job write is durable: it survives closing and reopening the store', async () => {
      const queued = await store.insertJob(newJob(), T0);
      const job = await running('owner-1');
      await store.updateJob(job.id, 'owner-1', { progress: 0.3, step: 's', bestScore: 0.5, elapsedMsDelta: 321, checkpoint: new Uint8Array([3, 2, 1]) }, T0 + 1);
      const done = await running('owner-1');
      const landed = await store.completeJob(done.id, 'owner-1', voice('Durable'), T0 + 2);
      const expected = [await store.getJob(queued.id), await store.getJob(job.id), landed.job];
      await store.close();
      store = await another();
      assert.deepEqual([await store.getJob(queued.id), await store.getJob(job.id), await store.getJob(done.id)], expected, 'the rows');
      assert.deepEqual(bytes(await store.jobInput(queued.id)), [...newJobInput(queued)], 'the input');
      assert.deepEqual(bytes(await store.jobCheckpoint(job.id)), [3, 2, 1], 'the checkpoint');
      assert.equal((await store.get('Durable', T0 + 3))?.name, 'Durable', 'the landed voice');
    });

    test('deleteFinishedJobs removes finished jobs last updated before the cutoff, and nothing else', async () => {
      const old = await store.insertJob(newJob(), T0);
      await store.finishJob(old.id, { status: 'failed', error: { code: 'x', message: 'y' } }, T0 + SECOND);
      const recent = await store.insertJob(newJob(), T0);
      await store.finishJob(recent.id, { status: 'cancelled', error: { code: 'cancelled', message: 'y' } }, T0 + 10 * SECOND);
      const oldQueued = await store.insertJob(newJob(), T0 - 1000 * SECOND);
      const oldRunning = await running('o', T0 - 1000 * SECOND);
      assert.equal(await store.deleteFinishedJobs(T0 + 5 * SECOND), 1);
      assert.deepEqual(
        [await store.getJob(old.id), (await store.getJob(recent.id))?.status, (await store.getJob(oldQueued.id))?.status, (await store.getJob(oldRunning.id))?.status],
        [undefined, 'cancelled', 'queued', 'running'],
      );
      assert.equal(await store.deleteFinishedJobs(T0 + 5 * SECOND), 0, 'again: nothing');
    });
  });
}

/** The input `newJob` gave a job (its id's serial is the last byte). */
function newJobInput(job: JobRow): Uint8Array {
  const n = Number(job.id.slice(-4));
  return new Uint8Array([1, 2, 3, n & 0xff]);
}
