import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger, type StreamEntry } from 'pino';
import type { Config } from './config.js';

export type { Logger } from 'pino';

/**
 * JSON logs on stdout; with a log directory also main.log (everything at the
 * configured level) and errors.log (errors only). Files are appended to, so a
 * restart keeps history; rotate them with logrotate or similar.
 */
export function createLogger(config: Pick<Config, 'logLevel' | 'logDir'>, stdout = true): Logger {
  const level = config.logLevel;
  const streams: StreamEntry[] = [];
  if (stdout) streams.push({ level: level === 'silent' ? 'fatal' : level, stream: pino.destination({ fd: 1, sync: false }) });
  if (config.logDir) {
    mkdirSync(config.logDir, { recursive: true });
    streams.push({ level: level === 'silent' ? 'fatal' : level, stream: pino.destination({ dest: join(config.logDir, 'main.log'), mkdir: true, sync: false }) });
    streams.push({ level: 'error', stream: pino.destination({ dest: join(config.logDir, 'errors.log'), mkdir: true, sync: false }) });
  }
  return pino(
    { level, base: { service: 'litetts' }, timestamp: pino.stdTimeFunctions.isoTime },
    pino.multistream(streams, { dedupe: false }),
  );
}
