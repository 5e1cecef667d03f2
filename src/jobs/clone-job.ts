import { randomUUID } from 'node:crypto';
import type { Cloner } from '../cloning/cloner.js';
import { cloneJobInput, parseCloneParams, referenceFromJobInput, serializeCloneParams, type CloneParams } from '../cloning/clone-params.js';
import type { DecodedReference } from '../cloning/cloner.js';
import type { NewVoice } from '../store/catalog.js';
import { serializeVoiceData } from '../voices/serialize.js';
import type { JobRunner } from './runner.js';
import type { JobHandler } from './types.js';

/**
 * The thorough clone as a background job: the request's parameters and decoded reference are
 * stored with the job (clone-params.ts), the search runs on the clone pool's background lane
 * with the job's remaining budget, resuming from the last checkpoint after a restart, and its
 * voice lands in the same transaction as the job's success (JobStore.completeJob).
 */
export function cloneJobHandler(deps: { cloner: Cloner; ttl: { defaultSeconds: number }; clock?: () => number }): JobHandler {
  const clock = deps.clock ?? Date.now;
  return async (ctx): Promise<NewVoice> => {
    const params = parseCloneParams(ctx.job.params);
    const reference = referenceFromJobInput(ctx.input);
    // A resumed job has only what is left of its budget, but always a little to finish with.
    const budgetMs = Math.max(2000, params.maxSeconds * 1000 - ctx.elapsedMs);
    const result = await deps.cloner.clone({
      reference,
      engine: params.engine,
      language: params.language,
      quality: 'thorough',
      budgetMs,
      signal: ctx.signal,
      checkpoint: ctx.checkpoint,
      onProgress: (p) => ctx.report({ progress: p.progress, step: p.step, bestScore: p.bestScore }),
      onCheckpoint: (bytes, best) => {
        ctx.saveCheckpoint(bytes);
        ctx.preview(best.data, best.score, { language: params.language });
      },
    });
    const now = clock();
    return {
      name: params.voiceName,
      engine: result.data.engine,
      kind: params.temporary ? 'temporary' : 'custom',
      language: result.language,
      gender: result.gender,
      description: params.description ?? '',
      source: 'clone',
      // The TTL runs from when the voice lands, not from when the job was asked for.
      expiresAt: params.temporary ? now + (params.ttlSeconds ?? deps.ttl.defaultSeconds) * 1000 : null,
      sessionId: params.temporary ? ctx.job.sessionId : null,
      similarity: result.similarity,
      data: serializeVoiceData(result.data),
    };
  };
}

/** What `POST /v1/voices/create` calls for `quality=thorough`: the job, as the jobs routes show it, and its session. */
export function submitThoroughClone(
  runner: JobRunner,
  present: (row: Awaited<ReturnType<JobRunner['submit']>>) => Promise<unknown>,
): (params: CloneParams, reference: DecodedReference) => Promise<{ job: unknown; session_id: string | null }> {
  return async (params, reference) => {
    const sessionId = params.sessionId ?? randomUUID();
    const row = await runner.submit({ type: 'clone', sessionId, params: serializeCloneParams({ ...params, sessionId: params.temporary ? sessionId : null }), input: cloneJobInput(reference) });
    return { job: await present(row), session_id: params.temporary ? sessionId : null };
  };
}
