import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isatty } from 'node:tty';
import { pino, stdSerializers, type DestinationStream, type Level, type Logger, type StreamEntry } from 'pino';
import { PinoPretty } from 'pino-pretty';
import type { Config } from './config.js';

export type { Logger } from 'pino';

export type LogFormat = Config['logFormat'];

/** What a logger is made from; worker threads get the same object from the server. */
export type LogSettings = Pick<Config, 'logLevel' | 'logDir'> & { logFormat?: LogFormat };

/**
 * Logs on stdout: one human-readable line per event when stdout is a terminal, JSON otherwise
 * (`logFormat` 'pretty' or 'json' chooses). With a log directory also main.log (everything at
 * the configured level) and errors.log (errors only), always JSON. Files are appended to, so a
 * restart keeps history; rotate them with logrotate or similar. Errors are logged with their
 * type, message and code; their stack traces only at the debug and trace levels.
 */
export function createLogger(config: LogSettings, stdout = true): Logger {
  const level = config.logLevel;
  const streamLevel: Level = level === 'silent' ? 'fatal' : level;
  const streams: StreamEntry[] = [];
  if (stdout) streams.push({ level: streamLevel, stream: stdoutStream(config.logFormat ?? 'auto') });
  if (config.logDir) {
    mkdirSync(config.logDir, { recursive: true });
    streams.push({ level: streamLevel, stream: pino.destination({ dest: join(config.logDir, 'main.log'), mkdir: true, sync: false }) });
    streams.push({ level: 'error', stream: pino.destination({ dest: join(config.logDir, 'errors.log'), mkdir: true, sync: false }) });
  }
  const withStack = level === 'debug' || level === 'trace';
  return pino(
    {
      level,
      base: { service: 'litetts' },
      timestamp: pino.stdTimeFunctions.isoTime,
      serializers: { err: (error: Error) => (withStack ? stdSerializers.err(error) : withoutStack(error)) },
    },
    pino.multistream(streams, { dedupe: false }),
  );
}

/** `isatty(1)` rather than process.stdout.isTTY: worker threads write to the same descriptor. */
function stdoutStream(format: LogFormat): DestinationStream {
  const pretty = format === 'pretty' || (format === 'auto' && isatty(1));
  if (!pretty) return pino.destination({ fd: 1, sync: false });
  return PinoPretty({
    destination: 1,
    colorize: isatty(1),
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    // pino-pretty prints an error over several lines: it goes into the message line instead (its stack, at debug, below it).
    ignore: 'pid,hostname,service,err',
    messageFormat: (log, messageKey) => `${String(log[messageKey] ?? '')}${errorSuffix(log.err)}`,
  });
}

function errorSuffix(err: unknown): string {
  if (typeof err !== 'object' || err === null) return '';
  const { type, message, code, stack } = err as { type?: string; message?: string; code?: unknown; stack?: string };
  const head = ` (${type ?? 'Error'}${code !== undefined ? ` ${String(code)}` : ''}: ${message ?? ''})`;
  return stack ? `${head}\n${stack}` : head;
}

function withoutStack(error: Error): Record<string, unknown> {
  const { stack: _stack, ...rest } = stdSerializers.err(error);
  return rest;
}
