import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import { conflicts, copyLibrary, targetContents, verifyCopy } from '../store/copy.js';
import { openCatalog, type Catalog } from '../store/open.js';
import { EXIT } from './exit-codes.js';

type ConfigReader = (options: Record<string, unknown>) => Config;

/**
 * `litetts migrate`: without --from/--to, brings the configured catalog's schema up to date
 * and exits (for a deployment step that migrates before replicas start; they would also do it
 * themselves, once among them). With --from and --to, copies a whole library from one catalog
 * to another and verifies the copy (store/copy.ts says what is copied).
 */
export function addMigrateCommand(program: Command, withConfig: (command: Command) => Command, readConfig: ConfigReader): void {
  withConfig(
    program
      .command('migrate')
      .description('update the catalog schema; or copy a library between catalogs: --from sqlite:PATH --to postgres://…')
      .option('--from <catalog>', 'catalog to copy from: sqlite:PATH (a voices.db, or a data directory holding one) or postgres://…')
      .option('--to <catalog>', 'catalog to copy into: postgres://… or sqlite:PATH; must be empty unless --force')
      .option('--force', 'copy into a target that already holds data (refused still when a name or id is in both)')
      .option('--json', 'print the result as JSON'),
  ).action(async (options: Record<string, unknown>) => {
    const config = readConfig(options);
    const json = Boolean(options.json);
    if (options.from === undefined && options.to === undefined) {
      await migrateConfigured(config, json);
      return;
    }
    if (typeof options.from !== 'string' || typeof options.to !== 'string') throw new Error('migrate: --from and --to go together');
    process.exitCode = await copy(String(options.from), String(options.to), Boolean(options.force), json, config.databasePoolSize);
  });
}

async function migrateConfigured(config: Config, json: boolean): Promise<void> {
  if (config.databaseUrl === null) {
    // Opening the SQLite file migrates it (and refuses a newer one).
    const { catalog } = await openCatalog({ databaseUrl: null, databasePoolSize: 1, sqlitePath: join(config.dataDir, 'voices.db') });
    await catalog.close();
    process.stdout.write(json ? `${JSON.stringify({ backend: 'sqlite', applied: null })}\n` : `SQLite catalog in ${config.dataDir} is up to date\n`);
    return;
  }
  const { createPool } = await import('../store/postgres-db.js');
  const { migrate, SCHEMA_VERSION } = await import('../store/postgres-schema.js');
  const pool = createPool(config.databaseUrl, { poolSize: 1 });
  try {
    const applied = await migrate(pool);
    process.stdout.write(
      json
        ? `${JSON.stringify({ backend: 'postgresql', applied, version: SCHEMA_VERSION })}\n`
        : applied.length > 0
          ? `PostgreSQL catalog migrated to schema ${SCHEMA_VERSION} (applied ${applied.join(', ')})\n`
          : `PostgreSQL catalog is up to date (schema ${SCHEMA_VERSION})\n`,
    );
  } finally {
    await pool.end();
  }
}

/** A `--from`/`--to` value as the settings of openCatalog; a SQLite source must already exist. */
function catalogOf(spec: string, role: 'source' | 'target', poolSize: number): { databaseUrl: string | null; databasePoolSize: number; sqlitePath: string } {
  if (/^postgres(ql)?:\/\//.test(spec)) return { databaseUrl: spec, databasePoolSize: poolSize, sqlitePath: '' };
  if (!spec.startsWith('sqlite:')) throw new Error(`migrate: the ${role} must be sqlite:PATH or postgres://… (got '${spec.split(':')[0]}:…')`);
  let path = resolve(spec.slice('sqlite:'.length));
  if (existsSync(path) && statSync(path).isDirectory()) path = join(path, 'voices.db');
  if (role === 'source' && !existsSync(path)) throw new Error(`migrate: there is no catalog at ${path}`);
  return { databaseUrl: null, databasePoolSize: 1, sqlitePath: path };
}

async function copy(from: string, to: string, force: boolean, json: boolean, poolSize: number): Promise<number> {
  const sourceSettings = catalogOf(from, 'source', poolSize);
  const targetSettings = catalogOf(to, 'target', poolSize);
  if (sourceSettings.databaseUrl === targetSettings.databaseUrl && sourceSettings.sqlitePath === targetSettings.sqlitePath) {
    throw new Error('migrate: --from and --to are the same catalog');
  }
  const opened: Catalog[] = [];
  try {
    const source = (await openCatalog(sourceSettings)).catalog;
    opened.push(source);
    const target = (await openCatalog(targetSettings)).catalog;
    opened.push(target);
    const now = Date.now();
    const held = await targetContents(target, now);
    if (!force && Object.values(held).some((n) => n > 0)) {
      process.stderr.write(
        `litetts: the target is not empty (${held.voices} voices, ${held.consents} consents, ${held.pronunciations} pronunciations, ${held.jobs} jobs); ` +
          'copy into an empty database, or pass --force to add to what is there\n',
      );
      return EXIT.refused;
    }
    const clashes = await conflicts(source, target, now);
    if (clashes.length > 0) {
      process.stderr.write(`litetts: the target already has ${clashes.slice(0, 10).join(', ')}${clashes.length > 10 ? ` and ${clashes.length - 10} more` : ''}; nothing was copied\n`);
      return EXIT.refused;
    }
    const report = await copyLibrary(source, target, now);
    const problems = await verifyCopy(source, target, now);
    if (json) process.stdout.write(`${JSON.stringify({ ...report, verified: problems.length === 0, problems }, null, 2)}\n`);
    else {
      process.stdout.write(
        `copied ${report.voices} voices, ${report.consents} consents, ${report.pronunciations} pronunciations, ${report.jobs} unfinished jobs` +
          ` (left behind: ${report.skippedFinishedJobs} finished jobs, and any expired temporary voices)\n`,
      );
      process.stdout.write(problems.length === 0 ? 'verified: counts, fields and content hashes match\n' : `verification failed:\n${problems.map((p) => `  ${p}\n`).join('')}`);
    }
    return problems.length === 0 ? EXIT.ok : EXIT.incomplete;
  } finally {
    for (const c of opened) await c.close();
  }
}
