import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { ffmpegPath } from '../audio/ffmpeg.js';
import { floatToInt16 } from '../audio/pcm.js';
import { LiteTtsError } from '../errors.js';
import { findSpeechCorpus, listUtterances, splitReaders } from '../test-support/speech-corpus.js';
import { synthesize, vowel, VOWEL_A, VOWEL_I, VOWEL_U } from '../test-support/synthetic-voice.js';
import { requireCloneable } from './cloneable.js';
import { analyzeReferencePcm, type ReferenceAnalysis, type ReferenceSource } from './reference.js';

const SR = 16_000;
const source = (sampleRate = SR): ReferenceSource => ({ sampleRate, codec: 'pcm_s16le', channels: 1, truncated: false, maxSeconds: 300 });

/** `count` vowels of `on` seconds, `off` seconds of silence around each: known speech time and syllable count. */
function syllables(count: number, on: number, off: number, options: { noise?: number; level?: number } = {}): Float32Array {
  const shapes = [VOWEL_A, VOWEL_I, VOWEL_U];
  return synthesize({ f0: 140, vowels: Array.from({ length: count }, (_, i) => vowel(shapes[i % 3]!.hz, on)), gapS: off, ...options }, SR);
}

const analyse = (x: Float32Array, rate = SR) => analyzeReferencePcm(floatToInt16(x), source(rate));
const errorsOf = (a: ReferenceAnalysis): string[] => a.suitability.issues.filter((i) => i.severity === 'error').map((i) => i.code);

describe('reference analysis: speech_seconds and speaking_rate', () => {
  test('synthetic syllables: speech_seconds close to the time vowels sound, speaking_rate close to one per vowel', () => {
    for (const [count, on, off] of [[24, 0.15, 0.1], [12, 0.3, 0.2], [10, 0.5, 0.3]] as const) {
      const a = analyse(syllables(count, on, off));
      const speech = count * on;
      assert.equal(a.speech_seconds, a.speech_duration_s, 'speech_seconds is the voice activity figure');
      assert.ok(Math.abs(a.speech_seconds - speech) < 0.15 * speech, `${count} × ${on} s: speech_seconds ${a.speech_seconds.toFixed(2)} vs ${speech.toFixed(2)} s sounding`);
      assert.ok(a.speaking_rate !== null, `${count} × ${on} s: a speaking rate`);
      const expected = 1 / on;
      assert.ok(Math.abs(a.speaking_rate - expected) < 0.25 * expected, `${count} × ${on} s: speaking_rate ${a.speaking_rate.toFixed(2)} vs ${expected.toFixed(2)} syllables/s`);
    }
  });

  test('the rate is per second of speech: longer pauses do not lower it', () => {
    const tight = analyse(syllables(12, 0.2, 0.1)).speaking_rate!;
    const spread = analyse(syllables(12, 0.2, 0.6)).speaking_rate!;
    assert.ok(Math.abs(tight - spread) < 0.15 * tight, `pauses of 0.1 s: ${tight.toFixed(2)}/s; of 0.6 s: ${spread.toFixed(2)}/s`);
  });

  test('silence: no speech, no rate', () => {
    const a = analyse(new Float32Array(SR * 4));
    assert.deepEqual([a.speech_seconds, a.speaking_rate], [0, null], 'zero speech and a null rate');
  });

  const corpus = findSpeechCorpus();
  test('real speech (LibriSpeech): mostly speech, 2.5–8 syllables/s; the same reading 1.5× faster reads faster (the nucleus count merges close syllables, so less than 1.5×)', { skip: corpus === null && 'no speech corpus here' }, (t) => {
    const readers = splitReaders(listUtterances(corpus!)).heldOut.slice(0, 6);
    for (const u of readers) {
      const decode = (filter: string[]) => {
        const bytes = execFileSync(ffmpegPath(), ['-hide_banner', '-loglevel', 'error', '-i', u.path, ...filter, '-ac', '1', '-ar', String(SR), '-f', 's16le', 'pipe:1'], { maxBuffer: 64 << 20 });
        return new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length >> 1).slice();
      };
      const a = analyzeReferencePcm(decode([]), source());
      const fast = analyzeReferencePcm(decode(['-af', 'atempo=1.5']), source());
      t.diagnostic(`${u.speaker}: ${a.duration_s.toFixed(1)} s, speech ${a.speech_seconds.toFixed(1)} s, ${a.speaking_rate?.toFixed(2)} syllables/s (1.5×: ${fast.speaking_rate?.toFixed(2)})`);
      assert.ok(a.speech_seconds > 0.6 * a.duration_s && a.speech_seconds <= a.duration_s, `${u.speaker}: ${a.speech_seconds.toFixed(1)} of ${a.duration_s.toFixed(1)} s are speech`);
      assert.ok(a.speaking_rate !== null && a.speaking_rate > 2.5 && a.speaking_rate < 8, `${u.speaker}: ${a.speaking_rate} syllables/s`);
      assert.ok(fast.speaking_rate! > 1.08 * a.speaking_rate, `${u.speaker}: 1.5× faster reads ${fast.speaking_rate} vs ${a.speaking_rate} syllables/s`);
    }
  });
});

describe('reference analysis: the 3-second rule and requireCloneable', () => {
  test('under 3 s of speech is a too_short error that makes ok false; over 3 s is not', () => {
    const short = analyse(syllables(10, 0.25, 0.3)); // 2.5 s sounding
    const long = analyse(syllables(14, 0.25, 0.3)); // 3.5 s sounding
    assert.ok(short.speech_seconds < 3, `short: ${short.speech_seconds} s of speech`);
    assert.ok(errorsOf(short).includes('too_short'), `short: ${JSON.stringify(short.suitability)}`);
    assert.equal(short.suitability.ok, false, 'short: not ok');
    assert.ok(long.speech_seconds > 3, `long: ${long.speech_seconds} s of speech`);
    assert.deepEqual(errorsOf(long), [], `long: no error (${JSON.stringify(long.suitability)})`);
    assert.equal(long.suitability.ok, true, 'long: ok');
  });

  test('requireCloneable passes usable audio through and refuses the rest with a 422 carrying the analysis', () => {
    const good = analyse(syllables(16, 0.3, 0.2));
    assert.equal(requireCloneable(good), good, 'usable audio is returned as it is');
    const clipped = syllables(16, 0.3, 0.2).map((v) => Math.max(-0.5, Math.min(0.5, v * 8)) * 2);
    const cases: [string, Float32Array, string][] = [
      ['too little speech', syllables(6, 0.25, 0.3), 'too_short'],
      ['silence', new Float32Array(SR * 5), 'silent'],
      ['clipping', clipped, 'clipped'],
      ['mostly noise', syllables(16, 0.3, 0.2, { noise: 0.15 }), 'noisy'],
    ];
    for (const [what, samples, code] of cases) {
      const analysis = analyse(samples);
      assert.ok(errorsOf(analysis).includes(code), `${what}: a ${code} error (${JSON.stringify(analysis.suitability.issues)})`);
      assert.throws(
        () => requireCloneable(analysis),
        (e: unknown) => {
          assert.ok(e instanceof LiteTtsError, `${what}: a domain error`);
          assert.deepEqual([e.kind, e.code, e.param], ['unusable', 'audio_unusable', 'audio_file'], `${what}: kind, code, param`);
          assert.equal(e.details?.analysis, analysis, `${what}: the analysis travels in the error`);
          const issue = analysis.suitability.issues.find((i) => i.code === code)!;
          assert.ok(e.message.includes(issue.message), `${what}: the message says it in words: ${e.message}`);
          return true;
        },
        `${what} is refused`,
      );
    }
  });
});
