import { move } from 'piscina';
import { InProcessRenderer, type RenderTask } from './renderer.js';

/**
 * Worker-thread entry: each thread keeps one long-lived instance of each engine
 * it has been asked for (an in-process renderer of its own) and renders one
 * piece of text per task, handing the PCM back without a copy.
 */
const renderer = new InProcessRenderer();

export default async function renderTask(task: RenderTask): Promise<Int16Array> {
  return move(await renderer.render(task)) as Int16Array;
}
