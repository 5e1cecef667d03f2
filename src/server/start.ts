import { cloneJobHandler, submitThoroughClone } from '../jobs/clone-job.js';
import { jobObject } from './routes/jobs.js';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { ClonePool, SpeechActivity, observeSpeechActivity } from '../cloning/pool/index.js';
import { EncoderThreads } from '../audio/encoders/threads.js';
import type { Cloner } from '../cloning/cloner.js';
import type { Config } from '../config.js';
import { createEngines, engineSettings, type EngineInfo } from '../engines/index.js';
import { WorkerPoolRenderer, type Renderer, type WarmUpVoice } from '../engines/renderer.js';
import { createLogger, type LogSettings, type Logger } from '../logging.js';
import { SpeechService } from '../speech/speech.js';
import type { VoiceLibrary } from '../voices/library.js';
import { OpenAiCustomVoices } from '../voices/openai-custom.js';
import { openLibrary } from '../voices/open.js';
import { buildApp } from './app.js';
import { loadApiKeys } from './auth.js';
import { parseOrigins } from './cross-site.js';
import { Metrics } from './metrics.js';
import { autoInstallKokoro } from '../engines/kokoro/auto-install.js';
import { Drain } from './shutdown.js';
import { Uploads } from './uploads/index.js';
import { JobRunner, asJobStore, instanceIdOf } from '../jobs/index.js';
import { openServerLexicon } from '../pronunciations/index.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  logger: Logger;
  /** Background jobs: job types' handlers register here (`jobs.register('clone', handler)`). */
  jobs: JobRunner;
  /**
   * Graceful stop: refuse new work, let in-flight requests finish for up to
   * shutdownGraceSeconds (then cut them), close the renderer and the catalog, flush logs.
   */
  close(): Promise<void>;
}

export interface ServerOptions {
  /** What makes clones (POST /v1/audio/voices); closed with the server. Without one that route answers 503. */
  cloner?: Cloner;
}

/** Assembles the server from config: engines, library, renderer threads, services, HTTP. */
export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  // Settings that need files or parsing are checked before anything starts (ConfigError → exit 2).
  const apiKeys = loadApiKeys(config);
  const corsOrigins = parseOrigins(config.corsOrigins);
  const logger = createLogger(config);
  // Worker threads log with the same settings (the format too: they write to the same stdout).
  const log: LogSettings = { logLevel: config.logLevel, logDir: config.logDir, logFormat: config.logFormat };
  const settings = engineSettings(config, config.workers);
  const engines = createEngines(settings);
  const { library, catalog, backend } = await openLibrary(config, engines, { logger });
  const renderer: Renderer = new WorkerPoolRenderer(config.workers, { engines: settings, log });
  const metrics = new Metrics(engines);
  const encoders = EncoderThreads.forSynthesisThreads(config.workers);
  // Background clones read how many speech requests are being served, to let them go first.
  const speechActivity = new SpeechActivity();
  const speech = new SpeechService(renderer, config, observeSpeechActivity(speechActivity, metrics), encoders);
  const uploads = await Uploads.open(config, (error) => logger.error({ err: error }, 'upload thread failed'));
  const cloner = new ClonePool({
    engines: settings,
    log,
    fastThreads: config.cloneThreads,
    cacheDir: join(config.dataDir, 'cache'),
    fastQueue: config.cloneQueue,
    // The job runner's setting, where it is configured: the background thread runs that many jobs at once.
    backgroundTasks: (config as Partial<Record<'maxJobs', number>>).maxJobs ?? 2,
    speechActivity,
    onCloned: (info) => logger.info({ event: 'clone.made', ...info }, 'clone made'),
    onError: (error) => logger.error({ err: error }, 'clone thread failed'),
  });
  const drain = new Drain();
  const customVoices = new OpenAiCustomVoices({
    library,
    consents: catalog,
    cloner: options.cloner ?? cloner,
    consentRequired: config.voiceConsentRequired,
    consentThreshold: config.consentThreshold,
  });
  // Job handlers (the thorough clone) register on `jobs` before it starts; queued jobs wait for theirs.
  const jobs = new JobRunner({
    store: asJobStore(catalog),
    instanceId: instanceIdOf(config.dataDir),
    maxJobs: config.maxJobs,
    retentionHours: config.jobRetentionHours,
    logger,
    timings: { heartbeatMs: config.jobHeartbeatSeconds * 1000, staleMs: config.jobStaleSeconds * 1000, pollMs: config.jobPollSeconds * 1000 },
  });
  const lexicon = openServerLexicon(catalog, engines, () => library.defaultVoiceName());
  const app = await buildApp({ config, logger, engines, library, speech, metrics, uploads, apiKeys, corsOrigins, drain, customVoices, jobs, lexicon, catalogBackend: backend, cloner: options.cloner ?? cloner, submitThorough: submitThoroughClone(jobs, (row) => jobObject(row, library)) });
  jobs.register('clone', cloneJobHandler({ cloner: options.cloner ?? cloner, ttl: { defaultSeconds: config.temporaryTtlSeconds } }));

  // One sweeper per process; expired voices are invisible before it runs, it only reclaims their space.
  await library.cleanup();
  const sweeper = setInterval(() => {
    library.cleanup().catch((error: unknown) => logger.error({ err: error }, 'temporary voice cleanup failed'));
  }, config.cleanupIntervalSeconds * 1000);
  sweeper.unref();

  // Jobs left running by a crash resume now; queued ones start.
  await jobs.start();
  const address = await app.listen({ host: config.host, port: config.port });
  const url = address.replace('[::1]', 'localhost');
  logger.info(
    {
      url,
      dataDir: config.dataDir,
      modelDir: settings.modelDir,
      defaultVoice: library.defaultVoiceName(),
      engines: engines.map((e) => ({ id: e.id, available: e.available(), ...(!e.available() && { install: e.installHint }) })),
    },
    `LiteTTS listening on ${url}; dashboard ${url}/, API docs ${url}/docs; ${enginesLine(engines, config.modelAutoDownload)}`,
  );
  // Warm engines and encoders after listening, so start-up stays fast; early requests just wait a little.
  const started = performance.now();
  const warm = Promise.all([warmUp(renderer, engines, library), speech.warmUpEncoders(), cloner.warmUp()]).then(
    () => logger.info({ ms: Math.round(performance.now() - started), threads: renderer.threads }, 'engines warmed up'),
    (error: unknown) => {
      // Closing ends the threads under a warm-up still running: not a failure.
      if (closing === null) logger.error({ err: error }, 'engine warm-up failed');
    },
  );
  // Kokoro's voice atlas, built once per model and packs, in the background: the first Kokoro clone finds it ready.
  const buildAtlas = (): Promise<void> =>
    cloner.buildAtlas().then(
      (report) => logger.info({ event: 'clone.atlas', ...report }, 'Kokoro voice atlas ready'),
      (error: unknown) => {
        if (closing === null) logger.warn({ err: error }, 'Kokoro voice atlas could not be built; the first Kokoro clone builds it');
      },
    );
  const atlas = warm.then(() => (engines[0].available() ? buildAtlas() : undefined));

  // Kokoro missing: fetch it in the background; it serves as soon as it is in place.
  const downloads = new AbortController();
  const [kokoro] = engines;
  const installing = config.modelAutoDownload
    ? warm
        .then(() =>
          autoInstallKokoro({ install: kokoro.install, baseUrl: config.modelBaseUrl, logger, signal: downloads.signal, terminal: process.stderr }),
        )
        .then(async (installed) => {
          if (!installed) return;
          await warmUp(renderer, [kokoro], library);
          await atlas;
          await buildAtlas();
        })
        .catch((error: unknown) => {
          if (closing === null) logger.error({ err: error }, 'Kokoro warm-up failed');
        })
    : Promise.resolve();

  let closing: Promise<void> | null = null;
  return {
    app,
    url,
    logger,
    jobs,
    close: () =>
      (closing ??= (async () => {
        clearInterval(sweeper);
        downloads.abort();
        // Running jobs are aborted at once and requeued to resume on the next start.
        const jobsClosed = jobs.close();
        const { cutShort } = await drain.stop(app, config.shutdownGraceSeconds * 1000);
        await jobsClosed;
        if (cutShort) logger.warn({ graceSeconds: config.shutdownGraceSeconds }, 'requests still running after the grace period were cut');
        // A warm-up (or the atlas, or Kokoro's install) still running is not waited for: closing
        // the threads ends it, and a server stopped right after it started stops at once.
        await renderer.close();
        await options.cloner?.close();
        await uploads.close();
        await cloner.close();
        await encoders.close();
        await Promise.allSettled([warm, atlas, installing]);
        await catalog.close();
        logger.info('stopped');
        logger.flush();
      })()),
  };
}

/** Each available engine's default voice, once on every thread, where that voice is installed. */
async function warmUp(renderer: Renderer, engines: readonly EngineInfo[], library: VoiceLibrary): Promise<void> {
  const voices: WarmUpVoice[] = [];
  for (const engine of engines) {
    const builtin = engine.builtinVoices().find((v) => v.name === engine.defaultVoice);
    if (!engine.available() || !builtin?.installed()) continue;
    const { voice, data } = await library.voiceData(builtin.name);
    voices.push({ voice: data, language: voice.language });
  }
  await renderer.warmUp(voices);
}

/** The start-up line's engines: which speak now, and what the others wait for. */
function enginesLine(engines: readonly EngineInfo[], autoDownload: boolean): string {
  const states = engines.map((e) => {
    if (e.available()) return `${e.id} ready`;
    if (e.id === 'kokoro' && autoDownload) return `${e.id} not installed (downloading it in the background)`;
    return `${e.id} not installed (\`litetts models pull\`, or LITETTS_MODEL_DIR)`;
  });
  return `engines: ${states.join(', ')}`;
}
