// Blend: two to five voices of one engine, each with a weight; listen to the mix, then save it.
import { api } from './api.js';
import { playSpeech } from './player.js';
import { byUsefulness, refresh, store, subscribe } from './store.js';
import { showKind } from './voices.js';
import { $, busy, el, guarded } from './ui.js';

const MIN_PARTS = 2;
const MAX_PARTS = 5;
const SAMPLE = 'Hello, this is a blend of voices. How does it sound?';
let serial = 0;

function speakable() {
  return store.voices.filter((v) => v.available && v.kind !== 'temporary').sort(byUsefulness);
}

function voiceOptions(select) {
  const chosen = select.value;
  const voices = speakable();
  select.replaceChildren(...voices.map((v) => el('option', { value: v.name, text: `${v.name} (${v.engine})` })));
  if (voices.some((v) => v.name === chosen)) select.value = chosen;
}

function addPart(voiceName) {
  const n = ++serial;
  const select = el('select', { id: `blend-voice-${n}`, className: 'blend-voice' });
  voiceOptions(select);
  if (voiceName && [...select.options].some((o) => o.value === voiceName)) select.value = voiceName;
  const weight = el('input', { id: `blend-weight-${n}`, className: 'blend-weight', type: 'range', min: '1', max: '10', step: '1', value: '5' });
  const shown = el('output', { for: weight.id, text: '5' });
  weight.addEventListener('input', () => (shown.textContent = weight.value));
  const remove = el('button', { type: 'button', className: 'small', 'aria-label': 'Remove this voice from the blend', text: 'Remove' });
  const li = el(
    'li',
    { className: 'blend-part' },
    el('div', {}, el('label', { for: select.id, text: 'Voice' }), select),
    el('div', {}, el('label', { for: weight.id }, 'Weight ', shown), weight),
    el('div', { className: 'end' }, remove),
  );
  remove.addEventListener('click', () => {
    li.remove();
    updateButtons();
  });
  $('blend-parts').append(li);
  updateButtons();
}

function updateButtons() {
  const count = $('blend-parts').children.length;
  $('blend-add').disabled = count >= MAX_PARTS;
  for (const button of $('blend-parts').querySelectorAll('.blend-part button')) button.disabled = count <= MIN_PARTS;
}

function parts() {
  const out = [...$('blend-parts').children].map((li) => ({ voice: li.querySelector('.blend-voice').value, weight: Number(li.querySelector('.blend-weight').value) }));
  if (out.some((p) => !p.voice)) throw new Error('Choose a voice for every part of the blend.');
  return out;
}

async function listen() {
  const formula = parts().map((p) => `${p.voice}(${p.weight})`).join('+');
  const audio = $('blend-audio');
  audio.hidden = false;
  await busy($('blend-listen'), 'Mixing…', () => playSpeech(audio, { model: 'tts-1', input: SAMPLE, voice: formula, response_format: 'mp3' }));
}

async function save(_event, box) {
  const json = { name: $('blend-name').value.trim(), voices: parts(), temporary: $('blend-temporary').checked };
  const { voice } = await api('v1/voices/blend', { method: 'POST', json });
  await refresh();
  showKind(voice.kind);
  box.ok(`Saved the blend as ${voice.kind} voice ${voice.name}${voice.expires_at ? `, expiring ${new Date(voice.expires_at).toLocaleString()}` : ''}.`);
  $('blend-name').value = '';
}

export function initBlend() {
  $('blend-add').addEventListener('click', () => addPart());
  $('blend-listen').addEventListener('click', guarded('blend', listen));
  $('blend-form').addEventListener('submit', guarded('blend', save));
  let seeded = false;
  subscribe(() => {
    if (!seeded && speakable().length > 0) {
      seeded = true;
      const [a, b] = speakable();
      addPart(a?.name);
      addPart(b?.name);
      return;
    }
    for (const select of $('blend-parts').querySelectorAll('.blend-voice')) voiceOptions(select);
  });
}
