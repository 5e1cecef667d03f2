// Status: engines and models (how to install a missing one, in plain view; while Kokoro
// downloads, a progress bar of the server's own byte counts), voices by kind, jobs.
import { api } from './api.js';
import { store, subscribeHealth } from './store.js';
import { $, el, percent } from './ui.js';

function render() {
  const health = store.health;
  if (!health) return;
  $('engines').replaceChildren(
    ...Object.entries(health.engines).map(([id, engine]) =>
      el(
        'article',
        { className: `engine ${engine.available ? 'ready' : 'missing'}`, 'aria-label': `Engine ${id}` },
        el('h3', {}, id, ' ', badge(engine)),
        el('p', { className: 'hint', text: engine.description }),
        engine.download ? downloadView(id, engine.download) : null,
        engine.install ? el('p', { className: 'install' }, ...withCode(engine.install)) : null,
      ),
    ),
  );
  const v = health.voices;
  const jobs = health.jobs;
  const facts = [
    ['Default voice', health.default_voice],
    ['Builtin voices', v.builtin],
    ['Custom voices', v.custom],
    ['Temporary voices', v.temporary],
    ...(jobs ? [['Jobs queued', jobs.queued], ['Jobs running', jobs.running]] : []),
  ];
  $('counts').replaceChildren(...facts.map(([k, value]) => el('div', {}, el('dt', { text: k }), el('dd', { text: value }))));
  const summary = Object.entries(health.engines).map(([id, e]) => `${id} ${e.available ? 'ready' : 'not installed'}`);
  $('summary').textContent = `${summary.join(' · ')} · ${v.builtin + v.custom} voices`;
  void renderJobs();
}

function badge(engine) {
  if (engine.available) return el('span', { className: 'badge ok', text: 'ready' });
  return el('span', { className: `badge ${engine.download ? 'busy' : 'off'}`, text: engine.download ? 'downloading' : 'not installed' });
}

const MB = 1e6;
const megabytes = (bytes) => (bytes / MB).toFixed(1);

/** The hint's `commands` as code, the rest as text. */
function withCode(text) {
  return text.split('`').map((part, i) => (i % 2 === 1 ? el('code', { text: part }) : part));
}

/**
 * A download under way, as /health counts it: the whole install when the server gives it (the
 * model and voice packs), else the file; bytes, percentage, and the file being fetched.
 */
function downloadView(id, d) {
  const whole = d.overall ?? { received: d.received, total: d.total };
  const barId = `download-${id}`;
  const share = whole.total ? Math.floor((100 * whole.received) / whole.total) : null;
  const amount = whole.total ? `${megabytes(whole.received)} of ${megabytes(whole.total)} MB (${share} %)` : `${megabytes(whole.received)} MB so far`;
  // The file under way, with its own share when the bar counts the whole install; kept in one piece when lines wrap.
  const fileShare = d.overall && d.total ? `, ${Math.floor((100 * d.received) / d.total)} % of ${megabytes(d.total)} MB` : '';
  const step = d.overall ? ` · file ${Math.min(d.overall.files_done + 1, d.overall.files)} of ${d.overall.files}` : '';
  const detail = ` · ${d.file}${fileShare}${step}`.replace(/ (?=\d|of |MB|%)/g, '\u00a0');
  const bar = el('progress', { id: barId, max: whole.total ?? undefined, value: whole.total ? whole.received : undefined, 'aria-describedby': `${barId}-text` });
  return el(
    'div',
    { className: 'download' },
    el('label', { for: barId, text: `Downloading ${id}` }),
    bar,
    el('p', { id: `${barId}-text`, className: 'download-text' }, el('strong', { text: amount }), el('span', { className: 'hint', text: detail })),
  );
}

async function renderJobs() {
  const session = localStorage.getItem('litetts.session');
  const list = await api(`v1/jobs${session ? `?session_id=${encodeURIComponent(session)}` : ''}`).catch(() => null);
  if (!list) return;
  $('jobs').replaceChildren(
    ...(list.data.length === 0
      ? [el('li', { className: 'hint', text: 'No jobs in this browser’s session.' })]
      : list.data.map((job) =>
          el('li', { text: `${job.type} ${job.id.slice(0, 8)} · ${job.status} · ${Math.round(job.progress * 100)} %${job.best_score === null ? '' : ` · best ${percent(job.best_score)}`}` }),
        )),
  );
}

export function initStatus() {
  subscribeHealth(render);
}
