// The LiteTTS dashboard: plain ES modules over the public HTTP API (it can do nothing a client cannot).
import { apiKey, whenUnauthorized } from './api.js';
import { initBlend } from './blend.js';
import { initClone } from './clone.js';
import { initSpeak } from './speak.js';
import { initStatus } from './status.js';
import { refresh, store } from './store.js';
import { $ } from './ui.js';
import { initVoices } from './voices.js';

const POLL_MS = 10_000;

function askForKey(error) {
  const dialog = $('key-dialog');
  if (dialog.open) return;
  $('summary').textContent = 'This server needs an API key.';
  $('key-error').hidden = !apiKey.get();
  $('key-error').textContent = apiKey.get() ? error.message : '';
  dialog.showModal();
}

async function load() {
  try {
    await refresh();
    document.body.dataset.ready = 'true';
  } catch (error) {
    if (error?.status !== 401) $('summary').textContent = `The server cannot be reached: ${error.message}`;
  }
}

initSpeak();
initClone();
initVoices();
initBlend();
initStatus();
whenUnauthorized(askForKey);
$('key-form').addEventListener('submit', () => {
  apiKey.set($('api-key').value.trim());
  $('api-key').value = '';
  void load();
});
// Engines can become ready while the page is open (a model download finishing), and temporary voices run out.
setInterval(() => {
  if (!$('key-dialog').open && store.health) void load();
}, POLL_MS);
void load();
