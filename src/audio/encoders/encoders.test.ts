import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodeToPcm, type DecodedAudio } from '../ffmpeg.js';
import { AUDIO_FORMATS, CONTENT_TYPES, type AudioFormat } from '../formats.js';
import { AacEncoder } from './aac.js';
import { MP3_QUALITY, Mp3Encoder } from './mp3.js';
import { createEncoder, type AudioEncoder } from './index.js';

const RATE = 24000;
const LENGTH = 60000; // 2.5 s
const CHUNKS = [1000, 7, 4800]; // then the rest: uneven on purpose

/** A few tones under a syllable-like envelope, different per `seed` so concurrent streams can be told apart. */
function testSignal(length = LENGTH, seed = 0): Int16Array {
  const out = new Int16Array(length);
  const tones = [220 + 10 * seed, 440, 1230 + 25 * seed, 3100];
  for (let i = 0; i < length; i++) {
    const t = i / RATE;
    const envelope = Math.min(1, t * 20, (length - i) / (RATE * 0.05)) * (0.55 + 0.45 * Math.sin(2 * Math.PI * 3.7 * t));
    let s = 0;
    for (let k = 0; k < tones.length; k++) s += Math.sin(2 * Math.PI * tones[k]! * t + k) / (k + 1);
    out[i] = Math.round(9000 * envelope * s);
  }
  return out;
}

function splitUneven(pcm: Int16Array): Int16Array[] {
  const parts: Int16Array[] = [];
  let offset = 0;
  for (const size of CHUNKS) {
    parts.push(pcm.subarray(offset, offset + size));
    offset += size;
  }
  parts.push(pcm.subarray(offset));
  return parts;
}

interface Encoded {
  bytes: Uint8Array;
  /** What each write() and the final end() returned. */
  chunks: Uint8Array[];
}

async function encode(encoder: AudioEncoder, pcm: Int16Array): Promise<Encoded> {
  const chunks: Uint8Array[] = [];
  for (const part of splitUneven(pcm)) chunks.push(await encoder.write(part));
  chunks.push(await encoder.end());
  return { bytes: Buffer.concat(chunks), chunks };
}

async function encodeFormat(format: AudioFormat, pcm = testSignal()): Promise<Encoded> {
  const encoder = await createEncoder(format, { sampleRate: RATE });
  assert.equal(encoder.format, format);
  assert.equal(encoder.contentType, CONTENT_TYPES[format]);
  return encode(encoder, pcm);
}

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (const s of pcm) sum += s * s;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

/** Normalised correlation of `input` with `decoded` shifted by `lag`, reading `decoded` every `step` samples. */
function correlation(input: Int16Array, decoded: Int16Array, lag: number, step = 1): number {
  let xy = 0;
  let xx = 0;
  let yy = 0;
  for (let i = 0; i < input.length; i++) {
    const j = (i + lag) * step;
    if (j >= decoded.length) break;
    const x = input[i]!;
    const y = decoded[j]!;
    xy += x * y;
    xx += x * x;
    yy += y * y;
  }
  return xy / Math.sqrt(xx * yy || 1);
}

function bestLag(input: Int16Array, decoded: Int16Array, minLag: number, maxLag: number): { lag: number; r: number } {
  let best = { lag: 0, r: -Infinity };
  for (let lag = Math.max(0, minLag); lag <= maxLag; lag++) {
    const r = correlation(input, decoded, lag);
    if (r > best.r) best = { lag, r };
  }
  return best;
}

function assertAudible(input: Int16Array, decoded: DecodedAudio): void {
  const ratio = rms(decoded.pcm) / rms(input);
  assert.ok(ratio > 0.7 && ratio < 1.3, `decoded RMS is ${ratio.toFixed(3)} × the input's`);
}

function assertSamplesEqual(actual: Int16Array, expected: Int16Array): void {
  assert.equal(actual.length, expected.length, 'sample count');
  const firstDiff = actual.findIndex((s, i) => s !== expected[i]);
  assert.equal(firstDiff, -1, `samples differ from index ${firstDiff}`);
}

const ascii = (bytes: Uint8Array, from: number, to: number): string => Buffer.from(bytes.subarray(from, to)).toString('latin1');

// ---- Ogg page parsing, independent of the writer under test ----

function crc32Ogg(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 24;
    for (let b = 0; b < 8; b++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1;
    crc >>>= 0;
  }
  return crc;
}

interface OggPage {
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  packets: Uint8Array[];
  /** The last packet goes on in the next page. */
  continues: boolean;
}

function parseOgg(bytes: Uint8Array): OggPage[] {
  const pages: OggPage[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    assert.equal(ascii(bytes, at, at + 4), 'OggS', `capture pattern at byte ${at}`);
    assert.equal(bytes[at + 4], 0, 'stream structure version');
    const segments = bytes[at + 26]!;
    const lacing = bytes.subarray(at + 27, at + 27 + segments);
    const bodySize = lacing.reduce((a, b) => a + b, 0);
    const end = at + 27 + segments + bodySize;
    assert.ok(end <= bytes.length, 'page runs past the end of the stream');
    const page = Uint8Array.from(bytes.subarray(at, end));
    const stored = view.getUint32(at + 22, true);
    page.fill(0, 22, 26);
    assert.equal(crc32Ogg(page), stored, `CRC of page at byte ${at}`);
    const packets: Uint8Array[] = [];
    let body = at + 27 + segments;
    let packetStart = body;
    for (const value of lacing) {
      body += value;
      if (value < 255) {
        packets.push(bytes.subarray(packetStart, body));
        packetStart = body;
      }
    }
    pages.push({
      flags: bytes[at + 5]!,
      granule: view.getBigUint64(at + 6, true),
      serial: view.getUint32(at + 14, true),
      sequence: view.getUint32(at + 18, true),
      packets,
      continues: segments > 0 && lacing[segments - 1] === 255,
    });
    at = end;
  }
  return pages;
}

// ---- MPEG audio and ADTS frame walking ----

/** Walks MPEG audio frames from byte 0 and returns how many there are; fails on anything that is not a frame. */
function countMp3Frames(bytes: Uint8Array): { frames: number; sampleRate: number; xingFrames: number } {
  const bitrates: Record<string, number[]> = {
    v1: [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
    v2: [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  };
  const rates: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };
  let at = 0;
  let frames = 0;
  let xingFrames = 0;
  let sampleRate = 0;
  while (at < bytes.length) {
    assert.ok(at + 4 <= bytes.length, 'truncated frame header');
    const h = (bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!;
    assert.equal(h >>> 21, 0x7ff, `frame sync at byte ${at}`);
    const version = (h >>> 19) & 3;
    assert.equal((h >>> 17) & 3, 1, 'layer III');
    const kbps = bitrates[version === 3 ? 'v1' : 'v2']![(h >>> 12) & 15]!;
    const rate = rates[version]![(h >>> 10) & 3]!;
    const padding = (h >>> 9) & 1;
    sampleRate = rate;
    // The tag sits right after the side info: 17 bytes for MPEG-1 mono, 9 for MPEG-2 mono.
    const tag = ascii(bytes, at + 4 + (version === 3 ? 17 : 9), at + 8 + (version === 3 ? 17 : 9));
    if (tag === 'Xing' || tag === 'Info') xingFrames++;
    at += Math.floor(((version === 3 ? 144 : 72) * kbps * 1000) / rate) + padding;
    frames++;
  }
  assert.equal(at, bytes.length, 'last frame runs past the end');
  return { frames, sampleRate, xingFrames };
}

function countAdtsFrames(bytes: Uint8Array): number {
  let at = 0;
  let frames = 0;
  while (at < bytes.length) {
    assert.equal((bytes[at]! << 4) | (bytes[at + 1]! >> 4), 0xfff, `ADTS sync at byte ${at}`);
    const length = ((bytes[at + 3]! & 3) << 11) | (bytes[at + 4]! << 3) | (bytes[at + 5]! >> 5);
    assert.ok(length > 7, 'ADTS frame length');
    at += length;
    frames++;
  }
  assert.equal(at, bytes.length, 'last ADTS frame runs past the end');
  return frames;
}

// ---- the formats ----

describe('wav encoder', () => {
  it('streams a 44-byte header with unknown sizes, then the exact samples', async () => {
    const input = testSignal();
    const { bytes, chunks } = await encodeFormat('wav', input);
    assert.equal(bytes.length, 44 + 2 * LENGTH);
    assert.equal(chunks[0]!.length, 44 + 2 * CHUNKS[0]!, 'header goes out with the first chunk');
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    assert.equal(ascii(bytes, 0, 4), 'RIFF');
    assert.equal(view.getUint32(4, true), 0xffffffff);
    assert.equal(ascii(bytes, 8, 16), 'WAVEfmt ');
    assert.deepEqual(
      [view.getUint32(16, true), view.getUint16(20, true), view.getUint16(22, true), view.getUint32(24, true)],
      [16, 1, 1, RATE],
    );
    assert.deepEqual([view.getUint32(28, true), view.getUint16(32, true), view.getUint16(34, true)], [RATE * 2, 2, 16]);
    assert.equal(ascii(bytes, 36, 40), 'data');
    assert.equal(view.getUint32(40, true), 0xffffffff);

    const decoded = await decodeToPcm(bytes);
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['pcm_s16le', RATE, 1]);
    assertSamplesEqual(decoded.pcm, input);
  });
});

describe('pcm encoder', () => {
  it('returns raw s16le and nothing else', async () => {
    const input = testSignal();
    const { bytes, chunks } = await encodeFormat('pcm', input);
    assert.equal(bytes.length, 2 * LENGTH);
    assert.equal(chunks[chunks.length - 1]!.length, 0);
    const decoded = await decodeToPcm(bytes, { format: 's16le', sampleRate: RATE, channels: 1 });
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['pcm_s16le', RATE, 1]);
    assertSamplesEqual(decoded.pcm, input);
  });
});

describe('flac encoder', () => {
  it('streams a FLAC file that decodes to the exact samples', async () => {
    const input = testSignal();
    const { bytes, chunks } = await encodeFormat('flac', input);
    assert.equal(ascii(chunks[0]!, 0, 4), 'fLaC', 'the first write already carries the stream header');
    assert.ok(chunks[3]!.length > 0, 'frames go out while streaming, not only at the end');
    const decoded = await decodeToPcm(bytes);
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['flac', RATE, 1]);
    assertSamplesEqual(decoded.pcm, input);
    assert.ok(bytes.length < 2 * LENGTH * 0.8, `compressed to ${bytes.length} bytes`);
  });
});

describe('mp3 encoder', () => {
  it('produces one continuous stream of MPEG frames with the right duration', async () => {
    const input = testSignal();
    const { bytes, chunks } = await encodeFormat('mp3', input);
    assert.ok(chunks[2]!.length > 0, 'frames go out while streaming');
    // The frame walk fails on an ID3 tag anywhere, and a Xing/Info tag would be a frame of its own.
    const { frames, sampleRate, xingFrames } = countMp3Frames(bytes);
    assert.equal(xingFrames, 0, 'Xing/Info frames');
    assert.equal(sampleRate, RATE);

    const decoded = await decodeToPcm(bytes);
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['mp3', RATE, 1]);
    assert.equal(decoded.pcm.length, frames * 576, 'every frame decodes (576 samples per MPEG-2 frame)');
    // LAME's delay (576 + 529 decoder samples) and padding to whole frames, and nothing more.
    const extra = decoded.pcm.length - LENGTH;
    assert.ok(extra >= 1105 && extra < 1105 + 2 * 576, `decoded ${extra} samples more than the input`);
    assertAudible(input, decoded);
    const { lag, r } = bestLag(input, decoded.pcm, 0, 1600);
    assert.ok(r > 0.95, `correlation ${r.toFixed(3)} at lag ${lag}`);
    assert.ok(Math.abs(lag - 1105) <= 2, `signal starts at sample ${lag}`);
  });

  it('encodes in LAME’s fast mode: well under the CPU of its default quality, for the same frames', async () => {
    const input = testSignal(RATE * 20);
    const cost = async (quality: number): Promise<{ ms: number; bytes: number }> => {
      let best = Infinity;
      let bytes = 0;
      for (let round = 0; round < 3; round++) {
        const encoder = await Mp3Encoder.create(RATE, 64_000, quality);
        const start = process.cpuUsage();
        const out = await encode(encoder, input);
        const used = process.cpuUsage(start);
        best = Math.min(best, (used.user + used.system) / 1000);
        bytes = out.bytes.length;
      }
      return { ms: best, bytes };
    };
    const fast = await cost(MP3_QUALITY);
    const standard = await cost(3);
    assert.equal(fast.bytes, standard.bytes, 'constant bitrate: same size either way');
    // About 2.2× here; CPU time (not wall time) so that a busy machine moves both alike.
    assert.ok(standard.ms / fast.ms > 1.5, `quality ${MP3_QUALITY}: ${fast.ms.toFixed(0)} ms of CPU vs ${standard.ms.toFixed(0)} ms at quality 3`);
  });
});

describe('aac encoder', () => {
  it('produces ADTS frames that decode with the right duration', async () => {
    const input = testSignal();
    const { bytes } = await encodeFormat('aac', input);
    const frames = countAdtsFrames(bytes);
    const decoded = await decodeToPcm(bytes);
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['aac', RATE, 1]);
    assert.equal(decoded.pcm.length, frames * 1024);
    // ADTS cannot signal the encoder's 1024-sample priming, so it stays in front.
    const extra = decoded.pcm.length - LENGTH;
    assert.ok(extra >= 1024 && extra < 3 * 1024, `decoded ${extra} samples more than the input`);
    assertAudible(input, decoded);
    const { lag, r } = bestLag(input, decoded.pcm, 500, 1600);
    assert.ok(r > 0.95, `correlation ${r.toFixed(3)} at lag ${lag}`);
    assert.equal(lag, 1024, 'priming delay');
  });

  it('hands out frames while the stream is still open', async () => {
    const encoder = await createEncoder('aac', { sampleRate: RATE });
    try {
      let bytes = (await encoder.write(testSignal(RATE))).length;
      // No more input: ffmpeg must not hold the first second back (e.g. to probe the input).
      for (let i = 0; i < 100 && bytes === 0; i++) {
        await sleep(20);
        bytes += (await encoder.write(new Int16Array(0))).length;
      }
      assert.ok(bytes > 0, 'no AAC frames before end()');
    } finally {
      encoder.close();
    }
  });

  it('close() mid-stream kills ffmpeg without unhandled errors', async () => {
    const problems: unknown[] = [];
    const record = (e: unknown): void => void problems.push(e);
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
    let pid: number | undefined;
    try {
      const encoder = await createEncoder('aac', { sampleRate: RATE });
      assert.ok(encoder instanceof AacEncoder);
      await encoder.write(testSignal(12000));
      const running = encoder.pid;
      assert.ok(running, 'ffmpeg has a pid');
      pid = running;
      assert.doesNotThrow(() => process.kill(running, 0), 'ffmpeg runs before close()');
      encoder.close();
      encoder.close(); // idempotent
      let alive = true;
      for (let i = 0; i < 100 && alive; i++) {
        await sleep(20);
        try {
          process.kill(running, 0);
        } catch {
          alive = false;
        }
      }
      assert.equal(alive, false, 'ffmpeg is gone after close()');
      await assert.rejects(encoder.write(testSignal(100)), /ended/);
      await sleep(50);
      assert.deepEqual(problems, []);
    } finally {
      // If close() failed to, do not leave ffmpeg holding the test process open.
      if (pid) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone, as it should be
        }
      }
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    }
  });
});

describe('opus encoder', () => {
  const OPUS_LOOKAHEAD_48K = 312; // libopus' 6.5 ms lookahead at 24 kHz input, in 48 kHz samples

  it('writes valid Ogg pages: headers, CRCs, sequence, BOS/EOS and granule positions', async () => {
    const input = testSignal();
    const { bytes, chunks } = await encodeFormat('opus', input);
    const pages = parseOgg(bytes);
    assert.ok(pages.length >= 4);
    pages.forEach((page, i) => {
      assert.equal(page.sequence, i, 'page sequence numbers count up from 0');
      assert.equal(page.serial, pages[0]!.serial, 'one logical stream');
      assert.equal(page.flags & 0x01, 0, 'no continued packets');
      assert.equal(page.continues, false, 'pages end on packet boundaries');
      assert.equal(page.flags & 0x02, i === 0 ? 0x02 : 0, 'BOS on the first page only');
      assert.equal(page.flags & 0x04, i === pages.length - 1 ? 0x04 : 0, 'EOS on the last page only');
      if (i > 0) assert.ok(page.granule >= pages[i - 1]!.granule, 'granule positions never go back');
      assert.ok(page.packets.length > 0, 'no empty pages');
    });

    const [head, tags] = pages;
    assert.equal(head!.packets.length, 1);
    const h = head!.packets[0]!;
    const hv = new DataView(h.buffer, h.byteOffset, h.byteLength);
    assert.equal(h.length, 19);
    assert.equal(ascii(h, 0, 8), 'OpusHead');
    assert.deepEqual([h[8], h[9], hv.getUint16(10, true), hv.getUint32(12, true), hv.getInt16(16, true), h[18]], [1, 1, OPUS_LOOKAHEAD_48K, RATE, 0, 0]);
    assert.equal(head!.granule, 0n);
    assert.equal(tags!.packets.length, 1);
    const t = tags!.packets[0]!;
    const tv = new DataView(t.buffer, t.byteOffset, t.byteLength);
    assert.equal(ascii(t, 0, 8), 'OpusTags');
    assert.equal(tv.getUint32(8, true), 7);
    assert.equal(ascii(t, 12, 19), 'LiteTTS');
    assert.equal(tv.getUint32(19, true), 0);
    assert.equal(t.length, 23);
    assert.equal(tags!.granule, 0n);

    const audio = pages.slice(2);
    const packets = audio.reduce((n, p) => n + p.packets.length, 0);
    assert.equal(packets, Math.ceil((LENGTH + OPUS_LOOKAHEAD_48K / 2) / 480), '20 ms packets, padded to cover the lookahead');
    for (const page of audio.slice(0, -1)) {
      const before = pages.slice(0, pages.indexOf(page) + 1).slice(2).reduce((n, p) => n + p.packets.length, 0);
      assert.equal(page.granule, BigInt(before * 960), 'granule = 48 kHz samples up to the last packet of the page');
    }
    assert.equal(audio[audio.length - 1]!.granule, BigInt(OPUS_LOOKAHEAD_48K + 2 * LENGTH), 'final granule trims the padding');

    // Streaming: every write that completes a packet returns pages at once; the 7-sample one completes none.
    assert.equal(ascii(chunks[0]!, 0, 4), 'OggS');
    assert.equal(parseOgg(chunks[0]!).length, 3, 'headers and the first two packets come with the first write');
    assert.equal(chunks[1]!.length, 0);
    assert.ok(chunks[2]!.length > 0 && chunks[3]!.length > 0);
  });

  it('decodes to the input length and waveform (48 kHz, as Opus decoders output)', async () => {
    const input = testSignal();
    const { bytes } = await encodeFormat('opus', input);
    const decoded = await decodeToPcm(bytes);
    assert.deepEqual([decoded.codec, decoded.sampleRate, decoded.channels], ['opus', 48000, 1]);
    assert.equal(decoded.pcm.length, 2 * LENGTH, 'pre-skip and end trimming give back exactly the input duration');
    assertAudible(input, decoded);
    assert.ok(correlation(input, decoded.pcm, 0, 2) > 0.8, 'decoded waveform follows the input');
    const at24k = await decodeToPcm(bytes, { outputSampleRate: RATE });
    assert.equal(at24k.sampleRate, RATE);
    assert.ok(Math.abs(at24k.pcm.length - LENGTH) <= 2, `${at24k.pcm.length} samples at 24 kHz`);
  });

  it('uses the lookahead as pre-skip, so clicks come out exactly where they went in', async () => {
    // Tones make correlation peaks ambiguous by whole periods; isolated clicks do not.
    const clicks = [1000, 3001, 5002, 7003, 9004, 11005, 13006, 15007, 17008, 19009];
    const input = new Int16Array(RATE);
    for (const at of clicks) input[at] = 20000;
    const { bytes } = await encodeFormat('opus', input);
    const decoded = await decodeToPcm(bytes);
    assert.equal(decoded.pcm.length, 2 * RATE);
    for (const at of clicks) {
      let peak = 0;
      for (let i = 2 * at - 400; i < 2 * at + 400; i++) if (Math.abs(decoded.pcm[i]!) > Math.abs(decoded.pcm[peak]!)) peak = i;
      assert.equal(peak, 2 * at, `click at input sample ${at}`);
    }
  });
});

describe('all encoders', () => {
  it('run 8 concurrent streams per format without sharing state', async () => {
    const DELAY: Record<'mp3' | 'aac' | 'opus', number> = { mp3: 1105, aac: 1024, opus: 0 };
    const STREAMS = 8;
    const inputs = Array.from({ length: STREAMS }, (_, i) => testSignal(24000 + 1000 * i, i));
    const jobs = AUDIO_FORMATS.flatMap((format) =>
      inputs.map(async (input) => {
        const encoder = await createEncoder(format, { sampleRate: RATE });
        // Interleave the streams' writes on the event loop.
        const chunks: Uint8Array[] = [];
        for (let o = 0; o < input.length; o += 2400) {
          chunks.push(await encoder.write(input.subarray(o, o + 2400)));
          await sleep(0);
        }
        chunks.push(await encoder.end());
        return { format, input, bytes: Buffer.concat(chunks) };
      }),
    );
    const results = await Promise.all(jobs);
    for (const { format, input, bytes } of results) {
      const decoded =
        format === 'pcm'
          ? await decodeToPcm(bytes, { format: 's16le', sampleRate: RATE, channels: 1 })
          : await decodeToPcm(bytes, { outputSampleRate: RATE });
      if (format === 'pcm' || format === 'wav' || format === 'flac') {
        assertSamplesEqual(decoded.pcm, input);
        continue;
      }
      assert.ok(format === 'mp3' || format === 'aac' || format === 'opus');
      // Near the codec's known delay only (a full search is slow); a stream mixed up
      // with another (other tones, other length) would not match this well.
      const { r } = bestLag(input, decoded.pcm, DELAY[format] - 3, DELAY[format] + 3);
      assert.ok(r > 0.8, `${format}: correlation ${r.toFixed(3)}`);
      assert.ok(Math.abs(decoded.pcm.length - input.length) < 0.15 * RATE, `${format}: ${decoded.pcm.length} vs ${input.length}`);
    }
  });

  it('refuse to write after end()', async () => {
    for (const format of AUDIO_FORMATS) {
      const encoder = await createEncoder(format, { sampleRate: RATE });
      await encoder.write(testSignal(1000));
      await encoder.end();
      await assert.rejects(encoder.write(testSignal(10)), /ended/, format);
      encoder.close();
    }
  });
});

describe('decodeToPcm', () => {
  it('reports the source channels and rate, downmixes and resamples on request', async () => {
    // 1 s of 44.1 kHz stereo WAV, left and right in opposite phase except for a common tone.
    const frames = 44100;
    const wav = Buffer.alloc(44 + frames * 4);
    wav.write('RIFF', 0, 'latin1');
    wav.writeUInt32LE(36 + frames * 4, 4);
    wav.write('WAVEfmt ', 8, 'latin1');
    wav.writeUInt32LE(16, 16);
    wav.writeUInt16LE(1, 20);
    wav.writeUInt16LE(2, 22);
    wav.writeUInt32LE(44100, 24);
    wav.writeUInt32LE(44100 * 4, 28);
    wav.writeUInt16LE(4, 32);
    wav.writeUInt16LE(16, 34);
    wav.write('data', 36, 'latin1');
    wav.writeUInt32LE(frames * 4, 40);
    for (let i = 0; i < frames; i++) {
      const common = Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 44100));
      wav.writeInt16LE(common + 4000, 44 + i * 4);
      wav.writeInt16LE(common - 4000, 46 + i * 4);
    }
    const native = await decodeToPcm(wav);
    assert.deepEqual([native.codec, native.sampleRate, native.channels, native.pcm.length], ['pcm_s16le', 44100, 2, frames]);
    assert.ok(Math.abs(native.pcm[1000]! - Math.round(8000 * Math.sin((2 * Math.PI * 300 * 1000) / 44100))) <= 1, 'mono is the mean');
    const resampled = await decodeToPcm(wav, { outputSampleRate: RATE });
    assert.deepEqual([resampled.sampleRate, resampled.channels], [RATE, 2]);
    assert.ok(Math.abs(resampled.pcm.length - RATE) <= 2, `${resampled.pcm.length} samples`);
  });

  it('rejects undecodable input with ffmpeg’s message', async () => {
    await assert.rejects(decodeToPcm(new TextEncoder().encode('this is not audio at all')), /ffmpeg failed.*Invalid data/s);
  });
});
