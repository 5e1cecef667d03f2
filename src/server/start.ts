import type { FastifyInstance } from 'fastify';
import { ConfigError, type Config } from '../config.js';
import { engineInfos, type EngineInfo } from '../engines/index.js';
import { WorkerPoolRenderer, type Renderer } from '../engines/renderer.js';
import { ESPEAK_OPENAI_ALIASES } from '../engines/espeak/index.js';
import { createLogger, type Logger } from '../logging.js';
import { SpeechService } from '../speech/speech.js';
import { VoiceLibrary } from '../voices/library.js';
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
  const library = new VoiceLibrary(engines, openAiAliases(engines, config));
  const renderer: Renderer = new WorkerPoolRenderer(config.workers);
  const metrics = new Metrics();
  const speech = new SpeechService(renderer, config, metrics);
  const app = await buildApp({ config, logger, engines, library, speech, metrics });

  const started = performance.now();
  await Promise.all([renderer.warmUp(engines.filter((e) => e.available()).map((e) => e.id)), speech.warmUpEncoders()]);
  logger.info({ ms: Math.round(performance.now() - started), threads: renderer.threads }, 'engines warmed up');

  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');
  logger.info(
    { url, dataDir: config.dataDir, engines: engines.map((e) => ({ id: e.id, available: e.available() })) },
    `LiteTTS listening on ${url}`,
  );
  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    logger,
    close: () =>
      (closing ??= (async () => {
        await app.close();
        await renderer.close();
        logger.flush();
      })()),
  };
}

/** Each OpenAI voice name maps to a builtin voice; configured aliases win over the engines' defaults. */
function openAiAliases(engines: readonly EngineInfo[], config: Config): Record<string, string> {
  const aliases: Record<string, string> = { ...ESPEAK_OPENAI_ALIASES, ...config.voiceAliases };
  const names = new Set(engines.flatMap((e) => e.builtinVoices().map((v) => v.name.toLowerCase())));
  for (const [alias, target] of Object.entries(aliases)) {
    if (!names.has(target.toLowerCase())) {
      throw new ConfigError(`Invalid setting 'voiceAliases': '${alias}' maps to '${target}', which is not a builtin voice`);
    }
  }
  return aliases;
}
