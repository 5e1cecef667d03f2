import { constants, deflateRawSync } from 'node:zlib';
import { crc32 } from '../voices/formats/crc32.js';

/** One entry of a hand-made archive: its bytes as stored, and what its headers claim. */
export interface CraftedEntry {
  name: string;
  /** The entry's data as it lies in the archive (already deflated when `method` is 8). */
  stored: Uint8Array;
  /** 0 stored (default), 8 deflate. */
  method?: number;
  /** The uncompressed size the headers declare (default: the stored size). */
  declaredSize: number;
  /** Default: the CRC-32 of `stored`, right for stored entries only. */
  crc?: number;
}

/**
 * A zip archive written byte by byte, so that tests can make its headers say
 * anything (sizes that lie, bombs that would take seconds to deflate for real).
 */
export function craftZip(entries: readonly CraftedEntry[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const crc = e.crc ?? crc32(e.stored);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(8, e.method ?? 0, true);
    lv.setUint32(14, crc, true);
    lv.setUint32(18, e.stored.length, true);
    lv.setUint32(22, e.declaredSize, true);
    lv.setUint16(26, name.length, true);
    local.set(name, 30);
    const cd = new Uint8Array(46 + name.length);
    const cv = new DataView(cd.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(10, e.method ?? 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, e.stored.length, true);
    cv.setUint32(24, e.declaredSize, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    cd.set(name, 46);
    chunks.push(local, e.stored);
    central.push(cd);
    offset += local.length + e.stored.length;
  }
  const cdSize = central.reduce((n, c) => n + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, offset, true);
  return Buffer.concat([...chunks, ...central, end]);
}

/**
 * Raw deflate of `chunk` repeated `times` times, made from one deflated copy: a
 * full flush resets the dictionary, so the copies can be concatenated and closed
 * with an empty final block. A gigabyte of zeros costs a millisecond this way.
 */
export function deflateRepeated(chunk: Uint8Array, times: number, prefix = new Uint8Array(0), suffix = new Uint8Array(0)): Uint8Array {
  const flushed = (data: Uint8Array) => deflateRawSync(data, { finishFlush: constants.Z_FULL_FLUSH });
  const body = flushed(chunk);
  const parts: Uint8Array[] = [];
  if (prefix.length > 0) parts.push(flushed(prefix));
  for (let i = 0; i < times; i++) parts.push(body);
  parts.push(deflateRawSync(suffix)); // ends with the final block
  return Buffer.concat(parts);
}
