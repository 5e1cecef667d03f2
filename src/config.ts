import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { MP3_BITRATES } from './audio/encoders/mp3-bitrates.js';

/**
 * One typed configuration. Sources, strongest first: command-line flags, LITETTS_*
 * environment variables, a JSON config file (--config / LITETTS_CONFIG), defaults.
 * A bad value stops the start with a message naming the setting and where it came from.
 */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** The same list as logging.ts's LOG_FORMATS (config stays free of the logger's imports). */
const LOG_FORMATS = ['auto', 'pretty', 'json'] as const;

/**
 * A PostgreSQL connection URL: postgres:// or postgresql://, with a host. The message never
 * repeats the value (it may hold a password).
 */
function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '' && /^\/?[^/]*$/.test(url.pathname);
  } catch {
    return false;
  }
}

const schema = z
  .object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
    dataDir: z.string().min(1),
    databaseUrl: z
      .string()
      .refine(isPostgresUrl, 'must be a PostgreSQL URL such as postgres://user:password@host:5432/litetts (postgres:// or postgresql://, with a host)')
      .nullable(),
    databasePoolSize: z.number().int().min(1).max(100),
    logLevel: z.enum(LOG_LEVELS),
    logDir: z.string().min(1).nullable(),
    logFormat: z.enum(LOG_FORMATS),
    workers: z.number().int().min(1).max(64),
    maxQueue: z.number().int().min(0).max(100_000),
    maxInputChars: z.number().int().min(1).max(1_000_000),
    defaultVoice: z.string().min(1).nullable(),
    voiceAliases: z.record(z.string(), z.string()),
    apiKeys: z.array(z.string().min(1)),
    apiKeysFile: z.string().min(1).nullable(),
    metricsPublic: z.boolean(),
    corsOrigins: z.array(z.string().min(1)),
    rateLimitPerMinute: z.number().int().min(0).max(1_000_000),
    shutdownGraceSeconds: z.number().int().min(0).max(3600),
    maxReferenceSeconds: z.number().int().min(1).max(3600),
    uploadConcurrency: z.number().int().min(1).max(64),
    uploadTimeoutSeconds: z.number().int().min(1).max(3600),
    mp3Bitrate: z
      .number()
      .int()
      .refine((kbps) => (MP3_BITRATES as readonly number[]).includes(kbps), `must be one of ${MP3_BITRATES.join(', ')} (kbit/s, the bitrates MP3 has)`),
    opusBitrate: z.number().int().min(6).max(256),
    aacBitrate: z.number().int().min(16).max(320),
    sentenceMaxChars: z.number().int().min(20).max(5000),
    firstSentenceMaxChars: z.number().int().min(10).max(5000),
    temporaryTtlSeconds: z.number().int().min(1),
    maxTtlSeconds: z.number().int().min(1),
    cleanupIntervalSeconds: z.number().int().min(1),
    maxUploadMb: z.number().int().min(1).max(4096),
    voiceCacheMb: z.number().int().min(1).max(65536),
    audioCacheMb: z.number().int().min(0).max(65536),
    modelDir: z.string().min(1).nullable(),
    // A file name in the model directory: one of the repository's variants, or an export of one's own.
    modelVariant: z.string().regex(/^[^/\\]+\.onnx$/, 'must be an .onnx file name (no folders), e.g. model_quantized.onnx'),
    modelBaseUrl: z.string().url(),
    modelAutoDownload: z.boolean(),
    onnxThreads: z.number().int().min(0).max(256),
    speakerModel: z.string().min(1).nullable(),
    voiceConsentRequired: z.boolean(),
    consentThreshold: z.number().min(0).max(1),
    maxJobs: z.number().int().min(1).max(64),
    jobRetentionHours: z.number().int().min(1).max(24 * 365),
    jobHeartbeatSeconds: z.number().int().min(1).max(3600),
    jobStaleSeconds: z.number().int().min(2).max(24 * 3600),
    jobPollSeconds: z.number().int().min(1).max(3600),
    cloneThreads: z.number().int().min(1).max(64),
    cloneQueue: z.number().int().min(0).max(1000),
    cloneFastSeconds: z.number().int().min(1).max(60),
  })
  .strict();

export type Config = z.infer<typeof schema>;
export type ConfigKey = keyof Config;

export function defaultConfig(): Config {
  return {
    host: '127.0.0.1',
    port: 8356,
    dataDir: './data',
    databaseUrl: null,
    databasePoolSize: 8,
    logLevel: 'info',
    logDir: null,
    logFormat: 'auto',
    workers: Math.max(1, availableParallelism()),
    maxQueue: 64,
    maxInputChars: 4096,
    defaultVoice: null,
    voiceAliases: {},
    apiKeys: [],
    apiKeysFile: null,
    metricsPublic: false,
    corsOrigins: [],
    rateLimitPerMinute: 0,
    shutdownGraceSeconds: 10,
    maxReferenceSeconds: 300,
    uploadConcurrency: 2,
    uploadTimeoutSeconds: 60,
    mp3Bitrate: 64,
    opusBitrate: 32,
    aacBitrate: 64,
    sentenceMaxChars: 400,
    firstSentenceMaxChars: 80,
    temporaryTtlSeconds: 24 * 3600,
    maxTtlSeconds: 30 * 24 * 3600,
    cleanupIntervalSeconds: 3600,
    maxUploadMb: 100,
    voiceCacheMb: 64,
    audioCacheMb: 64,
    modelDir: null,
    modelVariant: 'model_quantized.onnx',
    modelBaseUrl: 'https://huggingface.co/onnx-community/Kokoro-82M-v1.0-ONNX/resolve/main',
    modelAutoDownload: true,
    onnxThreads: 0,
    speakerModel: null,
    voiceConsentRequired: true,
    // The scorer's equal-error point (see the README's speaker-similarity section).
    consentThreshold: 0.5,
    maxJobs: 1,
    jobRetentionHours: 24,
    jobHeartbeatSeconds: 5,
    jobStaleSeconds: 30,
    jobPollSeconds: 2,
    cloneThreads: 1,
    cloneQueue: 2,
    cloneFastSeconds: 3,
  };
}

type Kind = 'string' | 'int' | 'number' | 'bool' | 'list' | 'map' | 'nullable-string';

/** Each setting, its environment variable and its kind (how text from env/flags is read). */
export const SETTINGS: Readonly<Record<ConfigKey, { env: string; kind: Kind; help: string }>> = {
  host: { env: 'LITETTS_HOST', kind: 'string', help: 'address to listen on' },
  port: { env: 'LITETTS_PORT', kind: 'int', help: 'port to listen on (0 = any free port)' },
  dataDir: { env: 'LITETTS_DATA_DIR', kind: 'string', help: 'directory holding everything the server owns' },
  databaseUrl: {
    env: 'LITETTS_DATABASE_URL',
    kind: 'nullable-string',
    help: 'postgres://… : keep the catalog (voices, jobs, consents, lexicon) in PostgreSQL instead of <data-dir>/voices.db, shared by every replica',
  },
  databasePoolSize: { env: 'LITETTS_DATABASE_POOL_SIZE', kind: 'int', help: 'PostgreSQL connections per process in the pool (with --database-url; the change feed holds one more)' },
  logLevel: { env: 'LITETTS_LOG_LEVEL', kind: 'string', help: `log level (${LOG_LEVELS.join(', ')})` },
  logDir: { env: 'LITETTS_LOG_DIR', kind: 'nullable-string', help: 'also write main.log and errors.log here' },
  logFormat: { env: 'LITETTS_LOG_FORMAT', kind: 'string', help: `log lines on stdout (${LOG_FORMATS.join(', ')}; auto: pretty on a terminal, else JSON)` },
  workers: { env: 'LITETTS_WORKERS', kind: 'int', help: 'synthesis worker threads (default: CPU cores)' },
  maxQueue: { env: 'LITETTS_MAX_QUEUE', kind: 'int', help: 'speech requests allowed to wait beyond the workers; more get 503' },
  maxInputChars: { env: 'LITETTS_MAX_INPUT_CHARS', kind: 'int', help: 'longest accepted speech input, in characters' },
  defaultVoice: { env: 'LITETTS_DEFAULT_VOICE', kind: 'nullable-string', help: 'voice spoken when none is named (default: af_heart once Kokoro is installed, else espeak-en-us-female)' },
  voiceAliases: { env: 'LITETTS_VOICE_ALIASES', kind: 'map', help: 'OpenAI voice names to builtin voices, e.g. alloy=espeak-en-us-female,echo=…' },
  apiKeys: { env: 'LITETTS_API_KEYS', kind: 'list', help: 'comma-separated API keys; when set every /v1 route needs one' },
  apiKeysFile: { env: 'LITETTS_API_KEYS_FILE', kind: 'nullable-string', help: 'file of API keys, one per line (# comments), added to --api-keys; keeps keys out of `ps`' },
  metricsPublic: { env: 'LITETTS_METRICS_PUBLIC', kind: 'bool', help: 'serve /metrics without a key even when API keys are set (true/false)' },
  corsOrigins: { env: 'LITETTS_CORS_ORIGINS', kind: 'list', help: 'comma-separated browser origins allowed to call the API cross-site (default: none)' },
  rateLimitPerMinute: { env: 'LITETTS_RATE_LIMIT_PER_MINUTE', kind: 'int', help: 'requests per minute per API key (or address without keys); 0 = no limit' },
  shutdownGraceSeconds: { env: 'LITETTS_SHUTDOWN_GRACE_SECONDS', kind: 'int', help: 'on SIGTERM, how long in-flight requests may take to finish' },
  maxReferenceSeconds: { env: 'LITETTS_MAX_REFERENCE_SECONDS', kind: 'int', help: 'longest stretch of reference audio decoded and analysed; the rest is ignored (and the analysis says so)' },
  uploadConcurrency: { env: 'LITETTS_UPLOAD_CONCURRENCY', kind: 'int', help: 'uploads (imports, reference audio) parsed at the same time; more get 503' },
  uploadTimeoutSeconds: { env: 'LITETTS_UPLOAD_TIMEOUT_SECONDS', kind: 'int', help: 'longest an upload may take to parse or decode before it is refused' },
  mp3Bitrate: { env: 'LITETTS_MP3_BITRATE', kind: 'int', help: `mp3 bitrate, kbit/s (${MP3_BITRATES.join(', ')})` },
  opusBitrate: { env: 'LITETTS_OPUS_BITRATE', kind: 'int', help: 'opus bitrate, kbit/s' },
  aacBitrate: { env: 'LITETTS_AAC_BITRATE', kind: 'int', help: 'aac bitrate, kbit/s' },
  sentenceMaxChars: { env: 'LITETTS_SENTENCE_MAX_CHARS', kind: 'int', help: 'longest text piece synthesised at once' },
  firstSentenceMaxChars: { env: 'LITETTS_FIRST_SENTENCE_MAX_CHARS', kind: 'int', help: 'longest first piece (keeps time to first audio low)' },
  temporaryTtlSeconds: { env: 'LITETTS_TEMPORARY_TTL_SECONDS', kind: 'int', help: 'lifetime of a temporary voice unless the request sets ttl_seconds' },
  maxTtlSeconds: { env: 'LITETTS_MAX_TTL_SECONDS', kind: 'int', help: 'longest ttl_seconds a request may ask for' },
  cleanupIntervalSeconds: { env: 'LITETTS_CLEANUP_INTERVAL_SECONDS', kind: 'int', help: 'how often expired temporary voices are swept' },
  maxUploadMb: { env: 'LITETTS_MAX_UPLOAD_MB', kind: 'int', help: 'largest accepted upload (voice import, reference audio), MiB' },
  voiceCacheMb: { env: 'LITETTS_VOICE_CACHE_MB', kind: 'int', help: 'memory for decoded voice data, MiB (least recently used go first)' },
  audioCacheMb: { env: 'LITETTS_AUDIO_CACHE_MB', kind: 'int', help: 'memory for synthesised audio of repeated requests, MiB (0 = off)' },
  modelDir: { env: 'LITETTS_MODEL_DIR', kind: 'nullable-string', help: 'Kokoro model files (default: <data-dir>/models/kokoro)' },
  modelVariant: { env: 'LITETTS_MODEL_VARIANT', kind: 'string', help: 'Kokoro ONNX variant to install and load' },
  modelBaseUrl: { env: 'LITETTS_MODEL_BASE_URL', kind: 'string', help: 'where the Kokoro repository files are downloaded from' },
  modelAutoDownload: {
    env: 'LITETTS_MODEL_AUTO_DOWNLOAD',
    kind: 'bool',
    help: 'download the Kokoro model and voices in the background when the server starts without them (true/false)',
  },
  onnxThreads: { env: 'LITETTS_ONNX_THREADS', kind: 'int', help: 'onnxruntime threads per synthesis thread (0 = cores shared among the workers)' },
  speakerModel: {
    env: 'LITETTS_SPEAKER_MODEL',
    kind: 'nullable-string',
    help: 'speaker-embedding ONNX model (input: batch × frames × 80 log-mel fbank) whose cosine joins the hand-made speaker-similarity score',
  },
  voiceConsentRequired: {
    env: 'LITETTS_VOICE_CONSENT_REQUIRED',
    kind: 'bool',
    help: 'POST /v1/audio/voices needs a consent whose speaker the sample matches (true/false; serve --no-voice-consent: false)',
  },
  consentThreshold: {
    env: 'LITETTS_CONSENT_THRESHOLD',
    kind: 'number',
    help: 'least speaker similarity (0..1) of a voice sample to its consent recording; 0.5 is the scorer\'s equal-error point',
  },
  maxJobs: { env: 'LITETTS_MAX_JOBS', kind: 'int', help: 'background jobs (thorough clones) run at the same time; more wait their turn, fairly across sessions' },
  jobRetentionHours: { env: 'LITETTS_JOB_RETENTION_HOURS', kind: 'int', help: 'how long a finished job stays visible in /v1/jobs before it is removed' },
  jobHeartbeatSeconds: { env: 'LITETTS_JOB_HEARTBEAT_SECONDS', kind: 'int', help: 'how often a replica running a job marks it alive in the store' },
  jobStaleSeconds: {
    env: 'LITETTS_JOB_STALE_SECONDS',
    kind: 'int',
    help: 'a running job not marked alive for this long is taken to have lost its replica and is resumed by another (at least twice the heartbeat)',
  },
  jobPollSeconds: { env: 'LITETTS_JOB_POLL_SECONDS', kind: 'int', help: 'how often each replica looks in the store for queued jobs and stale ones' },
  cloneThreads: { env: 'LITETTS_CLONE_THREADS', kind: 'int', help: 'threads making fast voice clones (POST /v1/voices/create), one clone each' },
  cloneQueue: { env: 'LITETTS_CLONE_QUEUE', kind: 'int', help: 'fast clones allowed to wait for a clone thread; more get 503' },
  cloneFastSeconds: { env: 'LITETTS_CLONE_FAST_SECONDS', kind: 'int', help: 'time a fast clone searches for, seconds' },
};

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export interface ConfigSources {
  /** Values from command-line flags, already keyed by setting; strings are parsed like env values. */
  flags?: Partial<Record<ConfigKey, unknown>>;
  env?: NodeJS.ProcessEnv;
  /** Path of a JSON config file; defaults to LITETTS_CONFIG when set. */
  file?: string | null;
}

export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? process.env;
  const merged: Record<string, unknown> = { ...defaultConfig() };
  const origin: Record<string, string> = {};

  const file = sources.file ?? env.LITETTS_CONFIG ?? null;
  if (file) {
    for (const [key, value] of Object.entries(readConfigFile(file))) {
      if (!Object.hasOwn(SETTINGS, key)) throw new ConfigError(`Unknown setting '${key}' in config file ${file}`);
      merged[key] = value;
      origin[key] = `config file ${file}`;
    }
  }
  for (const [key, setting] of Object.entries(SETTINGS) as [ConfigKey, (typeof SETTINGS)[ConfigKey]][]) {
    const raw = env[setting.env];
    if (raw !== undefined && raw !== '') {
      origin[key] = `environment variable ${setting.env}`;
      merged[key] = parseText(raw, setting.kind, key, origin[key]);
    }
  }
  for (const [key, value] of Object.entries(sources.flags ?? {})) {
    if (value === undefined) continue;
    const setting = Object.hasOwn(SETTINGS, key) ? SETTINGS[key as ConfigKey] : undefined;
    if (!setting) throw new ConfigError(`Unknown setting '${key}'`);
    origin[key] = `flag --${kebab(key)}`;
    merged[key] = typeof value === 'string' ? parseText(value, setting.kind, key, origin[key]) : value;
  }

  const result = schema.safeParse(merged);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    const key = String(issue.path[0] ?? '');
    const from = origin[key] ?? 'default';
    throw new ConfigError(`Invalid setting '${key}' (from ${from}): ${issue.message}`);
  }
  const config = result.data;
  if (config.temporaryTtlSeconds > config.maxTtlSeconds) {
    throw new ConfigError(
      `Invalid setting 'temporaryTtlSeconds' (from ${origin.temporaryTtlSeconds ?? 'default'}): ` +
        `must not exceed maxTtlSeconds (${config.maxTtlSeconds}, from ${origin.maxTtlSeconds ?? 'default'})`,
    );
  }
  if (config.jobStaleSeconds < 2 * config.jobHeartbeatSeconds) {
    // One late heartbeat must not hand a living job to another replica.
    throw new ConfigError(
      `Invalid setting 'jobStaleSeconds' (from ${origin.jobStaleSeconds ?? 'default'}): ` +
        `must be at least twice jobHeartbeatSeconds (${config.jobHeartbeatSeconds}, from ${origin.jobHeartbeatSeconds ?? 'default'})`,
    );
  }
  if (config.firstSentenceMaxChars > config.sentenceMaxChars) {
    throw new ConfigError(
      `Invalid setting 'firstSentenceMaxChars' (from ${origin.firstSentenceMaxChars ?? 'default'}): ` +
        `must not exceed sentenceMaxChars (${config.sentenceMaxChars}, from ${origin.sentenceMaxChars ?? 'default'})`,
    );
  }
  return {
    ...config,
    dataDir: resolve(config.dataDir),
    logDir: config.logDir === null ? null : resolve(config.logDir),
    modelDir: resolve(config.modelDir ?? join(config.dataDir, 'models', 'kokoro')),
  };
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`Config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`Config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Reads a setting given as text (env or flag); wrong text keeps its raw form so validation names it. */
function parseText(raw: string, kind: Kind, key: string, from: string): unknown {
  const source = `setting '${key}' (from ${from})`;
  switch (kind) {
    case 'string':
      return raw;
    case 'nullable-string':
      return raw === 'null' || raw === 'none' ? null : raw;
    case 'int': {
      // Plain decimal digits only: Number() would read '' or ' ' as 0 and '0x10' as 16.
      const n = /^\s*[+-]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw new ConfigError(`Invalid value for ${source}: '${raw}' is not a whole number`);
      return n;
    }
    case 'number': {
      // Plain decimals only (0.5, .5, 1): no exponents, hex or empty text read as 0.
      const n = /^\s*[+-]?(\d+(\.\d*)?|\.\d+)\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isFinite(n)) throw new ConfigError(`Invalid value for ${source}: '${raw}' is not a number`);
      return n;
    }
    case 'bool': {
      const text = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(text)) return true;
      if (['0', 'false', 'no', 'off'].includes(text)) return false;
      throw new ConfigError(`Invalid value for ${source}: '${raw}' is not true or false`);
    }
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
    case 'map': {
      const map: Record<string, string> = {};
      for (const pair of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
        const [k, v, ...rest] = pair.split('=').map((s) => s.trim());
        if (!k || !v || rest.length > 0) throw new ConfigError(`Invalid value for ${source}: '${pair}' is not name=voice`);
        map[k.toLowerCase()] = v;
      }
      return map;
    }
  }
}

export function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}
