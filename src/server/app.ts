import { homedir, tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import multipart from '@fastify/multipart';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Cloner } from '../cloning/cloner.js';
import type { Config } from '../config.js';
import type { EngineInfo } from '../engines/index.js';
import type { Logger } from '../logging.js';
import type { SpeechService } from '../speech/speech.js';
import type { VoiceLibrary } from '../voices/library.js';
import type { OpenAiCustomVoices } from '../voices/openai-custom.js';
import { installAuth } from './auth.js';
import { installBodyParsing } from './body.js';
import { installCrossSiteGuard, registerCors } from './cross-site.js';
import { MAX_PARAM_LENGTH, clientErrorHandler, frameworkErrorHandler, installErrorHandling } from './error-handler.js';
import { errors } from './errors.js';
import { withErrorResponses } from './openapi.js';
import { registerSecurityHeaders } from './headers.js';
import type { Metrics } from './metrics.js';
import { registerRateLimit } from './rate-limit.js';
import { analyzeRoutes } from './routes/analyze.js';
import { cloneRoutes, type SubmitThorough } from './routes/clone.js';
import { dashboardRoutes } from './routes/dashboard.js';
import { healthRoutes } from './routes/health.js';
import { jobRoutes } from './routes/jobs.js';
import type { JobRunner } from '../jobs/index.js';
import type { CatalogBackend } from '../store/open.js';
import { modelRoutes } from './routes/models.js';
import { openAiVoiceRoutes } from './routes/openai-voices.js';
import { pronunciationRoutes } from './routes/pronunciations.js';
import type { ServerLexicon } from '../pronunciations/index.js';
import { similarityRoutes } from './routes/similarity.js';
import { speechRoutes } from './routes/speech.js';
import { phonemeRoutes } from './routes/phonemes.js';
import { PhonemeService } from '../speech/phonemes.js';
import { lexiconDir } from '../engines/kokoro/g2p/lexicon-files.js';
import { voiceRoutes } from './routes/voices.js';
import type { Uploads } from './uploads/index.js';
import type { Drain } from './shutdown.js';

export interface AppDeps {
  config: Config;
  logger: Logger;
  engines: readonly EngineInfo[];
  library: VoiceLibrary;
  speech: SpeechService;
  metrics: Metrics;
  uploads: Uploads;
  /** The configured keys, read at start (config.apiKeys plus the key file). */
  apiKeys: readonly string[];
  /** config.corsOrigins, checked and normalised at start. */
  corsOrigins: readonly string[];
  drain: Drain;
  /** OpenAI's consents and custom voices (POST /v1/audio/voices answers 503 when it has no cloner). */
  customVoices: OpenAiCustomVoices;
  /** Background jobs (thorough clones); their routes are served when given. */
  jobs?: JobRunner;
  /** Makes clones (the server's ClonePool); without it, POST /v1/voices/create is not served. */
  cloner?: Cloner;
  /** The server pronunciation lexicon; its routes are served when given. */
  lexicon?: ServerLexicon;
  /** Starts a thorough clone as a job (the job runner); without it, thorough clones are 503 `jobs_unavailable`. */
  submitThorough?: SubmitThorough;
  /** Which store holds the catalog, shown by /health (default: sqlite). */
  catalogBackend?: CatalogBackend;
  /** POST /v1/audio/phonemes; default: one over the speech service's pieces and the model directory's lexicons. */
  phonemes?: PhonemeService;
}

const BODY_LIMIT = 1024 * 1024;
/** Where this build is installed (the checkout or package root). */
const INSTALL_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** HTTP only: plugins, hooks and the route groups; every decision lives in the services. */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Requests are logged once, in onResponse below, with their status and duration.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT,
    // Wrong types are 400s, not silently coerced ("1.5" is not a speed).
    ajv: { customOptions: { coerceTypes: false, allErrors: false } },
    clientErrorHandler,
    frameworkErrors: frameworkErrorHandler,
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    // The drain answers requests during shutdown itself, in the error shape.
    return503OnClosing: false,
    // Node would answer a missing Host with a bare 400; the hook below answers in the error shape.
    http: { requireHostHeader: false },
  });
  const { config } = deps;
  installErrorHandling(app, deps.logger, {
    bodyLimit: BODY_LIMIT,
    privatePaths: [config.dataDir, config.modelDir ?? '', config.logDir ?? '', INSTALL_ROOT, process.cwd(), tmpdir(), homedir()],
  });
  // onRequest order matters: headers first (so every answer has them), CORS (so a listed page can
  // read its errors), then the drain, the cross-site guard and the key check; the rate limit
  // runs after them as a per-route hook.
  await registerSecurityHeaders(app);
  await registerCors(app, deps.corsOrigins);
  app.addHook('onRequest', async (request) => {
    // HTTP/1.1 requires Host, and the cross-site guard compares Origin with it.
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1') throw errors.badRequest('no Host header');
  });
  deps.drain.install(app);
  installCrossSiteGuard(app, deps.corsOrigins);
  installAuth(app, { keys: deps.apiKeys, metricsPublic: config.metricsPublic });
  await registerRateLimit(app, { perMinute: config.rateLimitPerMinute, keyed: deps.apiKeys.length > 0, metricsPublic: config.metricsPublic });
  installBodyParsing(app);
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    deps.metrics.httpDuration.observe(
      { method: request.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    deps.logger.info(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });
  // A client that goes away mid-answer gets no onResponse: its request is logged when the connection closes.
  app.addHook('onRequest', async (request, reply) => {
    reply.raw.once('close', () => {
      if (reply.raw.writableFinished) return;
      deps.logger.info(
        { event: 'request.aborted', method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request aborted: the connection closed before the answer was complete',
      );
    });
  });

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'LiteTTS',
        description: 'OpenAI-compatible text-to-speech with a durable voice library',
        version: '0.1.0',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: withErrorResponses,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  await app.register(multipart, { limits: { fileSize: deps.config.maxUploadMb * 1024 * 1024 } });

  speechRoutes(app, { library: deps.library, speech: deps.speech, maxInputChars: deps.config.maxInputChars, ...(deps.lexicon && { lexicon: deps.lexicon }) });
  const phonemes = deps.phonemes ?? new PhonemeService({ pieces: (input, language, options) => deps.speech.pieces(input, language, options), lexiconDir: lexiconDir(deps.config.modelDir!) });
  phonemeRoutes(app, { library: deps.library, phonemes, maxInputChars: deps.config.maxInputChars, ...(deps.lexicon && { lexicon: deps.lexicon }) });
  voiceRoutes(app, deps.library, deps.uploads, deps.config.maxUploadMb * 1024 * 1024);
  analyzeRoutes(app, deps.uploads, deps.config.maxUploadMb * 1024 * 1024);
  similarityRoutes(app, { uploads: deps.uploads, library: deps.library, speech: deps.speech, maxUploadBytes: deps.config.maxUploadMb * 1024 * 1024 });
  openAiVoiceRoutes(app, { customVoices: deps.customVoices, library: deps.library, uploads: deps.uploads, maxUploadBytes: deps.config.maxUploadMb * 1024 * 1024 });
  if (deps.cloner) {
    cloneRoutes(app, {
      uploads: deps.uploads,
      library: deps.library,
      cloner: deps.cloner,
      engines: deps.engines,
      maxUploadBytes: deps.config.maxUploadMb * 1024 * 1024,
      fastBudgetMs: deps.config.cloneFastSeconds * 1000,
      submitThorough: deps.submitThorough,
    });
  }
  if (deps.lexicon) pronunciationRoutes(app, deps.lexicon);
  modelRoutes(app, deps.engines);
  healthRoutes(app, {
    engines: deps.engines,
    library: deps.library,
    metrics: deps.metrics,
    catalogBackend: deps.catalogBackend ?? 'sqlite',
    ...(deps.jobs && { jobs: deps.jobs }),
    onCatalogError: (error) => deps.logger.error({ err: error }, 'health check: the catalog cannot be read'),
  });
  if (deps.jobs) jobRoutes(app, { runner: deps.jobs, library: deps.library, speech: deps.speech });
  await dashboardRoutes(app);
  return app;
}
