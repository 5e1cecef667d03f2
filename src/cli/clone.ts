import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from './exit-codes.js';
import { AudioDecodeError, decodeFileBounded } from '../audio/decode.js';
import { cloneDefaults, MAX_CLONE_REFERENCE_SECONDS, parseCloneFields, requireCloneEngine } from '../cloning/clone-params.js';
import { requireCloneable } from '../cloning/cloneable.js';
import type { CloneProgress, DecodedReference } from '../cloning/cloner.js';
import { InProcessCloner } from '../cloning/pool/in-process.js';
import { analyzeReferencePcm, type ReferenceAnalysis } from '../cloning/reference.js';
import type { Config } from '../config.js';
import { createEngines, engineSettings } from '../engines/index.js';
import { InProcessRenderer } from '../engines/renderer.js';
import { errors, LiteTtsError } from '../errors.js';
import { openLibrary } from '../voices/open.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/** Exit status of `voices clone` when the reference cannot be cloned from (the HTTP API's 422). */
export const EXIT_UNUSABLE_AUDIO = EXIT.unusableAudio;

/**
 * `litetts voices clone REF --name N`: what POST /v1/voices/create does, without a server. The
 * same checks in the same order (fields and name before any decoding), the same bounded
 * decoder and analysis, the same fit (on this process's thread: it has nothing else to serve)
 * and the same library over the data directory's catalog. Temporary unless `--keep`.
 */
export function addCloneCommand(voices: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  withConfig(
    voices
      .command('clone')
      .description('clone a voice from reference audio (wav, mp3, flac, ogg/opus, webm, m4a)')
      .argument('<reference>', 'the reference recording')
      .requiredOption('-n, --name <name>', 'name of the new voice')
      .option('--thorough', 'search longer (see --max-seconds) for a closer voice')
      .option('--max-seconds <seconds>', 'time a thorough clone searches for (1-600, default 60)')
      .option('--keep', 'store the voice as custom (permanent), not temporary')
      .option('--engine <engine>', 'espeak or kokoro (default: the engine of the default voice)')
      .option('--language <language>', "the clone's language, e.g. en-us")
      .option('--session <id>', 'session of the temporary voice (generated when absent)')
      .option('--ttl-seconds <seconds>', 'lifetime of the temporary voice')
      .option('--description <text>', 'description')
      .option('--json', 'print JSON: {voice, session_id, analysis, similarity}'),
  ).action(async (file: string, options: Record<string, unknown>) => {
    const config = readConfig(options);
    const engines = createEngines(engineSettings(config, 1));
    const { library, catalog } = await openLibrary(config, engines);
    const text = (key: string): string | undefined => (typeof options[key] === 'string' ? (options[key] as string) : undefined);
    try {
      const { params, quality } = parseCloneFields(
        {
          voice_name: text('name'),
          temporary: options.keep ? 'false' : 'true',
          engine: text('engine'),
          language: text('language'),
          quality: options.thorough ? 'thorough' : 'fast',
          max_seconds: text('maxSeconds'),
          session_id: text('session'),
          ttl_seconds: text('ttlSeconds'),
          description: text('description'),
        },
        await cloneDefaults(library),
      );
      requireCloneEngine(engines, params.engine);
      const voiceInput = {
        name: params.voiceName,
        temporary: params.temporary,
        sessionId: params.sessionId ?? undefined,
        ttlSeconds: params.ttlSeconds,
        description: params.description,
      };
      await library.precheck(voiceInput, 'name');

      const { analysis, reference } = await decodeReference(file, config.maxReferenceSeconds);
      try {
        requireCloneable(analysis, 'reference');
      } catch (error) {
        if (!(error instanceof LiteTtsError)) throw error;
        process.stderr.write(`litetts: ${error.message}\n`);
        if (options.json) process.stdout.write(`${JSON.stringify({ error: { code: error.code, message: error.message, analysis } }, null, 2)}\n`);
        process.exitCode = EXIT_UNUSABLE_AUDIO;
        return;
      }
      const cloner = new InProcessCloner(new InProcessRenderer(engines));
      let clone;
      try {
        // The engine's first renders are slow: outside the budget, so that it goes to the search.
        if (params.engine === 'espeak') await cloner.warmUp(params.language);
        clone = await cloner.clone({
          reference,
          engine: params.engine,
          language: params.language,
          quality,
          budgetMs: quality === 'fast' ? config.cloneFastSeconds * 1000 : params.maxSeconds * 1000,
          ...(quality === 'thorough' && { onProgress: progressPrinter() }),
        });
      } finally {
        await cloner.close();
      }
      const voice = await library.create({ ...voiceInput, data: clone.data, source: 'clone', language: clone.language, gender: clone.gender, similarity: clone.similarity });
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ voice, session_id: voice.session_id, analysis, similarity: clone.similarity }, null, 2)}\n`);
      } else {
        const expiry = voice.expires_at ? ` session ${voice.session_id} expires ${voice.expires_at}` : '';
        process.stdout.write(`cloned ${voice.name} (${voice.engine}, ${voice.kind})${expiry} similarity ${clone.similarity.toFixed(3)}\n`);
      }
    } finally {
      await catalog.close();
    }
  });
}

/** The first `maxSeconds` of the file, decoded by the server's bounded decoder, its analysis, and the cloner's share of its samples. */
async function decodeReference(file: string, maxSeconds: number): Promise<{ analysis: ReferenceAnalysis; reference: DecodedReference }> {
  const dir = await mkdtemp(join(tmpdir(), 'litetts-clone-'));
  try {
    const pcmPath = join(dir, 'decoded.pcm');
    let decoded;
    try {
      decoded = await decodeFileBounded(file, pcmPath, { maxSeconds });
    } catch (error) {
      if (error instanceof AudioDecodeError) throw new LiteTtsError('unsupported', 'unsupported_audio', `Cannot decode ${file} as audio: ${error.message}`, 'reference');
      throw error;
    }
    if (decoded.samples === 0) throw errors.invalidParam('reference', `${file} holds no audio`, 'empty_audio');
    const pcm = await readPcm(pcmPath, decoded.samples);
    const { samples: _samples, ...source } = decoded;
    const analysis = analyzeReferencePcm(pcm, { ...source, maxSeconds });
    const kept = pcm.slice(0, MAX_CLONE_REFERENCE_SECONDS * decoded.sampleRate);
    return { analysis, reference: { samples: kept, sampleRate: decoded.sampleRate } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function readPcm(path: string, count: number): Promise<Int16Array> {
  const pcm = new Int16Array(count);
  const handle = await open(path, 'r');
  const into = new Uint8Array(pcm.buffer);
  try {
    for (let at = 0; at < into.length; ) {
      const { bytesRead } = await handle.read(into, at, into.length - at, at);
      if (bytesRead === 0) break;
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return pcm;
}

/** Progress of a thorough clone on stderr, about once a second. */
function progressPrinter(): (progress: CloneProgress) => void {
  let last = 0;
  return (p) => {
    if (performance.now() - last < 1000) return;
    last = performance.now();
    const best = p.bestScore === null ? '' : `, best ${p.bestScore.toFixed(3)}`;
    process.stderr.write(`${Math.round(100 * p.progress)}% ${p.step}${best}\n`);
  };
}
