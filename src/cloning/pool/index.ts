export { ClonePool, type ClonePoolOptions } from './pool.js';
export { InProcessCloner } from './in-process.js';
export { SpeechActivity, observeSpeechActivity, yieldToSpeech } from './activity.js';
export type { Lane, ThreadStatus } from './messages.js';
