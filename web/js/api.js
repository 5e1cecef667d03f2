// The one way the dashboard talks to the server: the public HTTP API, with the API key when one is set.

const KEY = 'litetts.apiKey';

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.error?.message ?? `The server answered ${status}`);
    this.status = status;
    this.code = body?.error?.code ?? null;
    this.details = body?.error ?? null;
  }
}

/** Called with a retry function when the server asks for a key (401); set by main.js. */
let onUnauthorized = null;
export function whenUnauthorized(handler) {
  onUnauthorized = handler;
}

export const apiKey = {
  get: () => localStorage.getItem(KEY),
  set: (key) => localStorage.setItem(KEY, key),
  clear: () => localStorage.removeItem(KEY),
};

function headers(extra = {}) {
  const key = apiKey.get();
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

/**
 * One call: JSON in (json), a multipart form (form) or nothing; JSON out, or the Response itself
 * (raw: true) for audio and files. Errors in the contract's shape become ApiErrors.
 */
export async function api(path, { method = 'GET', json, form, raw = false, signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form;
  }
  const response = await fetch(path, init);
  if (!response.ok) {
    const error = new ApiError(response.status, await response.json().catch(() => null));
    if (response.status === 401 && onUnauthorized) onUnauthorized(error);
    throw error;
  }
  if (raw) return response;
  return response.status === 204 ? null : response.json();
}

/**
 * Server-sent events over fetch (EventSource cannot send the Authorization header).
 * Calls onEvent(name, data) for each event until the stream ends or signal aborts.
 */
export async function events(path, onEvent, signal) {
  const response = await api(path, { raw: true, signal });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
      }
      if (data.length > 0) onEvent(name, JSON.parse(data.join('\n')));
    }
  }
}

export const voicePath = (name) => encodeURIComponent(name);
