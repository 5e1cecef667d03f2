// Clone: a reference from a file (dropped or chosen) or the microphone, its analysis first, then a
// fast clone (answered at once) or a thorough one (a job with progress, best score, preview and
// cancel). The result is a temporary voice to save under a name or discard.
import { api, events } from './api.js';
import { playSpeech } from './player.js';
import { refresh, store, subscribe } from './store.js';
import { deleteVoice, saveTemporary, showKind } from './voices.js';
import { $, busy, el, guarded, notice, percent, timeLeft } from './ui.js';

const SESSION = 'litetts.session';
const SAMPLE = 'Hello, this is my new voice. How does it sound?';
let reference = null; // the File to clone from
let referenceUrl = null;
let result = null; // the temporary voice made
let job = null; // { id, controller }
let recorder = null;

function renderEngines() {
  const select = $('clone-engine');
  const chosen = select.value;
  const engines = Object.entries(store.health?.engines ?? {});
  select.replaceChildren(...engines.map(([id, e]) => el('option', { value: id, disabled: !e.available, text: e.available ? id : `${id} (not installed)` })));
  const usable = engines.filter(([, e]) => e.available).map(([id]) => id);
  select.value = usable.includes(chosen) ? chosen : (usable[0] ?? '');
}

async function setReference(file) {
  reference = file;
  if (referenceUrl) URL.revokeObjectURL(referenceUrl);
  referenceUrl = URL.createObjectURL(file);
  $('reference-audio').src = referenceUrl;
  $('reference-name').textContent = `${file.name} · ${(file.size / 1024).toFixed(0)} KB`;
  $('analysis').replaceChildren();
  $('issues').replaceChildren();
  $('reference').hidden = false;
  const form = new FormData();
  form.append('audio_file', file, file.name);
  const a = await api('v1/voices/analyze', { method: 'POST', form });
  const facts = [
    ['Speech', `${a.speech_duration_s.toFixed(1)} s of ${a.duration_s.toFixed(1)} s`],
    ['Pitch', a.f0_median_hz === null ? 'no voiced speech found' : `${a.f0_median_hz.toFixed(0)} Hz (${a.f0_range_hz.min.toFixed(0)}–${a.f0_range_hz.max.toFixed(0)} Hz)`],
    ['Noise', a.snr_db === null ? '—' : `signal ${a.snr_db.toFixed(0)} dB above the noise`],
    ['Verdict', a.suitability.ok ? 'Good to clone from' : 'Not usable as it is'],
  ];
  $('analysis').replaceChildren(...facts.flatMap(([k, v]) => [el('dt', { text: k }), el('dd', { text: v })]));
  $('issues').replaceChildren(...a.suitability.issues.map((issue) => el('li', { className: issue.severity, text: issue.message })));
  if (!$('clone-name').value) $('clone-name').value = suggestName(file.name);
  return a;
}

function suggestName(fileName) {
  const stem = fileName.replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9_-]+/g, '_').replace(/^[_-]+/, '').slice(0, 48);
  return stem || 'my_voice';
}

async function toggleRecording(_event, box) {
  const button = $('record');
  if (recorder) {
    recorder.stop();
    return;
  }
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const chunks = [];
  recorder = new MediaRecorder(stream);
  const started = Date.now();
  const tick = setInterval(() => ($('record-time').textContent = `Recording… ${Math.floor((Date.now() - started) / 1000)} s`), 250);
  recorder.addEventListener('dataavailable', (e) => e.data.size > 0 && chunks.push(e.data));
  recorder.addEventListener('stop', () => {
    clearInterval(tick);
    for (const track of stream.getTracks()) track.stop();
    const type = recorder.mimeType || 'audio/webm';
    recorder = null;
    button.textContent = 'Record from microphone';
    button.setAttribute('aria-pressed', 'false');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    $('record-time').textContent = `Recorded ${seconds} s.`;
    const file = new File(chunks, `recording.${type.includes('ogg') ? 'ogg' : 'webm'}`, { type });
    setReference(file).catch((error) => box.error(error.message));
  });
  recorder.start(250);
  button.textContent = 'Stop recording';
  button.setAttribute('aria-pressed', 'true');
}

async function clone(_event, box) {
  if (!reference) throw new Error('Choose, drop or record the audio to clone from first.');
  const quality = document.querySelector('input[name="quality"]:checked').value;
  const form = new FormData();
  form.append('voice_name', $('clone-name').value.trim());
  if ($('clone-engine').value) form.append('engine', $('clone-engine').value);
  form.append('quality', quality);
  const session = localStorage.getItem(SESSION);
  if (session) form.append('session_id', session);
  if (quality === 'thorough') form.append('max_seconds', String(Math.round(Number($('clone-seconds').value) || 30)));
  form.append('audio_file', reference, reference.name);
  $('result').hidden = true;
  const answer = await busy($('clone-go'), quality === 'fast' ? 'Cloning…' : 'Starting…', () => api('v1/voices/create', { method: 'POST', form }));
  if (answer.session_id) localStorage.setItem(SESSION, answer.session_id);
  if (answer.job) return follow(answer.job, box);
  await refresh();
  showResult(answer.voice, answer.similarity);
}

async function follow(started, box) {
  const controller = new AbortController();
  job = { id: started.id, controller };
  $('job').hidden = false;
  $('job-preview').disabled = true;
  $('job-audio').hidden = true;
  $('clone-go').disabled = true;
  const update = ({ progress, step, best_score }) => {
    $('job-progress').value = progress;
    $('job-step').textContent = `${Math.round(progress * 100)} % · ${step}${best_score === null ? '' : ` · best score ${percent(best_score)}`}`;
    if (best_score !== null) $('job-preview').disabled = false;
  };
  update({ progress: started.progress ?? 0, step: started.step ?? 'queued', best_score: started.best_score ?? null });
  let outcome = null;
  try {
    await events(`v1/jobs/${encodeURIComponent(started.id)}/events`, (name, data) => {
      if (name === 'progress') update(data);
      else outcome = { name, data };
    }, controller.signal);
  } finally {
    job = null;
    $('job').hidden = true;
    $('clone-go').disabled = false;
  }
  if (outcome?.name === 'done' && outcome.data.voice) {
    await refresh();
    showResult(outcome.data.voice, outcome.data.voice.similarity ?? outcome.data.best_score);
  } else if (outcome?.data?.error?.code === 'cancelled') {
    box.ok('The search was cancelled; no voice was made.');
  } else {
    throw new Error(outcome?.data?.error?.message ?? 'The search ended without a voice.');
  }
}

function showResult(voice, similarity) {
  result = voice;
  $('result-name').textContent = voice.name;
  const score = typeof similarity === 'number' ? `Similarity to the reference: ${percent(similarity)}` : 'Similarity not measured';
  $('result-facts').textContent = `${score} · ${voice.engine} · ${voice.language} · temporary, ${voice.expires_at ? timeLeft(voice.expires_at) : 'expiring'}`;
  $('save-name').value = voice.name;
  $('result').hidden = false;
}

async function listen() {
  if (!result) return;
  const audio = $('reference-audio');
  await busy($('result-listen'), 'Speaking…', () => playSpeech(audio, { model: 'tts-1', input: SAMPLE, voice: result.name, response_format: 'mp3' }));
}

async function save(_event, box) {
  const saved = await saveTemporary(result, $('save-name').value.trim());
  $('result').hidden = true;
  result = null;
  showKind('custom');
  box.ok(`Saved ${saved.name} as a custom voice: it no longer expires.`);
}

async function discard(_event, box) {
  const gone = result;
  await deleteVoice(gone);
  $('result').hidden = true;
  result = null;
  box.ok(`Discarded ${gone.name}.`);
}

async function preview() {
  if (!job) return;
  const response = await busy($('job-preview'), 'Loading…', () => api(`v1/jobs/${encodeURIComponent(job.id)}/preview`, { raw: true })).catch((error) => {
    if (error.code === 'no_preview') throw new Error('No voice to hear yet: the search keeps its best a few seconds after it finds one. Try again in a moment.');
    throw error;
  });
  const audio = $('job-audio');
  if (audio.src) URL.revokeObjectURL(audio.src);
  audio.src = URL.createObjectURL(await response.blob());
  audio.hidden = false;
  await audio.play().catch(() => undefined);
}

async function cancel() {
  if (!job) return;
  await api(`v1/jobs/${encodeURIComponent(job.id)}`, { method: 'DELETE' });
}

export function initClone() {
  const drop = $('drop');
  const choose = guarded('clone', async () => {
    const file = $('clone-file').files?.[0];
    if (file) await setReference(file);
  });
  $('clone-file').addEventListener('change', choose);
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener(
    'drop',
    guarded('clone', async (e) => {
      drop.classList.remove('over');
      const file = e.dataTransfer?.files?.[0];
      if (file) await setReference(file);
    }),
  );
  if (!('MediaRecorder' in window) || !navigator.mediaDevices?.getUserMedia) {
    $('record').disabled = true;
    $('record-time').textContent = 'This browser cannot record here (recording needs https or localhost).';
  }
  $('record').addEventListener('click', guarded('clone', toggleRecording));
  $('clone-form').addEventListener('submit', guarded('clone', clone));
  $('result-listen').addEventListener('click', guarded('clone', listen));
  $('save-form').addEventListener('submit', guarded('clone', save));
  $('result-discard').addEventListener('click', guarded('clone', discard));
  $('job-preview').addEventListener('click', guarded('clone', preview));
  $('job-cancel').addEventListener('click', guarded('clone', cancel));
  const seconds = () => ($('clone-seconds').disabled = !$('quality-thorough').checked);
  for (const radio of document.querySelectorAll('input[name="quality"]')) radio.addEventListener('change', seconds);
  seconds();
  subscribe(renderEngines);
}
