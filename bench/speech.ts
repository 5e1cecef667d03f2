import { createEncoder } from '../src/audio/encoders/index.js';
import { OUTPUT_SAMPLE_RATE } from '../src/audio/pcm.js';
import { ESPEAK_BUILTIN_VOICES } from '../src/engines/espeak/index.js';
import { EspeakEngine } from '../src/engines/espeak/engine.js';
import { InProcessRenderer } from '../src/engines/renderer.js';
import { startTestServer } from '../src/test-support/server.js';
import { PARAGRAPH, TEN_SENTENCES } from './paragraph.js';
import { median, type BenchResult } from './report.js';

const VOICE = ESPEAK_BUILTIN_VOICES.find((v) => v.name === 'espeak-en-us-female')!;
const ROUNDS = 7;

async function timeIt(fn: () => Promise<unknown>, rounds = ROUNDS): Promise<number> {
  await fn(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return median(times);
}

async function speak(url: string, input: string, format: string): Promise<{ total: number; firstByte: number; bytes: number }> {
  const start = performance.now();
  const response = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, voice: VOICE.name, response_format: format }),
  });
  if (!response.ok) throw new Error(`speech request failed: ${response.status} ${await response.text()}`);
  let firstByte = 0;
  let bytes = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    if (firstByte === 0) firstByte = performance.now() - start;
    bytes += chunk.length;
  }
  return { total: performance.now() - start, firstByte, bytes };
}

/** The four speech ratios, each measured in this one run on this machine. */
export async function benchSpeech(): Promise<BenchResult[]> {
  // The engine alone: espeak-ng synthesising the whole paragraph in-process, native rate, no server.
  const engine = await EspeakEngine.load();
  const engineMs = await timeIt(async () => {
    for await (const _ of engine.synthesize({ text: PARAGRAPH, voice: VOICE.data, speed: 1 }));
  });
  // The paragraph as 24 kHz PCM, the encoders' input.
  const renderer = new InProcessRenderer();
  const pcm = await renderer.render({ text: PARAGRAPH, voice: VOICE.data, speed: 1 });
  const audioSeconds = pcm.length / OUTPUT_SAMPLE_RATE;

  const encodeMs = async (format: 'mp3' | 'opus'): Promise<number> =>
    timeIt(async () => {
      const encoder = await createEncoder(format, { sampleRate: OUTPUT_SAMPLE_RATE });
      // Sentence-sized writes, as the server does.
      for (let i = 0; i < pcm.length; i += OUTPUT_SAMPLE_RATE * 4) await encoder.write(pcm.subarray(i, i + OUTPUT_SAMPLE_RATE * 4));
      await encoder.end();
      encoder.close();
    });
  const mp3Ms = await encodeMs('mp3');
  const opusMs = await encodeMs('opus');

  const server = await startTestServer({ args: ['--log-level', 'info'] });
  try {
    const serverMs = await timeIt(async () => speak(server.url, PARAGRAPH, 'wav'));
    await speak(server.url, TEN_SENTENCES, 'mp3');
    const firsts: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await speak(server.url, TEN_SENTENCES, 'mp3');
      firsts.push(r.firstByte);
      totals.push(r.total);
    }
    const ttfb = median(firsts);
    const full = median(totals);

    const perClient = 6;
    const oneClient = await timeIt(async () => {
      for (let i = 0; i < perClient; i++) await speak(server.url, PARAGRAPH, 'wav');
    }, 3);
    const fourClients = await timeIt(
      async () =>
        Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let i = 0; i < perClient; i++) await speak(server.url, PARAGRAPH, 'wav');
          }),
        ),
      3,
    );
    const throughput1 = perClient / (oneClient / 1000);
    const throughput4 = (4 * perClient) / (fourClients / 1000);

    return [
      {
        name: 'server end-to-end (wav) / engine alone',
        ratio: serverMs / engineMs,
        target: '<= 1.2',
        pass: serverMs / engineMs <= 1.2,
        detail: `${serverMs.toFixed(0)} ms vs ${engineMs.toFixed(0)} ms for ${audioSeconds.toFixed(1)} s of audio`,
      },
      {
        name: 'time to first byte / full synthesis (10 sentences, mp3)',
        ratio: ttfb / full,
        target: '<= 0.15',
        pass: ttfb / full <= 0.15,
        detail: `${ttfb.toFixed(0)} ms vs ${full.toFixed(0)} ms`,
      },
      {
        name: 'throughput, 4 concurrent clients / 1 client',
        ratio: throughput4 / throughput1,
        target: '>= 1.6',
        pass: throughput4 / throughput1 >= 1.6,
        detail: `${throughput4.toFixed(2)} vs ${throughput1.toFixed(2)} requests/s (paragraph, wav)`,
      },
      {
        name: 'mp3 encoding / synthesis',
        ratio: mp3Ms / engineMs,
        target: '<= 0.3',
        pass: mp3Ms / engineMs <= 0.3,
        detail: `${mp3Ms.toFixed(0)} ms vs ${engineMs.toFixed(0)} ms`,
      },
      {
        name: 'opus encoding / synthesis',
        ratio: opusMs / engineMs,
        target: '<= 0.3',
        pass: opusMs / engineMs <= 0.3,
        detail: `${opusMs.toFixed(0)} ms vs ${engineMs.toFixed(0)} ms`,
      },
    ];
  } finally {
    await server.stop();
    await renderer.close();
  }
}
