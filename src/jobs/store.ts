import type { VoiceCatalog } from '../store/catalog.js';
import type { JobStore } from '../store/jobs.js';

const METHODS: readonly (keyof JobStore)[] = [
  'insertJob', 'getJob', 'listJobs', 'jobInput', 'jobCheckpoint', 'claimJob', 'updateJob', 'completeJob', 'finishJob', 'requeueRunning', 'deleteFinishedJobs',
];

/**
 * The catalog as the job store it also is (jobs live beside the voices, so that a job and the
 * voice it lands are one transaction). A catalog that keeps no jobs is a programming error.
 */
export function asJobStore(catalog: VoiceCatalog): VoiceCatalog & JobStore {
  const missing = METHODS.filter((m) => typeof (catalog as unknown as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) throw new Error(`The catalog keeps no jobs (missing ${missing.join(', ')})`);
  return catalog as VoiceCatalog & JobStore;
}
