import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { speakerFeatures } from '../src/cloning/scorer.js';
import { startTestServer, type TestServer } from '../src/test-support/server.js';
import { decodeFile, findSpeechCorpus, listUtterances, splitReaders } from '../src/test-support/speech-corpus.js';
import { renderEspeak } from '../src/test-support/espeak-render.js';
import { floatToInt16 } from '../src/audio/pcm.js';
import { wavFile } from '../src/test-support/wav.js';
import { benchScorer } from './cloning-eer.js';
import { median, type BenchResult } from './report.js';
import { FIT_TEXTS } from '../src/cloning/espeak-fit.js';
import { installTinyKokoroVoice, tinyVoicePacks, tinyVoiceRenderer } from '../src/test-support/tiny-kokoro-voice.js';

const RATE = 16_000;
const REFERENCE_SECONDS = 10;
const FAST_RUNS = 5;
const SPEECH_RUNS = 25;
const SPEECH_TEXT = 'The quick brown fox jumps over the lazy dog.';
const TARGET_FAST_MS = 3000;
const TARGET_SPEECH_RATIO = 1.5;
const MAX_SCORER_MS_PER_S = 50;
const KOKORO_RUNS = 3;

/** A 10 s reference: a held-out LibriSpeech reader when the corpus is here, else an espeak voice far from the defaults. */
async function reference(): Promise<{ samples: Float32Array; rate: number; what: string }> {
  const dir = findSpeechCorpus();
  if (dir) {
    const { heldOut } = splitReaders(listUtterances(dir));
    for (const u of heldOut) {
      const samples = await decodeFile(u.path, RATE);
      if (samples.length >= REFERENCE_SECONDS * RATE) return { samples: samples.subarray(0, REFERENCE_SECONDS * RATE), rate: RATE, what: `LibriSpeech reader ${u.speaker} (${u.sex}), first ${REFERENCE_SECONDS} s` };
    }
  }
  const text = 'When the sunlight strikes raindrops in the air, they act as a prism and form a rainbow. The rainbow is a division of white light into many beautiful colours.';
  const samples = await renderEspeak({ engine: 'espeak', base: 'en-us', variant: 'f2', pitch: 70, range: 60, rate: 190, volume: 100 }, text);
  return { samples: samples.subarray(0, REFERENCE_SECONDS * 24_000), rate: 24_000, what: 'espeak-ng en-us+f2, pitch 70 (no speech corpus here)' };
}

function form(fields: Record<string, string>, wav: Uint8Array): FormData {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.set(k, v);
  body.set('audio_file', new Blob([wav], { type: 'audio/wav' }), 'reference.wav');
  return body;
}

async function speechMs(server: TestServer, runs: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    const res = await fetch(`${server.url}/v1/audio/speech`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // A different sentence each time: the audio cache is off, but so nothing could be reused anyway.
      body: JSON.stringify({ input: `${SPEECH_TEXT} Number ${i + 1}.`, voice: 'espeak-en-us-female', response_format: 'wav' }),
    });
    if (res.status !== 200) throw new Error(`speech answered ${res.status}: ${await res.text()}`);
    await res.arrayBuffer();
    times.push(performance.now() - started);
  }
  return times;
}

/**
 * `npm run bench -- cloning`: a fast espeak clone of a 10 s reference through the HTTP API,
 * the scorer's cost per second of audio, speech latency with and without two thorough clone
 * jobs running, and the scorer's held-out EER (the `scorer` suite's figures).
 */
export async function benchCloning(): Promise<BenchResult[]> {
  const ref = await reference();
  const wav = new Uint8Array(wavFile(floatToInt16(ref.samples), ref.rate));
  const results: BenchResult[] = [];

  // Scorer cost: features of the 10 s reference, the median of 5.
  const costs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    speakerFeatures(ref.samples, ref.rate);
    costs.push(performance.now() - started);
  }
  const msPerSecond = median(costs) / REFERENCE_SECONDS;
  results.push({ name: 'scorer cost per second of audio', ratio: msPerSecond, target: `<= ${MAX_SCORER_MS_PER_S}`, pass: msPerSecond <= MAX_SCORER_MS_PER_S, detail: `${msPerSecond.toFixed(1)} ms per s (median of 5 on ${REFERENCE_SECONDS} s at ${ref.rate} Hz)` });

  const dataDir = mkdtempSync(join(tmpdir(), 'litetts-bench-cloning-'));
  const server = await startTestServer({ dataDir, waitForWarmUp: true, args: ['--audio-cache-mb', '0', '--max-jobs', '2'] });
  try {
    const fast: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < FAST_RUNS; i++) {
      const started = performance.now();
      const res = await fetch(`${server.url}/v1/voices/create`, { method: 'POST', body: form({ voice_name: `bench_fast_${i}`, engine: 'espeak' }, wav) });
      const body = (await res.json()) as { similarity?: number };
      if (res.status !== 201) throw new Error(`create answered ${res.status}: ${JSON.stringify(body)}`);
      fast.push(performance.now() - started);
      scores.push(body.similarity ?? Number.NaN);
    }
    const fastMs = median(fast);
    results.push({
      name: `fast espeak clone of a ${REFERENCE_SECONDS} s reference (HTTP, ms)`,
      ratio: fastMs,
      target: `<= ${TARGET_FAST_MS}`,
      pass: fastMs <= TARGET_FAST_MS,
      detail: `median of ${FAST_RUNS}: ${fast.map((t) => t.toFixed(0)).join(', ')} ms; held-out similarity ${scores.map((s) => s.toFixed(3)).join(', ')}; reference: ${ref.what}`,
    });

    await speechMs(server, 5); // warm
    const idle = median(await speechMs(server, SPEECH_RUNS));
    const jobs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${server.url}/v1/voices/create`, {
        method: 'POST',
        body: form({ voice_name: `bench_thorough_${i}`, engine: 'espeak', quality: 'thorough', max_seconds: '300' }, wav),
      });
      const body = (await res.json()) as { job?: { id: string } };
      if (res.status !== 202 || !body.job) throw new Error(`thorough create answered ${res.status}: ${JSON.stringify(body)}`);
      jobs.push(body.job.id);
    }
    // Let both jobs get going before measuring.
    await new Promise((r) => setTimeout(r, 3000));
    const states = await Promise.all(jobs.map(async (id) => ((await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as { status: string }).status));
    const busy = median(await speechMs(server, SPEECH_RUNS));
    const after = await Promise.all(jobs.map(async (id) => ((await (await fetch(`${server.url}/v1/jobs/${id}`)).json()) as { status: string; progress: number })));
    for (const id of jobs) await fetch(`${server.url}/v1/jobs/${id}`, { method: 'DELETE' });
    const ratio = busy / idle;
    results.push({
      name: 'speech p50 with two thorough jobs / idle',
      ratio,
      target: `<= ${TARGET_SPEECH_RATIO}`,
      pass: ratio <= TARGET_SPEECH_RATIO && after.every((j) => j.status === 'running'),
      detail: `idle p50 ${idle.toFixed(0)} ms, with jobs ${busy.toFixed(0)} ms (${SPEECH_RUNS} one-sentence wav requests each); jobs were ${states.join('/')} at the start and ${after.map((j) => `${j.status} ${(100 * j.progress).toFixed(0)} %`).join(', ')} at the end`,
    });
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }

  results.push(await benchKokoroFast());
  results.push(...(await benchScorer()).filter((r) => r.name.startsWith('held-out EER')));
  return results;
}

/**
 * A fast Kokoro clone through the HTTP API. With `--model-dir DIR` (real weights and packs),
 * of the 10 s reference; otherwise with the voice-like tiny model installed in a temporary
 * directory, of a hidden 60/40 blend of two of its packs spoken by the same model. The server
 * builds the voice atlas after start; the clones are timed once it is ready (the log says so).
 */
async function benchKokoroFast(): Promise<BenchResult> {
  const given = process.argv.find((a) => a.startsWith('--model-dir='))?.slice('--model-dir='.length);
  const modelDir = given ?? mkdtempSync(join(tmpdir(), 'litetts-bench-kokoro-model-'));
  let wav: Uint8Array;
  let what: string;
  if (given) {
    const ref = await reference();
    wav = new Uint8Array(wavFile(floatToInt16(ref.samples), ref.rate));
    what = `real weights in ${given}; reference: ${ref.what}`;
  } else {
    const packs = tinyVoicePacks();
    installTinyKokoroVoice(modelDir, packs);
    const a = packs[0]!.tensor;
    const b = packs[2]!.tensor;
    const renderer = tinyVoiceRenderer(modelDir);
    const samples = await renderer.render(a.map((v, i) => 0.6 * v + 0.4 * b[i]!), `${FIT_TEXTS.search} ${FIT_TEXTS.heldOut}`);
    await renderer.close();
    wav = new Uint8Array(wavFile(floatToInt16(samples), 24_000));
    what = `tiny voice model (${packs.length} packs), a hidden blend of two`;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'litetts-bench-cloning-kokoro-'));
  const server = await startTestServer({ dataDir, waitForWarmUp: true, args: ['--audio-cache-mb', '0'], env: { LITETTS_MODEL_DIR: modelDir, LITETTS_MODEL_AUTO_DOWNLOAD: 'false' } });
  try {
    const started = performance.now();
    while (!server.logs.some((l) => l.event === 'clone.atlas') && performance.now() - started < 600_000) await new Promise((r) => setTimeout(r, 100));
    const atlasMs = performance.now() - started;
    const times: number[] = [];
    const scores: number[] = [];
    for (let i = 0; i < KOKORO_RUNS; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.url}/v1/voices/create`, { method: 'POST', body: form({ voice_name: `bench_kokoro_${i}`, engine: 'kokoro' }, wav) });
      const body = (await res.json()) as { similarity?: number };
      if (res.status !== 201) throw new Error(`Kokoro create answered ${res.status}: ${JSON.stringify(body)}`);
      times.push(performance.now() - t0);
      scores.push(body.similarity ?? Number.NaN);
    }
    const ms = median(times);
    return {
      name: 'fast Kokoro clone (HTTP, ms)',
      ratio: ms,
      target: `<= ${TARGET_FAST_MS}`,
      pass: ms <= TARGET_FAST_MS,
      detail: `median of ${KOKORO_RUNS}: ${times.map((t) => t.toFixed(0)).join(', ')} ms; held-out similarity ${scores.map((s) => s.toFixed(3)).join(', ')}; atlas ready ${(atlasMs / 1000).toFixed(1)} s after warm-up; ${what}`,
    };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (!given) rmSync(modelDir, { recursive: true, force: true });
  }
}
