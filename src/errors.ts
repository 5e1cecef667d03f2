/**
 * Domain errors: what went wrong below the HTTP layer, each with a stable code and a kind.
 * Services, the voice library, engines' callers and the CLI throw these; only the HTTP layer
 * (server/errors.ts) knows statuses, and it maps each kind to one, once. Parsers keep their
 * own error classes (VoiceFormatError, BlendError, CatalogError) and their callers turn them
 * into these.
 */
export type ErrorKind =
  | 'invalid' // the request is malformed or out of range
  | 'not_found'
  | 'conflict' // a name is taken, or the operation conflicts with the voice's kind
  | 'too_large'
  | 'unsupported' // a media type that cannot be used at all
  | 'unusable' // well-formed input that cannot be used (audio too short, silent, clipped)
  | 'busy' // overloaded now; retry later
  | 'unavailable' // an engine or model is not installed here
  | 'failed'; // our fault

export class LiteTtsError extends Error {
  override name = 'LiteTtsError';
  constructor(
    readonly kind: ErrorKind,
    readonly code: string,
    message: string,
    readonly param: string | null = null,
    /** Seconds the client should wait before retrying (busy, unavailable). */
    readonly retryAfter?: number,
    /** Structured details for the client, e.g. the analysis of unusable audio. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

const invalid = (code: string, message: string, param: string | null = null) => new LiteTtsError('invalid', code, message, param);

export const errors = {
  invalidParam: (param: string, message: string, code = 'invalid_parameter') => invalid(code, message, param),
  missingParam: (param: string) => invalid('missing_parameter', `Missing required parameter '${param}'`, param),
  unknownLanguage: (value: string, known: readonly string[]) =>
    invalid('unknown_language', `Unknown language ${JSON.stringify(value)}; Kokoro phonemises ${known.join(', ')} (or name a voice)`, 'language'),
  emptyInput: () => invalid('empty_input', "'input' must contain something to speak", 'input'),
  inputTooLong: (length: number, max: number) => invalid('input_too_long', `'input' is ${length} characters long; the maximum is ${max}`, 'input'),
  invalidSpeed: (value: unknown) => invalid('invalid_speed', `'speed' must be a number from 0.25 to 4.0, got ${JSON.stringify(value)}`, 'speed'),
  invalidFormat: (value: unknown, allowed: readonly string[]) =>
    invalid('invalid_response_format', `Unsupported response_format ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`, 'response_format'),
  invalidModel: (value: unknown, allowed: readonly string[]) =>
    invalid('invalid_model', `Unknown model ${JSON.stringify(value)}; use one of ${allowed.join(', ')}`, 'model'),
  invalidVoiceName: (name: string, param = 'name') =>
    invalid('invalid_voice_name', `Invalid voice name ${JSON.stringify(name)}: use 1-64 characters of A-Z a-z 0-9 _ -, starting with a letter or digit`, param),
  voiceNotFound: (name: string, param = 'voice') => new LiteTtsError('not_found', 'voice_not_found', `Voice '${name}' does not exist`, param),
  nameTaken: (name: string, kind: string, param = 'name') =>
    new LiteTtsError('conflict', 'voice_name_taken', `The name '${name}' is already taken by a ${kind} voice (names compare case-insensitively)`, param),
  nameReserved: (name: string, param = 'name') =>
    new LiteTtsError(
      'conflict',
      'voice_name_reserved',
      `The name '${name}' is reserved: it is an OpenAI voice name or a configured alias, which always means the voice it maps to. Choose another name, or map the alias to your voice with --voice-aliases ${name.toLowerCase()}=<your voice>`,
      param,
    ),
  builtinReadOnly: (name: string, verb: string) => new LiteTtsError('conflict', 'builtin_voice', `'${name}' is a builtin voice and cannot be ${verb}`, 'name'),
  wrongKind: (message: string) => new LiteTtsError('conflict', 'wrong_voice_kind', message, 'name'),
  sessionMismatch: (message: string) => new LiteTtsError('not_found', 'session_mismatch', message, 'session_id'),
  invalidVoiceFile: (detail: string) => invalid('invalid_voice_file', `Cannot import voice file: ${detail}`, 'file'),
  mixedEngines: (param = 'voice') => invalid('mixed_engines', 'All voices of a blend must belong to one engine', param),
  invalidBlend: (detail: string, param = 'voice') => invalid('invalid_blend', `Invalid voice blend: ${detail}`, param),
  busy: (retryAfter: number) => new LiteTtsError('busy', 'server_busy', 'The server is busy; retry shortly', null, retryAfter),
  /** Text the catalog cannot keep (a NUL character, with PostgreSQL): the message is the catalog's. */
  invalidText: (message: string) => invalid('invalid_text', message, null),
  engineUnavailable: (engine: string, howToInstall: string) =>
    new LiteTtsError('unavailable', 'engine_unavailable', `The ${engine} engine is not installed here. ${howToInstall}`, null, 60),
  engineLoadFailed: (engine: string, detail: string) =>
    new LiteTtsError('unavailable', 'engine_unavailable', `The ${engine} engine could not load (${detail}). Reinstall its files with \`litetts models pull\`.`, null, 60),
  voiceNotInstalled: (name: string, reason: string, howToInstall: string, param = 'voice') =>
    new LiteTtsError('unavailable', 'voice_not_installed', `Voice '${name}' is not installed here: ${reason}. ${howToInstall}`, param, 60),
  synthesisFailed: (detail: string) => new LiteTtsError('failed', 'synthesis_failed', `Synthesis failed: ${detail}`),
  // Speaker similarity (cloning/speaker-model.ts): the configured embedding model cannot be used.
  speakerModelUnusable: (path: string, detail: string) =>
    new LiteTtsError('unavailable', 'speaker_model_unusable', `The speaker model ${path} cannot be used: ${detail}. Check --speaker-model (LITETTS_SPEAKER_MODEL).`),
  // Audio that decodes but cannot be used (too little speech, silent, clipped, noise); `details` carries the analysis.
  audioUnusable: (message: string, param: string, details: Record<string, unknown>) =>
    new LiteTtsError('unusable', 'audio_unusable', message, param, undefined, details),
  // OpenAI custom voices (voices/openai-custom.ts): consents and voices made from a sample.
  consentNotFound: (id: string, param = 'consent') => new LiteTtsError('not_found', 'consent_not_found', `Consent '${id}' does not exist`, param),
  consentMismatch: (score: number, threshold: number) =>
    new LiteTtsError(
      'invalid',
      'consent_mismatch',
      `The audio sample is not the consenting speaker's: its similarity to the consent recording is ${score.toFixed(3)}, below the threshold of ${threshold}`,
      'audio_sample',
      undefined,
      { similarity: score, threshold },
    ),
  noCloner: () =>
    new LiteTtsError('unavailable', 'cloning_unavailable', 'Voice cloning is not available in this server: it was started without a cloner', null, 60),
  openAiIdReserved: (name: string, param = 'name') =>
    new LiteTtsError(
      'conflict',
      'voice_name_reserved',
      `The name '${name}' has the form of an OpenAI custom voice id (voice_ and 32 hex digits), which always means the voice of that id; choose another name`,
      param,
    ),
  // Background jobs (jobs/): looking one up, cancelling it, its preview, and the bound on waiting jobs.
  jobNotFound: (id: string) => new LiteTtsError('not_found', 'job_not_found', `Job '${id}' does not exist`, 'id'),
  jobFinished: (id: string, status: string) =>
    new LiteTtsError('conflict', 'job_finished', `Job '${id}' has already finished (${status}); only a queued or running job can be cancelled`, 'id'),
  noPreview: (id: string) =>
    new LiteTtsError('not_found', 'no_preview', `Job '${id}' has no preview: there is one only while it runs, once its search has found a first voice`, 'id'),
  jobQueueFull: (max: number) => new LiteTtsError('busy', 'job_queue_full', `${max} jobs are already waiting to run; retry later`, null, 30),
  // The server lexicon (pronunciations/).
  pronunciationNotFound: (word: string, language: string | null) =>
    new LiteTtsError('not_found', 'pronunciation_not_found', language === null ? `No pronunciation of '${word}' in the server lexicon` : `No pronunciation of '${word}' in ${language} in the server lexicon`, 'word'),
  lexiconFull: (max: number) => new LiteTtsError('too_large', 'lexicon_full', `The server lexicon holds at most ${max} entries; delete some first`, 'entries'),
  // Cloning (cloning/pool): a clone thread that stopped, an engine the cloner cannot clone for yet, no job runner.
  cloneFailed: (retryAfter: number) =>
    new LiteTtsError('busy', 'clone_failed', 'The clone could not be made: its thread stopped unexpectedly. Retry shortly', null, retryAfter),
  cloneOverran: (budgetMs: number, retryAfter: number) =>
    new LiteTtsError('busy', 'clone_overran', `The clone ran far past its ${Math.round(budgetMs / 1000)} s budget (the machine is busy) and was stopped. Retry shortly`, null, retryAfter),
  cloningUnavailable: (engine: string, hint: string) =>
    new LiteTtsError('unavailable', 'engine_unavailable', `${engine} cloning is not available here. ${hint}`, 'engine', 60),
  jobsUnavailable: () =>
    new LiteTtsError('unavailable', 'jobs_unavailable', 'Thorough clones run as background jobs, which this server does not run; use quality=fast', 'quality', 60),
} as const;
