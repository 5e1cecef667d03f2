/**
 * A minimal Ogg (RFC 3533) page writer for one logical stream whose packets
 * are small (as Opus packets are): every page carries whole packets only.
 */

export const OGG_BOS = 0x02;
export const OGG_EOS = 0x04;

const HEADER_SIZE = 27;
const MAX_SEGMENTS = 255;

/** CRC-32 as Ogg defines it: polynomial 0x04c11db7, not reflected, initial value 0, no final xor. */
const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let b = 0; b < 8; b++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

export function oggCrc32(bytes: Uint8Array): number {
  let crc = 0;
  for (let i = 0; i < bytes.length; i++) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ bytes[i]!) & 0xff]!) >>> 0;
  return crc;
}

export interface OggPacket {
  data: Uint8Array;
  /** Granule position at the end of this packet. */
  granule: number;
}

function segmentCount(packet: Uint8Array): number {
  return Math.floor(packet.length / 255) + 1;
}

export class OggStream {
  readonly #serial: number;
  #sequence = 0;

  constructor(serial: number) {
    this.#serial = serial >>> 0;
  }

  /** One page holding exactly these complete packets. */
  page(packets: readonly Uint8Array[], granule: number, flags = 0): Uint8Array {
    let segments = 0;
    let bodySize = 0;
    for (const p of packets) {
      segments += segmentCount(p);
      bodySize += p.length;
    }
    if (segments > MAX_SEGMENTS) throw new RangeError(`${segments} lacing values do not fit in one Ogg page`);

    const page = new Uint8Array(HEADER_SIZE + segments + bodySize);
    const view = new DataView(page.buffer);
    page.set([0x4f, 0x67, 0x67, 0x53]); // "OggS"
    page[4] = 0; // version
    page[5] = flags;
    view.setBigUint64(6, BigInt(granule), true);
    view.setUint32(14, this.#serial, true);
    view.setUint32(18, this.#sequence++, true);
    // bytes 22..25: CRC, zero while it is computed
    page[26] = segments;
    let lacing = HEADER_SIZE;
    let body = HEADER_SIZE + segments;
    for (const p of packets) {
      // A packet is 255-byte segments then one shorter (possibly empty) one that ends it.
      for (let left = p.length; left >= 255; left -= 255) page[lacing++] = 255;
      page[lacing++] = p.length % 255;
      page.set(p, body);
      body += p.length;
    }
    view.setUint32(22, oggCrc32(page), true);
    return page;
  }

  /**
   * Pages for a run of packets: as few as the lacing limit and `maxPackets`
   * allow; each page's granule is its last packet's; `flags` (e.g. EOS) go on
   * the last page only.
   */
  pages(packets: readonly OggPacket[], maxPackets: number, lastFlags = 0): Uint8Array[] {
    const out: Uint8Array[] = [];
    let start = 0;
    while (start < packets.length) {
      let end = start;
      let segments = 0;
      while (end < packets.length && end - start < maxPackets) {
        const s = segmentCount(packets[end]!.data);
        if (segments + s > MAX_SEGMENTS) break;
        segments += s;
        end++;
      }
      if (end === start) throw new RangeError('Ogg packet too large for one page');
      const group = packets.slice(start, end);
      out.push(this.page(group.map((p) => p.data), group[group.length - 1]!.granule, end === packets.length ? lastFlags : 0));
      start = end;
    }
    return out;
  }
}
