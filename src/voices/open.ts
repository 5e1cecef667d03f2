import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { EngineInfo } from '../engines/index.js';
import type { Logger } from '../logging.js';
import type { VoiceCatalog } from '../store/catalog.js';
import { SqliteCatalog } from '../store/sqlite.js';
import { VoiceLibrary } from './library.js';

/** Where the catalog lives inside the data directory. */
export function catalogPath(dataDir: string): string {
  return join(dataDir, 'voices.db');
}

/** The library over the data directory's catalog, as the server and the CLI both use it. */
export function openLibrary(
  config: Config,
  engines: readonly EngineInfo[],
  options: { logger?: Logger; clock?: () => number } = {},
): { library: VoiceLibrary; catalog: VoiceCatalog } {
  const catalog = new SqliteCatalog(catalogPath(config.dataDir));
  const library = new VoiceLibrary({
    engines,
    catalog,
    aliases: configuredAliases(engines, config),
    defaultVoice: config.defaultVoice,
    temporary: { defaultTtlSeconds: config.temporaryTtlSeconds, maxTtlSeconds: config.maxTtlSeconds },
    dataCacheBytes: config.voiceCacheMb * 1024 * 1024,
    ...(options.logger && { logger: options.logger }),
    ...(options.clock && { clock: options.clock }),
  });
  return { library, catalog };
}

/** Configured OpenAI voice names (they win over the engines' own mapping); each must name a builtin voice. */
function configuredAliases(engines: readonly EngineInfo[], config: Config): Record<string, string> {
  const aliases: Record<string, string> = { ...config.voiceAliases };
  const names = new Set(engines.flatMap((e) => e.builtinVoices().map((v) => v.name.toLowerCase())));
  for (const [alias, target] of Object.entries(aliases)) {
    if (!names.has(target.toLowerCase())) {
      throw new ConfigError(`Invalid setting 'voiceAliases': '${alias}' maps to '${target}', which is not a builtin voice`);
    }
  }
  return aliases;
}
