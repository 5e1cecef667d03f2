/** Durable background jobs (thorough clones): the runner, the types handlers implement, the owner's instance id. */
export { JobRunner, MAX_INTERRUPTIONS, MAX_QUEUED, MAX_WATCHERS, type JobRunnerOptions, type JobTimings } from './runner.js';
export { instanceIdOf } from './owner.js';
export { asJobStore } from './store.js';
export type { JobContext, JobEvent, JobHandler, JobPreview, JobProgress, JobSubmission } from './types.js';
