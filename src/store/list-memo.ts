import type { CatalogFilter, VoiceRow } from './catalog.js';

/**
 * The filtered lists of a catalog's snapshot, kept while nothing they depend on has changed (the
 * snapshot array, and no included voice has expired since), so the same array comes back and
 * callers can keep what they derive from it, such as a serialised response, keyed by identity.
 * Both catalogs (SQLite and PostgreSQL) hold their rows as one sorted snapshot and list through this.
 */
export class ListMemo {
  private readonly lists = new Map<string, { from: VoiceRow[]; validUntil: number; result: VoiceRow[] }>();

  list(rows: VoiceRow[], filter: CatalogFilter, now: number): VoiceRow[] {
    const key = `${filter.kind ?? ''}\0${filter.engine ?? ''}\0${filter.sessionId ?? '\u0001'}`;
    const known = this.lists.get(key);
    if (known && known.from === rows && now < known.validUntil) return known.result;
    let validUntil = Number.POSITIVE_INFINITY;
    const result = rows.filter((row) => {
      const keep =
        (row.expiresAt === null || row.expiresAt > now) &&
        (filter.kind === undefined || row.kind === filter.kind) &&
        (filter.engine === undefined || row.engine === filter.engine) &&
        (filter.sessionId === undefined || row.sessionId === filter.sessionId);
      if (keep && row.expiresAt !== null) validUntil = Math.min(validUntil, row.expiresAt);
      return keep;
    });
    if (this.lists.size > 64) this.lists.clear();
    this.lists.set(key, { from: rows, validUntil, result });
    return result;
  }
}
