import type { FastifyInstance } from 'fastify';
import { errors } from './errors.js';

/**
 * Graceful stop for the HTTP side. Once draining begins:
 * - new requests, also on connections kept alive from before, get 503 with `Connection: close`
 *   (in the error shape, unlike Fastify's own closing answer, which is therefore turned off);
 * - each connection is closed as soon as its last response is done, so the server's close
 *   completes when the in-flight requests do rather than when keep-alive timers run out.
 * `stop()` then closes the listener and, after the grace period, cuts whatever still runs.
 */
export class Drain {
  private draining = false;

  install(app: FastifyInstance): void {
    app.addHook('onRequest', async (_request, reply) => {
      if (!this.draining) return;
      void reply.header('Connection', 'close');
      throw errors.shuttingDown();
    });
    app.addHook('onResponse', async () => {
      // After this response the connection is idle; closing it now is what lets close() finish.
      if (this.draining) setImmediate(() => app.server.closeIdleConnections());
    });
  }

  /**
   * Stops accepting connections, lets in-flight requests finish for up to `graceMs`, then
   * closes every connection that is left (which aborts their synthesis). Resolves once the
   * HTTP server and its plugins are closed.
   */
  async stop(app: FastifyInstance, graceMs: number): Promise<{ cutShort: boolean }> {
    this.draining = true;
    let cutShort = false;
    const timer = setTimeout(() => {
      cutShort = true;
      app.server.closeAllConnections();
    }, graceMs);
    try {
      await app.close();
    } finally {
      clearTimeout(timer);
    }
    return { cutShort };
  }
}
