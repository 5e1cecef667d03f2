import type Database from 'better-sqlite3';

/**
 * How the SQLite catalog stores a person's bytes (voice data, consent recordings, clone
 * inputs) so that deleting them leaves no copy in the file.
 *
 * secure_delete zeroes a cell where it is deleted, but when SQLite rebalances a b-tree it
 * rebuilds pages without clearing their unused space (rebuildPage in btree.c), so a copy
 * of a cell that moved to a sibling page can stay in the old page's gap, and is never
 * zeroed: a seeded churn of small voices shows it (sqlite.test.ts). Only the first part of
 * a record (at most page size - 35 bytes) lives in the b-tree cell; the rest goes to
 * overflow pages, which are never moved or copied and are zeroed whole when freed. So the
 * blob is stored behind a pad at least one page long:
 *
 *   [pad length L: u32 big-endian][L - 4 zero bytes][the bytes]
 *
 * and no byte of it is ever in a cell. The length is in the blob so that a database whose
 * page size changed (VACUUM) still reads. It costs one page per blob.
 */
const HEADER = 4;

export function padBlob(bytes: Uint8Array, pageSize: number): Buffer {
  const pad = Math.max(pageSize, HEADER);
  const stored = Buffer.alloc(pad + bytes.byteLength);
  stored.writeUInt32BE(pad, 0);
  stored.set(bytes, pad);
  return stored;
}

/** The bytes behind the pad (a view of `stored`, not a copy). */
export function unpadBlob(stored: Buffer): Buffer {
  const pad = stored.byteLength >= HEADER ? stored.readUInt32BE(0) : -1;
  if (pad < HEADER || pad > stored.byteLength) throw new Error(`a stored blob has no valid pad (${stored.byteLength} bytes)`);
  return stored.subarray(pad);
}

export function pageSizeOf(db: Database.Database): number {
  return db.pragma('page_size', { simple: true }) as number;
}

/**
 * Schema 3 → 4: pads every blob stored before. Each row is rewritten on its own (the old
 * cell is freed and zeroed by secure_delete); rows are read one at a time, so memory
 * stays at one blob however large the library.
 */
export function padStoredBlobs(db: Database.Database): void {
  const pageSize = pageSizeOf(db);
  const tables: [table: string, key: string, column: string][] = [
    ['voice_data', 'content_hash', 'data'],
    ['consents', 'id', 'recording'],
    ['job_data', 'job_id', 'input'],
  ];
  for (const [table, key, column] of tables) {
    const keys = db.prepare(`SELECT ${key} AS k FROM ${table}`).pluck().all() as string[];
    const read = db.prepare(`SELECT ${column} FROM ${table} WHERE ${key} = ?`).pluck();
    const write = db.prepare(`UPDATE ${table} SET ${column} = ? WHERE ${key} = ?`);
    for (const k of keys) write.run(padBlob(read.get(k) as Buffer, pageSize), k);
  }
}
