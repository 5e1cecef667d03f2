import assert from 'node:assert/strict';
import { platform } from 'node:os';
import { after, before, describe, test } from 'node:test';
import type { Piscina } from 'piscina';
import { floatToInt16 } from '../../audio/pcm.js';
import { engineSettings } from '../../engines/index.js';
import { LiteTtsError } from '../../errors.js';
import { hiddenReference } from '../../test-support/clone-client.js';
import { decodeFile, findSpeechCorpus, listUtterances } from '../../test-support/speech-corpus.js';
import type { CloneProgress, CloneRequest, DecodedReference } from '../cloner.js';
import { RENDER_RATE } from '../espeak-fit.js';
import { ClonePool, SpeechActivity } from './index.js';

/**
 * The clone threads, through ClonePool (the built worker in dist/, as the server runs it):
 * lanes, the thorough search's budget, cancel and resume, yielding to speech, admission and
 * a thread that dies.
 */

const logit = (p: number): number => Math.log(p / (1 - p));

const activity = new SpeechActivity();
let pool: ClonePool;
let reference: DecodedReference;
const errorsSeen: unknown[] = [];

const request = (quality: 'fast' | 'thorough', budgetMs: number, extra: Partial<CloneRequest> = {}): CloneRequest => ({
  reference,
  engine: 'espeak',
  language: 'en-us',
  quality,
  budgetMs,
  ...extra,
});

describe('ClonePool', () => {
  before(async () => {
    reference = { samples: await hiddenReference(), sampleRate: RENDER_RATE };
    pool = new ClonePool({
      engines: engineSettings({ modelDir: '/nonexistent/litetts-models', modelVariant: 'model_quantized.onnx', onnxThreads: 1 }, 1),
      log: { logLevel: 'silent', logDir: null },
      fastThreads: 1,
      fastQueue: 1,
      backgroundTasks: 2,
      speechActivity: activity,
      onError: (e) => errorsSeen.push(e),
    });
    const started = performance.now();
    await pool.warmUp('en-us', { background: true });
    console.log(`warm-up of both threads: ${(performance.now() - started).toFixed(0)} ms`);
  });
  after(async () => pool.close());

  test('a fast clone runs on the fast lane in its budget; the background thread runs at the lowest priority', { timeout: 60_000 }, async () => {
    const started = performance.now();
    const clone = await pool.clone(request('fast', 3000));
    const ms = performance.now() - started;
    console.log(`fast clone of a ${(reference.samples.length / RENDER_RATE).toFixed(1)} s reference: ${ms.toFixed(0)} ms, ${clone.steps} renders, held-out similarity ${clone.similarity.toFixed(4)}`);
    assert.equal(clone.data.engine, 'espeak');
    assert.ok(clone.similarity >= 0 && clone.similarity <= 1);
    // The search's quality is the fit's own tests' (and the server's round trip); here, its time on a thread.
    assert.ok(ms < 4500, `within its 3 s budget and a little overhead (${ms.toFixed(0)} ms)`);
    const fast = await pool.status('fast');
    const background = await pool.status('background');
    assert.equal(fast.lane, 'fast');
    assert.equal(background.lane, 'background');
    if (platform() === 'linux') {
      assert.notEqual(fast.tid, background.tid, 'two threads');
      assert.equal(background.priority, 19, 'the background thread lowered its own priority');
      assert.equal(fast.priority, 0, 'the fast thread did not');
    }
  });

  test('the thorough search improves on the fast fit given more time, and ends within its budget', { timeout: 120_000 }, async () => {
    const corpus = findSpeechCorpus();
    // Real speech where the corpus is here (espeak round trips leave little to improve), else the hidden voice.
    let ref = reference;
    let what = 'the hidden espeak voice';
    if (corpus) {
      const u = listUtterances(corpus).find((x) => x.sex === 'F')!;
      ref = { samples: floatToInt16((await decodeFile(u.path, 16_000)).subarray(0, 10 * 16_000)), sampleRate: 16_000 };
      what = `reader ${u.speaker}`;
    }
    const fast = await pool.clone(request('fast', 3000, { reference: ref }));
    const progress: CloneProgress[] = [];
    const started = performance.now();
    const thorough = await pool.clone(request('thorough', 20_000, { reference: ref, onProgress: (p) => progress.push(p) }));
    const ms = performance.now() - started;
    console.log(
      `${what}: fast held-out ${fast.similarity.toFixed(4)} (logit ${logit(fast.similarity).toFixed(2)}, ${fast.steps} renders); ` +
        `thorough held-out ${thorough.similarity.toFixed(4)} (logit ${logit(thorough.similarity).toFixed(2)}, search ${thorough.searchScore.toFixed(4)}, ${thorough.steps} renders in ${ms.toFixed(0)} ms); ` +
        `last step "${progress.at(-1)?.step}"`,
    );
    assert.ok(ms <= 20_000 + 1500, `the 20 s budget holds (${ms.toFixed(0)} ms)`);
    assert.ok(thorough.steps > 3 * fast.steps, `many more candidates (${thorough.steps} vs ${fast.steps})`);
    assert.ok(thorough.searchScore >= fast.searchScore, `a better fit of the search text (${thorough.searchScore} vs ${fast.searchScore})`);
    assert.ok(logit(thorough.similarity) > logit(fast.similarity), `and on the held-out text (${thorough.similarity} vs ${fast.similarity})`);
    assert.ok(progress.length >= thorough.steps - 5, `progress after every candidate (${progress.length} reports)`);
    assert.ok(progress.every((p, i) => i === 0 || p.progress >= progress[i - 1]!.progress), 'progress only grows');
    assert.ok(progress.at(-1)!.progress <= 1);
  });

  test('cancel stops one thorough clone between renders; the other on the same thread goes on', { timeout: 60_000 }, async () => {
    const controller = new AbortController();
    let reports = 0;
    const cancelled = pool.clone(
      request('thorough', 10_000, {
        signal: controller.signal,
        onProgress: () => {
          if (++reports === 3) controller.abort(new Error('client went away'));
        },
      }),
    );
    const other = pool.clone(request('thorough', 6000));
    const started = performance.now();
    await assert.rejects(cancelled, /client went away/, 'the cancelled clone rejects with its reason');
    const cancelMs = performance.now() - started;
    const result = await other;
    console.log(`cancelled after 3 reports in ${cancelMs.toFixed(0)} ms; the other clone finished: ${result.steps} renders, similarity ${result.similarity.toFixed(4)}`);
    assert.ok(reports <= 4, `no more than one render after the cancel (${reports} reports)`);
    assert.ok(result.similarity > 0, 'the clone sharing the thread was not killed with it');
  });

  test('a thorough clone checkpoints its best, and resumes from a checkpoint where it was', { timeout: 90_000 }, async () => {
    const checkpoints: { bytes: Uint8Array; score: number; phase: string; steps: number }[] = [];
    const controller = new AbortController();
    await assert.rejects(
      pool.clone(
        request('thorough', 30_000, {
          signal: controller.signal,
          onCheckpoint: (bytes, best) => {
            const state = JSON.parse(new TextDecoder().decode(bytes)) as { phase: string; steps: number; score: number };
            assert.equal(best.data.engine, 'espeak', 'a preview of the best voice comes with it');
            assert.equal(state.score, best.score);
            checkpoints.push({ bytes, score: best.score, phase: state.phase, steps: state.steps });
            if (state.phase === 'fine' && checkpoints.filter((c) => c.phase === 'fine').length >= 2) controller.abort(new Error('server stopping'));
          },
        }),
      ),
      /server stopping/,
    );
    const last = checkpoints.at(-1)!;
    assert.equal(last.phase, 'fine');
    assert.ok(checkpoints.every((c, i) => i === 0 || c.score >= checkpoints[i - 1]!.score), 'checkpoints keep the best so far');

    const progress: CloneProgress[] = [];
    const started = performance.now();
    const resumed = await pool.clone(request('thorough', 5000, { checkpoint: last.bytes, onProgress: (p) => progress.push(p) }));
    const ms = performance.now() - started;
    console.log(
      `resumed from a checkpoint at ${last.steps} renders (score ${last.score.toFixed(4)}): ${resumed.steps} renders after ${ms.toFixed(0)} ms, ` +
        `search score ${resumed.searchScore.toFixed(4)}, first step "${progress[0]?.step}"`,
    );
    assert.ok(progress.length > 0 && progress.every((p) => p.step.startsWith('pass ')), 'no coarse step again: it went on with the passes');
    assert.ok((progress[0]!.bestScore ?? 0) >= last.score, 'from the checkpoint\'s best on');
    assert.ok(resumed.steps > last.steps, 'renders count on from the checkpoint');
    assert.ok(resumed.searchScore >= last.score, 'never worse than the checkpoint');
    assert.ok(ms < 5000 + 1500, `the remaining budget holds (${ms.toFixed(0)} ms)`);

    const fresh: CloneProgress[] = [];
    const other = { samples: reference.samples.slice(0, reference.samples.length - 100), sampleRate: reference.sampleRate };
    await pool.clone(request('thorough', 1500, { reference: other, checkpoint: last.bytes, onProgress: (p) => fresh.push(p) }));
    assert.equal(fresh[0]?.step, 'coarse 1', "another reference's checkpoint is ignored: the search starts afresh");
  });

  test('background clones yield to speech: slower while speech requests are served, but never stopped', { timeout: 60_000 }, async () => {
    const count = async (speaking: boolean): Promise<number> => {
      activity.set(speaking ? 1 : 0);
      let n = 0;
      try {
        await pool.clone(request('thorough', 4000, { onProgress: () => n++ }));
      } finally {
        activity.set(0);
      }
      return n;
    };
    const quiet = await count(false);
    const busy = await count(true);
    console.log(`candidates in 4 s: ${quiet} with no speech, ${busy} while speech is served`);
    assert.ok(busy >= 1, 'the clone still made progress');
    assert.ok(busy * 1.5 < quiet, `it made clearly fewer (${busy} vs ${quiet})`);
  });

  test('the fast lane admits its threads and queue; one more is 503 server_busy with Retry-After', { timeout: 60_000 }, async () => {
    const results = await Promise.allSettled([1, 2, 3].map(() => pool.clone(request('fast', 1500))));
    const refused = results.filter((r) => r.status === 'rejected');
    assert.equal(refused.length, 1, 'one thread and one place in the queue: the third is refused');
    const reason = (refused[0] as PromiseRejectedResult).reason as LiteTtsError;
    assert.ok(reason instanceof LiteTtsError && reason.kind === 'busy' && reason.code === 'server_busy', String(reason));
    assert.ok((reason.retryAfter ?? 0) >= 1, 'with a Retry-After');
    assert.equal(pool.fastClones, 0, 'every place is given back');
  });

  test('Kokoro clones are refused as unavailable until the Kokoro cloner is wired', async () => {
    await assert.rejects(pool.clone({ ...request('fast', 1000), engine: 'kokoro' }), (e: unknown) => e instanceof LiteTtsError && e.kind === 'unavailable' && /Kokoro cloning is not available/.test(e.message));
  });

  test('a thread that dies fails the clones on it with 503 clone_failed, and the next clone works', { timeout: 60_000 }, async () => {
    const first = pool.clone(request('thorough', 8000));
    const second = pool.clone(request('thorough', 8000));
    await new Promise((r) => setTimeout(r, 1500));
    const background = (pool as unknown as { background: Piscina }).background;
    assert.equal(background.threads.length, 1);
    await background.threads[0]!.terminate();
    for (const clone of [first, second]) {
      await assert.rejects(clone, (e: unknown) => e instanceof LiteTtsError && e.code === 'clone_failed' && e.kind === 'busy' && (e.retryAfter ?? 0) > 0);
    }
    const next = await pool.clone(request('thorough', 2000));
    assert.ok(next.similarity > 0, 'a new thread took over');
    assert.ok(errorsSeen.length >= 2, 'the failures were reported');
  });
});
