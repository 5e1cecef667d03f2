import { int16ToFloat } from '../audio/pcm.js';
import { analyzeAudio, type AudioAnalysis, type SuitabilityIssue } from './analysis.js';
import { cepstra, MEL_HIGH_HZ, MEL_LOW_HZ } from './features.js';
import { at16k } from './scorer.js';
import { syllableRate } from './voice.js';

/** Said when only the first part of a long recording was analysed. */
export interface TruncatedIssue {
  code: 'truncated';
  message: string;
  severity: 'warning';
}

export interface ReferenceAnalysis extends Omit<AudioAnalysis, 'suitability'> {
  codec: string;
  channels: number;
  /** The recording is longer than the server analyses: only its first `analyzed_seconds` were looked at. */
  truncated: boolean;
  /** Seconds of audio the figures describe (equal to `duration_s`). */
  analyzed_seconds: number;
  /**
   * Seconds of speech, by the analysis's voice activity (equal to `speech_duration_s`). Of the
   * two detectors here it is the one that counts every bit of speech, and it kept closer to its
   * clean-recording figure when noise was added (see the README); the scorer's stricter one
   * keeps only frames that are clearly speech. The 3-second rule of `suitability` is on it.
   */
  speech_seconds: number;
  /** Syllables per second of speech, from the speaker features' syllable-nucleus count; null without speech. */
  speaking_rate: number | null;
  suitability: { ok: boolean; issues: (SuitabilityIssue | TruncatedIssue)[] };
}

/** What the decoder says about the samples: their source and whether they are only the start of it. */
export interface ReferenceSource {
  sampleRate: number;
  codec: string;
  channels: number;
  truncated: boolean;
  /** The cap the decoder applied, in seconds (named in the truncation message). */
  maxSeconds: number;
}

/**
 * Analyses decoded reference audio (mono 16-bit PCM, as the bounded decoder writes it).
 * Pure computation: the caller decides where it runs (a worker thread for uploads).
 */
export function analyzeReferencePcm(pcm: Int16Array, source: ReferenceSource): ReferenceAnalysis {
  const analysis = analyzeAudio(int16ToFloat(pcm), source.sampleRate);
  const issues: (SuitabilityIssue | TruncatedIssue)[] = [...analysis.suitability.issues];
  if (source.truncated) {
    issues.push({
      code: 'truncated',
      severity: 'warning',
      message: `The recording is longer than ${source.maxSeconds} s: only its first ${source.maxSeconds} s were analysed.`,
    });
  }
  return {
    ...analysis,
    speech_seconds: analysis.speech_duration_s,
    speaking_rate: speakingRate(pcm, source.sampleRate, analysis.speech_duration_s),
    codec: source.codec,
    channels: source.channels,
    truncated: source.truncated,
    analyzed_seconds: analysis.duration_s,
    suitability: { ok: analysis.suitability.ok, issues },
  };
}

/** Syllables per second (features' estimate over the scorer's speech frames, at 16 kHz); null without speech. */
function speakingRate(pcm: Int16Array, sampleRate: number, speechSeconds: number): number | null {
  if (speechSeconds === 0 || sampleRate < 4000) return null;
  const c = cepstra(at16k(int16ToFloat(pcm), sampleRate));
  const rate = syllableRate(c.fb, c.speech, MEL_LOW_HZ, MEL_HIGH_HZ);
  return Number.isFinite(rate) ? rate : null;
}
