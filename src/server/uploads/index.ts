import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AudioDecodeError, decodeFileBounded } from '../../audio/decode.js';
import type { DecodedReference } from '../../cloning/cloner.js';
import type { ReferenceAnalysis, ReferenceSource } from '../../cloning/reference.js';
import { MIN_SPEECH_SECONDS, type SpeakerFeatures } from '../../cloning/scorer.js';
import { LiteTtsError, errors as domainErrors } from '../../errors.js';
import type { Config } from '../../config.js';
import { VoiceFormatError, type ImportedVoice } from '../../voices/formats/index.js';
import { voiceFileError } from '../../voices/transfer.js';
import { errors } from '../errors.js';
import type { Upload } from '../multipart.js';
import { UploadDir } from './dir.js';
import { UploadPool } from './pool.js';
import type { ReferenceResult, ReferenceTask, SpeakerResult, SpeakerTask, TaskFailure, VoiceFileResult, VoiceFileTask } from './tasks.js';

export { UploadDir } from './dir.js';
export { UploadPool, type UploadPoolOptions } from './pool.js';

/** The routes that take uploads, each with its own slots in the pool. */
export const UPLOAD_ROUTES = ['import', 'analyze', 'similarity', 'custom-voices', 'clone'] as const;
export type UploadRoute = (typeof UPLOAD_ROUTES)[number];

/**
 * Everything the server does with uploaded files beyond receiving them: where
 * they lie (`dir`) and the bounded work on them (`pool`), with the domain's
 * failures turned into the API's answers.
 */
export class Uploads {
  private constructor(
    readonly dir: UploadDir,
    readonly pool: UploadPool,
    private readonly maxReferenceSeconds: number,
    /** The upload limit: archives may inflate only to what it allows (see formats/zip.ts). */
    private readonly maxUploadBytes: number,
    /** The speaker-embedding model's file (config `speakerModel`), or null. */
    private readonly speakerModel: string | null,
  ) {}

  static async open(
    config: Pick<Config, 'dataDir' | 'uploadConcurrency' | 'uploadTimeoutSeconds' | 'maxReferenceSeconds' | 'maxUploadMb'> & Partial<Pick<Config, 'speakerModel'>>,
    onError?: (error: unknown) => void,
  ): Promise<Uploads> {
    const dir = await UploadDir.open(join(config.dataDir, 'tmp', 'uploads'));
    const pool = new UploadPool({
      routes: UPLOAD_ROUTES,
      concurrency: config.uploadConcurrency,
      timeoutSeconds: config.uploadTimeoutSeconds,
      ...(onError && { onError }),
    });
    return new Uploads(dir, pool, config.maxReferenceSeconds, config.maxUploadMb * 1024 * 1024, config.speakerModel ?? null);
  }

  /** Every voice in an uploaded voice file, read on an upload thread (400 for a file that is not one). */
  async readVoiceFile(upload: Upload, param: string, voiceName: string | undefined, client: AbortSignal): Promise<ImportedVoice[]> {
    const task: VoiceFileTask = { kind: 'voice-file', path: upload.path, fileName: upload.fileName, maxUploadBytes: this.maxUploadBytes, ...(voiceName !== undefined && { voiceName }) };
    const result = await this.pool.within('import', param, client, (signal) => this.pool.run<VoiceFileResult>(task, signal));
    if (!result.ok) throw failureError(result.failure, param);
    return result.voices;
  }

  /**
   * Decodes (ffmpeg, bounded: see decodeFileBounded) and analyses uploaded reference
   * audio; the first `maxReferenceSeconds` of a longer recording, saying so.
   */
  async analyzeReference(upload: Upload, param: string, client: AbortSignal): Promise<ReferenceAnalysis> {
    if (upload.size === 0) throw errors.emptyAudio(param);
    const result = await this.pool.within('analyze', param, client, async (signal) => {
      const { pcmPath, samples, source } = await this.decode(upload, join(upload.dir, 'decoded.pcm'), param, signal);
      const task: ReferenceTask = { kind: 'reference', pcmPath, samples, source };
      return this.pool.run<ReferenceResult>(task, signal);
    });
    if (!result.ok) throw failureError(result.failure, param);
    return result.analysis;
  }

  /**
   * Reference audio for a clone, in a slot of the `clone` route: decoded (bounded, as
   * `analyzeReference`) and analysed on an upload thread, which hands back the analysis and the
   * first `keepSeconds` of the samples (moved, not copied) for the cloner.
   */
  async cloneReference(upload: Upload, param: string, keepSeconds: number, client: AbortSignal): Promise<{ analysis: ReferenceAnalysis; reference: DecodedReference }> {
    if (upload.size === 0) throw errors.emptyAudio(param);
    const result = await this.pool.within('clone', param, client, async (signal) => {
      const { pcmPath, samples, source } = await this.decode(upload, join(upload.dir, 'decoded.pcm'), param, signal);
      const task: ReferenceTask = { kind: 'reference', pcmPath, samples, source, keepSeconds };
      return this.pool.run<ReferenceResult>(task, signal);
    });
    if (!result.ok) throw failureError(result.failure, param);
    if (!result.pcm) throw new Error('the upload thread kept no samples of the reference');
    return { analysis: result.analysis, reference: { samples: result.pcm, sampleRate: result.analysis.sample_rate } };
  }

  /**
   * The speaker features of an uploaded recording (its first `maxReferenceSeconds`),
   * decoded and measured on an upload thread. Call inside a slot of the `similarity` route
   * (`pool.within`), with its signal. `label` names the recording in errors: 415 when it is
   * not audio, 422 `audio_unusable` (with the analysis) when it holds too little speech.
   */
  async speakerFeaturesOf(upload: Upload, param: string, label: string, signal: AbortSignal): Promise<SpeakerFeatures> {
    if (upload.size === 0) throw errors.emptyAudio(param);
    const { pcmPath, samples, source } = await this.decode(upload, `${upload.path}.pcm`, param, signal);
    const task: SpeakerTask = { kind: 'speaker', pcmPath, samples, source, speakerModel: this.speakerModel };
    return this.speakerResult(await this.pool.run<SpeakerResult>(task, signal), param, label);
  }

  /**
   * An upload's decoded samples in hand (its first `maxReferenceSeconds`, mono s16le at the
   * rate the bounded decoder chose), for work that needs the audio itself: a clone, a stored
   * consent recording. With `analyze`, also their reference analysis, made on an upload thread.
   * Call inside a slot (`pool.within`), with its signal: 400 empty, 415 not audio.
   */
  async decodeReference(upload: Upload, param: string, signal: AbortSignal, options: { analyze?: boolean } = {}): Promise<{ audio: DecodedReference; source: ReferenceSource; analysis: ReferenceAnalysis | null }> {
    if (upload.size === 0) throw errors.emptyAudio(param);
    const { pcmPath, samples, source } = await this.decode(upload, `${upload.path}.decoded.pcm`, param, signal);
    let analysis: ReferenceAnalysis | null = null;
    if (options.analyze) {
      const result = await this.pool.run<ReferenceResult>({ kind: 'reference', pcmPath, samples, source } satisfies ReferenceTask, signal);
      if (!result.ok) throw failureError(result.failure, param);
      analysis = result.analysis;
    }
    // Only the samples the decoder vouched for (the file holds up to a second more); a fresh, aligned copy.
    const bytes = await readFile(pcmPath, { signal });
    const pcm = new Int16Array(Math.min(samples, bytes.byteLength >> 1));
    new Uint8Array(pcm.buffer).set(bytes.subarray(0, pcm.byteLength));
    return { audio: { samples: pcm, sampleRate: source.sampleRate }, source, analysis };
  }

  /** The speaker features of rendered speech (mono s16le at `sampleRate`), measured on an upload thread; `pcm` moves there. */
  async speakerFeaturesOfPcm(pcm: Int16Array, sampleRate: number, param: string, label: string, signal: AbortSignal): Promise<SpeakerFeatures> {
    const source: ReferenceSource = { sampleRate, codec: 'pcm_s16le', channels: 1, truncated: false, maxSeconds: this.maxReferenceSeconds };
    const task: SpeakerTask = { kind: 'speaker', pcm, source, speakerModel: this.speakerModel };
    const transfer = pcm.buffer instanceof ArrayBuffer && pcm.byteOffset === 0 && pcm.byteLength === pcm.buffer.byteLength ? [pcm.buffer] : undefined;
    return this.speakerResult(await this.pool.run<SpeakerResult>(task, signal, transfer), param, label);
  }

  private speakerResult(result: SpeakerResult, param: string, label: string): SpeakerFeatures {
    if (result.ok) return result.features;
    const { failure } = result;
    if (failure.kind === 'too_little_speech') {
      throw domainErrors.audioUnusable(
        `${label} holds ${failure.speechSeconds.toFixed(2)} s of speech; at least ${MIN_SPEECH_SECONDS} s are needed to tell who speaks`,
        param,
        { analysis: failure.analysis },
      );
    }
    // A model that cannot be used is the server's setting, not the client's file: 503, as where it is loaded.
    if (failure.kind === 'speaker_model') throw new LiteTtsError('unavailable', 'speaker_model_unusable', failure.message, null, 60);
    throw failureError(failure, param);
  }

  /**
   * Decodes (ffmpeg, bounded: see decodeFileBounded) the first `maxReferenceSeconds` of an
   * upload into `pcmPath`. ffmpeg runs as a child of this thread, not of an upload thread:
   * a terminated thread cannot kill its children, and this thread's signal always can.
   */
  private async decode(upload: Upload, pcmPath: string, param: string, signal: AbortSignal): Promise<{ pcmPath: string; samples: number; source: ReferenceSource }> {
    const maxSeconds = this.maxReferenceSeconds;
    let decoded;
    try {
      decoded = await decodeFileBounded(upload.path, pcmPath, { maxSeconds, signal });
    } catch (error) {
      if (error instanceof AudioDecodeError) throw errors.unsupportedAudio(param, error.message);
      throw error;
    }
    const { samples, ...source } = decoded;
    return { pcmPath, samples, source: { ...source, maxSeconds } };
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.dir.close();
  }
}

function failureError(failure: TaskFailure, param: string) {
  if (failure.kind === 'too_complex') return errors.uploadTooComplex(param);
  if (failure.kind !== 'voice_format') return new Error(`unexpected upload task failure '${failure.kind}'`);
  return voiceFileError(new VoiceFormatError(failure.message, failure.code));
}
