import { basename } from 'node:path';
import type { BuiltinVoice, Engine, EngineInfo, EngineLoadOptions } from '../engine.js';
import { engineLoadError } from '../engine.js';
import { lexiconHealth } from './g2p/lexicon-files.js';
import { KokoroInstall, type KokoroDownload } from './install.js';
import { KOKORO_VOICE_NAMES } from './model-files.js';
import { KOKORO_DEFAULT_VOICE, KOKORO_OPENAI_ALIASES, kokoroNameMetadata } from './voices.js';

export { KokoroInstall } from './install.js';
export { KOKORO_DEFAULT_VOICE, KOKORO_OPENAI_ALIASES, kokoroNameMetadata } from './voices.js';

/** The model's output rate (model.ts has it too; it is repeated so the main thread never loads onnxruntime). */
const KOKORO_SAMPLE_RATE = 24_000;

/**
 * /health's `download` while an install runs: the file under way (bytes; `total` null while
 * unknown) and, while the model and voice packs come in, the whole install.
 */
function downloadHealth(d: KokoroDownload): Record<string, unknown> {
  return {
    file: d.file,
    received: d.received,
    total: d.total,
    ...(d.overall && { overall: { received: d.overall.received, total: d.overall.total, files: d.overall.files, files_done: d.overall.filesDone } }),
  };
}

/** Kokoro as an engine, plus the install state of its model directory. */
export type KokoroInfo = EngineInfo & { readonly install: KokoroInstall };

export interface KokoroSettings {
  /** The model directory, in any layout `locateKokoro` (layout.ts) reads. */
  modelDir: string;
  /** The ONNX file to load, e.g. model_quantized.onnx; when absent, the only .onnx there. */
  modelVariant: string;
  /** onnxruntime intra-op threads per session (each synthesis thread has one session). */
  onnxThreads: number;
}

/**
 * Kokoro-82M as the main thread sees it: available when its model file is installed; its
 * 54 builtin voices always listed (so users see what installing brings), each usable once
 * its voice pack is there. Nothing is read until a voice speaks: start-up stays fast.
 */
export function kokoroInfo(settings: KokoroSettings, install = new KokoroInstall(settings.modelDir, settings.modelVariant)): KokoroInfo {
  const howToInstall = `Install it with \`litetts models pull\` (or set LITETTS_MODEL_DIR to a folder holding Kokoro: a kokoro-onnx download, an onnx-community snapshot, or a pulled install).`;
  const voices: readonly BuiltinVoice[] = KOKORO_VOICE_NAMES.map((name) => {
    const meta = kokoroNameMetadata(name)!;
    return {
      name,
      engine: 'kokoro',
      language: meta.language,
      gender: meta.gender,
      description: `${meta.label} (Kokoro-82M)`,
      installed: () => install.voiceInstalled(name),
      source: { read: async () => install.readVoice(name) },
    };
  });
  return {
    id: 'kokoro',
    sampleRate: KOKORO_SAMPLE_RATE,
    // The file that loads, which in someone's own download may not be the configured variant.
    get description(): string {
      return `Kokoro-82M (${basename(install.modelPath)}, onnxruntime on the CPU)`;
    },
    get installHint(): string {
      const d = install.downloading;
      // Only where there are models to choose from: "no model here" is what the advice already answers.
      const problem = !install.modelInstalled() && install.foundModels().length > 0 ? install.modelProblem() : null;
      if (d === null) return problem ? `${howToInstall} (${problem})` : howToInstall;
      const share = d.total ? ` (${Math.floor((100 * d.received) / d.total)} % of ${(d.total / 1e6).toFixed(1)} MB)` : '';
      return `It is being downloaded now: ${d.file}${share}; retry shortly. ${howToInstall}`;
    },
    install,
    available: () => install.modelInstalled(),
    state: () => install.state(),
    builtinVoices: () => voices,
    defaultVoice: KOKORO_DEFAULT_VOICE,
    openAiAliases: KOKORO_OPENAI_ALIASES,
    health: () => ({ lexicon: lexiconHealth(settings.modelDir), ...(install.downloading && { download: downloadHealth(install.downloading) }) }),
    load: async (options: EngineLoadOptions = {}): Promise<Engine> => {
      const [{ KokoroEngine }, { EspeakEngine }] = await Promise.all([import('./engine.js'), import('../espeak/engine.js')]);
      const espeak = options.engine?.('espeak').then((e) => {
        if (!(e instanceof EspeakEngine)) throw new Error('the espeak engine of this thread cannot phonemise');
        return e;
      });
      try {
        return await KokoroEngine.load(install.modelPath, {
          ...(espeak && { espeak }),
          intraOpThreads: settings.onnxThreads,
          interOpThreads: 1,
          ...(options.debug && {
            onUnknownSymbols: (counts: Record<string, number>) => options.debug!({ event: 'kokoro.unknown_symbols', symbols: counts }, 'phoneme symbols outside Kokoro’s vocabulary were dropped'),
          }),
        });
      } catch (error) {
        throw engineLoadError('kokoro', error);
      }
    },
  };
}
