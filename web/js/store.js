// What every area reads: the server's health and the whole voice library, fetched together and
// handed to the areas that subscribed, so that one change shows everywhere at once.
import { api } from './api.js';

const listeners = new Set();
export const store = { health: null, voices: [] };

export function subscribe(render) {
  listeners.add(render);
}

let last = '';

/** Fetches both; the areas re-render only when something changed (an open form keeps its state). */
export async function refresh() {
  const [health, list] = await Promise.all([api('health'), api('v1/voices?kind=all')]);
  const snapshot = JSON.stringify([health, list.data]);
  if (snapshot === last) return;
  last = snapshot;
  store.health = health;
  store.voices = list.data;
  for (const render of listeners) render(store);
}

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
