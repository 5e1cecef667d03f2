// Speech playback: the audio starts while the server is still streaming it (Media Source
// Extensions, where the browser can take the format in pieces), and the whole of it is kept
// for the waveform, the download and replay.
import { api } from './api.js';

const MIME = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav' };
export const extension = (format) => (format === 'opus' ? 'ogg' : format);

const once = (target, name) => new Promise((resolve) => target.addEventListener(name, resolve, { once: true }));

/**
 * POSTs a speech request and plays the answer in `audio` as it arrives.
 * Resolves, once the whole answer is in, to { blob, url, voice, seconds } (url: an object URL of
 * the blob, the caller's to revoke).
 */
export async function playSpeech(audio, body, signal) {
  const started = performance.now();
  const response = await api('v1/audio/speech', { method: 'POST', json: body, raw: true, signal });
  const mime = MIME[body.response_format] ?? 'audio/mpeg';
  const streaming = body.response_format === 'mp3' && 'MediaSource' in window && MediaSource.isTypeSupported(mime);
  const chunks = streaming ? await streamInto(audio, response, mime) : [new Uint8Array(await response.arrayBuffer())];
  const blob = new Blob(chunks, { type: mime });
  const url = URL.createObjectURL(blob);
  if (!streaming) {
    audio.src = url;
    audio.play().catch(() => undefined); // autoplay may be refused; the controls are there
  }
  return { blob, url, voice: response.headers.get('x-voice') ?? body.voice, seconds: (performance.now() - started) / 1000 };
}

/**
 * Until the buffer takes no more updates. One awaited 'updateend' was seen not to be enough
 * (Chromium, a long MP3 whose playback had just begun): endOfStream then threw because the buffer
 * was updating again, which failed the whole speech. Checking again after each event is safe.
 */
async function idle(buffer) {
  while (buffer.updating) await once(buffer, 'updateend');
}

async function streamInto(audio, response, mime) {
  const source = new MediaSource();
  const sourceUrl = URL.createObjectURL(source);
  audio.src = sourceUrl;
  await once(source, 'sourceopen');
  URL.revokeObjectURL(sourceUrl);
  const buffer = source.addSourceBuffer(mime);
  const reader = response.body.getReader();
  const chunks = [];
  let playing = false;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
    await idle(buffer);
    buffer.appendBuffer(value);
    if (!playing) {
      playing = true;
      audio.play().catch(() => undefined);
    }
  }
  await idle(buffer);
  if (source.readyState === 'open') source.endOfStream();
  return chunks;
}

/** Draws the blob's waveform (peak per pixel column) on the canvas; leaves it blank if the browser cannot decode the format. */
export async function drawWaveform(canvas, blob) {
  const context = canvas.getContext('2d');
  const width = Math.max(1, Math.round(canvas.clientWidth * devicePixelRatio));
  const height = Math.max(1, Math.round(canvas.clientHeight * devicePixelRatio));
  canvas.width = width;
  canvas.height = height;
  context.clearRect(0, 0, width, height);
  let samples;
  try {
    const decoded = await new OfflineAudioContext(1, 1, 24000).decodeAudioData(await blob.arrayBuffer());
    samples = decoded.getChannelData(0);
  } catch {
    return false;
  }
  context.fillStyle = getComputedStyle(canvas).color;
  const step = samples.length / width;
  for (let x = 0; x < width; x++) {
    let peak = 0;
    const end = Math.min(samples.length, Math.floor((x + 1) * step));
    for (let i = Math.floor(x * step); i < end; i++) peak = Math.max(peak, Math.abs(samples[i]));
    const h = Math.max(1, peak * height);
    context.fillRect(x, (height - h) / 2, 1, h);
  }
  return true;
}
