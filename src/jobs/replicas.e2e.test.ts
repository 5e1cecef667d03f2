import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createVoice, hiddenReference, referenceWav } from '../test-support/clone-client.js';
import { json, speak } from '../test-support/library-client.js';
import { FAST_JOB_FLAGS, startReplicas } from '../test-support/replicas.js';

interface JobBody {
  id: string;
  status: string;
  progress: number;
  voice?: { name: string } | null;
  error?: unknown;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a replica SIGKILLed in the middle of a thorough clone: another replica takes the job over, resumes it and lands its voice', { timeout: 120_000 }, async (t) => {
  const replicas = await startReplicas({ count: 2, args: [...FAST_JOB_FLAGS, '--max-jobs', '1'], waitForWarmUp: true });
  try {
    const wav = referenceWav(await hiddenReference());
    const answer = await createVoice(replicas.servers[0]!, { voice_name: 'taken-over', quality: 'thorough', max_seconds: '8' }, { name: 'ref.wav', bytes: wav });
    assert.equal(answer.status, 202, JSON.stringify(answer.body));
    const id = (answer.body.job as { id: string }).id;
    const startedOn = (attempt: number) =>
      replicas.logs().find(({ entry }) => entry.event === 'job.started' && entry.job === id && entry.attempt === attempt);

    // Whichever replica claimed it (any replica runs queued jobs), wait until it is well under way there
    // and has stored a checkpoint (the best setting so far) in the shared catalog.
    const catalog = await replicas.openCatalog();
    let progress = 0;
    let step = '';
    let checkpoint: Uint8Array | null = null;
    const deadline = Date.now() + 30_000;
    while ((startedOn(1) === undefined || progress < 0.15 || checkpoint === null || step === 'coarse 1') && Date.now() < deadline) {
      await sleep(200);
      ({ progress, step } = (await json<JobBody & { step: string }>(replicas.servers[0]!.url, `/v1/jobs/${id}`)).body);
      checkpoint = await catalog.jobCheckpoint(id);
    }
    await catalog.close();
    const first = startedOn(1);
    assert.ok(first !== undefined && progress >= 0.15 && checkpoint !== null, `the job started, made progress (${progress}) and stored a checkpoint`);
    const victim = first.replica;
    const survivor = replicas.servers[1 - victim]!;
    // What the survivor tells a client following the job (SSE), from before it takes the job over.
    const events = fetch(`${survivor.url}/v1/jobs/${id}/events`).then((r) => r.text());
    await replicas.servers[victim]!.kill();
    const killedAt = Date.now();
    t.diagnostic(`backend ${replicas.backend}: replica ${victim} killed at progress ${progress.toFixed(2)}`);

    let job: JobBody;
    for (;;) {
      job = (await json<JobBody>(survivor.url, `/v1/jobs/${id}`)).body;
      if (!['queued', 'running'].includes(job.status) || Date.now() - killedAt > 60_000) break;
      await sleep(250);
    }
    assert.equal(job.status, 'succeeded', JSON.stringify(job));
    assert.equal(job.voice?.name, 'taken-over');

    const resumed = startedOn(2);
    assert.ok(resumed !== undefined, 'a second run started');
    assert.equal(resumed.replica, 1 - victim, 'on the surviving replica');
    assert.ok((resumed.entry.elapsedMs as number) > 0, `it resumed with the time already spent (${String(resumed.entry.elapsedMs)} ms), not from scratch`);
    // A run from scratch reports its first candidate as 'coarse 1' with no best score before it; a run
    // resumed from the checkpoint carries on from the stored best setting and never does.
    const steps = [...(await events).matchAll(/^event: progress\ndata: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as { step: string; best_score: number | null });
    assert.ok(steps.length > 0, 'the survivor streamed the job\'s progress');
    assert.ok(!steps.some((e) => e.step === 'coarse 1'), `the resumed run did not start the search again (${steps.map((e) => e.step).join(', ')})`);
    const requeued = replicas.logs().find(({ entry }) => entry.event === 'job.requeued' && entry.job === id);
    assert.equal(requeued?.replica, 1 - victim, 'the survivor requeued it');
    t.diagnostic(`requeued ${((requeued!.entry.time as string) && Date.parse(requeued!.entry.time as string) - killedAt)} ms after the kill`);
    const succeeded = replicas.logs().filter(({ entry }) => entry.event === 'job.succeeded' && entry.job === id);
    assert.deepEqual(succeeded.map((s) => s.replica), [1 - victim], 'it succeeded once, on the survivor');

    const spoken = await speak(survivor.url, 'taken-over');
    assert.equal(spoken.status, 200, 'its voice speaks');
    // The killed replica comes back to the same library: it sees the finished job and the voice.
    const back = await replicas.restart(victim);
    assert.equal((await json<JobBody>(back.url, `/v1/jobs/${id}`)).body.status, 'succeeded');
    assert.equal((await speak(back.url, 'taken-over')).status, 200);
  } finally {
    await replicas.close();
  }
});
