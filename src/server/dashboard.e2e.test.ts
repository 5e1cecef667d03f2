import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { startTestServer, type TestServer } from '../test-support/server.js';

/**
 * The dashboard, driven as a user would in headless Chromium (Debian's, at /usr/bin/chromium;
 * `.ci/run` installs it), against the real server. Screenshots of every area at desktop and phone
 * width land in test-results/dashboard/.
 */

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
const SHOTS = new URL('../../test-results/dashboard/', import.meta.url).pathname;
const AREAS = ['speak', 'clone', 'voices', 'blend', 'status'] as const;
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
/** A closed network: nothing phones home. */
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
/** The little of the DOM that a check run in the page needs (this program has no DOM types). */
interface AudioPage {
  document: { querySelector(selector: string): { paused: boolean; currentTime: number } | null };
}
/** How far the page is wider than the window, and the first elements that reach beyond it. */
const OVERFLOW = `(() => {
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > width + 0.5);
  const culprits = wide.slice(0, 5).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + '.' + String(e.className).split(' ').join('.'));
  return { overflow: document.documentElement.scrollWidth - width, culprits };
})()`;
/** Controls without an accessible name (no label, no aria-label(ledby), a button without text). */
const UNLABELLED = `[...document.querySelectorAll('input, select, textarea, button')]
  .filter((e) => !(e.labels?.length || e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e.tagName === 'BUTTON' && e.textContent.trim())))
  .map((e) => e.id || e.outerHTML.slice(0, 80))`;
/** The share of the waveform canvas's pixels that are drawn on. */
const INKED = `(() => {
  const canvas = document.getElementById('waveform');
  const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
  let inked = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++;
  return inked / (data.length / 4);
})()`;
const SPEECH =
  'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore, ' +
  'and the shells she sells are surely sea shells. A journey of a thousand miles begins with a single step.';

describe('the dashboard', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server?.stop());

  test('GET / serves the page with a strict content policy; its modules and styles are there; other paths stay JSON 404s', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200, 'status');
    assert.match(response.headers.get('content-type') ?? '', /text\/html/, 'html');
    assert.match(response.headers.get('content-security-policy') ?? '', /script-src 'self'/, 'CSP');
    assert.doesNotMatch(await response.text(), /<script>|style=/, 'no inline script or style');
    for (const [path, type] of [['/js/main.js', /javascript/], ['/js/clone.js', /javascript/], ['/style.css', /text\/css/]] as const) {
      const asset = await fetch(`${server.url}${path}`);
      await asset.arrayBuffer();
      assert.equal(asset.status, 200, `${path} status`);
      assert.match(asset.headers.get('content-type') ?? '', type, `${path} type`);
    }
    const missing = await fetch(`${server.url}/nothing-here.js`);
    assert.equal(missing.status, 404, 'unknown file');
    assert.equal(((await missing.json()) as { error: { code: string } }).error.code, 'not_found', 'in the error shape');
  });

  describe('in Chromium', { skip: SKIP }, () => {
    let browser: Browser;
    let context: BrowserContext;
    let page: Page;
    let work: string;
    let referenceWav: string;
    const problems: string[] = [];

    /** Console errors and uncaught exceptions; `expected` names the statuses a test provokes on purpose. */
    function watch(p: Page, expected: RegExp | null = null): void {
      p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      p.on('console', (message: ConsoleMessage) => {
        if (message.type() !== 'error') return;
        // The browser's own line for an HTTP error answer the test asked for (a refused upload, a 401).
        if (expected && /Failed to load resource: the server responded with a status of/.test(message.text()) && expected.test(message.text())) return;
        problems.push(`console: ${message.text()} (${message.location().url})`);
      });
    }

    async function notice(area: string): Promise<string> {
      const box = page.locator(`#${area} > .notice`);
      return (await box.isVisible()) ? ((await box.textContent()) ?? '') : '';
    }

    async function openTab(p: Page, kind: string): Promise<void> {
      await p.locator(`#tab-${kind}`).click();
    }

    function voiceItem(p: Page, name: string) {
      return p.locator(`#voice-list li.voice[data-name="${name}"]`);
    }

    /** Waits until the audio element is playing. */
    async function plays(selector: string): Promise<void> {
      await page.waitForFunction(
        (sel) => {
          const audio = (globalThis as unknown as AudioPage).document.querySelector(sel);
          return audio !== null && !audio.paused && audio.currentTime > 0;
        },
        selector,
        { timeout: 15_000 },
      );
    }

    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'litetts-dashboard-'));
      // The fake microphone and the uploaded reference: the project's own espeak speaking for ~9 s.
      const speech = await fetch(`${server.url}/v1/audio/speech`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ input: SPEECH, voice: 'espeak-en-us-male', response_format: 'wav' }),
      });
      assert.equal(speech.status, 200, 'reference speech');
      referenceWav = join(work, 'reference.wav');
      writeFileSync(referenceWav, Buffer.from(await speech.arrayBuffer()));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [...FLAGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${referenceWav}`, '--autoplay-policy=no-user-gesture-required'],
      });
      context = await browser.newContext({ viewport: DESKTOP });
      await context.grantPermissions(['microphone'], { origin: server.url });
      page = await context.newPage();
      watch(page, /status of 4(15|22)/);
      await page.goto(`${server.url}/`);
      await page.waitForSelector('body[data-ready="true"]');
      rmSync(SHOTS, { recursive: true, force: true });
      mkdirSync(SHOTS, { recursive: true });
    });
    after(async () => {
      await browser?.close();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    test('each area is a landmark named by its heading; the voices that can speak come first', async () => {
      for (const name of ['Speak', 'Clone', 'Voices', 'Blend', 'Status']) {
        assert.equal(await page.getByRole('region', { name, exact: true }).count(), 1, `region ${name}`);
      }
      const first = await page.locator('#voice-items li.voice').first().getAttribute('data-name');
      assert.match(first ?? '', /^espeak-/, `first builtin voice listed: ${first}`);
      assert.equal(await page.locator('#unavailable').isVisible(), true, 'the voices that need Kokoro are folded away');
      assert.match((await page.locator('#unavailable > summary').textContent()) ?? '', /^54 voices need kokoro/, 'and counted');
      assert.match((await page.locator('#engines').textContent()) ?? '', /litetts models pull/, 'the Kokoro install hint in plain view');
      const unlabelled = await page.evaluate<string[]>(UNLABELLED);
      assert.deepEqual(unlabelled, [], 'every control has a name');
      const speakable = await page.locator('#speak-voice option:not([disabled])').count();
      assert.equal(speakable, 21, 'the picker offers the 21 espeak voices');
    });

    test('speaks with a searched voice at a chosen speed, plays it, draws it and keeps it to replay', async () => {
      await page.locator('#pick-search').fill('en-gb');
      assert.ok((await page.locator('#speak-voice option').count()) >= 1, 'the search narrows the picker');
      await page.locator('#speak-voice').selectOption('espeak-en-gb-male');
      await page.locator('#speak-speed').fill('1.5');
      const request = page.waitForRequest((r) => r.url().endsWith('/v1/audio/speech'));
      await page.getByRole('button', { name: 'Speak', exact: true }).click();
      const body = JSON.parse((await request).postData() ?? '{}') as { voice: string; speed: number; response_format: string };
      assert.deepEqual([body.voice, body.speed, body.response_format], ['espeak-en-gb-male', 1.5, 'mp3'], 'what was asked for');
      await plays('#audio');
      await page.waitForSelector('#history li');
      assert.match((await page.locator('#audio-info').textContent()) ?? '', /^espeak-en-gb-male · mp3 · \d+ KB/, 'info');
      const inked = await page.evaluate<number>(INKED);
      assert.ok(inked > 0.02 && inked < 0.95, `the waveform is drawn (${(inked * 100).toFixed(1)} % of its pixels)`);
      assert.match((await page.locator('#audio-download').getAttribute('download')) ?? '', /\.mp3$/, 'download name');
      await page.locator('#pick-search').fill('');
    });

    test('a bad upload says what is wrong, and the message goes once a good one is analysed', async () => {
      await page.locator('#clone-file').setInputFiles({ name: 'notes.wav', mimeType: 'audio/wav', buffer: Buffer.from('these are not the sounds you are looking for') });
      await page.waitForSelector('#clone > .notice.error');
      const message = await notice('clone');
      assert.ok(message.length > 10 && !/HTTP|undefined|\{/.test(message), `a clear message: ${message}`);
      await page.locator('#clone-file').setInputFiles(referenceWav);
      await page.locator('#analysis', { hasText: /Good to clone from/ }).waitFor({ state: 'visible' });
      assert.equal(await notice('clone'), '', 'the error is gone');
      assert.match((await page.locator('#analysis').textContent()) ?? '', /Speech\d+\.\d s of \d+\.\d sPitch\d+ Hz/, 'speech seconds and pitch');
    });

    test('clones the uploaded file into a temporary voice, saves it, and it stays through a reload until deleted', async () => {
      await page.locator('#clone-name').fill('dash_clone');
      await page.getByRole('button', { name: 'Clone', exact: true }).click();
      await page.waitForSelector('#result:not([hidden])', { timeout: 30_000 });
      assert.match((await page.locator('#result-facts').textContent()) ?? '', /Similarity to the reference: \d+ % · espeak · en-us · temporary, \d+ h/, 'score and expiry');
      await openTab(page, 'temporary');
      await voiceItem(page, 'dash_clone').waitFor();
      assert.match((await voiceItem(page, 'dash_clone').textContent()) ?? '', /min left · session /, 'session and time left');

      await page.locator('#save-name').fill('dash_kept');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.locator('#clone > .notice', { hasText: /Saved dash_kept/ }).waitFor({ state: 'visible' });
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await openTab(page, 'custom');
      await voiceItem(page, 'dash_kept').waitFor();

      await voiceItem(page, 'dash_kept').getByRole('button', { name: 'Delete dash_kept' }).click();
      await page.locator('#confirm-ok').click();
      await page.locator('#voices > .notice', { hasText: /Deleted dash_kept/ }).waitFor({ state: 'visible' });
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await openTab(page, 'custom');
      assert.equal(await voiceItem(page, 'dash_kept').count(), 0, 'still gone after a reload');
      const gone = await fetch(`${server.url}/v1/voices/dash_kept`);
      await gone.arrayBuffer();
      assert.equal(gone.status, 404, 'gone on the server');
    });

    test('records from the microphone and clones the recording', async () => {
      await page.getByRole('button', { name: 'Record from microphone' }).click();
      await page.locator('#record-time', { hasText: /Recording… [4-9] s/ }).waitFor({ state: 'visible', timeout: 15_000 });
      await page.getByRole('button', { name: 'Stop recording' }).click();
      await page.locator('#reference-name', { hasText: /recording\.webm/ }).waitFor({ state: 'visible' });
      await page.locator('#analysis', { hasText: /Verdict/ }).waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await notice('clone'), '', `the recording was analysed: ${await notice('clone')}`);
      await page.locator('#clone-name').fill('dash_mic');
      await page.getByRole('button', { name: 'Clone', exact: true }).click();
      await page.locator('#result-name', { hasText: 'dash_mic' }).waitFor({ state: 'visible', timeout: 30_000 });
      const voice = (await (await fetch(`${server.url}/v1/voices/dash_mic`)).json()) as { kind: string; source: string };
      assert.deepEqual([voice.kind, voice.source], ['temporary', 'clone'], 'a temporary clone on the server');
    });

    test('a thorough clone shows its progress and best score, plays the best so far, and can be cancelled', async () => {
      await page.locator('#clone-file').setInputFiles(referenceWav);
      await page.locator('#analysis', { hasText: /Good to clone from/ }).waitFor();
      await page.locator('#clone-name').fill('dash_thorough');
      await page.getByLabel('Thorough (a background job)').check();
      await page.getByLabel('Time for a thorough search (s)').fill('120');
      const created = page.waitForResponse((r) => r.url().endsWith('/v1/voices/create'));
      await page.getByRole('button', { name: 'Clone', exact: true }).click();
      const { job } = (await (await created).json()) as { job: { id: string } };
      await page.locator('#job').waitFor({ state: 'visible' });
      await page.locator('#job-step', { hasText: /^\d+ % · .* · best score \d+ %/ }).waitFor({ timeout: 45_000 });
      assert.ok(Number(await page.locator('#job-progress').getAttribute('value')) > 0, 'the bar moves');
      // The search keeps its best for a preview a little after it finds one (every 2 s): wait for that here, not in the page.
      for (let tries = 0; ; tries++) {
        const preview = await fetch(`${server.url}/v1/jobs/${job.id}/preview`);
        await preview.arrayBuffer();
        if (preview.status === 200) break;
        assert.ok(tries < 90, `a preview within 45 s (${preview.status})`);
        await new Promise((r) => setTimeout(r, 500));
      }
      await page.getByRole('button', { name: 'Hear the best so far' }).click();
      await plays('#job-audio');
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.locator('#clone > .notice', { hasText: 'The search was cancelled; no voice was made.' }).waitFor();
      assert.equal(await page.locator('#job').isVisible(), false, 'the job panel is gone');
      const voice = await fetch(`${server.url}/v1/voices/dash_thorough`);
      await voice.arrayBuffer();
      assert.equal(voice.status, 404, 'no voice landed');
      await page.getByLabel('Fast (seconds)').check();
    });

    test('blends two voices with weights, listens, and saves the blend as a custom voice', async () => {
      await page.locator('#blend-parts .blend-voice').nth(0).selectOption('espeak-en-us-female');
      await page.locator('#blend-parts .blend-voice').nth(1).selectOption('espeak-en-us-male');
      await page.locator('#blend-parts .blend-weight').nth(0).fill('8');
      await page.getByRole('button', { name: 'Listen to the blend' }).click();
      await plays('#blend-audio');
      await page.locator('#blend-name').fill('dash_blend');
      await page.getByRole('button', { name: 'Save blend' }).click();
      await page.locator('#blend > .notice', { hasText: /Saved the blend as custom voice dash_blend/ }).waitFor({ state: 'visible' });
      const item = voiceItem(page, 'dash_blend');
      await item.waitFor();

      await item.locator('summary', { hasText: 'Details' }).click();
      const download = page.waitForEvent('download');
      await item.getByRole('button', { name: 'Download dash_blend as .json' }).click();
      assert.equal((await download).suggestedFilename(), 'dash_blend.json', 'the voice file');
      await item.getByLabel('Name', { exact: true }).fill('dash_mix');
      await item.getByLabel('Description', { exact: true }).fill('warm and even');
      await item.getByRole('button', { name: 'Save changes' }).click();
      await page.locator('#voices > .notice', { hasText: 'Renamed dash_blend to dash_mix.' }).waitFor();
      const renamed = (await (await fetch(`${server.url}/v1/voices/dash_mix`)).json()) as { kind: string; description: string; source: string };
      assert.deepEqual([renamed.kind, renamed.source, renamed.description], ['custom', 'blend', 'warm and even'], 'renamed and described on the server');
    });

    test('nothing overflows at phone width; screenshots of every area at both widths', async () => {
      // Each area as someone would see it after using it: something spoken, the temporary voices listed.
      await page.locator('#pick-search').fill('');
      await page.locator('#speak-voice').selectOption('espeak-en-us-female');
      await page.getByRole('button', { name: 'Speak', exact: true }).click();
      await page.waitForSelector('#history li', { timeout: 60_000 });
      await openTab(page, 'temporary');
      for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        await page.setViewportSize(size);
        const { overflow, culprits } = await page.evaluate<{ overflow: number; culprits: string[] }>(OVERFLOW);
        assert.ok(overflow <= 0, `${label}: ${overflow} px of horizontal overflow from ${culprits.join(', ')}`);
        // Cut from the whole page seen from its top: an area scrolled into view would have the sticky header over it.
        await page.evaluate('window.scrollTo(0, 0)');
        for (const area of AREAS) {
          const clip = await page.locator(`#${area}`).boundingBox();
          assert.ok(clip, `${area} is on the page`);
          await page.screenshot({ path: join(SHOTS, `${area}-${label}.png`), fullPage: true, clip });
        }
      }
      await page.setViewportSize(DESKTOP);
    });

    test('asks for the API key once, keeps it in the browser, and the library opens with it', async () => {
      const keyed = await startTestServer({ env: { LITETTS_API_KEYS: 'sesame' } });
      const keyedPage = await context.newPage();
      watch(keyedPage, /status of 401/);
      try {
        await keyedPage.goto(`${keyed.url}/`);
        await keyedPage.getByRole('dialog', { name: 'API key' }).waitFor();
        await keyedPage.getByLabel('Key', { exact: true }).fill('sesame');
        await keyedPage.getByRole('button', { name: 'Use key' }).click();
        await keyedPage.waitForSelector('body[data-ready="true"]');
        assert.equal(await keyedPage.evaluate("localStorage.getItem('litetts.apiKey')"), 'sesame', 'remembered');
        await keyedPage.reload();
        await keyedPage.waitForSelector('body[data-ready="true"]');
        assert.equal(await keyedPage.getByRole('dialog', { name: 'API key' }).count(), 0, 'not asked again');
        assert.ok((await keyedPage.locator('#voice-items li.voice').count()) > 0, 'voices listed');
      } finally {
        await keyedPage.close();
        await keyed.stop();
      }
    });

    test('no console errors', () => {
      assert.deepEqual(problems, []);
    });
  });
});
