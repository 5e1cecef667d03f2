import type { CatalogFilter, VoiceRow } from './catalog.js';
import { ListMemo } from './list-memo.js';
import type { OwnWrite } from './postgres-voices.js';

/**
 * The list promise of `VoiceCatalog.list` for the PostgreSQL catalog: one array object per
 * filter while nothing it depends on changed. Every voice write, by any replica, raises the
 * `voices` counter in its own transaction (postgres-voices.ts), so reading that one row tells
 * whether the snapshot of every row's metadata is still current; when it is not, the rows are
 * read again, once however many calls ask at the same time. The counter is read before the
 * rows: a snapshot is never newer than the version it is kept under, only possibly older,
 * which the next call then notices.
 *
 * This replica's own writes are taken in without reading every row again: a write that
 * raised the counter from the snapshot's version to the next one changed nothing but its own
 * rows, so the snapshot plus those rows is the catalog at the new version. When another
 * replica wrote in between, the versions do not follow on and the next call reads all rows.
 */
export class VoiceLists {
  private rows: VoiceRow[] | null = null;
  private version = -1;
  private loading: { version: number; promise: Promise<VoiceRow[]> } | null = null;
  private readonly lists = new ListMemo();

  constructor(
    private readonly readVersion: () => Promise<number>,
    private readonly readRows: () => Promise<VoiceRow[]>,
  ) {}

  async list(filter: CatalogFilter, now: number): Promise<VoiceRow[]> {
    return this.lists.list(await this.snapshot(), filter, now);
  }

  /** A committed write of this replica (postgres-voices.ts `finish`). */
  committed(write: OwnWrite): void {
    if (this.rows === null || write.version !== this.version + 1) return;
    const keyOf = (row: VoiceRow) => row.name.toLowerCase();
    const rows = this.rows.filter((row) => !write.rows.has(keyOf(row)));
    for (const row of write.rows.values()) {
      if (row === undefined) continue;
      const key = keyOf(row);
      let lo = 0;
      let hi = rows.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (keyOf(rows[mid]!) < key) lo = mid + 1;
        else hi = mid;
      }
      rows.splice(lo, 0, row);
    }
    this.rows = rows;
    this.version = write.version;
  }

  private async snapshot(): Promise<VoiceRow[]> {
    const version = await this.readVersion();
    if (this.rows !== null && this.version === version) return this.rows;
    let loading = this.loading;
    if (loading?.version !== version) {
      const promise = this.readRows().then((rows) => {
        // Another call may have loaded a later version meanwhile; the newest stays.
        if (version >= this.version) {
          this.rows = rows;
          this.version = version;
        }
      });
      loading = { version, promise: promise.then(() => this.rows!) };
      this.loading = loading;
      const done = () => {
        if (this.loading === loading) this.loading = null;
      };
      promise.then(done, done);
    }
    return loading.promise;
  }
}
