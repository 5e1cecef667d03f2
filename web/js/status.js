// Status: engines and models (how to install a missing one, in plain view: while Kokoro downloads,
// the server's hint says how far it is), voices by kind, jobs.
import { api } from './api.js';
import { store, subscribe } from './store.js';
import { $, el, percent } from './ui.js';

function render() {
  const health = store.health;
  if (!health) return;
  $('engines').replaceChildren(
    ...Object.entries(health.engines).map(([id, engine]) =>
      el(
        'article',
        { className: `engine ${engine.available ? 'ready' : 'missing'}`, 'aria-label': `Engine ${id}` },
        el('h3', {}, id, ' ', el('span', { className: `badge ${engine.available ? 'ok' : 'off'}`, text: engine.available ? 'ready' : 'not installed' })),
        el('p', { className: 'hint', text: engine.description }),
        engine.install ? el('p', { className: 'install', text: engine.install }) : null,
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
  subscribe(render);
}
