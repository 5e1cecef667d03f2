import type { ReferenceAnalysis, ReferenceSource } from '../../cloning/reference.js';
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
}

export type UploadTask = VoiceFileTask | ReferenceTask;

/** Why a file could not be read, as the worker saw it. */
export type TaskFailure =
  | { kind: 'voice_format'; code: VoiceFormatErrorCode; message: string }
  /** The file asked for more memory or stack than exists (a typed array beyond any size, runaway recursion). */
  | { kind: 'too_complex'; message: string };

export type VoiceFileResult = { ok: true; voices: ImportedVoice[] } | { ok: false; failure: TaskFailure };
export type ReferenceResult = { ok: true; analysis: ReferenceAnalysis } | { ok: false; failure: TaskFailure };
