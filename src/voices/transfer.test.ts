import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { VoiceData } from '../engines/engine.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { readNpz } from './formats/index.js';
import { type ExportSource, exportVoices } from './transfer.js';

// A collection on demand, so that what the test measures is what the export keeps alive.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Bytes of one exported voice: a local header with a short name, the .npy header and data. */
const VOICE_BYTES = 30 + 'v0000.npy'.length + 128 + 510 * 256 * 4;

function fakeLibrary(count: number, onRead: (index: number) => void = () => {}): ExportSource {
  const tensors = [sampleTensor(1), sampleTensor(2), sampleTensor(3)];
  return {
    async *voicesWithData() {
      for (let i = 0; i < count; i++) {
        onRead(i);
        const data: VoiceData = { engine: 'kokoro', tensor: tensors[i % tensors.length]! };
        yield { voice: { name: `v${String(i).padStart(4, '0')}` }, data };
      }
    },
  };
}

test('the export is an .npz of every voice, in library order', async () => {
  const chunks: Buffer[] = [];
  const file = exportVoices(fakeLibrary(3), 'custom');
  assert.equal(file.fileName, 'voices.npz');
  for await (const chunk of file.stream) chunks.push(chunk as Buffer);
  const voices = readNpz(new Uint8Array(Buffer.concat(chunks)));
  assert.deepEqual([...voices.keys()], ['v0000', 'v0001', 'v0002'], 'names in order');
  assert.deepEqual(voices.get('v0001'), sampleTensor(2), 'data intact');
  assert.equal(exportVoices(fakeLibrary(0), 'all').fileName, 'voices-all.npz');
});

test('the export streams: the next voice is read only once the reader took the last, and memory stays flat at 2,000 voices', async (t) => {
  const count = 2000;
  let consumed = 0;
  let furthestAhead = 0;
  const live: number[] = [];
  gc();
  gc();
  const baseline = process.memoryUsage();
  const library = fakeLibrary(count, (index) => {
    // How many voices the reader has not yet received when voice `index` is read.
    furthestAhead = Math.max(furthestAhead, index - Math.floor(consumed / VOICE_BYTES));
    if (index % 250 === 0) {
      // Twice: array buffers freed by one collection are swept by the next.
      gc();
      gc();
      const now = process.memoryUsage();
      live.push(now.heapUsed - baseline.heapUsed + (now.arrayBuffers - baseline.arrayBuffers));
    }
  });
  let last: Uint8Array = new Uint8Array(0);
  // A reader as slow as a socket: it takes a chunk, then asks for the next on a later turn.
  const reader = new Writable({
    highWaterMark: 16 * 1024,
    write(chunk: Buffer, _encoding, done) {
      consumed += chunk.length;
      last = chunk;
      setImmediate(done);
    },
  });
  await pipeline(exportVoices(library, 'custom').stream, reader);

  assert.ok(consumed > count * VOICE_BYTES, `${consumed} bytes streamed`);
  const end = new DataView(last.buffer, last.byteOffset + last.length - 22, 22);
  assert.equal(end.getUint32(0, true), 0x06054b50, 'the stream ends with the end-of-central-directory record');
  assert.equal(end.getUint16(10, true), count, 'listing every voice');
  assert.ok(furthestAhead <= 2, `the export read at most 2 voices ahead of the reader (read ${furthestAhead} ahead)`);
  const peak = Math.max(...live);
  t.diagnostic(`live memory growth: ${live.map((b) => (b / 1024 / 1024).toFixed(1)).join(', ')} MiB; read ahead: ${furthestAhead}`);
  // Buffering the archive would hold count × 522 KB = 1 GB.
  assert.ok(peak < 32 * 1024 * 1024, `live memory grew by ${(peak / 1024 / 1024).toFixed(1)} MiB while streaming ${count} voices`);
});

test('a reader that goes away stops the export: no more voices are read', async () => {
  let read = 0;
  const stream = exportVoices(fakeLibrary(1000, () => read++), 'custom').stream;
  let received = 0;
  for await (const chunk of stream) {
    received += (chunk as Buffer).length;
    if (received > 3 * VOICE_BYTES) break; // ends the iteration: destroys the stream
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(read <= 6, `${read} of 1000 voices read after the reader left`);
});
