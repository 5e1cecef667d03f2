/**
 * CRC-32 (the zip / PNG polynomial), for writing zip entries and checking the
 * entries read. Node's own `zlib.crc32` (Node ≥ 20.15, ~1 GB/s) when present;
 * before that a table-driven one, a few times slower but the same result.
 */
import * as zlib from 'node:zlib';

type Crc32 = (data: Uint8Array, value?: number) => number;

const native = (zlib as { crc32?: Crc32 }).crc32;

let table: Int32Array | undefined;

function tableCrc32(data: Uint8Array, value = 0): number {
  if (!table) {
    table = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      table[n] = c;
    }
  }
  let crc = ~value;
  for (let i = 0; i < data.length; i++) crc = table[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The CRC-32 of `data`, continuing from `value` (the CRC of what came before). */
export const crc32: Crc32 = native ?? tableCrc32;

/** The table-driven implementation, exported so tests can check it against the native one. */
export const crc32Portable: Crc32 = tableCrc32;
