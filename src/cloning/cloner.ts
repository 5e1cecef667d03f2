import type { EngineId, Gender, VoiceData } from '../engines/index.js';

/**
 * The seam between what asks for a clone (the create route, OpenAI's custom voices, jobs, the
 * CLI) and what makes one (fits run on clone threads, off the HTTP thread). A clone is fitted
 * to decoded reference audio and scored by the similarity scorer on a text the search did not
 * use.
 */
export type CloneQuality = 'fast' | 'thorough';

/** Decoded reference audio: mono signed 16-bit samples at `sampleRate`. */
export interface DecodedReference {
  samples: Int16Array;
  sampleRate: number;
}

export interface CloneProgress {
  /** 0..1 of the budget or the search. */
  progress: number;
  /** A few words on what is being done ("calibrating", "timbre 7/24", "walk 31"). */
  step: string;
  /** The best score so far on the search text (not the held-out one), or null before the first. */
  bestScore: number | null;
}

export interface CloneRequest {
  reference: DecodedReference;
  engine: EngineId;
  /** The clone's language (an espeak-ng voice such as "en-us"; Kokoro's from its packs). */
  language: string;
  quality: CloneQuality;
  /** Time for the whole clone (search and held-out scoring). */
  budgetMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: CloneProgress) => void;
  /** Where a thorough search was when it last reported (from `onCheckpoint`), to resume from. */
  checkpoint?: Uint8Array | null;
  /** The best state so far, as opaque bytes, and the voice it stands for (a preview), now and then during a thorough search. */
  onCheckpoint?: (checkpoint: Uint8Array, best: { data: VoiceData; score: number }) => void;
}

export interface CloneResult {
  data: VoiceData;
  /** similarity(reference, clone on a held-out text), 0..1. */
  similarity: number;
  /** The best score on the search text. */
  searchScore: number;
  /** Renders made. */
  steps: number;
  /** The clone's gender where the search can tell (a blend of one gender's packs), else null. */
  gender: Gender | null;
  /** The clone's language as stored on the voice. */
  language: string;
}

export interface Cloner {
  clone(request: CloneRequest): Promise<CloneResult>;
  close(): Promise<void>;
}
