// The LiteTTS dashboard: a plain script over the public HTTP API (nothing here the API cannot do).
// Data from the server only ever reaches the page as text (textContent), never as markup.
'use strict';

(() => {
  const $ = (id) => document.getElementById(id);
  const KEY = 'litetts.apiKey';
  const SAMPLE = 'Hello, this is my voice. How does it sound?';
  const state = { voices: [], health: null, audioUrl: null };

  class ApiError extends Error {
    constructor(status, body) {
      super(body?.error?.message ?? `HTTP ${status}`);
      this.status = status;
      this.code = body?.error?.code ?? null;
    }
  }

  /** One call to the API; JSON bodies, multipart forms or nothing; errors in the contract's shape become ApiErrors. */
  async function api(path, { method = 'GET', json, form, raw = false } = {}) {
    const headers = {};
    const key = localStorage.getItem(KEY);
    if (key) headers.authorization = `Bearer ${key}`;
    let body;
    if (json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    const response = await fetch(path, { method, headers, body });
    if (!response.ok) {
      const error = new ApiError(response.status, await response.json().catch(() => null));
      if (response.status === 401) $('key-form').hidden = false;
      throw error;
    }
    if (raw) return response;
    return response.status === 204 ? null : response.json();
  }

  function say(text, isError = false) {
    const box = $('message');
    box.textContent = text;
    box.className = isError ? 'error' : '';
    box.hidden = false;
  }

  /** Runs an action from the page, reporting its failure instead of throwing it away. */
  function guarded(action) {
    return async (event) => {
      event?.preventDefault?.();
      try {
        await action(event);
      } catch (error) {
        say(error instanceof Error ? error.message : String(error), true);
      }
    };
  }

  function el(tag, text, props = {}) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    Object.assign(node, props);
    return node;
  }

  function button(label, onClick, title) {
    const b = el('button', label, { type: 'button' });
    if (title) b.title = title;
    b.addEventListener('click', guarded(onClick));
    return b;
  }

  function saveBlob(blob, fileName) {
    const url = URL.createObjectURL(blob);
    const a = el('a', null, { href: url, download: fileName });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  // ——— status ———

  async function refreshHealth() {
    const health = await api('health');
    state.health = health;
    const status = $('status');
    status.replaceChildren();
    for (const [id, engine] of Object.entries(health.engines)) {
      const chip = el('span', `${id}: ${engine.available ? 'ready' : 'not installed'}`, { className: `chip ${engine.available ? 'ok' : 'off'}` });
      chip.title = engine.available ? engine.description : engine.install ?? '';
      status.append(chip);
    }
    status.append(el('span', `default voice ${health.default_voice}`, { className: 'chip' }));
    const v = health.voices;
    status.append(el('span', `${v.builtin} builtin · ${v.custom} custom · ${v.temporary} temporary`, { className: 'chip' }));
    $('speak-voice').placeholder = `default: ${health.default_voice}`;
    const missing = Object.entries(health.engines).filter(([, e]) => !e.available);
    return missing.length > 0;
  }

  // ——— voices ———

  async function refreshVoices() {
    const params = new URLSearchParams();
    if ($('filter-kind').value) params.set('kind', $('filter-kind').value);
    if ($('filter-engine').value) params.set('engine', $('filter-engine').value);
    const list = await api(`v1/voices?${params}`);
    state.voices = list.data;
    renderVoices();
    // The voice box offers every voice the library can speak now, whatever the table shows.
    const all = await api('v1/voices?kind=all');
    $('voice-names').replaceChildren(...all.data.filter((v) => v.available).map((v) => el('option', null, { value: v.name })));
  }

  function renderVoices() {
    const needle = $('filter-text').value.trim().toLowerCase();
    const shown = state.voices.filter((v) => !needle || [v.name, v.language, v.description, v.gender ?? ''].some((f) => f.toLowerCase().includes(needle)));
    $('voices').replaceChildren(...shown.map(voiceRow));
    $('voices-count').textContent = `${shown.length} of ${state.voices.length} voices`;
  }

  function voiceRow(voice) {
    const row = el('tr', null, { className: voice.available ? '' : 'unavailable' });
    row.dataset.name = voice.name;
    const expires = voice.expires_at ? new Date(voice.expires_at).toLocaleString() : '';
    for (const cell of [voice.name, voice.engine, voice.kind, voice.language, voice.gender ?? '', voice.description, expires]) row.append(el('td', cell));
    const actions = el('td', null, { className: 'actions' });
    if (voice.available) {
      actions.append(button('▶', () => speak({ input: SAMPLE, voice: voice.name }), `hear ${voice.name}`));
      actions.append(button('download', () => download(voice)));
    } else {
      actions.append(el('span', 'not installed', { title: state.health?.engines[voice.engine]?.install ?? '' }));
    }
    if (voice.kind === 'temporary') {
      actions.append(button('save', () => save(voice), 'keep it: make it a custom voice'));
      actions.append(button('delete', () => remove(voice)));
    } else if (voice.kind === 'custom') {
      actions.append(button('rename', () => rename(voice)));
      actions.append(button('delete', () => remove(voice)));
    }
    row.append(actions);
    return row;
  }

  async function download(voice) {
    const format = voice.engine === 'kokoro' ? 'bin' : 'json';
    const response = await api(`v1/voices/${encodeURIComponent(voice.name)}/download?format=${format}`, { raw: true });
    saveBlob(await response.blob(), `${voice.name}.${format}`);
  }

  async function save(voice) {
    const newName = prompt(`Save ${voice.name} as a custom voice. Name:`, voice.name);
    if (newName === null) return;
    const body = newName.trim() && newName.trim() !== voice.name ? { new_name: newName.trim() } : {};
    if (voice.session_id) body.session_id = voice.session_id;
    const { voice: saved } = await api(`v1/voices/custom/${encodeURIComponent(voice.name)}/save`, { method: 'POST', json: body });
    say(`Saved ${saved.name}: it no longer expires.`);
    await refreshAll();
  }

  async function rename(voice) {
    const name = prompt(`New name for ${voice.name}:`, voice.name);
    if (name === null || name.trim() === '' || name.trim() === voice.name) return;
    await api(`v1/voices/custom/${encodeURIComponent(voice.name)}`, { method: 'PATCH', json: { name: name.trim() } });
    say(`Renamed ${voice.name} to ${name.trim()}.`);
    await refreshAll();
  }

  async function remove(voice) {
    if (!confirm(`Delete ${voice.name}? This cannot be undone.`)) return;
    const path = voice.kind === 'temporary' ? `v1/voices/temporary/${encodeURIComponent(voice.name)}` : `v1/voices/custom/${encodeURIComponent(voice.name)}`;
    await api(path, { method: 'DELETE' });
    say(`Deleted ${voice.name}.`);
    await refreshAll();
  }

  // ——— speech ———

  async function speak({ input, voice, format = 'mp3', speed = 1 }) {
    const started = performance.now();
    const body = { model: 'tts-1', input, voice: voice || state.health?.default_voice, response_format: format, speed };
    const response = await api('v1/audio/speech', { method: 'POST', json: body, raw: true });
    const blob = await response.blob();
    if (state.audioUrl) URL.revokeObjectURL(state.audioUrl);
    state.audioUrl = URL.createObjectURL(blob);
    const audio = $('audio');
    audio.src = state.audioUrl;
    $('audio-download').href = state.audioUrl;
    $('audio-download').download = `speech.${format === 'opus' ? 'ogg' : format}`;
    const seconds = ((performance.now() - started) / 1000).toFixed(2);
    $('audio-info').textContent = `${response.headers.get('x-voice') ?? body.voice} · ${format} · ${(blob.size / 1024).toFixed(0)} KB in ${seconds} s`;
    $('player').hidden = false;
    audio.play?.()?.catch?.(() => undefined); // autoplay may be refused; the controls are there
  }

  // ——— new voices ———

  async function blend() {
    const json = { name: $('blend-name').value.trim(), voices: $('blend-voices').value.trim(), temporary: $('blend-temporary').checked };
    const { voice } = await api('v1/voices/blend', { method: 'POST', json });
    say(`Created ${voice.kind} voice ${voice.name}${voice.expires_at ? `, expiring ${new Date(voice.expires_at).toLocaleString()}` : ''}.`);
    if (voice.kind === 'temporary' && $('filter-kind').value !== 'all') $('filter-kind').value = 'temporary';
    await refreshAll();
  }

  async function importVoices() {
    const file = $('import-file').files?.[0];
    if (!file) throw new Error('Choose a file to import');
    const form = new FormData();
    if ($('import-name').value.trim()) form.append('voice_name', $('import-name').value.trim());
    form.append('temporary', String($('import-temporary').checked));
    form.append('file', file, file.name);
    const { data } = await api('v1/voices/import', { method: 'POST', form });
    say(`Imported ${data.map((v) => v.name).join(', ')}.`);
    await refreshAll();
  }

  async function analyze() {
    const file = $('analyze-file').files?.[0];
    if (!file) throw new Error('Choose an audio file');
    const form = new FormData();
    form.append('audio_file', file, file.name);
    const a = await api('v1/voices/analyze', { method: 'POST', form });
    const rows = [
      ['duration', `${a.duration_s.toFixed(1)} s (speech ${a.speech_duration_s.toFixed(1)} s)`],
      ['sample rate', `${a.sample_rate} Hz`],
      ['clipping', `${(100 * a.clipping_ratio).toFixed(2)} %`],
      ['SNR', a.snr_db === null ? '—' : `${a.snr_db.toFixed(1)} dB`],
      ['pitch', a.f0_median_hz === null ? '—' : `${a.f0_median_hz.toFixed(0)} Hz (${a.f0_range_hz.min.toFixed(0)}–${a.f0_range_hz.max.toFixed(0)})`],
      ['verdict', a.suitability.ok ? 'suitable' : 'not suitable'],
      ...a.suitability.issues.map((issue) => [issue.severity, issue.message]),
    ];
    $('analysis').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', k), el('dd', v)]));
  }

  async function exportVoices() {
    const response = await api('v1/voices/export', { raw: true });
    saveBlob(await response.blob(), 'voices.npz');
  }

  async function cleanup() {
    const { removed } = await api('v1/voices/temporary/cleanup', { method: 'POST' });
    say(`Removed ${removed} expired temporary voice${removed === 1 ? '' : 's'}.`);
    await refreshAll();
  }

  async function refreshAll() {
    await Promise.all([refreshHealth(), refreshVoices()]);
  }

  // ——— wiring ———

  function start() {
    $('speak-form').addEventListener(
      'submit',
      guarded(() => speak({ input: $('speak-text').value, voice: $('speak-voice').value.trim(), format: $('speak-format').value, speed: Number($('speak-speed').value) })),
    );
    $('blend-form').addEventListener('submit', guarded(blend));
    $('import-form').addEventListener('submit', guarded(importVoices));
    $('analyze-form').addEventListener('submit', guarded(analyze));
    $('export').addEventListener('click', guarded(exportVoices));
    $('cleanup').addEventListener('click', guarded(cleanup));
    for (const id of ['filter-kind', 'filter-engine']) $(id).addEventListener('change', guarded(refreshVoices));
    $('filter-text').addEventListener('input', renderVoices);
    $('key-form').addEventListener(
      'submit',
      guarded(async () => {
        localStorage.setItem(KEY, $('api-key').value);
        $('key-form').hidden = true;
        await refreshAll();
      }),
    );
    // Engines can become available while the page is open (a background download finishing).
    const poll = guarded(async () => {
      const before = JSON.stringify(state.health?.engines);
      const missing = await refreshHealth();
      if (JSON.stringify(state.health?.engines) !== before) await refreshVoices();
      if (!missing) clearInterval(timer);
    });
    const timer = setInterval(poll, 10_000);
    window.liteTTS = { ready: guarded(refreshAll)(), refreshAll, stop: () => clearInterval(timer) };
  }

  start();
})();
