import type { ReferenceAnalysis, ReferenceSource } from '../../cloning/reference.js';
import type { SpeakerFeatures } from '../../cloning/scorer.js';
import type { ImportedVoice, VoiceFormatErrorCode } from '../../voices/formats/index.js';

/**
 * The work upload threads do, as it crosses between threads: the task names a
 * file on disk (the worker reads it itself, so no upload passes through the HTTP
 * thread), and the result is plain data. Expected failures come back as values,
 * since an Error loses its class and fields on the way.
 */

/** Read a voice file (.bin, .npy, .npz, .pt, espeak JSON) and every voice in it. */
export interface VoiceFileTask {
  kind: 'voice-file';
  path: string;
  /** As sent: its extension and base name matter to the format's detection and the voice's name. */
  fileName: string;
  voiceName?: string;
  /** The upload limit, from which the archive inflate limit derives. */
  maxUploadBytes: number;
}

/** Analyse reference audio the bounded decoder has written as raw mono s16le. */
export interface ReferenceTask {
  kind: 'reference';
  pcmPath: string;
  /** How many samples to read from the file (it may hold a few more). */
  samples: number;
  source: ReferenceSource;
  /** Also hand back the first this many seconds of the samples (a clone's reference). */
  keepSeconds?: number;
}

/**
 * The speaker features of one recording (similarity): either raw mono s16le the bounded
 * decoder wrote (`pcmPath`, `samples`), or rendered speech passed in (`pcm`, moved, not copied).
 */
export interface SpeakerTask {
  kind: 'speaker';
  pcmPath?: string;
  samples?: number;
  pcm?: Int16Array;
  source: ReferenceSource;
  /** The speaker-embedding model (config `speakerModel`), loaded once per upload thread; null: none. */
  speakerModel: string | null;
}

export type UploadTask = VoiceFileTask | ReferenceTask | SpeakerTask;

/** Why a file could not be read, as the worker saw it. */
export type TaskFailure =
  | { kind: 'voice_format'; code: VoiceFormatErrorCode; message: string }
  /** The file asked for more memory or stack than exists (a typed array beyond any size, runaway recursion). */
  | { kind: 'too_complex'; message: string }
  /** Too little speech to score (below the scorer's MIN_SPEECH_SECONDS); the analysis says what is there. */
  | { kind: 'too_little_speech'; speechSeconds: number; analysis: ReferenceAnalysis }
  /** The configured speaker model cannot be used (its message names the file and why). */
  | { kind: 'speaker_model'; message: string };

export type VoiceFileResult = { ok: true; voices: ImportedVoice[] } | { ok: false; failure: TaskFailure };
export type ReferenceResult = { ok: true; analysis: ReferenceAnalysis; pcm?: Int16Array } | { ok: false; failure: TaskFailure };
export type SpeakerResult = { ok: true; features: SpeakerFeatures } | { ok: false; failure: TaskFailure };
