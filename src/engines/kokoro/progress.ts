/** The download progress of `litetts models pull` (and of a server started in a terminal) on stderr. */
import type { DownloadProgress, ProgressCallback } from './http-download.js';

/** The parts of a stream the progress bar uses (process.stderr fits). */
export interface ProgressStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

const MB = 1_000_000;
const REDRAW_MS = 100;

function megabytes(bytes: number): string {
  return (bytes / MB).toFixed(1);
}

/**
 * On a TTY, one line redrawn in place (at most every 100 ms): file, percentage, MB, rate.
 * Otherwise one line per finished file.
 */
export function createProgressBar(stream: ProgressStream): ProgressCallback {
  let file = '';
  let started = 0;
  let startBytes = 0;
  let lastDraw = -Infinity;
  return (p: DownloadProgress): void => {
    const now = performance.now();
    if (p.file !== file) [file, started, startBytes, lastDraw] = [p.file, now, p.received, -Infinity];
    const seconds = (now - started) / 1000;
    const rate = seconds > 0 ? (p.received - startBytes) / seconds : 0;
    if (!stream.isTTY) {
      if (p.done) stream.write(`${p.file}  ${megabytes(p.received)} MB  ${seconds.toFixed(1)} s  ${megabytes(rate)} MB/s\n`);
      return;
    }
    if (!p.done && now - lastDraw < REDRAW_MS) return;
    lastDraw = now;
    const percent = p.total ? `${((100 * p.received) / p.total).toFixed(1).padStart(5)}%` : '    ?%';
    const size = p.total === null ? megabytes(p.received) : `${megabytes(p.received)}/${megabytes(p.total)}`;
    let line = `${p.file}  ${percent}  ${size} MB  ${megabytes(rate)} MB/s`;
    if (stream.columns && line.length >= stream.columns) line = line.slice(0, stream.columns - 1);
    stream.write(`\r${line}\x1b[K${p.done ? '\n' : ''}`);
  };
}
