import { Readable } from 'node:stream';
import { type LiteTtsError, errors } from '../errors.js';
import { type ImportedVoice, VoiceFormatError, importVoiceFile, streamNpz, toBin, toEspeakJson, writeNpz } from './formats/index.js';
import type { VoiceData } from '../engines/engine.js';
import { asksForTemporary, type VoiceLibrary } from './library.js';
import { kokoroNameMetadata } from '../engines/kokoro/voices.js';
import type { Voice } from './voice.js';

/** Moving voice data in and out of the library in the formats Kokoro tools use. */

export interface VoiceFile {
  bytes: Uint8Array;
  contentType: string;
  fileName: string;
}

export type DownloadFormat = 'bin' | 'npz' | 'json';

/** One voice's data: Kokoro tensors as raw float32 (.bin) or a one-entry .npz; espeak voices as JSON. */
export async function downloadVoice(library: VoiceLibrary, name: string, format: DownloadFormat | undefined): Promise<VoiceFile> {
  if (format === undefined || format === 'bin') {
    // The stored form is the download (raw float32 for Kokoro, JSON for espeak): no decoding, no copies.
    const { voice, bytes } = await library.storedData(name);
    if (voice.engine === 'kokoro') return { bytes, contentType: 'application/octet-stream', fileName: `${voice.name}.bin` };
    if (format === undefined) return { bytes, contentType: 'application/json', fileName: `${voice.name}.json` };
  }
  const { voice, data } = await library.voiceData(name);
  if (data.engine === 'espeak') {
    if (format !== undefined && format !== 'json') {
      throw errors.invalidParam('format', `'${voice.name}' is an espeak voice: its data downloads as JSON (format=json)`);
    }
    return { bytes: new TextEncoder().encode(toEspeakJson(data)), contentType: 'application/json', fileName: `${voice.name}.json` };
  }
  if (format === 'json') throw errors.invalidParam('format', `'${voice.name}' is a Kokoro voice: use format=bin or format=npz`);
  if (format === 'npz') return { bytes: writeNpz([[voice.name, data.tensor]]), contentType: 'application/octet-stream', fileName: `${voice.name}.npz` };
  return { bytes: toBin(data.tensor), contentType: 'application/octet-stream', fileName: `${voice.name}.bin` };
}

/** What an export needs of the library: its voices with their data, read one at a time. */
export interface ExportSource {
  voicesWithData(kind: 'custom' | 'all', engine: 'kokoro'): AsyncIterable<{ voice: { name: string }; data: VoiceData }>;
}

export interface VoiceStream {
  stream: Readable;
  contentType: string;
  fileName: string;
}

/**
 * Bytes the export buffers before it waits for the reader: below one voice
 * (522 KB), so the next voice is read from the catalog only once the previous
 * one has left for the socket.
 */
const EXPORT_HIGH_WATER_MARK = 64 * 1024;

/**
 * Every Kokoro voice of the library (custom, or with kind=all builtin and temporary
 * ones too) as one uncompressed .npz, streamed from the catalog as the reader takes
 * it: one voice in memory at a time, whatever the count (ZIP64 past 4 GiB). The
 * names are those listed when the export starts; one deleted meanwhile is left out.
 */
export function exportVoices(library: ExportSource, kind: 'custom' | 'all'): VoiceStream {
  async function* tensors(): AsyncGenerator<readonly [string, Float32Array]> {
    for await (const { voice, data } of library.voicesWithData(kind, 'kokoro')) {
      if (data.engine === 'kokoro') yield [voice.name, data.tensor];
    }
  }
  return {
    stream: Readable.from(streamNpz(tensors()), { objectMode: false, highWaterMark: EXPORT_HIGH_WATER_MARK }),
    contentType: 'application/octet-stream',
    fileName: kind === 'all' ? 'voices-all.npz' : 'voices.npz',
  };
}

export interface ImportOptions {
  voiceName?: string | undefined;
  temporary?: boolean | undefined;
  sessionId?: string | undefined;
  ttlSeconds?: number | undefined;
  description?: string | undefined;
  /** The upload limit the file came in under; archives may inflate to a bounded multiple of it. */
  maxUploadBytes?: number | undefined;
}

/** The API's answer to a voice file that cannot be read. */
export function voiceFileError(error: VoiceFormatError): LiteTtsError {
  return errors.invalidVoiceFile(error.message);
}

/** Imports a .bin, .npy, .npz, .pt or espeak JSON file: all its voices, or none on any problem. */
export async function importVoices(library: VoiceLibrary, fileName: string, bytes: Uint8Array, options: ImportOptions): Promise<Voice[]> {
  let found;
  try {
    found = importVoiceFile(fileName, bytes, {
      ...(options.voiceName !== undefined && { voiceName: options.voiceName }),
      ...(options.maxUploadBytes !== undefined && { maxUploadBytes: options.maxUploadBytes }),
    });
  } catch (error) {
    if (error instanceof VoiceFormatError) throw voiceFileError(error);
    throw error;
  }
  return importParsedVoices(library, fileName, found, options);
}

/**
 * Adds the voices read from one file (by `importVoiceFile`, here or on another
 * thread) to the library: all of them, or none on any problem.
 */
export async function importParsedVoices(library: VoiceLibrary, fileName: string, found: readonly ImportedVoice[], options: ImportOptions): Promise<Voice[]> {
  if (found.length === 0) throw errors.invalidVoiceFile(`'${fileName}' holds no voices`);
  return library.createMany(
    found.map(({ name, data }) => {
      if (name === null) throw errors.missingParam('voice_name');
      const meta = data.engine === 'kokoro' ? kokoroNameMetadata(name) : null;
      return {
        name,
        data,
        source: 'import' as const,
        temporary: asksForTemporary(options),
        sessionId: options.sessionId,
        ttlSeconds: options.ttlSeconds,
        description: options.description ?? `Imported from ${fileName}`,
        language: meta?.language ?? (data.engine === 'espeak' ? data.base : 'en-us'),
        gender: meta?.gender ?? null,
      };
    }),
  );
}
