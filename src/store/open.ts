import type { VoiceCatalog } from './catalog.js';
import type { ConsentStore } from './consents.js';
import type { JobStore } from './jobs.js';
import type { PronunciationStore } from './pronunciations.js';
import { SqliteCatalog } from './sqlite.js';

/** Everything the server keeps in its catalog; both stores are all of it. */
export type Catalog = VoiceCatalog & ConsentStore & JobStore & PronunciationStore;

export type CatalogBackend = 'sqlite' | 'postgresql';

export interface CatalogSettings {
  /** postgres://… selects PostgreSQL; null keeps the SQLite file at `sqlitePath`. */
  databaseUrl: string | null;
  databasePoolSize: number;
  sqlitePath: string;
  /** Failures that reach no caller (the change feed's connection dropping). */
  onError?: (error: unknown) => void;
}

/**
 * Opens the configured catalog: PostgreSQL when a database URL is set (connecting and
 * migrating first, so a database from a newer LiteTTS stops the start), else the SQLite file.
 * The PostgreSQL driver is loaded only then, so SQLite users never pay for it.
 */
export async function openCatalog(settings: CatalogSettings): Promise<{ catalog: Catalog; backend: CatalogBackend }> {
  if (settings.databaseUrl === null) return { catalog: new SqliteCatalog(settings.sqlitePath), backend: 'sqlite' };
  const { PostgresCatalog } = await import('./postgres.js');
  const { NewerSchemaError } = await import('./postgres-schema.js');
  try {
    const catalog = await PostgresCatalog.open(settings.databaseUrl, {
      poolSize: settings.databasePoolSize,
      ...(settings.onError && { onError: settings.onError }),
    });
    return { catalog, backend: 'postgresql' };
  } catch (error) {
    if (error instanceof NewerSchemaError) throw error;
    // node-postgres's messages name the host and port, never the password.
    throw new Error(`Cannot open the PostgreSQL catalog (LITETTS_DATABASE_URL / --database-url): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}
