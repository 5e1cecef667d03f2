import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { decodeToPcm } from '../audio/ffmpeg.js';
import { AUDIO_FORMATS, CONTENT_TYPES, type AudioFormat } from '../audio/formats.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

const CODECS: Record<AudioFormat, string> = { mp3: 'mp3', opus: 'opus', aac: 'aac', flac: 'flac', wav: 'pcm_s16le', pcm: 'pcm_s16le' };
const SENTENCE = 'The quick brown fox jumps over the lazy dog near the quiet river bank.';

/** Decodes a whole response and checks it is real 24 kHz mono speech of about the expected length. */
async function assertSpeech(bytes: Uint8Array, format: AudioFormat, minSeconds: number): Promise<void> {
  const decoded = await decodeToPcm(bytes, format === 'pcm' ? { format: 's16le', sampleRate: 24000 } : {});
  assert.equal(decoded.codec, CODECS[format], `codec of ${format}`);
  assert.equal(decoded.channels, 1, `${format} is mono`);
  if (format !== 'opus') assert.equal(decoded.sampleRate, 24000, `${format} is 24 kHz`);
  const seconds = decoded.pcm.length / 24000;
  assert.ok(seconds >= minSeconds, `${format}: ${seconds.toFixed(2)} s of audio, expected ≥ ${minSeconds}`);
  let sum = 0;
  for (const s of decoded.pcm) sum += s * s;
  const rms = Math.sqrt(sum / decoded.pcm.length);
  assert.ok(rms > 300, `${format}: audio is not silent (rms ${rms.toFixed(0)})`);
}

function metric(text: string, name: string, labels = ''): number {
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels) && !l.startsWith('#'));
  return line ? Number(line.split(' ').pop()) : 0;
}

describe('speech endpoint (real server)', () => {
  let server: TestServer;
  let client: OpenAI;

  before(async () => {
    server = await startTestServer({ args: ['--workers', '2'] });
    client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused' });
  });
  after(async () => server.stop());

  for (const format of AUDIO_FORMATS) {
    test(`openai client gets valid ${format}`, async () => {
      const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: `${SENTENCE} ${SENTENCE}`, response_format: format });
      assert.equal(response.headers.get('content-type'), CONTENT_TYPES[format]);
      assert.equal(response.headers.get('x-sample-rate'), '24000');
      await assertSpeech(new Uint8Array(await response.arrayBuffer()), format, 3);
    });

    test(`${format} streams piece by piece and the concatenation is one valid file`, async () => {
      const input = Array.from({ length: 8 }, (_, i) => `Sentence number ${i + 1} is here to make the stream long.`).join(' ');
      const response = await client.audio.speech.create({ model: 'tts-1', voice: 'espeak-en-gb-male', input, response_format: format });
      const chunks: Uint8Array[] = [];
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) chunks.push(chunk);
      assert.ok(chunks.length >= 2, `${format} arrived in ${chunks.length} chunk(s)`);
      await assertSpeech(Buffer.concat(chunks), format, 8);
    });

    test(`${format} over SSE: delta events with base64 audio, then done`, async () => {
      const response = await client.audio.speech.create({
        model: 'gpt-4o-mini-tts',
        voice: 'nova',
        input: `${SENTENCE} Another sentence follows here. And a third one.`,
        response_format: format,
        stream_format: 'sse',
      });
      assert.equal(response.headers.get('content-type'), 'text/event-stream');
      const text = await response.text();
      const events = text
        .split('\n\n')
        .filter((block) => block.trim().length > 0)
        .map((block) => JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6)) as { type: string; audio?: string });
      const deltas = events.filter((e) => e.type === 'speech.audio.delta');
      assert.ok(deltas.length >= 2, `got ${deltas.length} delta events`);
      assert.equal(events.at(-1)!.type, 'speech.audio.done');
      const audio = Buffer.concat(deltas.map((e) => Buffer.from(e.audio!, 'base64')));
      await assertSpeech(audio, format, 3);
    });
  }

  test('first bytes leave long before a long text is fully synthesised', async () => {
    const input = Array.from({ length: 40 }, (_, i) => `This is sentence ${i + 1} of a long text that takes a while to speak.`).join(' ');
    const started = performance.now();
    const response = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input, voice: 'espeak-en-us-male', response_format: 'wav' }),
    });
    let firstAt = 0;
    for await (const _chunk of response.body as unknown as AsyncIterable<Uint8Array>) if (firstAt === 0) firstAt = performance.now() - started;
    const total = performance.now() - started;
    assert.ok(firstAt < total / 3, `first byte after ${firstAt.toFixed(0)} ms of ${total.toFixed(0)} ms`);
  });

  test('a client that disconnects stops its synthesis', async () => {
    const pieces = 60;
    const input = Array.from({ length: pieces }, (_, i) => `Sentence ${i + 1} goes on for a little while to make this long.`).join(' ');
    const before = await (await fetch(`${server.url}/metrics`)).text();
    const piecesBefore = metric(before, 'litetts_speech_pieces_total', 'engine="espeak"');
    const controller = new AbortController();
    const response = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ input, voice: 'espeak-en-us-female', response_format: 'mp3' }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await new Promise((r) => setTimeout(r, 1500));
    const afterText = await (await fetch(`${server.url}/metrics`)).text();
    const rendered = metric(afterText, 'litetts_speech_pieces_total', 'engine="espeak"') - piecesBefore;
    assert.ok(rendered < pieces / 2, `rendered ${rendered} of ${pieces} pieces after the disconnect`);
    assert.ok(metric(afterText, 'litetts_speech_requests_total', 'outcome="aborted"') >= 1, 'the request is counted as aborted');
    assert.equal(metric(afterText, 'litetts_speech_active_requests'), 0, 'its place in the queue was released');
  });

  test('20 concurrent requests all succeed with valid audio', async () => {
    const formats: AudioFormat[] = ['mp3', 'wav', 'opus', 'flac', 'aac', 'pcm'];
    const results = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const format = formats[i % formats.length]!;
        const response = await client.audio.speech.create({ model: 'tts-1', voice: i % 2 ? 'echo' : 'alloy', input: `${SENTENCE} Request ${i}.`, response_format: format });
        return { format, bytes: new Uint8Array(await response.arrayBuffer()) };
      }),
    );
    for (const { format, bytes } of results) await assertSpeech(bytes, format, 2);
  });

  test('speed changes the length of the audio', async () => {
    const lengths: number[] = [];
    for (const speed of [0.25, 1, 4]) {
      const response = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: SENTENCE, response_format: 'pcm', speed });
      lengths.push((await response.arrayBuffer()).byteLength / 2 / 24000);
    }
    const [slow, normal, fast] = lengths as [number, number, number];
    assert.ok(slow > normal * 3, `speed 0.25: ${slow.toFixed(2)} s vs ${normal.toFixed(2)} s`);
    assert.ok(fast < normal / 3, `speed 4: ${fast.toFixed(2)} s vs ${normal.toFixed(2)} s`);
  });
});
