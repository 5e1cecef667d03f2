import type { Logger } from '../../logging.js';
import type { DownloadProgress } from './http-download.js';
import { INSTALL_LOCK_STALE_MS } from './install-lock.js';
import type { KokoroInstall } from './install.js';
import type { KokoroCatalog } from './model-files.js';
import { createProgressBar, type ProgressStream } from './progress.js';
import { PULL_ADVICE, pullModel } from './pull.js';

export interface AutoInstallOptions {
  install: KokoroInstall;
  baseUrl: string;
  logger: Logger;
  signal?: AbortSignal;
  /** What the repository holds; tests substitute their own. */
  catalog?: KokoroCatalog;
  /** A terminal to draw a progress bar on besides the logs (the server passes stderr when it is one). */
  terminal?: ProgressStream;
  retries?: number;
  retryDelayMs?: number;
  /** The install lock's stale window in ms; default INSTALL_LOCK_STALE_MS (tests shorten it). */
  lockStaleMs?: number;
}

/**
 * Installs Kokoro in the background of a server that started without it: the configured
 * variant and the voice packs, verified (size, SHA-256) and placed atomically. Offline or on
 * any failure it logs how to install by hand and resolves false; espeak serves meanwhile.
 * Resolves true when Kokoro became available.
 */
export async function autoInstallKokoro(options: AutoInstallOptions): Promise<boolean> {
  const { install, logger } = options;
  if (install.modelInstalled() && install.installedVoices().size > 0) return false;
  if (!install.modelInstalled() && install.foundModels().length > 0) {
    // Someone's own download with models to choose from: downloading another beside them would not help.
    logger.warn({ event: 'model.ambiguous', dir: install.dir, found: install.foundModels() }, `Kokoro is not loaded: ${install.modelProblem()}`);
    return false;
  }
  const started = performance.now();
  const lockStaleMs = options.lockStaleMs ?? INSTALL_LOCK_STALE_MS;
  const log = progressLog(logger);
  const bar = options.terminal?.isTTY ? createProgressBar(options.terminal) : null;
  install.downloading = { file: install.variant, received: 0, total: null };
  logger.info(
    { event: 'model.download.start', dir: install.dir, variant: install.variant, from: options.baseUrl },
    `Kokoro is not installed; downloading ${install.variant} and its voices in the background (espeak serves meanwhile)`,
  );
  try {
    const result = await pullModel({
      dir: install.dir,
      variant: install.variant,
      baseUrl: options.baseUrl,
      onProgress: (progress) => {
        // Kept between files (a finished one shows as whole) until the pull ends, so the whole install's progress never blinks out.
        install.downloading = { file: progress.file, received: progress.received, total: progress.total, ...(progress.overall && { overall: progress.overall }) };
        log(progress);
        bar?.(progress);
      },
      ...(options.signal && { signal: options.signal }),
      ...(options.catalog && { catalog: options.catalog }),
      ...(options.retries !== undefined && { retries: options.retries }),
      ...(options.retryDelayMs !== undefined && { retryDelayMs: options.retryDelayMs }),
      // A server restarted right after being killed mid-download (a container's restart policy)
      // finds its own former lock, not yet stale: waiting out one window takes it over. A live
      // holder (a `models pull` beside it) keeps its lock fresh, and the wait ends in a refusal.
      lock: { staleMs: lockStaleMs, waitMs: lockStaleMs + 1000 },
    });
    install.refresh();
    logger.info(
      { event: 'model.download.done', downloaded: result.downloaded.length, skipped: result.skipped.length, ms: Math.round(performance.now() - started) },
      `Kokoro ${install.variant} is installed in ${install.dir}`,
    );
    return install.modelInstalled();
  } catch (error) {
    if (options.signal?.aborted) return false;
    const message = error instanceof Error ? error.message : String(error);
    logger.warn(
      { event: 'model.download.failed', err: error },
      `Kokoro could not be downloaded (espeak serves meanwhile): ${message}${message.includes(PULL_ADVICE) ? '' : `; ${PULL_ADVICE}`}; ` +
        'or retry with `litetts models pull`',
    );
    return false;
  } finally {
    install.downloading = null;
  }
}

/** One log line per file at each quarter, not one per chunk. */
function progressLog(logger: Logger): (progress: DownloadProgress) => void {
  const reported = new Map<string, number>();
  return ({ file, received, total, done }) => {
    // 0–3: quarters under way (the first is not logged), 4: done and verified.
    const quarter = done ? 4 : total ? Math.min(3, Math.floor((4 * received) / total)) : 0;
    if ((reported.get(file) ?? -1) >= quarter) return;
    reported.set(file, quarter);
    if (quarter === 0 && !done) return;
    logger.info({ event: 'model.download.progress', file, received, total, done }, done ? `${file} installed` : `${file}: ${quarter * 25}%`);
  };
}
