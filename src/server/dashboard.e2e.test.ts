import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { JSDOM, VirtualConsole, type DomNode, type DomWindow } from 'jsdom';
import { startTestServer, type TestServer } from '../test-support/server.js';

/**
 * The dashboard, driven as a user would: its page and script from the real server, run in jsdom,
 * every call going to that server's API.
 */

interface Page {
  window: DomWindow;
  $: (id: string) => DomNode;
  prompts: string[];
  close(): Promise<void>;
}

async function openDashboard(server: TestServer, answers: { prompt?: () => string | null } = {}): Promise<Page> {
  const html = await (await fetch(`${server.url}/`)).text();
  const script = await (await fetch(`${server.url}/app.js`)).text();
  const dom = new JSDOM(html, { url: `${server.url}/`, runScripts: 'outside-only', pretendToBeVisual: true, virtualConsole: new VirtualConsole() });
  const { window } = dom;
  const prompts: string[] = [];
  const inFlight = new Set<Promise<unknown>>();
  // What jsdom lacks: fetch (Node's, with jsdom's FormData turned into Node's), object URLs, dialogs.
  Object.assign(window, {
    fetch: async (input: string, init: { body?: unknown } & Record<string, unknown> = {}) => {
      let body = init.body;
      if (body instanceof window.FormData) {
        const form = new FormData();
        for (const [key, value] of (body as InstanceType<DomWindow['FormData']>).entries()) {
          if (typeof value === 'string') form.append(key, value);
          else form.append(key, new Blob([await readBlob(window, value)]), (value as { name: string }).name);
        }
        body = form;
      }
      const call = fetch(new URL(input, `${server.url}/`), { ...init, body } as RequestInit);
      inFlight.add(call);
      void call.finally(() => inFlight.delete(call)).catch(() => undefined);
      return call;
    },
    confirm: () => true,
    prompt: (message: string) => {
      prompts.push(message);
      return answers.prompt ? answers.prompt() : null;
    },
  });
  window.URL.createObjectURL = () => 'blob:speech';
  window.URL.revokeObjectURL = () => undefined;
  window.eval(script);
  await (window as unknown as { liteTTS: { ready: Promise<void> } }).liteTTS.ready;
  return {
    window,
    $: (id) => window.document.getElementById(id)!,
    prompts,
    close: async () => {
      (window as unknown as { liteTTS: { stop(): void } }).liteTTS.stop();
      // Let the page finish what it started before its window goes.
      while (inFlight.size > 0) {
        await Promise.allSettled([...inFlight]);
        await new Promise((r) => setTimeout(r, 50));
      }
      window.close();
    },
  };
}

/** jsdom's Blob has no arrayBuffer(); its FileReader reads one. */
function readBlob(window: DomWindow, blob: unknown): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new window.FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(new Error('could not read the file'));
    reader.readAsArrayBuffer(blob);
  });
}

async function until(what: string, check: () => boolean, page?: Page, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the page says: ${page?.$('message').textContent ?? ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function submit(page: Page, formId: string): void {
  page.$(formId).dispatchEvent(new page.window.Event('submit', { cancelable: true, bubbles: true }));
}

function rowNames(page: Page): string[] {
  return [...page.window.document.querySelectorAll('#voices tr')].map((r) => r.dataset.name!);
}

function rowButton(page: Page, name: string, label: string): DomNode {
  const row = page.window.document.querySelector(`#voices tr[data-name="${name}"]`);
  const found = [...(row?.querySelectorAll('button') ?? [])].find((b) => b.textContent === label);
  assert.ok(found, `a ${label} button on ${name}`);
  return found;
}

describe('the dashboard', () => {
  let server: TestServer;
  let page: Page;
  let nextPrompt: string | null = null;

  before(async () => {
    server = await startTestServer();
    page = await openDashboard(server, { prompt: () => nextPrompt });
  });
  after(async () => {
    await page?.close();
    await server?.stop();
  });

  test('GET / serves the page with a strict content policy; its script and styles are there; other paths stay JSON 404s', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200, 'status');
    assert.match(response.headers.get('content-type') ?? '', /text\/html/, 'html');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'self'/, 'CSP');
    for (const [path, type] of [['/app.js', /javascript/], ['/style.css', /text\/css/]] as const) {
      const asset = await fetch(`${server.url}${path}`);
      await asset.arrayBuffer();
      assert.equal(asset.status, 200, `${path} status`);
      assert.match(asset.headers.get('content-type') ?? '', type, `${path} type`);
    }
    const missing = await fetch(`${server.url}/nothing-here.js`);
    assert.equal(missing.status, 404, 'unknown file');
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found', 'in the error shape');
  });

  test('shows the engines, the default voice and the library, with Kokoro’s voices marked not installed', () => {
    const status = page.$('status').textContent ?? '';
    assert.match(status, /espeak: ready/, status);
    assert.match(status, /kokoro: not installed/, status);
    assert.match(status, /default voice espeak-en-us-female/, status);
    const names = rowNames(page);
    assert.equal(names.length, 75, `54 Kokoro and 21 espeak voices: ${names.length}`);
    const heart = page.window.document.querySelector('#voices tr[data-name="af_heart"]');
    assert.match(heart?.textContent ?? '', /not installed/, 'af_heart not installed');
    assert.ok(page.window.document.querySelectorAll('#voice-names option').length >= 21, 'the voice box offers the voices that speak');
  });

  test('search narrows the table without asking the server', () => {
    const search = page.$('filter-text');
    search.value = 'en-gb';
    search.dispatchEvent(new page.window.Event('input'));
    const names = rowNames(page);
    assert.ok(names.length > 0 && names.every((n) => /^(b[fm]_|espeak-en-gb)/.test(n)), names.join(', '));
    search.value = '';
    search.dispatchEvent(new page.window.Event('input'));
  });

  test('speaks with a chosen voice and shows the player', async () => {
    page.$('speak-voice').value = 'espeak-en-gb-male';
    page.$('speak-format').value = 'wav';
    submit(page, 'speak-form');
    await until('the player', () => !page.$('player').hidden);
    assert.match(page.$('audio-info').textContent ?? '', /^espeak-en-gb-male · wav · \d+ KB/, page.$('audio-info').textContent ?? '');
    assert.equal(page.$('audio-download').getAttribute('download'), 'speech.wav', 'download name');
  });

  test('a blend is created temporary, saved, renamed and deleted from the table', async () => {
    page.$('blend-voices').value = 'espeak-en-us-female(2)+espeak-en-us-female-2(1)';
    page.$('blend-name').value = 'dash_blend';
    submit(page, 'blend-form');
    await until('the temporary blend in the table', () => rowNames(page).includes('dash_blend'));
    assert.equal(page.$('filter-kind').value, 'temporary', 'the table switched to temporary voices');
    assert.match(page.$('message').textContent ?? '', /Created temporary voice dash_blend, expiring/, page.$('message').textContent ?? '');

    nextPrompt = 'dash_saved';
    rowButton(page, 'dash_blend', 'save').click();
    await until('the save', () => /Saved dash_saved/.test(page.$('message').textContent ?? ''));
    const saved = (await (await fetch(`${server.url}/v1/voices/dash_saved`)).json()) as { kind: string; expires_at: string | null };
    assert.deepEqual([saved.kind, saved.expires_at], ['custom', null], 'custom and not expiring on the server');

    page.$('filter-kind').value = 'custom';
    page.$('filter-kind').dispatchEvent(new page.window.Event('change'));
    await until('the custom list', () => rowNames(page).includes('dash_saved'));
    nextPrompt = 'dash_renamed';
    rowButton(page, 'dash_saved', 'rename').click();
    await until('the rename', () => rowNames(page).includes('dash_renamed'));

    rowButton(page, 'dash_renamed', 'delete').click();
    await until('the deletion', () => !rowNames(page).includes('dash_renamed'));
    const gone = await fetch(`${server.url}/v1/voices/dash_renamed`);
    await gone.arrayBuffer();
    assert.equal(gone.status, 404, 'deleted on the server');
  });

  test('imports a voice file, and shows the API’s own message when something is wrong', async () => {
    const file = new page.window.File([JSON.stringify({ engine: 'espeak', base: 'en-us', variant: 'm1', pitch: 40, range: 50, rate: 160, volume: 100 })], 'robot.json');
    const input = page.$('import-file');
    Object.defineProperty(input, 'files', { value: [file], configurable: true });
    page.$('import-name').value = 'dash_robot';
    submit(page, 'import-form');
    await until('the import', () => /Imported dash_robot/.test(page.$('message').textContent ?? ''), page);
    await until('the imported voice in the table', () => rowNames(page).includes('dash_robot'), page);

    page.$('blend-voices').value = 'espeak-en-us-female+af_heart';
    page.$('blend-name').value = 'mixed';
    submit(page, 'blend-form');
    await until('the error', () => page.$('message').className === 'error');
    assert.match(page.$('message').textContent ?? '', /one engine|not installed/, page.$('message').textContent ?? '');
  });
});

describe('the dashboard with API keys', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ env: { LITETTS_API_KEYS: 'sesame' } });
  });
  after(() => server?.stop());

  test('the page itself is public; a 401 asks for the key, which then unlocks the API', async () => {
    const page = await openDashboard(server);
    try {
      assert.equal(page.$('key-form').hidden, false, 'the key form is shown');
      assert.equal(page.window.document.querySelectorAll('#voices tr').length, 0, 'nothing listed without the key');
      page.$('api-key').value = 'sesame';
      submit(page, 'key-form');
      await until('the voices', () => page.window.document.querySelectorAll('#voices tr').length > 0);
      assert.equal(page.$('key-form').hidden, true, 'the key form is hidden again');
      assert.equal(page.window.localStorage.getItem('litetts.apiKey'), 'sesame', 'the key is remembered');
    } finally {
      await page.close();
    }
  });
});
