import pg from 'pg';
import type { CatalogChange } from './catalog.js';
import { clientConfig } from './postgres-db.js';

/**
 * The PostgreSQL catalog's change feed. Every voice or lexicon write sends, inside its own
 * transaction, `NOTIFY litetts_changes, '<json>'` (delivered on commit, dropped on rollback);
 * each catalog LISTENs on a connection of its own and passes what arrives to its subscribers.
 * Payloads: `{"kind":"voice","name_key":…,"hash":…}` and `{"kind":"lexicon"}`.
 *
 * When the connection drops, the listener reconnects with a growing delay and then tells its
 * subscribers `resync`: notifications sent meanwhile are lost for good. Nothing depends on the
 * feed for correctness (see `VoiceCatalog.subscribe`).
 */
export const CHANNEL = 'litetts_changes';

export function payloadOf(change: Exclude<CatalogChange, { kind: 'resync' }>): string {
  return JSON.stringify(change.kind === 'voice' ? { kind: 'voice', name_key: change.nameKey, hash: change.hash } : { kind: 'lexicon' });
}

/** A payload from the channel; anything else on it (another program's NOTIFY) is ignored. */
export function parsePayload(text: string): CatalogChange | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const v = value as { kind?: unknown; name_key?: unknown; hash?: unknown } | null;
  if (v?.kind === 'lexicon') return { kind: 'lexicon' };
  if (v?.kind === 'voice' && typeof v.name_key === 'string' && typeof v.hash === 'string') return { kind: 'voice', nameKey: v.name_key, hash: v.hash };
  return undefined;
}

export interface ListenerOptions {
  /** First delay before reconnecting; doubled per failed try up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
  onError?: (error: unknown) => void;
}

export class ChangeListener {
  private readonly listeners = new Set<(change: CatalogChange) => void>();
  private client: pg.Client | null = null;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private delay: number;
  private connecting: Promise<void> | null = null;
  /** Connections made so far (the first is not a reconnect). */
  private connections = 0;

  constructor(
    private readonly url: string,
    private readonly options: ListenerOptions = {},
  ) {
    this.delay = options.retryMs ?? 200;
  }

  subscribe(listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Starts listening; resolves once LISTEN is in place (or the first try failed and a retry is set). */
  start(): Promise<void> {
    this.connecting ??= this.connect();
    return this.connecting;
  }

  /** Whether LISTEN is in place now. */
  get listening(): boolean {
    return this.client !== null;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    const client = this.client;
    this.client = null;
    await this.connecting?.catch(() => undefined);
    await client?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client(clientConfig(this.url));
    client.on('notification', (message) => {
      if (message.channel !== CHANNEL || message.payload === undefined) return;
      const change = parsePayload(message.payload);
      if (change) this.emit(change);
    });
    let failed = false;
    const lost = (error?: unknown) => {
      if (failed) return;
      failed = true;
      if (error !== undefined) this.options.onError?.(error);
      if (this.client === client) this.client = null;
      client.end().catch(() => undefined);
      this.retry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (error) {
      lost(error);
      return;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.delay = this.options.retryMs ?? 200;
    // Whatever was sent while no connection listened is lost: caches start over.
    if (this.connections++ > 0) this.emit({ kind: 'resync' });
  }

  private retry(): void {
    if (this.closed || this.timer) return;
    const delay = this.delay;
    this.delay = Math.min(this.delay * 2, this.options.maxRetryMs ?? 5000);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.connecting = this.connect();
    }, delay);
    this.timer.unref();
  }

  private emit(change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }
}
