// Pronunciations: the server lexicon (word → Kokoro phonemes per language) listed with a search;
// add or change a word, delete one, listen to it; and a "try" box that shows what
// /v1/audio/phonemes makes of a word, to start writing phonemes from.
import { ApiError, api } from './api.js';
import { playSpeech } from './player.js';
import { byUsefulness, store, subscribe } from './store.js';
import { $, busy, confirmAction, el, guarded, notice } from './ui.js';

/** More than this many matches are counted, not drawn: the lexicon may hold 50 000 words. */
const SHOWN = 200;
const POLL_MS = 10_000;
const FIELDS = { word: 'lex-word', language: 'lex-language', phonemes: 'lex-phonemes' };
let entries = [];
let loaded = false;
let lastUrl = null;

const wordPath = (word) => encodeURIComponent(word);
const sameEntry = (a, b) => a.word.toLowerCase() === b.word.toLowerCase() && a.language === b.language;

/** Reads the lexicon; the list is redrawn only when it changed (a button in focus keeps it). */
async function load() {
  const data = (await api('v1/pronunciations')).data;
  if (loaded && JSON.stringify(data) === JSON.stringify(entries)) return;
  entries = data;
  loaded = true;
  renderList();
}

function fillLanguages(select) {
  const languages = [...new Set(store.voices.filter((v) => v.kind === 'builtin').map((v) => v.language.toLowerCase()))].sort();
  const fallback = store.voices.find((v) => v.name === store.health?.default_voice)?.language.toLowerCase() ?? 'en-us';
  const chosen = select.value || fallback;
  select.replaceChildren(...languages.map((l) => el('option', { value: l, text: l })));
  select.value = languages.includes(chosen) ? chosen : languages.includes(fallback) ? fallback : (languages[0] ?? '');
}

function fillVoices() {
  const select = $('lex-voice');
  const voices = store.voices.filter((v) => v.available).sort(byUsefulness);
  const chosen = select.value || store.health?.default_voice;
  select.replaceChildren(...voices.map((v) => el('option', { value: v.name, text: `${v.name} · ${v.language}` })));
  if (voices.some((v) => v.name === chosen)) select.value = chosen;
  noteVoice();
}

/**
 * Kokoro voices and English espeak voices speak an entry's phonemes; an espeak voice of another
 * language reads the word as written: the page says so rather than letting it pass for the lexicon's reading.
 */
function noteVoice() {
  const voice = store.voices.find((v) => v.name === $('lex-voice').value);
  const note = $('lex-voice-note');
  note.hidden = !voice || voice.engine === 'kokoro' || voice.language.startsWith('en');
  note.textContent = voice ? `${voice.name} is an espeak voice for ${voice.language}: it reads the word as written. Kokoro voices and English espeak voices speak these phonemes.` : '';
}

function renderList() {
  const needle = $('lex-search').value.trim().toLowerCase();
  const shown = entries.filter((e) => !needle || [e.word, e.phonemes, e.language].some((f) => f.toLowerCase().includes(needle)));
  $('lex-items').replaceChildren(...shown.slice(0, SHOWN).map(item));
  const empty = $('lex-empty');
  empty.hidden = shown.length > 0 && shown.length <= SHOWN;
  if (!loaded) empty.textContent = 'Loading the lexicon…';
  else if (entries.length === 0) empty.textContent = 'No words yet: add one above.';
  else if (shown.length === 0) empty.textContent = `No word matches “${needle}”.`;
  else empty.textContent = `${shown.length - SHOWN} more: narrow the search to see them.`;
}

function item(entry) {
  const name = `${entry.word} (${entry.language})`;
  return el(
    'li',
    { className: 'lex-entry', dataset: { word: entry.word, language: entry.language } },
    el('div', { className: 'lex-title' }, el('strong', { text: entry.word }), el('span', { className: 'lang', text: entry.language })),
    el('code', { className: 'phonemes', text: entry.phonemes }),
    el(
      'div',
      { className: 'voice-actions' },
      el('button', { type: 'button', className: 'small', 'aria-label': `Listen to ${name}`, onclick: guarded('pronunciations', (e) => listen(e.currentTarget, entry.word)) }, '▶ Listen'),
      el('button', { type: 'button', className: 'small', 'aria-label': `Edit ${name}`, onclick: () => edit(entry) }, 'Edit'),
      el('button', { type: 'button', className: 'small danger', 'aria-label': `Delete ${name}`, onclick: guarded('pronunciations', () => remove(entry)) }, 'Delete'),
    ),
  );
}

/** Shows a refusal of the server beside the form, the field it names marked; null clears it. */
function fieldError(error) {
  for (const id of Object.values(FIELDS)) {
    $(id).removeAttribute('aria-invalid');
    $(id).removeAttribute('aria-describedby');
  }
  $('lex-error').hidden = error === null;
  $('lex-error').textContent = error?.message ?? '';
  const field = error ? $(FIELDS[error.param] ?? FIELDS.phonemes) : null;
  if (field) {
    field.setAttribute('aria-invalid', 'true');
    field.setAttribute('aria-describedby', 'lex-error');
    field.focus();
  }
}

async function save(_event, box) {
  const word = $('lex-word').value.trim();
  const language = $('lex-language').value;
  const phonemes = $('lex-phonemes').value.trim();
  let response;
  try {
    response = await busy($('lex-save'), 'Saving…', () => api(`v1/pronunciations/${wordPath(word)}`, { method: 'PUT', json: { phonemes, language }, raw: true }));
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 400) throw error;
    // A path without a word never reaches the word's route: say what the route would have said.
    const param = word ? error.details?.param : 'word';
    fieldError({ message: word ? error.message : 'Write the word to give a pronunciation.', param });
    return;
  }
  fieldError(null);
  const saved = await response.json();
  entries = [...entries.filter((e) => !sameEntry(e, saved)), saved].sort((a, b) => a.language.localeCompare(b.language) || a.word.localeCompare(b.word));
  renderList();
  box.ok(`${response.status === 201 ? 'Added' : 'Changed'} ${saved.word} (${saved.language}): ${saved.phonemes}`);
  $('lex-word').value = '';
  $('lex-phonemes').value = '';
}

function edit(entry) {
  fieldError(null);
  $('lex-word').value = entry.word;
  $('lex-language').value = entry.language;
  $('lex-phonemes').value = entry.phonemes;
  $('lex-form').scrollIntoView({ block: 'nearest' });
  $('lex-phonemes').focus();
}

async function remove(entry) {
  if (!(await confirmAction(`Delete the pronunciation of “${entry.word}” (${entry.language})? Voices will read it their own way again.`))) return;
  await api(`v1/pronunciations/${wordPath(entry.word)}?language=${encodeURIComponent(entry.language)}`, { method: 'DELETE' });
  entries = entries.filter((e) => !sameEntry(e, entry));
  renderList();
  notice('pronunciations').ok(`Deleted ${entry.word} (${entry.language}).`);
}

async function listen(button, word) {
  const voice = $('lex-voice').value;
  if (!voice) throw new Error('Choose a voice to listen with.');
  await busy(button, '…', async () => {
    const { url } = await playSpeech($('lex-audio'), { model: 'tts-1', input: word, voice, response_format: 'mp3' });
    if (lastUrl) URL.revokeObjectURL(lastUrl);
    lastUrl = url;
  });
}

async function tryWord() {
  const input = $('try-text').value.trim();
  if (!input) throw new Error('Write a word to see its phonemes.');
  const result = await busy($('try-go'), 'Reading…', () => api('v1/audio/phonemes', { method: 'POST', json: { input, language: $('try-language').value } }));
  $('try-normalized').textContent = result.normalized;
  $('try-phonemes').textContent = result.phonemes;
  $('try-result').hidden = false;
}

function useTried() {
  const text = $('try-text').value.trim();
  if (!$('lex-word').value.trim() && !/\s/.test(text)) $('lex-word').value = text;
  $('lex-language').value = $('try-language').value;
  $('lex-phonemes').value = $('try-phonemes').textContent;
  $('lex-phonemes').focus();
}

export function initPronunciations() {
  $('lex-form').addEventListener('submit', guarded('pronunciations', save));
  $('lex-clear').addEventListener('click', () => {
    $('lex-form').reset();
    fillLanguages($('lex-language'));
    fieldError(null);
  });
  $('try-form').addEventListener('submit', guarded('pronunciations', tryWord));
  $('try-use').addEventListener('click', useTried);
  $('lex-search').addEventListener('input', renderList);
  $('lex-voice').addEventListener('change', noteVoice);
  subscribe(() => {
    fillLanguages($('lex-language'));
    fillVoices();
    fillLanguages($('try-language'));
    if (!loaded) void guarded('pronunciations', load)();
  });
  // Words set elsewhere (the CLI, another replica, another browser) show within a poll.
  setInterval(() => {
    if (loaded && !document.hidden && !$('key-dialog').open) load().catch(() => undefined);
  }, POLL_MS);
  renderList();
}
