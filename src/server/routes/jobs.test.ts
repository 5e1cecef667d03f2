import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { espeakInfo } from '../../engines/espeak/index.js';
import { InProcessRenderer } from '../../engines/renderer.js';
import type { JobRunner } from '../../jobs/index.js';
import { aborted, gate, openStore, runnerOver, submission, until, voiceNamed, type Gate } from '../../jobs/test-helpers.js';
import type { JobContext } from '../../jobs/types.js';
import { SpeechService } from '../../speech/speech.js';
import type { SqliteCatalog } from '../../store/sqlite.js';
import { VoiceLibrary } from '../../voices/library.js';
import { installErrorHandling } from '../error-handler.js';
import { jobRoutes } from './jobs.js';

interface SseEvent {
  event: string | null;
  data: unknown;
  comment: string | null;
}

/** Reads an SSE body as it arrives; `next()` waits for the next event (comments included). */
function sseReader(body: ReadableStream<Uint8Array>) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  let ended = false;
  return {
    get ended() {
      return ended;
    },
    async next(): Promise<SseEvent | null> {
      for (;;) {
        const at = buffer.indexOf('\n\n');
        if (at >= 0) {
          const block = buffer.slice(0, at);
          buffer = buffer.slice(at + 2);
          const lines = block.split('\n');
          const comment = lines.find((l) => l.startsWith(':'));
          const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? null;
          const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
          return { event, data: data === undefined ? null : JSON.parse(data), comment: comment?.slice(1).trim() ?? null };
        }
        const { value, done } = await reader.read();
        if (done) {
          ended = true;
          return null;
        }
        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

describe('job routes', () => {
  let app: FastifyInstance;
  let url: string;
  let store: SqliteCatalog;
  let runner: JobRunner;
  let library: VoiceLibrary;
  /** What the next job's handler does: set per test. */
  let behave: (ctx: JobContext) => Promise<ReturnType<typeof voiceNamed>>;

  before(async () => {
    store = openStore().store;
    library = new VoiceLibrary({ engines: [espeakInfo], catalog: store, aliases: {}, temporary: { defaultTtlSeconds: 3600, maxTtlSeconds: 86_400 } });
    const speech = new SpeechService(new InProcessRenderer([espeakInfo]), {
      maxQueue: 4, mp3Bitrate: 64, opusBitrate: 32, aacBitrate: 64, sentenceMaxChars: 400, firstSentenceMaxChars: 80,
    });
    runner = runnerOver(store, { maxJobs: 4 });
    runner.register('clone', (ctx) => behave(ctx));
    await runner.start();
    app = Fastify({ loggerInstance: pino({ level: 'silent' }) as FastifyBaseLogger });
    installErrorHandling(app, pino({ level: 'silent' }), { bodyLimit: 1 << 20, privatePaths: [] });
    jobRoutes(app, { runner, library, speech, sseHeartbeatMs: 100 });
    url = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await runner.close();
    await store.close();
  });

  /** A job whose handler waits at `hold`, then does `then`. */
  const held = async (then: (ctx: JobContext) => Promise<ReturnType<typeof voiceNamed>>, sessionId = 'sess-1') => {
    const hold: Gate = gate();
    const started = gate();
    behave = async (ctx) => {
      started.open();
      await hold.promise;
      return then(ctx);
    };
    const job = await runner.submit(submission(sessionId));
    await started.promise;
    return { id: job.id, hold };
  };
  const getJson = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${url}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, any> };
  };

  test('GET /v1/jobs/{id}: the job object; the voice once it succeeded, null once that voice is gone; 404 in the error shape', async () => {
    const { id, hold } = await held(async (ctx) => {
      ctx.report({ progress: 0.5, step: 'walk 4/8', bestScore: 0.71 });
      return voiceNamed('RouteClone');
    });
    const running = await getJson(`/v1/jobs/${id}`);
    assert.equal(running.status, 200);
    assert.deepEqual(Object.keys(running.body).sort(), ['best_score', 'created_at', 'error', 'id', 'object', 'progress', 'session_id', 'status', 'step', 'type', 'updated_at', 'voice']);
    assert.deepEqual([running.body.object, running.body.type, running.body.status, running.body.voice, running.body.error, running.body.session_id], ['job', 'clone', 'running', null, null, 'sess-1']);
    assert.match(running.body.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    hold.open();
    await until(async () => (await store.getJob(id))?.status === 'succeeded', 'success');
    const done = await getJson(`/v1/jobs/${id}`);
    assert.deepEqual([done.body.status, done.body.progress, done.body.best_score, done.body.voice?.name, done.body.voice?.kind, done.body.voice?.similarity], ['succeeded', 1, 0.71, 'RouteClone', 'temporary', 0.75]);
    await library.delete('RouteClone', 'temporary');
    await store.insert(voiceNamed('RouteClone'), Date.now() + 5);
    assert.equal((await getJson(`/v1/jobs/${id}`)).body.voice, null, 'its voice was deleted; a namesake is not it');

    const missing = await getJson('/v1/jobs/job_nothing');
    assert.equal(missing.status, 404);
    assert.deepEqual(missing.body, { error: { message: "Job 'job_nothing' does not exist", type: 'not_found_error', param: 'id', code: 'job_not_found' } });
  });

  test('GET /v1/jobs lists oldest first, by session when asked; a malformed session is 400', async () => {
    const a = await runner.submit(submission('list-a'));
    const b = await runner.submit(submission('list-b'));
    await runner.cancel(a.id);
    await runner.cancel(b.id);
    const all = await getJson('/v1/jobs');
    assert.equal(all.body.object, 'list');
    const ids = all.body.data.map((j: { id: string }) => j.id);
    assert.ok(ids.indexOf(a.id) >= 0 && ids.indexOf(a.id) < ids.indexOf(b.id), 'both, oldest first');
    const onlyB = await getJson('/v1/jobs?session_id=list-b');
    assert.deepEqual(onlyB.body.data.map((j: { id: string }) => j.id), [b.id]);
    assert.deepEqual((await getJson('/v1/jobs?session_id=nobody')).body.data, []);
    const bad = await getJson(`/v1/jobs?session_id=${encodeURIComponent('a b/../c')}`);
    assert.deepEqual([bad.status, bad.body.error.code, bad.body.error.param], [400, 'invalid_session_id', 'session_id']);
  });

  test('DELETE /v1/jobs/{id} cancels (200, the job), then 409 job_finished; unknown 404', async () => {
    let signalled: unknown;
    const { id, hold } = await held(async (ctx) => {
      signalled = await aborted(ctx.signal);
      return voiceNamed('CancelledClone');
    });
    const cancelled = await getJson(`/v1/jobs/${id}`, { method: 'DELETE' });
    assert.deepEqual([cancelled.status, cancelled.body.status, cancelled.body.error], [200, 'cancelled', { code: 'cancelled', message: 'The job was cancelled' }]);
    const again = await getJson(`/v1/jobs/${id}`, { method: 'DELETE' });
    assert.deepEqual([again.status, again.body.error.code, again.body.error.type], [409, 'job_finished', 'conflict_error']);
    assert.equal((await getJson('/v1/jobs/job_nothing', { method: 'DELETE' })).status, 404);
    hold.open();
    await until(() => signalled !== undefined, 'the handler to see its signal aborted');
    assert.equal(await store.get('CancelledClone', Date.now()), undefined, 'no voice landed');
  });

  test('events: progress as it happens, heartbeats, then exactly one done with the job object, and the stream ends', async () => {
    const go = gate();
    const { id, hold } = await held(async (ctx) => {
      await go.promise;
      for (let i = 1; i <= 3; i++) {
        ctx.report({ progress: i / 4, step: `walk ${i}/4`, bestScore: 0.6 + i / 100 });
        await new Promise((r) => setTimeout(r, 30));
      }
      return voiceNamed('StreamedClone');
    });
    hold.open();
    const response = await fetch(`${url}/v1/jobs/${id}/events`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const sse = sseReader(response.body!);
    const first = await sse.next();
    assert.deepEqual(first, { event: 'progress', data: { progress: 0, step: '', best_score: null }, comment: null }, 'the state now');
    const heartbeat = await sse.next();
    assert.equal(heartbeat?.comment, 'keep-alive', 'a comment heartbeat while nothing happens');
    go.open();
    const events: SseEvent[] = [];
    for (let e = await sse.next(); e !== null; e = await sse.next()) if (e.comment === null) events.push(e);
    const progress = events.filter((e) => e.event === 'progress').map((e) => e.data);
    assert.deepEqual(progress, [1, 2, 3].map((i) => ({ progress: i / 4, step: `walk ${i}/4`, best_score: 0.6 + i / 100 })));
    const finals = events.filter((e) => e.event !== 'progress');
    assert.equal(finals.length, 1, 'one final event');
    assert.equal(finals[0]!.event, 'done');
    const job = finals[0]!.data as Record<string, any>;
    assert.deepEqual([job.id, job.object, job.status, job.voice?.name], [id, 'job', 'succeeded', 'StreamedClone']);
    assert.ok(sse.ended, 'the stream ended');
    assert.equal(runner.watcherCount, 0);
  });

  test('events of a finished job: its final event at once; a cancelled job ends with an error event, code cancelled', async () => {
    const { id, hold } = await held(async () => voiceNamed('unused-final'));
    const response = await fetch(`${url}/v1/jobs/${id}/events`);
    const sse = sseReader(response.body!);
    assert.equal((await sse.next())?.event, 'progress');
    await getJson(`/v1/jobs/${id}`, { method: 'DELETE' });
    let final = await sse.next();
    while (final?.comment) final = await sse.next();
    assert.deepEqual(final, { event: 'error', data: { error: { message: 'The job was cancelled', type: 'invalid_request_error', param: null, code: 'cancelled' } }, comment: null });
    assert.equal(await sse.next(), null, 'then the stream ends');
    hold.open();

    const later = await fetch(`${url}/v1/jobs/${id}/events`);
    const text = await later.text();
    assert.equal(text.split('\n\n').filter(Boolean).length, 1, 'a finished job: just its final event');
    assert.match(text, /^event: error\ndata: \{"error":\{.*"code":"cancelled"\}\}\n\n$/);
    assert.equal((await fetch(`${url}/v1/jobs/job_nothing/events`)).status, 404);
  });

  test('a client that goes away stops listening', async () => {
    const { id, hold } = await held(async () => voiceNamed('LeftBehind'));
    const controller = new AbortController();
    const response = await fetch(`${url}/v1/jobs/${id}/events`, { signal: controller.signal });
    const sse = sseReader(response.body!);
    await sse.next();
    assert.equal(runner.watcherCount, 1, 'listening');
    controller.abort();
    const ms = await until(() => runner.watcherCount === 0, 'the listener to be removed', 3000);
    console.log(`  listener removed ${ms.toFixed(0)} ms after the client left`);
    hold.open();
    await until(async () => (await store.getJob(id))?.status === 'succeeded', 'the job to finish regardless');
  });

  test('preview: 404 no_preview until the handler gives one, then the best voice so far as WAV on the probe text', async () => {
    let give!: (ctx: JobContext) => void;
    const given = gate();
    const { id, hold } = await held(async (ctx) => {
      give(ctx);
      await aborted(ctx.signal);
      return voiceNamed('PreviewClone');
    });
    const none = await getJson(`/v1/jobs/${id}/preview`);
    assert.deepEqual([none.status, none.body.error.code], [404, 'no_preview']);
    assert.equal((await getJson('/v1/jobs/job_nothing/preview')).body.error.code, 'job_not_found');
    give = (ctx) => {
      ctx.preview({ engine: 'espeak', base: 'en-us', variant: 'm3', pitch: 35, range: 40, rate: 165, volume: 100 }, 0.6789);
      given.open();
    };
    hold.open();
    await given.promise;
    const started = performance.now();
    const response = await fetch(`${url}/v1/jobs/${id}/preview`);
    const bytes = new Uint8Array(await response.arrayBuffer());
    const ms = performance.now() - started;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'audio/wav');
    assert.equal(response.headers.get('x-best-score'), '0.6789');
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    assert.equal(new TextDecoder().decode(bytes.subarray(0, 4)), 'RIFF');
    assert.equal(view.getUint32(4, true), bytes.length - 8, 'RIFF size');
    assert.equal(view.getUint32(40, true), bytes.length - 44, 'data size');
    assert.equal(view.getUint32(24, true), 24000, 'sample rate');
    const seconds = (bytes.length - 44) / 2 / 24000;
    let peak = 0;
    for (let i = 44; i + 1 < bytes.length; i += 2) peak = Math.max(peak, Math.abs(view.getInt16(i, true)));
    console.log(`  preview: ${seconds.toFixed(2)} s of speech, peak ${peak}, rendered in ${ms.toFixed(0)} ms`);
    assert.ok(seconds > 4 && seconds < 20, `the probe text spoken: ${seconds.toFixed(2)} s`);
    assert.ok(peak > 1000, 'not silence');
    await runner.cancel(id);
  });

  test('hostile ids are 404s, never 500s', async () => {
    for (const id of ['%00', '..%2F..%2Fetc', "job_'; DROP TABLE jobs; --", 'a'.repeat(100), '%E2%80%AE']) {
      for (const suffix of ['', '/events', '/preview']) {
        const response = await fetch(`${url}/v1/jobs/${id}${suffix}`);
        assert.ok(response.status === 404, `${id}${suffix}: ${response.status}`);
        const body = (await response.json()) as { error: { code: string } };
        assert.ok(['job_not_found', 'not_found'].includes(body.error.code), body.error.code);
      }
    }
  });
});
