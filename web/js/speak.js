// Speak: text, a voice from a searchable, filtered picker, speed and format; plays while it
// streams, draws what was made, keeps the last few results to replay or download.
import { drawWaveform, extension, playSpeech } from './player.js';
import { byUsefulness, matches, store, subscribe } from './store.js';
import { $, busy, el, guarded } from './ui.js';

const HISTORY = 5;
const history = [];
let current = null;

function fillOptions(select, values, anyLabel) {
  const chosen = select.value;
  select.replaceChildren(el('option', { value: '', text: anyLabel }), ...values.map((v) => el('option', { value: v, text: v })));
  if (values.includes(chosen)) select.value = chosen;
}

function renderPicker() {
  const voices = store.voices;
  fillOptions($('pick-engine'), [...new Set(voices.map((v) => v.engine))].sort(), 'Any');
  fillOptions($('pick-language'), [...new Set(voices.map((v) => v.language))].sort(), 'Any');
  const needle = $('pick-search').value.trim();
  const filters = { engine: $('pick-engine').value, language: $('pick-language').value, gender: $('pick-gender').value, kind: $('pick-kind').value };
  const onlyAvailable = $('pick-available').checked;
  const shown = voices
    .filter((v) => matches(v, needle) && (!onlyAvailable || v.available) && Object.entries(filters).every(([k, want]) => !want || v[k] === want))
    .sort(byUsefulness);
  const select = $('speak-voice');
  const chosen = select.value || store.health?.default_voice;
  select.replaceChildren(
    ...shown.map((v) =>
      el('option', {
        value: v.name,
        disabled: !v.available,
        title: v.description,
        text: `${v.name} · ${v.language}${v.kind === 'builtin' ? '' : ` · ${v.kind}`}${v.available ? '' : ' (not installed)'}`,
      }),
    ),
  );
  if (shown.some((v) => v.name === chosen && v.available)) select.value = chosen;
  else if (shown[0]?.available) select.value = shown[0].name;
  const speakable = voices.filter((v) => v.available).length;
  $('pick-count').textContent = `${shown.length} shown · ${speakable} of ${voices.length} voices can speak now`;
}

function renderHistory() {
  $('history-h').hidden = history.length === 0;
  $('history').replaceChildren(
    ...history.map((item) =>
      el(
        'li',
        {},
        el('button', { type: 'button', 'aria-label': `Replay ${item.voice}: ${item.text}`, onclick: () => show(item) }, '▶'),
        el('span', { className: 'history-text', text: `${item.voice} · ${item.text}` }),
        el('a', { className: 'button small', href: item.url, download: item.fileName, text: 'Download' }),
      ),
    ),
  );
}

/** Puts a result in the player: audio (unless already playing it), waveform, info and download. */
function show(item, { play = true } = {}) {
  current = item;
  const audio = $('audio');
  if (play) {
    audio.src = item.url;
    audio.play().catch(() => undefined);
  }
  $('audio-info').textContent = `${item.voice} · ${item.format} · ${(item.size / 1024).toFixed(0)} KB in ${item.seconds.toFixed(2)} s`;
  $('audio-download').href = item.url;
  $('audio-download').download = item.fileName;
  $('player').hidden = false;
  void drawWaveform($('waveform'), item.blob);
}

async function speak() {
  const voice = $('speak-voice').value;
  if (!voice) throw new Error('Choose a voice that can speak (see Status to install more).');
  const format = $('speak-format').value;
  const body = { model: 'tts-1', input: $('speak-text').value, voice, response_format: format, speed: Number($('speak-speed').value) };
  $('player').hidden = false;
  const result = await busy($('speak-go'), 'Speaking…', () => playSpeech($('audio'), body));
  const item = { ...result, format, size: result.blob.size, text: body.input.slice(0, 60), fileName: `speech-${result.voice}.${extension(format)}` };
  history.unshift(item);
  for (const old of history.splice(HISTORY)) if (old !== current) URL.revokeObjectURL(old.url);
  show(item, { play: false });
  renderHistory();
}

export function initSpeak() {
  $('speak-form').addEventListener('submit', guarded('speak', speak));
  for (const id of ['pick-search']) $(id).addEventListener('input', renderPicker);
  for (const id of ['pick-engine', 'pick-language', 'pick-gender', 'pick-kind', 'pick-available']) $(id).addEventListener('change', renderPicker);
  const speed = $('speak-speed');
  speed.addEventListener('input', () => ($('speak-speed-out').textContent = `${Number(speed.value).toFixed(2)}×`));
  subscribe(renderPicker);
}
