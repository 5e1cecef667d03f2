/**
 * Reading the zip archives voice files come in (.npz, .pt), with the guards an
 * upload needs. Every limit is checked against the central directory before
 * anything is inflated, inflation itself stops at each entry's declared size,
 * and every failure is a VoiceFormatError.
 *
 * Hand-written rather than fflate's `unzipSync`: that one inflates every entry to
 * the end of its deflate stream whatever the entry declares (a lying header costs
 * up to 1,032 × the archive in CPU), and it does not tell where an entry's data
 * lies, which a bounded inflate of one's own needs. Inflation is Node's zlib with
 * `maxOutputLength`, which stops as soon as the output passes the declared size.
 */
import { inflateRawSync } from 'node:zlib';
import { crc32 } from './crc32.js';
import { VoiceFormatError } from './tensor.js';

/** Most entries an archive may list. */
export const MAX_ZIP_ENTRIES = 10_000;
/**
 * An upload may inflate to this many times the upload limit. Voice data is float
 * noise in its low mantissa bits and deflates by a few percent at best, so a real
 * archive that fits in an upload holds about its own size of data; twice is room
 * to spare, and it bounds what a crafted archive can make the server allocate.
 */
export const INFLATE_PER_UPLOAD_BYTE = 2;
/** The cap when the caller names no upload limit: twice the default upload limit of 100 MiB. */
export const DEFAULT_MAX_UNCOMPRESSED_BYTES = INFLATE_PER_UPLOAD_BYTE * 100 * 1024 * 1024;
/**
 * Entries read may inflate to at most this many times the archive's own size
 * (above the floor below): real voices deflate to ~90 %, a zip bomb to 0.1 %.
 */
export const MAX_INFLATE_RATIO = 8;
/**
 * Archives may always inflate to this much, whatever the ratio, so small archives
 * of very regular test or placeholder voices (which deflate 100:1) still read:
 * it is 32 voices.
 */
export const MIN_INFLATE_BUDGET_BYTES = 16 * 1024 * 1024;

export interface ZipLimits {
  /** Most entries the archive may list (default and upper bound: 10,000). */
  maxEntries?: number;
  /** An explicit cap on the summed uncompressed size of the entries read. */
  maxUncompressedBytes?: number;
  /**
   * The upload limit the archive came in under: the entries read may inflate to
   * at most INFLATE_PER_UPLOAD_BYTE × this. Without it (nor maxUncompressedBytes)
   * the cap is DEFAULT_MAX_UNCOMPRESSED_BYTES.
   */
  maxUploadBytes?: number;
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

/** An entry as `listZip` found it, with what reading it needs. */
export interface ZipEntry extends ZipEntryInfo {
  /** Offset of its local header. */
  localOffset: number;
  /** General-purpose flags (bit 0: encrypted). */
  flags: number;
  crc: number;
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

/**
 * How many bytes the entries read from an archive of `archiveBytes` may inflate
 * to under `limits`: the smaller of the absolute cap (explicit, else derived from
 * the upload limit, else the default) and the ratio cap (with its floor).
 */
export function inflateLimit(archiveBytes: number, limits: ZipLimits = {}): number {
  let cap = limits.maxUncompressedBytes ?? Infinity;
  if (limits.maxUploadBytes !== undefined) cap = Math.min(cap, INFLATE_PER_UPLOAD_BYTE * limits.maxUploadBytes);
  if (cap === Infinity) cap = DEFAULT_MAX_UNCOMPRESSED_BYTES;
  return Math.min(cap, Math.max(MIN_INFLATE_BUDGET_BYTES, MAX_INFLATE_RATIO * archiveBytes));
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_END = 0x06054b50;
const SIG_END64 = 0x06064b50;
const SIG_END64_LOCATOR = 0x07064b50;
const END_SIZE = 22;
const END64_LOCATOR_SIZE = 20;
const END64_SIZE = 56;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Reads little-endian fields of `bytes`, every read bounds-checked. */
class Fields {
  private readonly view: DataView;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly fail: (why: string) => never,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private check(at: number, n: number): void {
    if (at < 0 || at + n > this.bytes.length) this.fail('truncated');
  }
  u16(at: number): number {
    this.check(at, 2);
    return this.view.getUint16(at, true);
  }
  u32(at: number): number {
    this.check(at, 4);
    return this.view.getUint32(at, true);
  }
  u64(at: number): number {
    this.check(at, 8);
    const v = this.view.getBigUint64(at, true);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) this.fail('a ZIP64 field is out of range');
    return Number(v);
  }
  slice(at: number, n: number): Uint8Array {
    this.check(at, n);
    return this.bytes.subarray(at, at + n);
  }
}

/** Where the central directory is and how many entries it lists (ZIP64 records included). */
function findCentralDirectory(f: Fields, length: number, fail: (why: string) => never): { offset: number; size: number; count: number } {
  let end = -1;
  for (let at = length - END_SIZE; at >= Math.max(0, length - END_SIZE - MAX_COMMENT); at--) {
    if (f.u32(at) === SIG_END) {
      end = at;
      break;
    }
  }
  if (end < 0) fail('no end-of-central-directory record');
  let count = f.u16(end + 10);
  let size = f.u32(end + 12);
  let offset = f.u32(end + 16);
  if (f.u16(end + 4) !== 0 && f.u16(end + 4) !== 0xffff) fail('archives split over several disks are not supported');
  const locator = end - END64_LOCATOR_SIZE;
  if (locator >= 0 && f.u32(locator) === SIG_END64_LOCATOR) {
    const end64 = f.u64(locator + 8);
    if (end64 + END64_SIZE > locator || f.u32(end64) !== SIG_END64) fail('the ZIP64 end record is missing or misplaced');
    if (f.u32(end64 + 16) !== 0 || f.u32(locator + 16) > 1) fail('archives split over several disks are not supported');
    count = f.u64(end64 + 32);
    size = f.u64(end64 + 40);
    offset = f.u64(end64 + 48);
    end = end64;
  }
  if (offset + size > end) fail('the central directory lies outside the archive');
  return { offset, size, count };
}

/** The extra field's ZIP64 values for the fields the header marks 0xFFFFFFFF, in the spec's order. */
function applyZip64(f: Fields, extraAt: number, extraLen: number, e: { originalSize: number; size: number; localOffset: number }, fail: (why: string) => never): void {
  const wantUsize = e.originalSize === 0xffffffff;
  const wantCsize = e.size === 0xffffffff;
  const wantOffset = e.localOffset === 0xffffffff;
  if (!wantUsize && !wantCsize && !wantOffset) return;
  for (let at = extraAt; at + 4 <= extraAt + extraLen; ) {
    const id = f.u16(at);
    const len = f.u16(at + 2);
    if (at + 4 + len > extraAt + extraLen) break;
    if (id === 0x0001) {
      let p = at + 4;
      const next = (): number => {
        if (p + 8 > at + 4 + len) fail('a ZIP64 extra field is too short');
        const v = f.u64(p);
        p += 8;
        return v;
      };
      if (wantUsize) e.originalSize = next();
      if (wantCsize) e.size = next();
      if (wantOffset) e.localOffset = next();
      return;
    }
    at += 4 + len;
  }
  fail('an entry needs a ZIP64 extra field that is missing');
}

/**
 * The archive's entries from its central directory, nothing inflated.
 * Throws when it lists more than `maxEntries` (checked before any entry is read).
 */
export function listZip(bytes: Uint8Array, what: string, limits: ZipLimits = {}): ZipEntry[] {
  const maxEntries = Math.min(limits.maxEntries ?? MAX_ZIP_ENTRIES, MAX_ZIP_ENTRIES);
  const fail = (why: string): never => {
    throw new VoiceFormatError(`${what} is not a valid zip archive: ${why}`);
  };
  if (bytes.length < END_SIZE) fail('too short');
  const f = new Fields(bytes, fail);
  const cd = findCentralDirectory(f, bytes.length, fail);
  if (cd.count > maxEntries) throw new VoiceFormatError(`${what} lists more than ${maxEntries} entries`);
  const entries: ZipEntry[] = [];
  const cdEnd = cd.offset + cd.size;
  let at = cd.offset;
  for (let i = 0; i < cd.count; i++) {
    if (at + CENTRAL_SIZE > cdEnd || f.u32(at) !== SIG_CENTRAL) fail(`central directory entry ${i + 1} is missing or corrupt`);
    const flags = f.u16(at + 8);
    const nameLen = f.u16(at + 28);
    const extraLen = f.u16(at + 30);
    const commentLen = f.u16(at + 32);
    const next = at + CENTRAL_SIZE + nameLen + extraLen + commentLen;
    if (next > cdEnd) fail(`central directory entry ${i + 1} runs past the directory`);
    const rawName = f.slice(at + CENTRAL_SIZE, nameLen);
    let name: string;
    try {
      name = flags & 0x800 ? utf8.decode(rawName) : latin1.decode(rawName);
    } catch {
      return fail(`entry ${i + 1} has a name that is not valid UTF-8`);
    }
    const entry: ZipEntry = {
      name,
      compression: f.u16(at + 10),
      crc: f.u32(at + 16),
      size: f.u32(at + 20),
      originalSize: f.u32(at + 24),
      localOffset: f.u32(at + 42),
      flags,
    };
    applyZip64(f, at + CENTRAL_SIZE + nameLen, extraLen, entry, fail);
    if (entry.size > bytes.length) {
      throw new VoiceFormatError(`${what} is corrupt: entry "${name}" claims ${entry.size} stored bytes`);
    }
    entries.push(entry);
    at = next;
  }
  return entries;
}

/** The stored bytes of an entry, found through its local header. */
function storedData(f: Fields, entry: ZipEntry, fail: (why: string) => never): Uint8Array {
  if (f.u32(entry.localOffset) !== SIG_LOCAL) fail(`entry "${entry.name}" has no local header where the directory says`);
  const start = entry.localOffset + LOCAL_SIZE + f.u16(entry.localOffset + 26) + f.u16(entry.localOffset + 28);
  return f.slice(start, entry.size);
}

/** Inflates a deflated entry, stopping as soon as the output passes its declared size. */
function inflateEntry(data: Uint8Array, entry: ZipEntry, what: string): Uint8Array {
  // zlib calls an empty input truncated; some writers store an empty deflated entry that way.
  if (data.length === 0) return data;
  try {
    // maxOutputLength must be at least 1; an empty entry that inflates to a byte still fails the length check.
    return inflateRawSync(data, { maxOutputLength: Math.max(1, entry.originalSize) });
  } catch (e) {
    const tooLarge = (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE';
    throw new VoiceFormatError(
      tooLarge
        ? `${what} is corrupt: entry "${entry.name}" inflates to more than the ${entry.originalSize} bytes it declares`
        : `${what} is corrupt: entry "${entry.name}" is not valid deflate data`,
      'invalid_voice_file',
      { cause: e },
    );
  }
}

/**
 * Reads the entries `select` picks (after the caller has vetted `entries`, from
 * `listZip`): refuses encrypted entries, unknown compression methods and a summed
 * declared size over `inflateLimit` before inflating anything; inflates each entry
 * no further than its declared size, and checks its length and CRC.
 */
export function extractZip(
  bytes: Uint8Array,
  entries: readonly ZipEntry[],
  select: (name: string) => boolean,
  what: string,
  limits: ZipLimits = {},
): Map<string, Uint8Array> {
  const limit = inflateLimit(bytes.length, limits);
  const wanted = new Map<string, ZipEntry>();
  let total = 0;
  for (const entry of entries) {
    if (!select(entry.name)) continue;
    if (wanted.has(entry.name)) throw new VoiceFormatError(`${what} holds entry "${entry.name}" twice`);
    if (entry.flags & 1) throw new VoiceFormatError(`${what}: entry "${entry.name}" is encrypted`);
    if (entry.compression !== 0 && entry.compression !== 8) {
      throw new VoiceFormatError(
        `${what}: entry "${entry.name}" uses zip compression method ${entry.compression}; only stored and deflate are supported`,
      );
    }
    if (entry.compression === 0 && entry.size !== entry.originalSize) {
      throw new VoiceFormatError(`${what} is corrupt: stored entry "${entry.name}" has mismatched sizes`);
    }
    total += entry.originalSize;
    if (total > limit) {
      const ratioBound = limit < inflateLimit(Infinity, limits);
      throw new VoiceFormatError(
        ratioBound
          ? `${what} would inflate to more than ${limit} bytes, over ${MAX_INFLATE_RATIO} times its own size; refusing to read it`
          : `${what} would inflate to more than ${limit} bytes (the limit for one upload); refusing to read it`,
      );
    }
    wanted.set(entry.name, entry);
  }
  const fail = (why: string): never => {
    throw new VoiceFormatError(`${what} is not a valid zip archive: ${why}`);
  };
  const f = new Fields(bytes, fail);
  const out = new Map<string, Uint8Array>();
  for (const [name, entry] of wanted) {
    const stored = storedData(f, entry, fail);
    const data = entry.compression === 0 ? stored : inflateEntry(stored, entry, what);
    if (data.length !== entry.originalSize) {
      throw new VoiceFormatError(`${what} is corrupt: entry "${name}" did not decompress to its declared size`);
    }
    if (crc32(data) !== entry.crc) throw new VoiceFormatError(`${what} is corrupt: entry "${name}" fails its CRC check`);
    out.set(name, data);
  }
  return out;
}
