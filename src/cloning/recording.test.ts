import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RecordingFormatError, decodeRecording, encodeRecording } from './recording.js';

test('a recording round-trips exactly, from any byte offset, and is cut to maxSeconds', () => {
  const samples = Int16Array.from({ length: 16_000 * 3 }, (_, i) => ((i * 7919) % 65536) - 32768);
  const bytes = encodeRecording({ samples, sampleRate: 16_000 });
  assert.equal(bytes.byteLength, 8 + samples.length * 2, 'header and samples');
  assert.deepEqual(Buffer.from(bytes.subarray(8, 12)), Buffer.from(new Uint8Array([0x00, 0x80, 0xef, 0x9e])), 'little-endian s16: -32768, then 7919 - 32768');
  const back = decodeRecording(bytes);
  assert.equal(back.sampleRate, 16_000);
  assert.deepEqual(back.samples, samples, 'the same samples');
  // A view at an odd offset (as a database driver may hand out) decodes the same.
  const shifted = new Uint8Array(bytes.byteLength + 1);
  shifted.set(bytes, 1);
  assert.deepEqual(decodeRecording(shifted.subarray(1)).samples, samples, 'from an odd offset');
  const cut = decodeRecording(encodeRecording({ samples, sampleRate: 16_000 }, 1.5));
  assert.equal(cut.samples.length, 24_000, 'the first 1.5 s');
  assert.deepEqual(cut.samples, samples.subarray(0, 24_000), 'are the first samples');
  assert.equal(decodeRecording(encodeRecording({ samples: new Int16Array(0), sampleRate: 8000 })).samples.length, 0, 'an empty recording');
});

test('bytes that are not a recording are a RecordingFormatError, never a crash or a bogus rate', () => {
  const good = encodeRecording({ samples: new Int16Array([1, 2, 3]), sampleRate: 24_000 });
  const withRate = (rate: number) => {
    const b = good.slice();
    new DataView(b.buffer).setUint32(4, rate, true);
    return b;
  };
  const cases: [string, Uint8Array][] = [
    ['empty', new Uint8Array(0)],
    ['short', good.subarray(0, 7)],
    ['another tag', Uint8Array.from([...Buffer.from('RIFF'), ...good.subarray(4)])],
    ['half a sample', good.subarray(0, good.length - 1)],
    ['rate 0', withRate(0)],
    ['rate 1 Hz', withRate(1)],
    ['rate 2^32 - 1', withRate(0xffffffff)],
  ];
  for (const [what, bytes] of cases) assert.throws(() => decodeRecording(bytes), RecordingFormatError, what);
  assert.throws(() => encodeRecording({ samples: new Int16Array(1), sampleRate: 44_100.5 }), RecordingFormatError, 'a fractional rate is not stored');
});
