import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { engineInfos } from '../engines/index.js';
import { WorkerPoolRenderer, type Renderer } from '../engines/renderer.js';
import { createLogger, type Logger } from '../logging.js';
import { SpeechService } from '../speech/speech.js';
import { openLibrary } from '../voices/open.js';
import { buildApp } from './app.js';
import { Metrics } from './metrics.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

/** Assembles the server from config: engines, library, renderer threads, services, HTTP. */
export async function startServer(config: Config): Promise<RunningServer> {
  const logger = createLogger(config);
  const engines = engineInfos();
  const { library, catalog } = openLibrary(config, engines, { logger });
  const renderer: Renderer = new WorkerPoolRenderer(config.workers);
  const metrics = new Metrics();
  const speech = new SpeechService(renderer, config, metrics);
  const app = await buildApp({ config, logger, engines, library, speech, metrics });

  // One sweeper per process; expired voices are invisible before it runs, it only reclaims their space.
  await library.cleanup();
  const sweeper = setInterval(() => {
    library.cleanup().catch((error: unknown) => logger.error({ err: error }, 'temporary voice cleanup failed'));
  }, config.cleanupIntervalSeconds * 1000);
  sweeper.unref();

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');
  logger.info(
    { url, dataDir: config.dataDir, engines: engines.map((e) => ({ id: e.id, available: e.available() })) },
    `LiteTTS listening on ${url}`,
  );
  // Warm engines and encoders after listening, so start-up stays fast; early requests just wait a little.
  const started = performance.now();
  const warm = Promise.all([renderer.warmUp(engines.filter((e) => e.available()).map((e) => e.id)), speech.warmUpEncoders()]).then(
    () => logger.info({ ms: Math.round(performance.now() - started), threads: renderer.threads }, 'engines warmed up'),
    (error: unknown) => logger.error({ err: error }, 'engine warm-up failed'),
  );
  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    logger,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        await warm;
        await app.close();
        await renderer.close();
        await catalog.close();
        logger.flush();
      })()),
  };
}
