import { threadId, workerData } from 'node:worker_threads';
import { move } from 'piscina';
import { createLogger } from '../logging.js';
import { createEngines } from './index.js';
import { InProcessRenderer, type RenderTask, type WorkerSettings } from './renderer.js';

/**
 * Worker-thread entry: each thread keeps one long-lived instance of each engine
 * it has been asked for (an in-process renderer of its own) and renders one
 * piece of text per task, handing the PCM back without a copy.
 */
const settings = workerData as WorkerSettings;
const logger = createLogger(settings.log).child({ thread: threadId });
const renderer = new InProcessRenderer(createEngines(settings.engines), {
  debug: (details, message) => logger.debug(details, message),
});

export default async function renderTask(task: RenderTask): Promise<Int16Array> {
  return move(await renderer.render(task)) as Int16Array;
}
