// Small helpers shared by the areas. Server data only ever reaches the page as text (textContent).

export const $ = (id) => document.getElementById(id);

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'text') node.textContent = String(value);
    else if (key === 'className') node.className = value;
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

/** The notice of an area (a section): one message at a time, replaced by the next outcome. */
export function notice(area) {
  const box = $(area).querySelector(':scope > .notice');
  return {
    ok(text) {
      box.textContent = text;
      box.className = 'notice ok';
      box.hidden = false;
    },
    error(text) {
      box.textContent = text;
      box.className = 'notice error';
      box.hidden = false;
    },
    clear() {
      box.textContent = '';
      box.hidden = true;
    },
  };
}

/**
 * Runs an action of an area: its notice is cleared when it starts, so that an old error never
 * stays beside a new success, and a failure is shown there in the server's own words.
 */
export function guarded(area, action) {
  const box = notice(area);
  return async (event) => {
    event?.preventDefault?.();
    box.clear();
    try {
      await action(event, box);
    } catch (error) {
      if (error?.name === 'AbortError') return;
      box.error(error instanceof Error ? error.message : String(error));
    }
  };
}

/** A busy button: disabled with a label saying so while the action runs. */
export async function busy(button, label, work) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export function confirmAction(text, okLabel = 'Delete') {
  const dialog = $('confirm-dialog');
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = okLabel;
  dialog.returnValue = '';
  dialog.showModal();
  return new Promise((resolve) => dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true }));
}

export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: fileName });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30_000);
}

export function timeLeft(iso) {
  const ms = Date.parse(iso) - Date.now();
  if (ms <= 0) return 'expired';
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} min left`;
  const hours = Math.floor(minutes / 60);
  return `${hours} h ${minutes % 60} min left`;
}

export const percent = (score) => `${Math.round(score * 100)} %`;
