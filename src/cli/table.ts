/**
 * Plain columns with a header, as `docker ps` or `kubectl get` print them: padded with spaces, no
 * borders, so that `grep`, `awk` and `cut` still work. Hand-written: a dozen lines, where the
 * table libraries draw boxes.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [header, ...rows].map((r) => `${line(r)}\n`).join('');
}
