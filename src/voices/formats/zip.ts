/**
 * Zip access for the archive formats (.npz, .pt), on fflate's `unzipSync`, with
 * the guards an upload needs: every limit is checked against the central
 * directory before anything is inflated, and every failure is a VoiceFormatError.
 */
import { unzipSync } from 'fflate';
import { VoiceFormatError } from './tensor.js';

/** Most entries an archive may list. */
export const MAX_ZIP_ENTRIES = 10_000;
/** Default cap on the uncompressed size of the entries read from an archive: 1 GiB. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = 1024 ** 3;

export interface ZipLimits {
  /** Most entries the archive may list (default and upper bound: 10,000). */
  maxEntries?: number;
  /** Cap on the summed uncompressed size of the entries read (default 1 GiB). */
  maxUncompressedBytes?: number;
}

export interface ZipEntryInfo {
  name: string;
  /** Stored (compressed) size. */
  size: number;
  /** Uncompressed size, as the central directory declares it. */
  originalSize: number;
  /** 0 stored, 8 deflated; others are refused when read. */
  compression: number;
}

/** "PK\x03\x04" (an entry) or "PK\x05\x06" (an empty archive's end record). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 &&
    bytes[0] === 0x50 &&
    bytes[1] === 0x4b &&
    ((bytes[2] === 0x03 && bytes[3] === 0x04) || (bytes[2] === 0x05 && bytes[3] === 0x06))
  );
}

function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The archive's entries from its central directory, nothing inflated.
 * Throws when it lists more than `maxEntries`.
 */
export function listZip(bytes: Uint8Array, what: string, limits: ZipLimits = {}): ZipEntryInfo[] {
  const maxEntries = Math.min(limits.maxEntries ?? MAX_ZIP_ENTRIES, MAX_ZIP_ENTRIES);
  if (bytes.length < 22) throw new VoiceFormatError(`${what} is not a valid zip archive (too short)`);
  const entries: ZipEntryInfo[] = [];
  try {
    unzipSync(bytes, {
      filter(file) {
        if (entries.length >= maxEntries) {
          throw new VoiceFormatError(`${what} lists more than ${maxEntries} entries`);
        }
        entries.push({ name: file.name, size: file.size, originalSize: file.originalSize, compression: file.compression });
        return false;
      },
    });
  } catch (e) {
    if (e instanceof VoiceFormatError) throw e;
    throw new VoiceFormatError(`${what} is not a valid zip archive: ${describe(e)}`, 'invalid_voice_file', { cause: e });
  }
  for (const entry of entries) {
    const { size, originalSize } = entry;
    if (!Number.isSafeInteger(size) || size < 0 || size > bytes.length) {
      throw new VoiceFormatError(`${what} is corrupt: entry "${entry.name}" claims ${size} stored bytes`);
    }
    if (!Number.isSafeInteger(originalSize) || originalSize < 0) {
      throw new VoiceFormatError(`${what} is corrupt: entry "${entry.name}" has an invalid size`);
    }
  }
  return entries;
}

/**
 * Reads the entries `select` picks (after the caller has vetted `entries`, from
 * `listZip`): refuses unknown compression methods and a summed uncompressed size
 * over the limit before inflating anything, and checks each result's length.
 */
export function extractZip(
  bytes: Uint8Array,
  entries: readonly ZipEntryInfo[],
  select: (name: string) => boolean,
  what: string,
  limits: ZipLimits = {},
): Map<string, Uint8Array> {
  const maxBytes = limits.maxUncompressedBytes ?? DEFAULT_MAX_UNCOMPRESSED_BYTES;
  const wanted = new Map<string, ZipEntryInfo>();
  let total = 0;
  for (const entry of entries) {
    if (!select(entry.name)) continue;
    if (wanted.has(entry.name)) throw new VoiceFormatError(`${what} holds entry "${entry.name}" twice`);
    if (entry.compression !== 0 && entry.compression !== 8) {
      throw new VoiceFormatError(
        `${what}: entry "${entry.name}" uses zip compression method ${entry.compression}; only stored and deflate are supported`,
      );
    }
    if (entry.compression === 0 && entry.size !== entry.originalSize) {
      throw new VoiceFormatError(`${what} is corrupt: stored entry "${entry.name}" has mismatched sizes`);
    }
    total += entry.originalSize;
    if (total > maxBytes) {
      throw new VoiceFormatError(
        `${what} would inflate to more than ${maxBytes} bytes (the limit for one upload); refusing to read it`,
      );
    }
    wanted.set(entry.name, entry);
  }
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => wanted.has(file.name) });
  } catch (e) {
    throw new VoiceFormatError(`${what} is not a valid zip archive: ${describe(e)}`, 'invalid_voice_file', { cause: e });
  }
  const out = new Map<string, Uint8Array>();
  for (const [name, entry] of wanted) {
    const data = Object.prototype.hasOwnProperty.call(files, name) ? files[name] : undefined;
    if (!data || data.length !== entry.originalSize) {
      throw new VoiceFormatError(`${what} is corrupt: entry "${name}" did not decompress to its declared size`);
    }
    out.set(name, data);
  }
  return out;
}
