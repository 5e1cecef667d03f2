import { join } from 'node:path';
import { AudioDecodeError, decodeFileBounded } from '../../audio/decode.js';
import type { ReferenceAnalysis } from '../../cloning/reference.js';
import type { Config } from '../../config.js';
import { VoiceFormatError, type ImportedVoice } from '../../voices/formats/index.js';
import { voiceFileError } from '../../voices/transfer.js';
import { errors } from '../errors.js';
import type { Upload } from '../multipart.js';
import { UploadDir } from './dir.js';
import { UploadPool } from './pool.js';
import type { ReferenceResult, ReferenceTask, TaskFailure, VoiceFileResult, VoiceFileTask } from './tasks.js';

export { UploadDir } from './dir.js';
export { UploadPool, type UploadPoolOptions } from './pool.js';

/** The routes that take uploads, each with its own slots in the pool. */
export const UPLOAD_ROUTES = ['import', 'analyze'] as const;
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
  ) {}

  static async open(
    config: Pick<Config, 'dataDir' | 'uploadConcurrency' | 'uploadTimeoutSeconds' | 'maxReferenceSeconds' | 'maxUploadMb'>,
    onError?: (error: unknown) => void,
  ): Promise<Uploads> {
    const dir = await UploadDir.open(join(config.dataDir, 'tmp', 'uploads'));
    const pool = new UploadPool({
      routes: UPLOAD_ROUTES,
      concurrency: config.uploadConcurrency,
      timeoutSeconds: config.uploadTimeoutSeconds,
      ...(onError && { onError }),
    });
    return new Uploads(dir, pool, config.maxReferenceSeconds, config.maxUploadMb * 1024 * 1024);
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
    const maxSeconds = this.maxReferenceSeconds;
    const result = await this.pool.within('analyze', param, client, async (signal) => {
      const pcmPath = join(upload.dir, 'decoded.pcm');
      // ffmpeg runs as a child of this thread, not of an upload thread: a terminated
      // thread cannot kill its children, and this thread's signal always can.
      let decoded;
      try {
        decoded = await decodeFileBounded(upload.path, pcmPath, { maxSeconds, signal });
      } catch (error) {
        if (error instanceof AudioDecodeError) throw errors.unsupportedAudio(param, error.message);
        throw error;
      }
      const { samples, ...source } = decoded;
      const task: ReferenceTask = { kind: 'reference', pcmPath, samples, source: { ...source, maxSeconds } };
      return this.pool.run<ReferenceResult>(task, signal);
    });
    if (!result.ok) throw failureError(result.failure, param);
    return result.analysis;
  }

  async close(): Promise<void> {
    await this.pool.close();
    await this.dir.close();
  }
}

function failureError(failure: TaskFailure, param: string) {
  if (failure.kind === 'too_complex') return errors.uploadTooComplex(param);
  return voiceFileError(new VoiceFormatError(failure.message, failure.code));
}
