import { unzipSync } from 'fflate';

/** What the multi-replica tests ask of a server's voice library over HTTP, and voices that carry a marker of their own. */

export interface MarkedVoice {
  engine: 'espeak' | 'kokoro';
  /** The uploaded file; a download of the voice gives it back (Kokoro byte for byte, espeak field for field). */
  file: Uint8Array;
}

/** A speakable espeak voice whose pitch, range and rate together are unlike any other id's below 10 000. */
export function espeakVoice(id: number): MarkedVoice {
  const json = { engine: 'espeak', base: 'en-us', variant: 'f3', pitch: id % 100, range: Math.floor(id / 100) % 100, rate: 150 + (id % 7), volume: 100 };
  return { engine: 'espeak', file: new TextEncoder().encode(JSON.stringify(json)) };
}

/** A Kokoro tensor (510×256 float32) that repeats four floats of its own. */
export function kokoroVoice(id: number): MarkedVoice {
  const pattern = new Float32Array([0.25 + id / 65536, -0.375 - id / 131072, 0.0625 + id / 262144, -0.5 + id / 524288]);
  const tensor = new Float32Array(510 * 256);
  for (let i = 0; i < tensor.length; i++) tensor[i] = pattern[i % 4]!;
  return { engine: 'kokoro', file: new Uint8Array(tensor.buffer) };
}

export interface Answer<T = Record<string, unknown>> {
  status: number;
  body: T;
}

/** POST /v1/voices/import of one voice; `fields` adds form fields (temporary, ttl_seconds, session_id). */
export async function importVoice(url: string, name: string, voice: MarkedVoice, fields: Record<string, string> = {}): Promise<Answer> {
  const form = new FormData();
  form.append('voice_name', name);
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  form.append('file', new Blob([voice.file]), voice.engine === 'kokoro' ? `${name}.bin` : `${name}.json`);
  const response = await fetch(`${url}/v1/voices/import`, { method: 'POST', body: form });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

export async function json<T = Record<string, unknown>>(url: string, path: string, init?: { method?: string; body?: unknown }): Promise<Answer<T>> {
  const response = await fetch(`${url}${path}`, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) }),
  });
  const text = await response.text();
  return { status: response.status, body: (text === '' ? {} : JSON.parse(text)) as T };
}

/** Names of the voices a list answers (`?kind=` as given). */
export async function listedNames(url: string, kind: 'custom' | 'temporary' | 'all'): Promise<string[]> {
  const answer = await json<{ data: { name: string }[] }>(url, `/v1/voices?kind=${kind}`);
  if (answer.status !== 200) throw new Error(`list answered ${answer.status}`);
  return answer.body.data.map((v) => v.name);
}

/** POST /v1/audio/speech as PCM: the status, the audio's length in bytes, and the error code when refused. */
export async function speak(url: string, voice: string, input = 'Hello from another replica.'): Promise<{ status: number; bytes: number; code: string | null }> {
  const response = await fetch(`${url}/v1/audio/speech`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ input, voice, response_format: 'pcm' }),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  let code: string | null = null;
  if (response.status !== 200) code = (JSON.parse(new TextDecoder().decode(bytes)) as { error?: { code?: string } }).error?.code ?? null;
  return { status: response.status, bytes: bytes.length, code };
}

/** Names of the voices in GET /v1/voices/export (its `name.npy` entries). */
export async function exportedNames(url: string): Promise<string[]> {
  const response = await fetch(`${url}/v1/voices/export`);
  if (response.status !== 200) throw new Error(`export answered ${response.status}`);
  const entries = unzipSync(new Uint8Array(await response.arrayBuffer()));
  return Object.keys(entries).map((name) => name.replace(/\.npy$/, ''));
}
