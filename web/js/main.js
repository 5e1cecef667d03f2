// The LiteTTS dashboard: plain ES modules over the public HTTP API (it can do nothing a client cannot).
import { apiKey, whenUnauthorized } from './api.js';
import { initBlend } from './blend.js';
import { initClone } from './clone.js';
import { initPronunciations } from './pronunciations.js';
import { initSpeak } from './speak.js';
import { initStatus } from './status.js';
import { downloading, refresh, store } from './store.js';
import { $ } from './ui.js';
import { initVoices } from './voices.js';

const POLL_MS = 10_000;
const DOWNLOAD_POLL_MS = 1_000;

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
initPronunciations();
initStatus();
whenUnauthorized(askForKey);
$('key-form').addEventListener('submit', () => {
  apiKey.set($('api-key').value.trim());
  $('api-key').value = '';
  void load();
});
// Engines can become ready while the page is open (a model download finishing), and temporary
// voices run out; while a model downloads, its progress is looked at more often.
function poll() {
  setTimeout(async () => {
    if (!$('key-dialog').open && store.health) await load();
    poll();
  }, downloading() ? DOWNLOAD_POLL_MS : POLL_MS);
}
void load().then(poll);
