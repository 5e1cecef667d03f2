import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AudioDecodeError, decodeFileBounded } from './decode.js';
import { ffmpegPath } from './ffmpeg.js';
import { tone, wavFile } from '../test-support/wav.js';

const dir = mkdtempSync(join(tmpdir(), 'litetts-decode-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const out = join(dir, 'out.pcm');

/** Makes a test input with ffmpeg's own generators (only the test may use lavfi). */
function make(name: string, source: string, seconds: number, codec: string[]): string {
  const path = join(dir, name);
  execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', source, '-t', String(seconds), ...codec, '-y', path]);
  return path;
}

/** A WAV file of a tone in the test's folder, with the header sizes given (which need not be true). */
function wav(name: string, rate: number, frames: number, declared: { riff?: number; data?: number } = {}): string {
  const path = join(dir, name);
  writeFileSync(path, wavFile(tone(rate, frames, 200, 8000), rate, declared));
  return path;
}

/** Three hours of 8 kHz FLAC silence: 2 MB that decodes to 170 MB. */
let silence: string | undefined;
const threeHours = () => (silence ??= make('silence.flac', 'anullsrc=r=8000:cl=mono', 3 * 3600, ['-c:a', 'flac']));

describe('decodeFileBounded', () => {
  test('decodes at most maxSeconds and says whether there was more', async () => {
    const long = make('long.flac', 'sine=f=300:r=16000', 3, ['-c:a', 'flac']);
    const cut = await decodeFileBounded(long, out, { maxSeconds: 1 });
    assert.deepEqual([cut.samples, cut.sampleRate, cut.truncated, cut.codec], [16000, 16000, true, 'flac'], 'the first second, truncated');
    assert.ok(statSync(out).size <= (1 + 1) * 16000 * 2, `the output stops a second past the cap (${statSync(out).size} bytes)`);
    const whole = await decodeFileBounded(long, out, { maxSeconds: 3 });
    assert.deepEqual([whole.samples, whole.truncated], [48000, false], 'exactly as long as the cap is not truncated');
  });

  test('three hours of FLAC silence: only the cap is decoded, quickly', async () => {
    const input = threeHours();
    const started = performance.now();
    const decoded = await decodeFileBounded(input, out, { maxSeconds: 300 });
    const ms = performance.now() - started;
    assert.deepEqual([decoded.samples, decoded.truncated], [300 * 8000, true], 'five minutes, truncated');
    assert.ok(ms < 5000, `took ${Math.round(ms)} ms`);
  });

  test('sources above 48 kHz are resampled to 48 kHz; others keep their rate', async () => {
    const hi = make('hi.wav', 'sine=f=300:r=96000', 1, ['-c:a', 'pcm_s16le']);
    const decoded = await decodeFileBounded(hi, out, { maxSeconds: 10 });
    assert.deepEqual([decoded.sampleRate, decoded.samples, decoded.codec], [48000, 48000, 'pcm_s16le'], '96 kHz in, 48 kHz out');
    const stereo = make('stereo.mp3', 'sine=f=300:r=22050', 1, ['-ac', '2', '-c:a', 'libmp3lame']);
    const mp3 = await decodeFileBounded(stereo, out, { maxSeconds: 10 });
    assert.deepEqual([mp3.sampleRate, mp3.channels, mp3.codec], [22050, 2, 'mp3'], 'rate and channels of the source');
  });

  test('lying or empty WAV headers decode what is there', async () => {
    const claimsHours = wav('claims-hours.wav', 16000, 16000, { riff: 0xfffffff0, data: 0xffffffe0 });
    const one = await decodeFileBounded(claimsHours, out, { maxSeconds: 300 });
    assert.deepEqual([one.samples, one.truncated], [16000, false], 'a header claiming hours, holding 1 s: 1 s');
    const empty = wav('empty-data.wav', 16000, 0);
    const none = await decodeFileBounded(empty, out, { maxSeconds: 300 });
    assert.deepEqual([none.samples, none.truncated], [0, false], 'a zero-length data chunk: no samples, no error');
    const mp3 = make('really.mp3', 'sine=f=300:r=16000', 1, ['-c:a', 'libmp3lame', '-f', 'mp3']);
    const misnamed = join(dir, 'misnamed.wav');
    writeFileSync(misnamed, execFileSync('cat', [mp3]));
    assert.equal((await decodeFileBounded(misnamed, out, { maxSeconds: 300 })).codec, 'mp3', 'the content decides, not the name');
  });

  test('a playlist or concat script naming other files or URLs is refused, never followed', async () => {
    const secret = make('secret.wav', 'sine=f=300:r=16000', 2, ['-c:a', 'pcm_s16le']);
    const playlists = {
      'hls-local.wav': `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:2,\n${secret}\n#EXT-X-ENDLIST\n`,
      'hls-passwd.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n',
      'hls-http.m3u8': '#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nhttp://127.0.0.1:9/a.wav\n#EXT-X-ENDLIST\n',
      'concat.ffconcat': `ffconcat version 1.0\nfile ${secret}\nfile /etc/passwd\n`,
    };
    for (const [name, text] of Object.entries(playlists)) {
      const path = join(dir, name);
      writeFileSync(path, text);
      await assert.rejects(decodeFileBounded(path, out, { maxSeconds: 300 }), (e) => {
        assert.ok(e instanceof AudioDecodeError, `${name}: ${String(e)}`);
        assert.match(e.message, /format \((hls|concat)\) is not one of the audio formats/, `${name}: says why`);
        assert.ok(!e.message.includes(dir), `${name}: the message names no server path`);
        return true;
      });
    }
  });

  test('not audio is an AudioDecodeError; an abort kills ffmpeg at once', async () => {
    const text = join(dir, 'text.wav');
    writeFileSync(text, 'this is not audio at all');
    await assert.rejects(decodeFileBounded(text, out, { maxSeconds: 300 }), (e) => e instanceof AudioDecodeError && /Invalid data/.test(e.message));
    const long = threeHours();
    const stop = new AbortController();
    const started = performance.now();
    setTimeout(() => stop.abort(new Error('stopped by the test')), 100);
    await assert.rejects(decodeFileBounded(long, out, { maxSeconds: 3600, signal: stop.signal }), /stopped by the test/);
    assert.ok(performance.now() - started < 2000, `stopped after ${Math.round(performance.now() - started)} ms`);
  });
});
