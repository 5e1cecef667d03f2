/**
 * Writing uncompressed (stored) zip archives one entry at a time, as `np.savez`
 * writes .npz files, with ZIP64 records once offsets pass 4 GiB.
 *
 * Hand-written rather than fflate's streaming `Zip`: fflate writes 32-bit offsets
 * only, and an export of 10,000 voices (522 KB each) is 5.2 GB, past what a
 * 32-bit zip can address. Entries themselves stay under 4 GiB (a voice is 1 MB at
 * most), so only offsets and the end records need ZIP64; readers (Python's
 * zipfile, Info-ZIP, 7-Zip) accept ZIP64 records wherever a field would overflow.
 */
import { crc32 } from './crc32.js';

const U32_MAX = 0xffffffff;
const U16_MAX = 0xffff;
/** Version 4.5: the first with ZIP64; 2.0 for plain entries, as Python writes them. */
const VERSION_ZIP64 = 45;
const VERSION_DEFAULT = 20;
/** DOS date of 1980-01-01 (time 00:00): a fixed timestamp keeps exports reproducible. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;

const encoder = new TextEncoder();

interface CentralRecord {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
}

/**
 * A stored-zip writer: `entry()` returns the bytes of one entry (header, data) to
 * send now, `finish()` the central directory and end records. Only the central
 * records (~80 bytes per entry) are kept between calls.
 */
export class StoredZipWriter {
  private offset = 0;
  private readonly records: CentralRecord[] = [];
  private finished = false;

  /** Bytes handed out so far. */
  get bytesWritten(): number {
    return this.offset;
  }

  /**
   * The chunks of one entry: its local header, then `data` itself (not copied).
   * `crc` is the CRC-32 of `data`, computed here when not given.
   */
  entry(name: string, data: Uint8Array, crc: number = crc32(data)): Uint8Array[] {
    if (this.finished) throw new Error('zip writer: entry() after finish()');
    if (data.length >= U32_MAX) throw new RangeError(`zip writer: entry "${name}" is 4 GiB or more; entries that large are not supported`);
    const nameBytes = encoder.encode(name);
    if (nameBytes.length > U16_MAX) throw new RangeError('zip writer: entry name too long');
    const header = new Uint8Array(30 + nameBytes.length);
    const v = new DataView(header.buffer);
    v.setUint32(0, 0x04034b50, true);
    v.setUint16(4, VERSION_DEFAULT, true);
    v.setUint16(6, utf8Flag(nameBytes), true);
    v.setUint16(8, 0, true); // stored
    v.setUint16(10, DOS_TIME, true);
    v.setUint16(12, DOS_DATE, true);
    v.setUint32(14, crc, true);
    v.setUint32(18, data.length, true);
    v.setUint32(22, data.length, true);
    v.setUint16(26, nameBytes.length, true);
    v.setUint16(28, 0, true);
    header.set(nameBytes, 30);
    this.records.push({ name: nameBytes, crc, size: data.length, offset: this.offset });
    this.offset += header.length + data.length;
    return [header, data];
  }

  /** The central directory and end records; the archive is complete after these bytes. */
  finish(): Uint8Array {
    if (this.finished) throw new Error('zip writer: finish() twice');
    this.finished = true;
    const cdOffset = this.offset;
    const parts: Uint8Array[] = [];
    let cdSize = 0;
    for (const r of this.records) {
      const zip64 = r.offset >= U32_MAX;
      const record = new Uint8Array(46 + r.name.length + (zip64 ? 12 : 0));
      const v = new DataView(record.buffer);
      v.setUint32(0, 0x02014b50, true);
      v.setUint16(4, zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, true); // made by (MS-DOS attributes)
      v.setUint16(6, zip64 ? VERSION_ZIP64 : VERSION_DEFAULT, true); // needed
      v.setUint16(8, utf8Flag(r.name), true);
      v.setUint16(10, 0, true);
      v.setUint16(12, DOS_TIME, true);
      v.setUint16(14, DOS_DATE, true);
      v.setUint32(16, r.crc, true);
      v.setUint32(20, r.size, true);
      v.setUint32(24, r.size, true);
      v.setUint16(28, r.name.length, true);
      v.setUint16(30, zip64 ? 12 : 0, true);
      // comment length, disk, internal and external attributes: all 0
      v.setUint32(42, zip64 ? U32_MAX : r.offset, true);
      record.set(r.name, 46);
      if (zip64) {
        // The ZIP64 extra field carries only the fields set to 0xFFFFFFFF: here the offset.
        const at = 46 + r.name.length;
        v.setUint16(at, 0x0001, true);
        v.setUint16(at + 2, 8, true);
        v.setBigUint64(at + 4, BigInt(r.offset), true);
      }
      parts.push(record);
      cdSize += record.length;
    }
    const count = this.records.length;
    const needZip64 = count >= U16_MAX || cdOffset >= U32_MAX || cdSize >= U32_MAX;
    if (needZip64) {
      const end64Offset = cdOffset + cdSize;
      const end64 = new Uint8Array(56 + 20);
      const v = new DataView(end64.buffer);
      v.setUint32(0, 0x06064b50, true);
      v.setBigUint64(4, BigInt(56 - 12), true); // size of the rest of this record
      v.setUint16(12, VERSION_ZIP64, true);
      v.setUint16(14, VERSION_ZIP64, true);
      // this disk and the directory's disk: 0
      v.setBigUint64(24, BigInt(count), true);
      v.setBigUint64(32, BigInt(count), true);
      v.setBigUint64(40, BigInt(cdSize), true);
      v.setBigUint64(48, BigInt(cdOffset), true);
      // the locator
      v.setUint32(56, 0x07064b50, true);
      v.setUint32(60, 0, true);
      v.setBigUint64(64, BigInt(end64Offset), true);
      v.setUint32(72, 1, true); // disks in all
      parts.push(end64);
    }
    const end = new Uint8Array(22);
    const v = new DataView(end.buffer);
    v.setUint32(0, 0x06054b50, true);
    v.setUint16(8, Math.min(count, U16_MAX), true);
    v.setUint16(10, Math.min(count, U16_MAX), true);
    v.setUint32(12, Math.min(cdSize, U32_MAX), true);
    v.setUint32(16, Math.min(cdOffset, U32_MAX), true);
    parts.push(end);
    const out = concat(parts);
    this.offset += out.length;
    return out;
  }
}

/** Bit 11 (names are UTF-8) when the name is not plain ASCII. */
function utf8Flag(name: Uint8Array): number {
  return name.some((b) => b >= 0x80) ? 0x800 : 0;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
