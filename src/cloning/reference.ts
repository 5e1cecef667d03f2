import { int16ToFloat } from '../audio/pcm.js';
import { analyzeAudio, type AudioAnalysis, type SuitabilityIssue } from './analysis.js';

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
    codec: source.codec,
    channels: source.channels,
    truncated: source.truncated,
    analyzed_seconds: analysis.duration_s,
    suitability: { ok: analysis.suitability.ok, issues },
  };
}
