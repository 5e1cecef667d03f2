import pg from 'pg';
import { CatalogError } from './catalog.js';

/**
 * The connection side of the PostgreSQL catalog: the pool, how values come back, the
 * transaction helper and which database failures are the caller's to retry.
 */
export interface PostgresOptions {
  /** Connections in the pool (each replica has its own pool). */
  poolSize?: number;
  /** How long a statement waits for another transaction's row lock before it is a `busy` error. */
  lockTimeoutMs?: number;
  /** How long a call waits for a free pooled connection before it is a `busy` error. */
  connectTimeoutMs?: number;
}

export const DEFAULT_POOL_SIZE = 8;

/**
 * bigint (times in ms, counts) as numbers: every value the catalog keeps is far below 2^53.
 * A types object of its own, so that other users of `pg` in the process are not affected.
 */
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === pg.types.builtins.INT8 && format !== 'binary') return (text: string) => Number(text);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export function createPool(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMillis: 30_000,
    types,
    application_name: 'litetts',
    // Waiting on another replica's lock is bounded as SQLite's busy timeout is.
    options: `-c lock_timeout=${options.lockTimeoutMs ?? 5000}`,
  });
  // An idle client whose server went away emits here; without a listener it would crash the process.
  pool.on('error', () => undefined);
  return pool;
}

/** For the listener's dedicated connection. */
export function clientConfig(url: string): pg.ClientConfig {
  return { connectionString: url, types, application_name: 'litetts-listener' };
}

/** PostgreSQL error codes (SQLSTATE) the catalog acts on. */
export const SQLSTATE = {
  uniqueViolation: '23505',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
  lockNotAvailable: '55P03',
} as const;

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** The constraint a unique violation broke (`voices_pkey`, `voices_by_external_id`, …). */
export function violatedConstraint(error: unknown): string | undefined {
  return sqlState(error) === SQLSTATE.uniqueViolation ? (error as { constraint?: string }).constraint : undefined;
}

/**
 * The database's failures that are the caller's, as CatalogErrors: text PostgreSQL cannot keep
 * (a NUL character: 22021, or one the encoding lacks: 22P05) is `invalid_text`, and the
 * retryable ones below are `busy`; anything else stays a fault of the store.
 */
export function asCatalogError(error: unknown): CatalogError | undefined {
  const state = sqlState(error);
  if (state === '22021' || state === '22P05') return new CatalogError('invalid_text', 'The text holds a character the voice catalog cannot store (NUL, U+0000)');
  return asBusy(error);
}

/**
 * A failure of the database that the same call may retry shortly (a lock held past the lock
 * timeout, no free connection, the server unreachable) as the catalog's `busy` error: the
 * routes answer 503 with Retry-After, as for a locked SQLite file.
 */
export function asBusy(error: unknown): CatalogError | undefined {
  if (error instanceof CatalogError) return undefined;
  const state = sqlState(error);
  const message = error instanceof Error ? error.message : '';
  const node = (error as { code?: unknown } | null)?.code;
  if (state === SQLSTATE.lockNotAvailable) return new CatalogError('busy', 'The voice catalog is locked by another replica; retry shortly');
  // 08: connection; 57P01-03: shut down; 53: out of connections or resources; 3D000: the database
  // is gone (dropped under a running replica): the service is down, not the request wrong.
  if (state?.startsWith('08') || state?.startsWith('53') || state === '57P01' || state === '57P02' || state === '57P03' || state === '3D000' || node === 'ECONNREFUSED' || node === 'ECONNRESET' || node === 'ETIMEDOUT' || /timeout exceeded when trying to connect|Connection terminated/i.test(message)) {
    return new CatalogError('busy', 'The voice catalog database is unreachable; retry shortly');
  }
  return undefined;
}

/** Attempts of a transaction that lost a deadlock or serialization conflict before the error stands. */
const ATTEMPTS = 3;

/**
 * Runs `fn` in one READ COMMITTED transaction on a pooled connection and returns what it
 * returned; the transaction is retried whole when PostgreSQL aborted it for a deadlock. `fn`
 * must not keep state across attempts except through its own return value.
 */
export async function transaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const client = await connect(pool);
    let broken = false;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {
        broken = true;
      });
      const state = sqlState(error);
      if (attempt < ATTEMPTS && (state === SQLSTATE.deadlockDetected || state === SQLSTATE.serializationFailure)) continue;
      throw asCatalogError(error) ?? error;
    } finally {
      client.release(broken);
    }
  }
}

/** One statement outside a transaction, with the same mapping of retryable failures. */
export async function query<R extends pg.QueryResultRow>(pool: pg.Pool, text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
  try {
    return await pool.query<R>(text, values);
  } catch (error) {
    throw asCatalogError(error) ?? error;
  }
}

async function connect(pool: pg.Pool): Promise<pg.PoolClient> {
  try {
    return await pool.connect();
  } catch (error) {
    throw asCatalogError(error) ?? error;
  }
}

/** bytea parameters: node-postgres sends Buffers as binary; a Uint8Array view becomes one without a copy. */
export function bytea(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** bytea results as the plain Uint8Array view the interfaces speak of. */
export function bytesOf(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}
