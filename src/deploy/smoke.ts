import type { ClusterState } from './cluster.js';

/**
 * The deployment's proof: through nginx a voice is made, spoken and deleted, and every replica,
 * asked directly, agrees at each step. Returns what it checked, one line each; throws at the first
 * disagreement.
 */
export async function smokeCheck(state: ClusterState): Promise<string[]> {
  const auth: Record<string, string> = state.apiKey === null ? {} : { authorization: `Bearer ${state.apiKey}` };
  const done: string[] = [];
  const expect = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`smoke check failed: ${what}`);
    done.push(what);
  };
  const name = `smoke-${Date.now().toString(36)}`;
  const statusOn = async (base: string, path: string): Promise<number> => {
    const response = await fetch(`${base}${path}`, { headers: auth });
    await response.arrayBuffer();
    return response.status;
  };

  if (state.apiKey !== null) expect((await statusOn(state.url, '/v1/voices')) === 200 && (await fetch(`${state.url}/v1/voices`)).status === 401, 'the API key is required through the proxy');

  const form = new FormData();
  form.append('voice_name', name);
  const voice = { engine: 'espeak', base: 'en-us', variant: 'f3', pitch: 61, range: 40, rate: 165, volume: 100 };
  form.append('file', new Blob([JSON.stringify(voice)]), `${name}.json`);
  const created = await fetch(`${state.url}/v1/voices/import`, { method: 'POST', body: form, headers: auth });
  expect(created.status === 201, `voice '${name}' created through nginx (${created.status}${created.status === 201 ? '' : ` ${await created.text()}`})`);

  const seen = await Promise.all(state.replicas.map((r) => statusOn(r.url, `/v1/voices/${name}`)));
  expect(seen.every((s) => s === 200), `every replica has it (${seen.join(', ')})`);

  const started = performance.now();
  const speech = await fetch(`${state.url}/v1/audio/speech`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ input: 'The replicas behind this proxy share one voice library.', voice: name, response_format: 'wav' }),
  });
  const audio = new Uint8Array(await speech.arrayBuffer());
  expect(speech.status === 200 && audio.length > 44 * 1000, `it speaks through nginx (${speech.status}, ${audio.length} bytes of WAV in ${(performance.now() - started).toFixed(0)} ms)`);

  const deleted = await fetch(`${state.url}/v1/voices/custom/${name}`, { method: 'DELETE', headers: auth });
  await deleted.arrayBuffer();
  expect(deleted.status === 200, `deleted through nginx (${deleted.status})`);
  const after = await Promise.all(state.replicas.map((r) => statusOn(r.url, `/v1/voices/${name}`)));
  expect(after.every((s) => s === 404), `every replica answers 404 at once (${after.join(', ')})`);

  const health = (await (await fetch(`${state.url}/health`)).json()) as { status?: string };
  expect(health.status === 'ok', '/health through nginx is ok');
  const backend = state.database.kind === 'postgres' ? 'postgresql' : 'sqlite';
  const backends = await Promise.all(state.replicas.map(async (r) => ((await (await fetch(`${r.url}/health`)).json()) as { catalog?: { backend?: string } }).catalog?.backend));
  expect(backends.every((b) => b === backend), `every replica's /health names the ${backend} catalog (${backends.join(', ')})`);
  return done;
}
