import http from 'node:http';
import { createEncoder } from '../src/audio/encoders/index.js';
import { OUTPUT_SAMPLE_RATE } from '../src/audio/pcm.js';
import { ESPEAK_BUILTIN_VOICES, espeakInfo } from '../src/engines/espeak/index.js';
import { EspeakEngine } from '../src/engines/espeak/engine.js';
import { InProcessRenderer } from '../src/engines/renderer.js';
import { startTestServer } from '../src/test-support/server.js';
import { eventLoopLag } from './load-client.js';
import { PARAGRAPH, TEN_SENTENCES } from './paragraph.js';
import { median, type BenchResult } from './report.js';

const VOICE = ESPEAK_BUILTIN_VOICES.find((v) => v.name === 'espeak-en-us-female')!;
const ROUNDS = 9;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

/** One speech request over plain node:http (lighter than fetch, so the client disturbs the server less). */
function speak(url: string, input: string, format: string): Promise<{ total: number; firstByte: number }> {
  const start = performance.now();
  const body = JSON.stringify({ input, voice: VOICE.name, response_format: format });
  return new Promise((resolve, reject) => {
    const request = http.request(`${url}/v1/audio/speech`, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      let firstByte = 0;
      response.on('data', () => {
        if (firstByte === 0) firstByte = performance.now() - start;
      });
      response.on('end', () => {
        if (response.statusCode !== 200) reject(new Error(`speech request failed: ${response.statusCode}`));
        else resolve({ total: performance.now() - start, firstByte });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

/**
 * The speech ratios. Each round measures every quantity once, one after the
 * other, and the ratios are of medians over the rounds, so a slow patch of the
 * machine affects numerator and denominator alike.
 */
export async function benchSpeech(): Promise<BenchResult[]> {
  const engine = await EspeakEngine.load();
  const renderer = new InProcessRenderer([espeakInfo]);
  const pcm = await renderer.render({ text: PARAGRAPH, voice: VOICE.data, speed: 1 });
  const audioSeconds = pcm.length / OUTPUT_SAMPLE_RATE;
  // No audio cache: every request here must really be synthesised.
  const server = await startTestServer({ waitForWarmUp: true, args: ['--audio-cache-mb', '0'] });

  // The engine alone: espeak-ng synthesising the whole paragraph in-process at its native rate.
  const engineAlone = () =>
    timed(async () => {
      for await (const _ of engine.synthesize({ text: PARAGRAPH, voice: VOICE.data, speed: 1 }));
    });
  // Encoding the paragraph's 24 kHz PCM in sentence-sized writes, as the server does.
  const encode = (format: 'mp3' | 'opus') =>
    timed(async () => {
      const encoder = await createEncoder(format, { sampleRate: OUTPUT_SAMPLE_RATE });
      for (let i = 0; i < pcm.length; i += OUTPUT_SAMPLE_RATE * 4) await encoder.write(pcm.subarray(i, i + OUTPUT_SAMPLE_RATE * 4));
      await encoder.end();
      encoder.close();
    });
  const perClient = 4;
  const clients = (n: number, format = 'wav', each = perClient) =>
    timed(() =>
      Promise.all(
        Array.from({ length: n }, async () => {
          for (let i = 0; i < each; i++) await speak(server.url, PARAGRAPH, format);
        }),
      ),
    );

  const samples = { engine: [] as number[], server: [] as number[], mp3: [] as number[], opus: [] as number[], first: [] as number[], full: [] as number[] };
  const throughput = { one: [] as number[], four: [] as number[], pcm: [] as number[], mp3: [] as number[] };
  const lag = { p99: [] as number[], max: [] as number[] };
  try {
    for (let round = -1; round < ROUNDS; round++) {
      const results = {
        engine: await engineAlone(),
        server: (await speak(server.url, PARAGRAPH, 'wav')).total,
        mp3: await encode('mp3'),
        opus: await encode('opus'),
      };
      const ten = await speak(server.url, TEN_SENTENCES, 'mp3');
      if (round < 0) continue; // warm-up round
      for (const key of ['engine', 'server', 'mp3', 'opus'] as const) samples[key].push(results[key]);
      samples.first.push(ten.firstByte);
      samples.full.push(ten.total);
      if (round < 3) {
        throughput.one.push(perClient / ((await clients(1)) / 1000));
        throughput.four.push((4 * perClient) / ((await clients(4)) / 1000));
      }
      if (round < 5) {
        // Same paragraph, so requests/s compare like audio seconds per second. The metrics
        // scrape before the mp3 clients resets prom-client's event-loop histogram.
        throughput.pcm.push(8 / ((await clients(4, 'pcm', 2)) / 1000));
        await eventLoopLag(server.url);
        throughput.mp3.push(8 / ((await clients(4, 'mp3', 2)) / 1000));
        const during = await eventLoopLag(server.url);
        lag.p99.push(during?.p99 ?? NaN);
        lag.max.push(during?.max ?? NaN);
      }
    }
  } finally {
    agent.destroy();
    await server.stop();
    await renderer.close();
  }

  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])) as Record<keyof typeof samples, number>;
  const tPcm = median(throughput.pcm);
  const tMp3 = median(throughput.mp3);
  const lagP99 = median(lag.p99);
  const t1 = median(throughput.one);
  const t4 = median(throughput.four);
  const result = (name: string, ratio: number, target: string, pass: boolean, detail: string): BenchResult => ({ name, ratio, target, pass, detail });
  return [
    result('server end-to-end (wav) / engine alone', m.server / m.engine, '<= 1.2', m.server / m.engine <= 1.2,
      `${m.server.toFixed(0)} ms vs ${m.engine.toFixed(0)} ms for ${audioSeconds.toFixed(1)} s of audio`),
    result('time to first byte / full synthesis (10 sentences, mp3)', m.first / m.full, '<= 0.15', m.first / m.full <= 0.15,
      `${m.first.toFixed(0)} ms vs ${m.full.toFixed(0)} ms`),
    result('throughput, 4 concurrent clients / 1 client', t4 / t1, '>= 1.6', t4 / t1 >= 1.6,
      `${t4.toFixed(2)} vs ${t1.toFixed(2)} requests/s (paragraph, wav)`),
    result('throughput, 4 mp3 clients / 4 pcm clients', tMp3 / tPcm, '>= 0.85', tMp3 / tPcm >= 0.85,
      `${tMp3.toFixed(2)} vs ${tPcm.toFixed(2)} requests/s (paragraph)`),
    result('event-loop delay p99 during 4 mp3 clients (ms)', lagP99, '<= 50', lagP99 <= 50,
      `max ${Math.max(...lag.max).toFixed(0)} ms over the rounds (prom-client's monitorEventLoopDelay)`),
    result('mp3 encoding / synthesis', m.mp3 / m.engine, '<= 0.3', m.mp3 / m.engine <= 0.3, `${m.mp3.toFixed(0)} ms vs ${m.engine.toFixed(0)} ms`),
    result('opus encoding / synthesis', m.opus / m.engine, '<= 0.3', m.opus / m.engine <= 0.3, `${m.opus.toFixed(0)} ms vs ${m.engine.toFixed(0)} ms`),
  ];
}
