// What every area reads: the server's health and the whole voice library, fetched together and
// handed to the areas that subscribed, so that one change shows everywhere at once.
import { api } from './api.js';

const listeners = new Set();
const healthListeners = new Set();
export const store = { health: null, voices: [] };

/** Called when the library or the server's state changes (not for download progress alone). */
export function subscribe(render) {
  listeners.add(render);
}

/** Called on every change of /health, download progress included (Status). */
export function subscribeHealth(render) {
  healthListeners.add(render);
}

/** Health without what moves while a model downloads: the areas that do not show it need not redraw. */
function settled(health) {
  const engines = Object.fromEntries(Object.entries(health.engines ?? {}).map(([id, { download, install, ...rest }]) => [id, rest]));
  return { ...health, engines };
}

let last = '';
let lastHealth = '';

/** Fetches both; the areas re-render only when something they show changed (an open form keeps its state). */
export async function refresh() {
  const [health, list] = await Promise.all([api('health'), api('v1/voices?kind=all')]);
  const snapshot = JSON.stringify([settled(health), list.data]);
  const healthSnapshot = JSON.stringify(health);
  if (snapshot === last && healthSnapshot === lastHealth) return;
  store.health = health;
  store.voices = list.data;
  if (snapshot !== last) for (const render of listeners) render(store);
  if (healthSnapshot !== lastHealth) for (const render of healthListeners) render(store);
  last = snapshot;
  lastHealth = healthSnapshot;
}

/** Whether an engine is being downloaded now (the page then looks more often). */
export const downloading = () => Object.values(store.health?.engines ?? {}).some((e) => e.download);

/** Voices that can speak first, then by kind (custom, temporary, builtin), then by name. */
const KIND_ORDER = { custom: 0, temporary: 1, builtin: 2 };
export function byUsefulness(a, b) {
  return Number(b.available) - Number(a.available) || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.name.localeCompare(b.name);
}

export function matches(voice, needle) {
  if (!needle) return true;
  const n = needle.toLowerCase();
  return [voice.name, voice.language, voice.description, voice.gender ?? '', voice.engine].some((f) => f.toLowerCase().includes(n));
}
