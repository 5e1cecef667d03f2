import assert from 'node:assert/strict';
import type { TestServer } from './server.js';

/** Polls /health one request after another until stopped; resolves to the slowest answer, in ms. */
export function watchHealth(server: TestServer): { stop(): Promise<{ worst: number; count: number }> } {
  let running = true;
  let worst = 0;
  let count = 0;
  const loop = (async () => {
    while (running) {
      const started = performance.now();
      const response = await fetch(`${server.url}/health`);
      await response.arrayBuffer();
      assert.equal(response.status, 200, '/health answers');
      worst = Math.max(worst, performance.now() - started);
      count++;
      await new Promise((r) => setTimeout(r, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { worst, count };
    },
  };
}

