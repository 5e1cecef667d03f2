import { createWriteStream } from 'node:fs';
import { extname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { AUDIO_FORMATS, isAudioFormat, type AudioFormat } from './audio/formats.js';
import { ConfigError, SETTINGS, kebab, loadConfig, type Config, type ConfigKey } from './config.js';
import { createEngines, engineSettings } from './engines/index.js';
import { InProcessRenderer } from './engines/renderer.js';
import { LiteTtsError, errors } from './errors.js';
import { SpeechService } from './speech/speech.js';
import { openLibrary } from './voices/open.js';
import { EXIT } from './cli/exit-codes.js';
import { addModelCommands } from './cli/models.js';
import { addPronunciationCommands } from './cli/pronunciations.js';
import { DownloadError } from './engines/kokoro/http-download.js';
import { addVoiceCommands } from './cli/voices.js';
import { addMigrateCommand } from './cli/migrate.js';

/** Flags every command shares with the server: they override env and config file. */
const SHARED: readonly ConfigKey[] = ['dataDir', 'databaseUrl', 'databasePoolSize', 'logLevel', 'logDir', 'logFormat'];
/** Where the Kokoro model is, for the commands that speak or list its voices. */
const MODEL: readonly ConfigKey[] = ['modelDir', 'modelVariant'];
/** `serve` takes every setting as a flag. */
const SERVE: readonly ConfigKey[] = (Object.keys(SETTINGS) as ConfigKey[]).filter((k) => !SHARED.includes(k));

function addConfigFlags(command: Command, keys: readonly ConfigKey[]): Command {
  command.option('-c, --config <file>', 'JSON config file (env LITETTS_CONFIG)');
  for (const key of keys) command.option(`--${kebab(key)} <value>`, `${SETTINGS[key].help} (env ${SETTINGS[key].env})`);
  return command;
}

function configFrom(options: Record<string, unknown>, keys: readonly ConfigKey[]): Config {
  const flags: Partial<Record<ConfigKey, unknown>> = {};
  for (const key of keys) if (options[key] !== undefined) flags[key] = options[key];
  return loadConfig({ flags, file: (options.config as string | undefined) ?? null });
}

function parseSpeed(value: string): number {
  const speed = Number(value);
  if (!Number.isFinite(speed) || speed < 0.25 || speed > 4) throw new InvalidArgumentError('speed must be from 0.25 to 4.0');
  return speed;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function buildCli(): Command {
  const program = new Command('litetts')
    .description('LiteTTS: a self-hosted, OpenAI-compatible text-to-speech server')
    .version('0.1.0')
    .showHelpAfterError()
    // Usage errors end in main(), with the exit codes of cli/exit-codes.ts; subcommands inherit it.
    .exitOverride();

  addConfigFlags(program.command('serve').description('start the HTTP server (what `npm start` runs)'), [...SHARED, ...SERVE])
    .option('--no-voice-consent', 'POST /v1/audio/voices without a consent (same as --voice-consent-required false)')
    .action(async (options: Record<string, unknown>) => {
      if (options.voiceConsent === false) options.voiceConsentRequired = false;
      const config = configFrom(options, [...SHARED, ...SERVE]);
      // Loaded here so that `--help` and the other commands do not pay for the whole server.
      const { startServer } = await import('./server/start.js');
      const server = await startServer(config);
      // First signal: graceful stop (exit 0 once in-flight work is done or cut). A second one
      // (an impatient Ctrl-C) stops at once. Pending log lines are written on exit by pino.
      let stopping = false;
      const stop = (signal: NodeJS.Signals) => {
        if (stopping) {
          server.logger.warn({ signal }, 'second signal: stopping without waiting');
          process.exit(1);
        }
        stopping = true;
        server.logger.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
        server.close().then(
          () => process.exit(0),
          (error: unknown) => {
            server.logger.error({ err: error }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });

  addConfigFlags(
    program
      .command('say')
      .description('speak text to an audio file, without a server')
      .argument('<text...>', "text to speak; '-' reads standard input")
      .option('-v, --voice <voice>', 'voice name, OpenAI voice name or blend formula')
      .addOption(new Option('-f, --format <format>', 'audio format (default: from the output name, else mp3)').choices([...AUDIO_FORMATS]))
      .option('-o, --output <file>', "output file; '-' writes to standard output", '')
      .option('-s, --speed <speed>', 'speed from 0.25 to 4.0', parseSpeed, 1),
    [...SHARED, ...MODEL],
  ).action(async (words: string[], options: Record<string, unknown>) => {
    const config = configFrom({ logLevel: 'silent', ...options }, [...SHARED, ...MODEL]);
    const text = words.length === 1 && words[0] === '-' ? await readStdin() : words.join(' ');
    const output = String(options.output ?? '');
    const fromName = extname(output).slice(1).replace('ogg', 'opus');
    const format: AudioFormat = (options.format as AudioFormat | undefined) ?? (isAudioFormat(fromName) ? fromName : 'mp3');
    const engines = createEngines(engineSettings(config, 1));
    const { library, catalog } = await openLibrary(config, engines);
    const voiceName = (options.voice as string | undefined) ?? library.defaultVoiceName();
    let voice;
    try {
      voice = await library.resolve(voiceName);
    } finally {
      await catalog.close();
    }
    const renderer = new InProcessRenderer(engines);
    const speech = new SpeechService(renderer, { ...config, maxQueue: 0 });
    const pieces = speech.pieces(text, voice.voice.language);
    if (pieces.length === 0) throw errors.emptyInput();
    const audio = Readable.from(speech.stream({ pieces, voice, speed: options.speed as number, format }, speech.admit()));
    const target = output === '-' ? process.stdout : createWriteStream(output || `speech.${format === 'opus' ? 'ogg' : format}`);
    await pipeline(audio, target);
    await renderer.close();
    if (output !== '-') process.stderr.write(`wrote ${output || `speech.${format === 'opus' ? 'ogg' : format}`} (${voice.voice.name}, ${format})\n`);
  });

  addModelCommands(
    program.command('models').description('install and list the Kokoro-82M model'),
    (command) => addConfigFlags(command, [...SHARED, ...MODEL, 'modelBaseUrl']),
    (options) => configFrom({ logLevel: 'silent', ...options }, [...SHARED, ...MODEL, 'modelBaseUrl']),
  );
  addVoiceCommands(
    program.command('voices').description('work with the voice library (safe while a server runs on the same data directory)'),
    (command) => addConfigFlags(command, [...SHARED, ...MODEL]),
    (options) => configFrom({ logLevel: 'silent', ...options }, [...SHARED, ...MODEL]),
  );
  addPronunciationCommands(
    program.command('pronunciations').description('the server lexicon: word → phonemes per language, read before the built-in ones'),
    (command) => addConfigFlags(command, [...SHARED, ...MODEL]),
    (options) => configFrom({ logLevel: 'silent', ...options }, [...SHARED, ...MODEL]),
  );
  addMigrateCommand(
    program,
    (command) => addConfigFlags(command, SHARED),
    (options) => configFrom({ logLevel: 'silent', ...options }, SHARED),
  );
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  // `litetts voices list | head` closes the pipe early: that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  try {
    await buildCli().parseAsync(argv as string[]);
  } catch (error) {
    // Commander has printed its own message (or the help, or the version).
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.refused);
    if (error instanceof ConfigError || error instanceof LiteTtsError || error instanceof Error) {
      process.stderr.write(`litetts: ${error.message}\n`);
      process.exit(error instanceof DownloadError ? EXIT.downloadFailed : EXIT.refused);
    }
    throw error;
  }
}

// Run when executed directly (tsx src/cli.ts …); bin/litetts.js calls main() on the built file.
if (import.meta.url === `file://${process.argv[1]}`) void main(process.argv);
