import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Renderer, RenderTask } from '../engines/renderer.js';
import { LiteTtsError } from '../errors.js';
import { statusOf } from '../server/errors.js';
import type { ResolvedVoice } from '../voices/voice.js';
import { SpeechService, type SpeechObserver } from './speech.js';

/** A renderer that makes 0.1 s of tone per piece, with controllable delay, and records what ran. */
class FakeRenderer implements Renderer {
  readonly threads = 2;
  readonly started: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  constructor(private readonly delayMs = 5) {}
  async render(task: RenderTask): Promise<Int16Array> {
    this.started.push(task.text);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, this.delayMs));
    this.inFlight--;
    return new Int16Array(2400).map((_, i) => Math.round(10000 * Math.sin(i / 5)));
  }
  async warmUp(): Promise<void> {}
  async close(): Promise<void> {}
}

const VOICE: ResolvedVoice = {
  voice: {
    id: 'v', name: 'v', engine: 'espeak', kind: 'builtin', language: 'en-us', gender: null, description: '',
    source: 'builtin', created_at: '', expires_at: null, session_id: null, available: true,
  },
  data: { engine: 'espeak', base: 'en-us', variant: null, pitch: 50, range: 50, rate: 175, volume: 100 },
  hash: 'test-voice',
};

const SETTINGS = { maxQueue: 1, mp3Bitrate: 64, opusBitrate: 32, aacBitrate: 64, sentenceMaxChars: 400, firstSentenceMaxChars: 80 };

async function collect(stream: AsyncGenerator<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('SpeechService', () => {
  test('renders pieces in order, one in flight per request, and streams them as one file', async () => {
    const renderer = new FakeRenderer();
    const service = new SpeechService(renderer, SETTINGS);
    const pieces = service.pieces('One. Two. Three. Four.');
    assert.deepEqual(pieces, ['One.', 'Two.', 'Three.', 'Four.']);
    const bytes = await collect(service.stream({ pieces, voice: VOICE, speed: 1, format: 'pcm' }, service.admit()));
    assert.deepEqual(renderer.started, pieces);
    assert.equal(renderer.maxInFlight, 1);
    assert.equal(bytes.length, 4 * 2400 * 2);
    assert.equal(service.activeRequests, 0);
  });

  test('admission: threads + maxQueue requests, then 503 with Retry-After; released places are reused', () => {
    const rejected: number[] = [];
    const observer: SpeechObserver = { rejected: () => rejected.push(1) };
    const service = new SpeechService(new FakeRenderer(), SETTINGS, observer);
    const admitted = [service.admit(), service.admit(), service.admit()];
    assert.throws(() => service.admit(), (e: unknown) => e instanceof LiteTtsError && statusOf(e) === 503 && e.retryAfter === 1);
    assert.equal(rejected.length, 1);
    admitted[0]!.release();
    admitted[0]!.release(); // idempotent
    assert.equal(service.activeRequests, 2);
    service.admit();
    assert.throws(() => service.admit());
  });

  test('an abort stops rendering further pieces and releases the place', async () => {
    const renderer = new FakeRenderer(20);
    const finished: boolean[] = [];
    const service = new SpeechService(renderer, SETTINGS, { finished: (_e, _f, _s, completed) => finished.push(completed) });
    const controller = new AbortController();
    const pieces = Array.from({ length: 20 }, (_, i) => `Piece ${i}.`);
    const stream = service.stream({ pieces, voice: VOICE, speed: 1, format: 'wav', signal: controller.signal }, service.admit());
    await stream.next();
    controller.abort();
    for await (const _ of stream);
    assert.ok(renderer.started.length <= 3, `rendered ${renderer.started.length} of 20 pieces`);
    assert.deepEqual(finished, [false]);
    assert.equal(service.activeRequests, 0);
  });

  test('a consumer that stops reading (return) ends the stream and releases the place', async () => {
    const renderer = new FakeRenderer();
    const service = new SpeechService(renderer, SETTINGS);
    const stream = service.stream({ pieces: ['A.', 'B.', 'C.', 'D.'], voice: VOICE, speed: 1, format: 'mp3' }, service.admit());
    await stream.next();
    await stream.return(undefined);
    assert.ok(renderer.started.length <= 2);
    assert.equal(service.activeRequests, 0);
  });

  test('a failing engine surfaces as an error and still releases the place', async () => {
    const renderer = new FakeRenderer();
    renderer.render = async () => {
      throw new Error('engine exploded');
    };
    const service = new SpeechService(renderer, SETTINGS);
    await assert.rejects(collect(service.stream({ pieces: ['A.'], voice: VOICE, speed: 1, format: 'wav' }, service.admit())), /engine exploded/);
    assert.equal(service.activeRequests, 0);
  });

  test('the audio cache answers repeats, keyed by voice content; aborted streams are not cached', async () => {
    const renderer = new FakeRenderer();
    const hits: number[] = [];
    const service = new SpeechService(renderer, { ...SETTINGS, audioCacheMb: 4 }, { cacheHit: () => hits.push(1) });
    const request = { pieces: ['One.', 'Two.'], voice: VOICE, speed: 1, format: 'wav' as const };
    const first = await collect(service.stream(request, service.admit()));
    const second = await collect(service.stream(request, service.admit()));
    assert.deepEqual(second, first);
    assert.equal(renderer.started.length, 2, 'the repeat was not rendered again');
    assert.equal(hits.length, 1);
    await collect(service.stream({ ...request, voice: { ...VOICE, hash: 'changed-voice' } }, service.admit()));
    assert.equal(renderer.started.length, 4, 'changed voice data is a different key');
    await collect(service.stream({ ...request, speed: 2 }, service.admit()));
    assert.equal(renderer.started.length, 6, 'so is a different speed');
    const controller = new AbortController();
    const aborted = service.stream({ ...request, pieces: ['Three.', 'Four.'], signal: controller.signal }, service.admit());
    await aborted.next();
    controller.abort();
    for await (const _ of aborted);
    const again = renderer.started.length;
    await collect(service.stream({ ...request, pieces: ['Three.', 'Four.'] }, service.admit()));
    assert.ok(renderer.started.length > again, 'an aborted response was not cached');
    assert.equal(service.activeRequests, 0);
  });

  test('nothing speakable gives no pieces', () => {
    const service = new SpeechService(new FakeRenderer(), SETTINGS);
    assert.deepEqual(service.pieces('  ... !!! '), []);
  });
});
