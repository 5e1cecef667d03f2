import type { JobRow } from '../store/jobs.js';

/**
 * The queued job to start next, fair across sessions: round-robin by the session that
 * started a job least recently (one that never started one goes first), first come first
 * served within a session. `queued` is oldest first; `lastStarted` holds, per session, a
 * number that grows with every start. One client queueing many jobs cannot keep another
 * waiting behind all of them.
 */
export function nextJob(queued: readonly JobRow[], lastStarted: ReadonlyMap<string, number>): JobRow | undefined {
  let best: JobRow | undefined;
  let bestStarted = Number.POSITIVE_INFINITY;
  const seen = new Set<string>();
  for (const job of queued) {
    // Only a session's oldest queued job competes.
    if (seen.has(job.sessionId)) continue;
    seen.add(job.sessionId);
    const started = lastStarted.get(job.sessionId) ?? Number.NEGATIVE_INFINITY;
    // Strictly less: among equals the session whose oldest job came first wins.
    if (started < bestStarted) {
      best = job;
      bestStarted = started;
    }
  }
  return best;
}
