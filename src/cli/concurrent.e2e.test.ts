import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { startTestServer, type TestServer } from '../test-support/server.js';

/**
 * The CLI and a running server writing the same names at once, as a user editing
 * the library from a shell while clients use the server: creates, saves (with and
 * without a new name), renames and deletes from both sides. The storm is counted in
 * CLI runs, not seconds, so a loaded machine makes it slower, not thinner: the
 * server's clients keep writing for as long as the CLI runs.
 */
const CLI_RUNS = 10;
const NAMES = ['Both-A', 'Both-B', 'Both-C'];
const FORMULA = 'espeak-en-us-female(1)+espeak-de-female(1)';
/** What the CLI prints, with exit status 2, when a write conflicts with the library's state (the API's 404 and 409 messages). */
const CLI_CONFLICT = /^litetts: (The name '[^']+' is already taken|Voice '[^']+' (does not exist|is (custom|temporary), not (custom|temporary)|does not belong to session))/;

/** A small deterministic generator, so a failing run can be repeated. */
function random(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

let server: TestServer;
before(async () => {
  server = await startTestServer();
});
after(async () => server.stop());

test('CLI and server writing the same names at once: no 500, only documented conflicts, and a sound catalog afterwards', async (t) => {
  let cliDone = false;
  const serverProblems: string[] = [];
  const cliProblems: string[] = [];
  const tally = new Map<string, number>();
  const count = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);

  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${server.url}${path}`, {
      method,
      ...(body !== undefined && { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    const text = await response.text();
    count(`server ${response.status}`);
    const ok = [200, 201, 404, 409].includes(response.status) || (response.status === 503 && response.headers.has('retry-after'));
    if (!ok) serverProblems.push(`${method} ${path}: ${response.status} ${text}`);
    return { status: response.status, text };
  };

  const serverClient = async (seed: number) => {
    const next = random(seed);
    const pick = () => {
      const name = NAMES[Math.floor(next() * NAMES.length)]!;
      return next() < 0.5 ? name : name.toLowerCase();
    };
    while (!cliDone) {
      const name = pick();
      switch (Math.floor(next() * 7)) {
        case 0:
          await call('POST', '/v1/voices/blend', { name, voices: FORMULA, temporary: false });
          break;
        case 1:
          await call('POST', '/v1/voices/blend', { name, voices: FORMULA, session_id: 'from-server' });
          break;
        case 2:
          await call('POST', `/v1/voices/custom/${name}/save`, next() < 0.5 ? {} : { new_name: pick() });
          break;
        case 3:
          await call('PATCH', `/v1/voices/custom/${name}`, { name: pick(), description: 'renamed by the server' });
          break;
        case 4:
          await call('DELETE', `/v1/voices/custom/${name}`);
          break;
        case 5:
          await call('DELETE', `/v1/voices/temporary/${name}`);
          break;
        default: {
          // A list must never show one name twice, whoever wrote last.
          const list = await call('GET', '/v1/voices?kind=all');
          const names = (JSON.parse(list.text) as { data: { name: string }[] }).data.map((v) => v.name.toLowerCase());
          if (new Set(names).size !== names.length) serverProblems.push(`a list shows a name twice: ${names.join(', ')}`);
        }
      }
    }
  };

  const cliClient = async (seed: number) => {
    const next = random(seed);
    const pick = () => NAMES[Math.floor(next() * NAMES.length)]!;
    for (let i = 0; i < CLI_RUNS; i++) {
      const name = pick();
      const args = [
        ['voices', 'blend', name, FORMULA],
        ['voices', 'blend', name.toUpperCase(), FORMULA, '--temporary', '--session', 'from-cli'],
        ['voices', 'save', name, '--as', pick()],
        ['voices', 'save', name.toLowerCase()],
        ['voices', 'delete', name],
        ['voices', 'delete', name, '--temporary'],
      ][Math.floor(next() * 6)]!;
      const run = await runLitetts([...args, '--data-dir', server.dataDir]);
      count(`cli exit ${run.code}`);
      const documented = run.code === 0 || (run.code === 2 && CLI_CONFLICT.test(run.stderr));
      if (!documented) cliProblems.push(`litetts ${args.join(' ')}: exit ${run.code}: ${run.stderr.trim()}`);
    }
  };

  const servers = [serverClient(1), serverClient(2), serverClient(3)];
  await Promise.all([cliClient(4), cliClient(5)]);
  cliDone = true;
  await Promise.all(servers);
  t.diagnostic([...tally].sort().map(([k, n]) => `${k}: ${n}`).join(', '));
  assert.deepEqual(serverProblems, [], 'the server answered every request with a success, a 404/409 or a retryable 503');
  assert.deepEqual(cliProblems, [], 'the CLI exited 0 or with a documented conflict');
  assert.ok((tally.get('cli exit 0') ?? 0) > 0 && (tally.get('server 201') ?? 0) > 0, 'both sides wrote something');
  assert.equal(server.logs.filter((l) => l.msg === 'unhandled error').length, 0, 'the server logged no unhandled error');

  const check = await runLitetts(['voices', 'check', '--data-dir', server.dataDir]);
  assert.deepEqual([check.code, check.stdout.trim()], [0, 'catalog ok'], `litetts voices check: ${check.stderr}`);
  const fromCli = await runLitetts(['voices', 'list', '--kind', 'all', '--json', '--data-dir', server.dataDir]);
  assert.equal(fromCli.code, 0, fromCli.stderr);
  const fromServer = (await (await fetch(`${server.url}/v1/voices?kind=all`)).json()) as { data: unknown[] };
  assert.deepEqual(JSON.parse(fromCli.stdout), fromServer.data, 'the CLI and the server list the same voices');
});
