import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { KOKORO_CATALOG, KOKORO_VARIANTS } from '../engines/kokoro/model-files.js';
import { FileServer } from '../test-support/file-server.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { readNpz, toBin } from '../voices/formats/index.js';

/**
 * The dashboard, driven as a user would in headless Chromium (Debian's, at /usr/bin/chromium;
 * `.ci/run` installs it), against the real server. Screenshots of every area at desktop and phone
 * width land in test-results/dashboard/.
 */

const CHROMIUM = '/usr/bin/chromium';
const SKIP = existsSync(CHROMIUM) ? false : `needs Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
const SHOTS = new URL('../../test-results/dashboard/', import.meta.url).pathname;
const AREAS = ['speak', 'clone', 'voices', 'blend', 'pronunciations', 'status'] as const;
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
/**
 * The page's background and, for text that matters, its contrast ratio (WCAG) against the first
 * opaque background behind it: body text, headings, labels, hints, links, buttons, badges.
 */
const CONTRAST = `(() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) ?? []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const behind = (e) => {
    for (let n = e; n; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.9)) return c;
    }
    return rgb(getComputedStyle(document.documentElement).backgroundColor);
  };
  const ratio = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
  const probes = { text: 'body', heading: '#speak h2', label: 'label[for="speak-text"]', field: '#speak-text', hint: '#clone > .hint', link: '#status a[href="docs"]',
    primary: '#speak-go', button: '#record', danger: '#confirm-ok', tab: '#tab-builtin', count: '.tabs .count', language: '.lex-entry .lang', phonemes: '.lex-entry code',
    install: '#engines .install', badge: '#engines .badge' };
  const ratios = {};
  for (const [name, selector] of Object.entries(probes)) {
    const e = document.querySelector(selector);
    if (e) ratios[name] = Math.round(ratio(rgb(getComputedStyle(e).color), behind(e)) * 10) / 10;
  }
  return { background: lum(behind(document.body)), ratios };
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
      // 400: a spelling of phonemes refused on purpose; 415 and 422: uploads refused on purpose.
      watch(page, /status of 4(00|15|22)/);
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
      for (const name of ['Speak', 'Clone', 'Voices', 'Blend', 'Pronunciations', 'Status']) {
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

    test('MP3 plays while it streams: the audio is playing before the answer has all arrived', async () => {
      // About 90 s of speech, which the server makes sentence by sentence: the whole answer takes a while to arrive.
      const long = Array.from({ length: 40 }, (_, i) => `Sentence ${i + 1} is here to make the answer long enough to arrive in many pieces.`).join(' ');
      const before = await page.locator('#speak-text').inputValue();
      await page.locator('#speak-text').fill(long);
      await page.locator('#speak-format').selectOption('mp3');
      const marks: { playing?: number; arrived?: number; stillReading?: boolean } = {};
      // The page says when it plays and whether the answer is still being read then (Speak stays busy until the last byte is in).
      await page.exposeBinding('litettsPlaying', (_source, stillReading: boolean) => {
        marks.playing ??= performance.now();
        marks.stillReading ??= stillReading;
      });
      await page.evaluate("document.getElementById('audio').addEventListener('playing', () => window.litettsPlaying(document.getElementById('speak-go').disabled), { once: true })");
      // The browser's own end of the transfer. Chromium reports a fetch read through its stream reader as
      // finished, or at its end of file as failed (aborted), so either one marks it.
      const isSpeech = (r: { url(): string }) => r.url().endsWith('/v1/audio/speech');
      const arrived = Promise.race([
        page.waitForEvent('requestfinished', { predicate: isSpeech, timeout: 60_000 }),
        page.waitForEvent('requestfailed', { predicate: isSpeech, timeout: 60_000 }),
      ]).then(() => void (marks.arrived = performance.now()));
      await page.getByRole('button', { name: 'Speak', exact: true }).click();
      await arrived;
      await page.locator('#speak-go', { hasText: 'Speak' }).waitFor({ timeout: 30_000 });
      await page.waitForFunction("document.getElementById('audio').currentTime > 0", undefined, { timeout: 15_000 });
      assert.equal(await notice('speak'), '', 'no error');
      assert.ok(marks.playing !== undefined && marks.arrived !== undefined, `both seen: ${JSON.stringify(marks)}`);
      assert.equal(marks.stillReading, true, 'the page was still reading the answer when it began to play');
      assert.ok(marks.playing < marks.arrived, `playing ${(marks.arrived - marks.playing).toFixed(0)} ms before the answer had all arrived`);
      assert.match((await page.locator('#audio').getAttribute('src')) ?? '', /^blob:/, 'from a stream (Media Source), not a finished file');
      await page.evaluate("document.getElementById('audio').pause()");
      await page.locator('#speak-text').fill(before);
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

    test('exports every custom voice as one .npz and imports it back: the voice returns with its data', async () => {
      const packBytes = toBin(sampleTensor(5));
      const pack = join(work, 'dash_pack.bin');
      writeFileSync(pack, packBytes);
      await page.locator('#import-file').setInputFiles(pack);
      await page.getByLabel('Name (for a single voice)').fill('dash_pack');
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('#voices > .notice', { hasText: 'Imported dash_pack.' }).waitFor();
      assert.equal(await page.locator('#tab-custom').getAttribute('aria-selected'), 'true', 'the Custom tab shows it');
      await voiceItem(page, 'dash_pack').waitFor({ state: 'attached' });

      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: 'Export all' }).click();
      const file = await download;
      assert.equal(file.suggestedFilename(), 'voices.npz', 'the file name');
      const exported = join(work, 'voices.npz');
      await file.saveAs(exported);
      const voices = readNpz(readFileSync(exported));
      assert.ok(voices.has('dash_pack'), `the export holds the pack: ${[...voices.keys()].join(', ')}`);

      const deleted = await fetch(`${server.url}/v1/voices/custom/dash_pack`, { method: 'DELETE' });
      await deleted.arrayBuffer();
      assert.equal(deleted.status, 200, 'deleted on the server');
      await page.locator('#import-file').setInputFiles(exported);
      await page.getByRole('button', { name: 'Import', exact: true }).click();
      await page.locator('#voices > .notice', { hasText: /^Imported .*dash_pack/ }).waitFor();
      await voiceItem(page, 'dash_pack').waitFor({ state: 'attached' });
      const back = (await (await fetch(`${server.url}/v1/voices/dash_pack`)).json()) as { kind: string; source: string; engine: string };
      assert.deepEqual([back.kind, back.source, back.engine], ['custom', 'import', 'kokoro'], 'a custom Kokoro voice again');
      const data = Buffer.from(await (await fetch(`${server.url}/v1/voices/dash_pack/download?format=bin`)).arrayBuffer());
      assert.ok(data.equals(Buffer.from(packBytes)), 'with the very data that was imported first');
    });

    test('pronunciations: try a word, a refused spelling is explained, add, find, listen, delete; gone after a reload', async () => {
      const area = page.getByRole('region', { name: 'Pronunciations', exact: true });
      await page.locator('#try-text').fill('Kokoro');
      await area.getByRole('button', { name: 'Show phonemes' }).click();
      await page.locator('#try-phonemes', { hasText: /\S/ }).waitFor();
      const tried = await page.locator('#try-phonemes').textContent();
      const reading = (await (
        await fetch(`${server.url}/v1/audio/phonemes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ input: 'Kokoro', language: 'en-us' }) })
      ).json()) as { phonemes: string };
      assert.equal(tried, reading.phonemes, 'what /v1/audio/phonemes says');
      await area.getByRole('button', { name: 'Use these phonemes' }).click();
      assert.equal(await page.locator('#lex-word').inputValue(), 'Kokoro', 'the word carried over');
      assert.equal(await page.locator('#lex-phonemes').inputValue(), tried, 'its phonemes too');

      await page.locator('#lex-phonemes').fill('kˈOkəɹO!');
      const refused = page.waitForResponse((r) => r.url().includes('/v1/pronunciations/') && r.request().method() === 'PUT');
      await area.getByRole('button', { name: 'Save word' }).click();
      assert.equal((await refused).status(), 400, 'the server refuses it');
      await page.locator('#lex-error').waitFor();
      assert.match((await page.locator('#lex-error').textContent()) ?? '', /not phonemes of Kokoro's set: '!' U\+0021/, 'in the server’s words, beside the form');
      assert.equal(await page.locator('#lex-phonemes').getAttribute('aria-invalid'), 'true', 'the field it names is marked');

      await page.locator('#lex-phonemes').fill('kəkˈɔɹO');
      await area.getByRole('button', { name: 'Save word' }).click();
      await page.locator('#pronunciations > .notice', { hasText: 'Added Kokoro (en-us): kəkˈɔɹO' }).waitFor();
      assert.equal(await page.locator('#lex-error').isVisible(), false, 'the refusal is gone');
      assert.equal(await page.locator('#lex-phonemes').getAttribute('aria-invalid'), null, 'and the mark');
      const entry = page.locator('#lex-items li[data-word="Kokoro"][data-language="en-us"]');
      await entry.waitFor();
      assert.match((await entry.textContent()) ?? '', /Kokoroen-uskəkˈɔɹO/, 'word, language, phonemes');
      const stored = (await (await fetch(`${server.url}/v1/pronunciations/Kokoro`)).json()) as { data: { phonemes: string }[] };
      assert.deepEqual(stored.data.map((e) => e.phonemes), ['kəkˈɔɹO'], 'on the server');

      await entry.getByRole('button', { name: 'Edit Kokoro (en-us)' }).click();
      assert.deepEqual(
        [await page.locator('#lex-word').inputValue(), await page.locator('#lex-language').inputValue(), await page.locator('#lex-phonemes').inputValue()],
        ['Kokoro', 'en-us', 'kəkˈɔɹO'],
        'Edit puts the entry in the form',
      );
      assert.equal(await page.evaluate('document.activeElement.id'), 'lex-phonemes', 'with the phonemes in focus');
      await page.keyboard.press('End');
      await page.keyboard.press('Backspace');
      await page.keyboard.type('ʊ');
      await page.keyboard.press('Enter');
      await page.locator('#pronunciations > .notice', { hasText: 'Changed Kokoro (en-us): kəkˈɔɹʊ' }).waitFor();
      await page.locator('#lex-items li[data-word="Kokoro"] code', { hasText: 'kəkˈɔɹʊ' }).waitFor();
      await page.locator('#lex-search').fill('nothing like it');
      assert.equal(await entry.count(), 0, 'a search that matches nothing');
      assert.match((await page.locator('#lex-empty').textContent()) ?? '', /No word matches/, 'says so');
      await page.locator('#lex-search').fill('kəkˈ');
      assert.equal(await entry.count(), 1, 'found by its phonemes');

      await page.locator('#lex-voice').selectOption('espeak-en-us-male');
      assert.equal(await page.locator('#lex-voice-note').isHidden(), true, 'an English espeak voice speaks the phonemes too: no warning');
      const spoken = page.waitForRequest((r) => r.url().endsWith('/v1/audio/speech'));
      await entry.getByRole('button', { name: 'Listen to Kokoro (en-us)' }).click();
      const body = JSON.parse((await spoken).postData() ?? '{}') as { input: string; voice: string };
      assert.deepEqual([body.input, body.voice], ['Kokoro', 'espeak-en-us-male'], 'the word, in the chosen voice');
      await plays('#lex-audio');

      await entry.getByRole('button', { name: 'Delete Kokoro (en-us)' }).click();
      assert.match((await page.locator('#confirm-text').textContent()) ?? '', /Delete the pronunciation of “Kokoro” \(en-us\)/, 'asks first');
      await page.locator('#confirm-ok').click();
      await page.locator('#pronunciations > .notice', { hasText: 'Deleted Kokoro (en-us).' }).waitFor();
      assert.equal(await entry.count(), 0, 'gone from the list');
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await page.locator('#lex-empty', { hasText: 'No words yet' }).waitFor();
      assert.equal(await entry.count(), 0, 'still gone after a reload');
      const gone = await fetch(`${server.url}/v1/pronunciations/Kokoro`);
      await gone.arrayBuffer();
      assert.equal(gone.status, 404, 'gone on the server');
    });

    /** Overflow at both widths, and a screenshot of every area at each (`suffix` names the colour scheme). */
    async function shoot(suffix: string): Promise<void> {
      for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
        await page.setViewportSize(size);
        const { overflow, culprits } = await page.evaluate<{ overflow: number; culprits: string[] }>(OVERFLOW);
        assert.ok(overflow <= 0, `${label}${suffix}: ${overflow} px of horizontal overflow from ${culprits.join(', ')}`);
        // Cut from the whole page seen from its top: an area scrolled into view would have the sticky header over it.
        await page.evaluate('window.scrollTo(0, 0)');
        for (const area of AREAS) {
          const clip = await page.locator(`#${area}`).boundingBox();
          assert.ok(clip, `${area} is on the page`);
          await page.screenshot({ path: join(SHOTS, `${area}-${label}${suffix}.png`), fullPage: true, clip });
        }
      }
      await page.setViewportSize(DESKTOP);
    }

    /** Contrast of the text that matters (WCAG AA: 4.5 for text); returns the page's background luminance. */
    async function readable(scheme: string): Promise<number> {
      const { background, ratios } = await page.evaluate<{ background: number; ratios: Record<string, number> }>(CONTRAST);
      assert.ok(Object.keys(ratios).length >= 12, `${scheme}: probes found: ${Object.keys(ratios).join(', ')}`);
      const poor = Object.entries(ratios).filter(([, ratio]) => ratio < 4.5);
      assert.deepEqual(poor, [], `${scheme}: text below 4.5:1 (${JSON.stringify(ratios)})`);
      return background;
    }

    test('nothing overflows at phone width; text is readable; screenshots of every area at both widths', async () => {
      // Each area as someone would see it after using it: words in the lexicon, one tried, something spoken, the temporary voices listed.
      const words = [{ word: 'Kokoro', phonemes: 'kˈOkəɹO' }, { word: 'nginx', phonemes: 'ˈɛnʤɪnˌɛks' }, { word: 'tomato', phonemes: 'təmˈɑːtəʊ', language: 'en-gb' }];
      const put = await fetch(`${server.url}/v1/pronunciations`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ entries: words }) });
      await put.arrayBuffer();
      assert.equal(put.status, 200, 'lexicon entries');
      await page.reload();
      await page.waitForSelector('body[data-ready="true"]');
      await page.locator('#lex-items li').nth(2).waitFor();
      await page.locator('#try-text').fill('tomato');
      await page.getByRole('button', { name: 'Show phonemes' }).click();
      await page.locator('#try-result').waitFor();

      await page.locator('#pick-search').fill('');
      await page.locator('#speak-voice').selectOption('espeak-en-us-female');
      assert.equal(await page.locator('#speak-voice').inputValue(), 'espeak-en-us-female', 'the voice is chosen');
      assert.equal(await page.locator('#speak-go').isEnabled(), true, 'Speak can be pressed');
      // Observe the request itself, so that a slow or refused answer says what happened.
      const answered = page.waitForResponse((r) => r.url().endsWith('/v1/audio/speech') && r.request().method() === 'POST', { timeout: 60_000 });
      await page.getByRole('button', { name: 'Speak', exact: true }).click();
      const answer = await answered;
      assert.equal(answer.status(), 200, `the speech answered ${answer.status()}: ${answer.status() === 200 ? '' : await answer.text()}`);
      await page
        .locator('#history li')
        .first()
        .waitFor({ timeout: 30_000 })
        .catch(async (error: unknown) => {
          throw new Error(`the answer came, but no result was listed: notice “${await notice('speak')}”, button “${await page.locator('#speak-go').textContent()}” (${String(error)})`);
        });
      await openTab(page, 'temporary');
      const light = await readable('light');
      assert.ok(light > 0.8, `a light page (${light.toFixed(2)})`);
      await shoot('');
    });

    test('dark mode: the system’s dark scheme gives a dark page with readable text; screenshots of every area', async () => {
      await page.emulateMedia({ colorScheme: 'dark' });
      try {
        const dark = await readable('dark');
        assert.ok(dark < 0.02, `a dark page (${dark.toFixed(3)})`);
        await shoot('-dark');
      } finally {
        await page.emulateMedia({ colorScheme: 'light' });
      }
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

    test('while Kokoro downloads, Status shows the real download as a bar: bytes, percentage, file; how to install stays in plain view', async () => {
      // A repository on a local port that sends 30 % of the model and then holds the connection open.
      const model = KOKORO_VARIANTS['model_quantized.onnx'];
      const repository = new FileServer();
      await repository.start();
      repository.files.set(`/${model.path}`, Buffer.alloc(model.size));
      const sent = Math.round(model.size * 0.3);
      repository.behaviours.set(`/${model.path}`, { kind: 'stall', after: sent });
      const modelDir = mkdtempSync(join(work, 'kokoro-'));
      const installing = await startTestServer({ env: { LITETTS_MODEL_DIR: modelDir, LITETTS_MODEL_AUTO_DOWNLOAD: 'true', LITETTS_MODEL_BASE_URL: `${repository.url}/` } });
      const statusPage = await context.newPage();
      watch(statusPage);
      try {
        type Download = { file: string; received: number; total: number; overall: { received: number; total: number; files: number; files_done: number } };
        let download: Download | undefined;
        for (let tries = 0; download?.received !== sent; tries++) {
          assert.ok(tries < 300, `the server counts the bytes that came within 30 s: ${JSON.stringify(download)}`);
          if (tries > 0) await new Promise((r) => setTimeout(r, 100));
          const health = (await (await fetch(`${installing.url}/health`)).json()) as { engines: { kokoro: { download?: Download } } };
          download = health.engines.kokoro.download;
        }
        const whole = model.size + KOKORO_CATALOG.voiceNames.length * KOKORO_CATALOG.voiceSize;
        assert.deepEqual(download.overall, { received: sent, total: whole, files: 55, files_done: 0 }, 'the whole install, as /health gives it');

        await statusPage.goto(`${installing.url}/#status`);
        await statusPage.waitForSelector('body[data-ready="true"]');
        const bar = statusPage.getByRole('progressbar', { name: 'Downloading kokoro' });
        await bar.waitFor();
        assert.deepEqual([Number(await bar.getAttribute('value')), Number(await bar.getAttribute('max'))], [sent, whole], 'the bar is the server’s byte count');
        const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
        assert.equal(
          (await statusPage.locator('#download-kokoro-text').textContent())?.replace(/\u00a0/g, ' '),
          `${mb(sent)} of ${mb(whole)} MB (${Math.floor((100 * sent) / whole)} %) · model_quantized.onnx, 30 % of ${mb(model.size)} MB · file 1 of 55`,
          'bytes, percentage and the file under way, in words',
        );
        const install = statusPage.locator('#engines .install').first();
        assert.equal(await install.isVisible(), true, 'how to install is on the page, not in a tooltip');
        assert.equal(await statusPage.locator('#engines .badge').first().textContent(), 'downloading', 'the badge says so');
        assert.match((await install.textContent()) ?? '', /being downloaded now: model_quantized\.onnx \(30 % of 92\.4 MB\).*litetts models pull/, 'and says how');
        for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
          await statusPage.setViewportSize(size);
          const { overflow, culprits } = await statusPage.evaluate<{ overflow: number; culprits: string[] }>(OVERFLOW);
          assert.ok(overflow <= 0, `${label}: ${overflow} px of horizontal overflow from ${culprits.join(', ')}`);
          await statusPage.evaluate('window.scrollTo(0, 0)');
          const clip = await statusPage.locator('#status').boundingBox();
          assert.ok(clip, 'Status is on the page');
          await statusPage.screenshot({ path: join(SHOTS, `status-downloading-${label}.png`), fullPage: true, clip });
        }
      } finally {
        await statusPage.close();
        await installing.stop();
        await repository.stop();
      }
    });

    test('no console errors', () => {
      assert.deepEqual(problems, []);
    });
  });
});
