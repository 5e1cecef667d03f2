import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeToPcm } from '../ffmpeg.js';
import type { AudioFormat } from '../formats.js';
import { createEncoder, type AudioEncoder } from './index.js';
import { EncoderThreads } from './threads.js';

const RATE = 24000;

function tone(length: number, seed: number): Int16Array {
  return Int16Array.from({ length }, (_, i) => Math.round(7000 * Math.sin((2 * Math.PI * (200 + 37 * seed) * i) / RATE) * (0.6 + 0.4 * Math.sin(i / 900))));
}

async function encodeAll(encoder: AudioEncoder, pcm: Int16Array, slice = 4800): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < pcm.length; at += slice) {
    chunks.push(await encoder.write(pcm.subarray(at, at + slice)));
    await sleep(0); // let other streams' calls interleave with this one's
  }
  chunks.push(await encoder.end());
  encoder.close();
  return Buffer.concat(chunks);
}

describe('encoder threads', () => {
  let threads: EncoderThreads;
  before(() => {
    threads = new EncoderThreads(2);
  });
  after(() => threads.close());

  it('give the same bytes as encoders on the calling thread (and shut down cleanly after every format)', async () => {
    const input = tone(RATE * 3, 1);
    for (const format of ['mp3', 'flac', 'pcm', 'wav'] as const satisfies readonly AudioFormat[]) {
      const local = await encodeAll(await createEncoder(format, { sampleRate: RATE }), input);
      const remote = await encodeAll(await threads.create(format, { sampleRate: RATE }), input);
      assert.ok(local.length > 0, `${format}: some output`);
      assert.ok(remote.equals(local), `${format}: ${remote.length} bytes from the thread vs ${local.length} in-process`);
    }
    const opus = await encodeAll(await threads.create('opus', { sampleRate: RATE }), input);
    const decoded = await decodeToPcm(opus, { outputSampleRate: RATE });
    assert.equal(decoded.pcm.length, input.length, 'opus from a thread decodes to the input length');
  });

  it('keep each stream on one thread: interleaved streams come out as if encoded alone', async () => {
    const inputs = Array.from({ length: 6 }, (_, i) => tone(RATE * 2 + 777 * i, i));
    const alone = await Promise.all(inputs.map(async (pcm) => encodeAll(await createEncoder('mp3', { sampleRate: RATE }), pcm)));
    const together = await Promise.all(inputs.map(async (pcm) => encodeAll(await threads.create('mp3', { sampleRate: RATE }), pcm, 1000)));
    together.forEach((bytes, i) => assert.ok(bytes.equals(alone[i]!), `stream ${i}: ${bytes.length} vs ${alone[i]!.length} bytes`));
  });

  it('leave the event loop free while they encode', async () => {
    const long = tone(RATE * 30, 2);
    const ticksDuring = async (encoder: AudioEncoder): Promise<number> => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 2);
      try {
        await encoder.write(long);
        return ticks;
      } finally {
        clearInterval(timer);
        encoder.close();
      }
    };
    const onThread = await ticksDuring(await threads.create('mp3', { sampleRate: RATE }));
    const inProcess = await ticksDuring(await createEncoder('mp3', { sampleRate: RATE }));
    assert.equal(inProcess, 0, 'on the calling thread, 30 s of MP3 blocks the loop for the whole write');
    assert.ok(onThread >= 3, `timer fired ${onThread} times while a thread encoded 30 s of MP3`);
  });

  it('refuse writes after end, and fail (not hang) calls still out when closed', async () => {
    const ended = await threads.create('mp3', { sampleRate: RATE });
    await ended.write(tone(2000, 3));
    await ended.end();
    await assert.rejects(ended.write(tone(10, 3)), /ended/, 'write after end');

    const own = new EncoderThreads(1);
    const open = await own.create('mp3', { sampleRate: RATE });
    const failed = assert.rejects(open.write(tone(RATE * 20, 4)), /closed|exited/, 'a call out when the threads close is rejected');
    await own.close();
    await failed;
    await assert.rejects(own.create('mp3', { sampleRate: RATE }), /closed/, 'no new streams after close');
  });
});
