import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';
import type { EngineInfo } from '../engines/index.js';
import type { Logger } from '../logging.js';
import { openCatalog, type Catalog, type CatalogBackend } from '../store/open.js';
import { VoiceLibrary } from './library.js';
import { OPENAI_VOICE_NAMES, isValidVoiceName, nameKey } from './names.js';

/** Where the catalog lives inside the data directory. */
export function catalogPath(dataDir: string): string {
  return join(dataDir, 'voices.db');
}

/**
 * The library over the configured catalog (PostgreSQL with a database URL, else the data
 * directory's SQLite file), as the server and the CLI both use it. Aliases are checked before
 * anything is opened.
 */
export async function openLibrary(
  config: Config,
  engines: readonly EngineInfo[],
  options: { logger?: Logger; clock?: () => number } = {},
): Promise<{ library: VoiceLibrary; catalog: Catalog; backend: CatalogBackend }> {
  const aliases = configuredAliases(engines, config);
  const logger = options.logger;
  const { catalog, backend } = await openCatalog({
    databaseUrl: config.databaseUrl,
    databasePoolSize: config.databasePoolSize,
    sqlitePath: catalogPath(config.dataDir),
    ...(logger && { onError: (error: unknown) => logger.warn({ err: error }, 'catalog change feed interrupted; reconnecting') }),
  });
  const library = new VoiceLibrary({
    engines,
    catalog,
    aliases,
    defaultVoice: config.defaultVoice,
    temporary: { defaultTtlSeconds: config.temporaryTtlSeconds, maxTtlSeconds: config.maxTtlSeconds },
    dataCacheBytes: config.voiceCacheMb * 1024 * 1024,
    ...(options.logger && { logger: options.logger }),
    ...(options.clock && { clock: options.clock }),
  });
  return { library, catalog, backend };
}

/**
 * Configured aliases (they win over the engines' own mapping of OpenAI names). An alias must be
 * a valid voice name that no builtin voice has (a builtin is always itself); its target may be a
 * builtin voice or a stored one (a custom voice to speak for `nova`, say), looked up per request.
 */
function configuredAliases(engines: readonly EngineInfo[], config: Config): Record<string, string> {
  const aliases: Record<string, string> = { ...config.voiceAliases };
  const builtins = new Set(engines.flatMap((e) => e.builtinVoices().map((v) => nameKey(v.name))));
  for (const [alias, target] of Object.entries(aliases)) {
    const problem = !isValidVoiceName(alias)
      ? `'${alias}' is not a valid voice name`
      : builtins.has(nameKey(alias))
        ? `'${alias}' is a builtin voice and always means itself`
        : !isValidVoiceName(target)
          ? `'${alias}' maps to '${target}', which is not a valid voice name`
          : nameKey(target) in aliases || (OPENAI_VOICE_NAMES as readonly string[]).includes(nameKey(target))
            ? `'${alias}' maps to '${target}', which is itself an alias; name the voice`
            : null;
    if (problem) throw new ConfigError(`Invalid setting 'voiceAliases': ${problem}`);
  }
  return aliases;
}
