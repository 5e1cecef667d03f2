// Voices: the library by kind (builtin, custom, temporary), voices that can speak first; per voice
// a preview, details, rename and describe, save (temporary), delete, downloads; export and import.
import { api, voicePath } from './api.js';
import { playSpeech } from './player.js';
import { byUsefulness, matches, refresh, store, subscribe } from './store.js';
import { $, busy, confirmAction, el, guarded, notice, saveBlob, timeLeft } from './ui.js';

const SAMPLE = 'Hello, this is my voice. How does it sound?';
const preview = new Audio();
let kind = 'builtin';

function selectTab(next, focus = false) {
  kind = next;
  for (const tab of document.querySelectorAll('#voices [role="tab"]')) {
    const selected = tab.dataset.kind === kind;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) {
      $('voice-list').setAttribute('aria-labelledby', tab.id);
      if (focus) tab.focus();
    }
  }
  render();
}

function render() {
  const voices = store.voices;
  for (const tab of document.querySelectorAll('#voices [role="tab"]')) {
    tab.querySelector('.count').textContent = String(voices.filter((v) => v.kind === tab.dataset.kind).length);
  }
  const needle = $('voice-search').value.trim();
  const shown = voices.filter((v) => v.kind === kind && matches(v, needle)).sort(byUsefulness);
  const ready = shown.filter((v) => v.available);
  const missing = shown.filter((v) => !v.available);
  const open = new Set([...document.querySelectorAll('#voice-list .voice-details[open]')].map((d) => d.closest('li').dataset.name));
  $('voice-items').replaceChildren(...ready.map(item));
  $('unavailable-items').replaceChildren(...missing.map(item));
  for (const li of document.querySelectorAll('#voice-list li.voice')) if (open.has(li.dataset.name)) li.querySelector('.voice-details').open = true;
  $('unavailable').hidden = missing.length === 0;
  const engines = [...new Set(missing.map((v) => v.engine))].join(', ');
  $('unavailable').querySelector('summary').textContent = `${missing.length} voice${missing.length === 1 ? '' : 's'} need ${engines}, which is not installed (see Status)`;
  $('voice-empty').hidden = shown.length > 0;
  $('voice-empty').textContent = needle ? `No ${kind} voice matches “${needle}”.` : kind === 'builtin' ? 'No builtin voices.' : `No ${kind} voices yet: clone, blend or import one.`;
}

function item(voice) {
  const facts = [voice.engine, voice.language, voice.gender, voice.source !== 'builtin' ? voice.source : null].filter(Boolean).join(' · ');
  const li = el('li', { className: `voice${voice.available ? '' : ' off'}`, dataset: { name: voice.name } });
  const head = el(
    'div',
    { className: 'voice-head' },
    el('div', { className: 'voice-title' }, el('strong', { text: voice.name }), el('span', { className: 'hint', text: facts })),
    el('div', { className: 'voice-actions' }, ...actions(voice)),
  );
  li.append(head);
  if (voice.kind === 'temporary' && voice.expires_at) {
    li.append(el('p', { className: 'hint', text: `Temporary · ${timeLeft(voice.expires_at)} · session ${voice.session_id ?? '—'}` }));
  }
  li.append(details(voice));
  return li;
}

function actions(voice) {
  const out = [];
  if (voice.available) {
    out.push(el('button', { type: 'button', className: 'small', 'aria-label': `Preview ${voice.name}`, onclick: guarded('voices', (e) => listen(e.currentTarget, voice)) }, '▶ Preview'));
  }
  if (voice.kind === 'temporary') {
    out.push(el('button', { type: 'button', className: 'small primary', 'aria-label': `Save ${voice.name}`, onclick: guarded('voices', () => save(voice)) }, 'Save'));
  }
  if (voice.kind !== 'builtin') {
    out.push(el('button', { type: 'button', className: 'small danger', 'aria-label': `Delete ${voice.name}`, onclick: guarded('voices', () => remove(voice)) }, 'Delete'));
  }
  return out;
}

function details(voice) {
  const box = el('details', { className: 'voice-details' }, el('summary', { text: 'Details' }));
  const facts = [
    ['Description', voice.description || '—'],
    ['Kind', voice.kind],
    ['Source', voice.source],
    ['Created', new Date(voice.created_at).toLocaleString()],
    voice.similarity !== undefined && voice.similarity !== null ? ['Similarity', `${Math.round(voice.similarity * 100)} %`] : null,
    voice.expires_at ? ['Expires', new Date(voice.expires_at).toLocaleString()] : null,
  ].filter(Boolean);
  box.append(el('dl', { className: 'facts' }, ...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })])));
  const formats = voice.engine === 'kokoro' ? ['bin', 'npz'] : ['json'];
  box.append(
    el(
      'div',
      { className: 'row' },
      ...formats.map((format) =>
        el('button', { type: 'button', className: 'small', 'aria-label': `Download ${voice.name} as .${format}`, onclick: guarded('voices', () => download(voice, format)) }, `Download .${format}`),
      ),
    ),
  );
  if (voice.kind === 'custom') box.append(editForm(voice));
  return box;
}

function editForm(voice) {
  const id = `edit-${voice.name}`;
  const name = el('input', { id: `${id}-name`, value: voice.name, required: true, autocomplete: 'off' });
  const description = el('input', { id: `${id}-description`, value: voice.description, placeholder: 'what it sounds like', autocomplete: 'off' });
  return el(
    'form',
    {
      className: 'grid controls edit',
      onsubmit: guarded('voices', async (_event, box) => {
        const patch = {};
        if (name.value.trim() !== voice.name) patch.name = name.value.trim();
        if (description.value !== voice.description) patch.description = description.value;
        if (Object.keys(patch).length === 0) return;
        await api(`v1/voices/custom/${voicePath(voice.name)}`, { method: 'PATCH', json: patch });
        await refresh();
        box.ok(patch.name ? `Renamed ${voice.name} to ${patch.name}.` : `Updated ${voice.name}.`);
      }),
    },
    el('div', {}, el('label', { for: name.id, text: 'Name' }), name),
    el('div', {}, el('label', { for: description.id, text: 'Description' }), description),
    el('div', { className: 'end' }, el('button', { type: 'submit', text: 'Save changes' })),
  );
}

async function listen(button, voice) {
  await busy(button, '…', async () => {
    const { url } = await playSpeech(preview, { model: 'tts-1', input: SAMPLE, voice: voice.name, response_format: 'mp3' });
    preview.addEventListener('emptied', () => URL.revokeObjectURL(url), { once: true });
  });
}

async function download(voice, format) {
  const response = await api(`v1/voices/${voicePath(voice.name)}/download?format=${format}`, { raw: true });
  saveBlob(await response.blob(), `${voice.name}.${format}`);
}

export async function saveTemporary(voice, newName) {
  const body = newName && newName !== voice.name ? { new_name: newName } : {};
  if (voice.session_id) body.session_id = voice.session_id;
  const { voice: saved } = await api(`v1/voices/custom/${voicePath(voice.name)}/save`, { method: 'POST', json: body });
  await refresh();
  return saved;
}

export async function deleteVoice(voice) {
  const path = voice.kind === 'temporary' ? `v1/voices/temporary/${voicePath(voice.name)}` : `v1/voices/custom/${voicePath(voice.name)}`;
  await api(path, { method: 'DELETE' });
  await refresh();
}

async function save(voice) {
  const saved = await saveTemporary(voice);
  selectTab('custom');
  notice('voices').ok(`Saved ${saved.name}: it no longer expires.`);
}

async function remove(voice) {
  if (!(await confirmAction(`Delete ${voice.name}? This cannot be undone.`))) return;
  await deleteVoice(voice);
  notice('voices').ok(`Deleted ${voice.name}.`);
}

async function exportAll() {
  const response = await api('v1/voices/export', { raw: true });
  saveBlob(await response.blob(), 'voices.npz');
}

async function importVoices(_event, box) {
  const file = $('import-file').files?.[0];
  if (!file) throw new Error('Choose a voice file to import.');
  const form = new FormData();
  if ($('import-name').value.trim()) form.append('voice_name', $('import-name').value.trim());
  form.append('temporary', String($('import-temporary').checked));
  form.append('file', file, file.name);
  const { data } = await api('v1/voices/import', { method: 'POST', form });
  await refresh();
  selectTab(data[0]?.kind ?? 'custom');
  box.ok(`Imported ${data.map((v) => v.name).join(', ')}.`);
  $('import-form').reset();
}

export function showKind(next) {
  selectTab(next);
}

export function initVoices() {
  const tabs = [...document.querySelectorAll('#voices [role="tab"]')];
  for (const tab of tabs) {
    tab.addEventListener('click', () => selectTab(tab.dataset.kind));
    tab.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      const next = tabs[(tabs.indexOf(tab) + step + tabs.length) % tabs.length];
      selectTab(next.dataset.kind, true);
    });
  }
  $('voice-search').addEventListener('input', render);
  $('export').addEventListener('click', guarded('voices', exportAll));
  $('import-form').addEventListener('submit', guarded('voices', importVoices));
  subscribe(render);
}
