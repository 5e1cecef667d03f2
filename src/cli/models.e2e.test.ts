import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { toBin, writeNpz } from '../voices/formats/index.js';

const cli = runLitetts;

describe('litetts models', () => {
  let dir: string;
  let server: http.Server;
  let baseUrl: string;
  const requested: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'litetts-models-'));
    // A repository that has nothing: every file is a 404.
    server = http.createServer((request, response) => {
      requested.push(request.url ?? '');
      response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  test('list says how to install when nothing is installed, and exits 1', async () => {
    const result = await cli(['models', 'list', '--model-dir', dir]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stdout, /not installed.*litetts models pull/);
    const json = await cli(['models', 'list', '--json', '--model-dir', dir]);
    assert.equal(json.stdout.trim(), 'null', 'JSON null when nothing is installed');
    assert.equal(json.code, 1, 'and the same exit code');
  });

  test('list reads kokoro-onnx’s and onnx-community’s layouts as they are: a table, ok, exit 0', async () => {
    const onnx = join(dir, 'kokoro-onnx');
    mkdirSync(onnx);
    writeFileSync(join(onnx, 'kokoro-v1.0.int8.onnx'), 'model');
    writeFileSync(join(onnx, 'voices-v1.0.bin'), writeNpz([['af_heart', sampleTensor(1)], ['am_echo', sampleTensor(2)]]));
    const listed = await cli(['models', 'list', '--model-dir', onnx]);
    assert.equal(listed.code, 0, listed.stdout);
    assert.match(listed.stdout, /^MODEL\s+SIZE\s+LOADED$/m, 'a header');
    assert.match(listed.stdout, /^kokoro-v1\.0\.int8\.onnx\s+0\.0 MB\s+yes$/m, 'the one model, loaded');
    assert.match(listed.stdout, /^voices: 2 \(af_heart, am_echo\)$/m, 'the archive’s voices');
    assert.match(listed.stdout, /^ok$/m);

    const snapshot = join(dir, 'onnx-community');
    mkdirSync(join(snapshot, 'onnx'), { recursive: true });
    mkdirSync(join(snapshot, 'voices'));
    writeFileSync(join(snapshot, 'config.json'), '{}');
    writeFileSync(join(snapshot, 'onnx', 'model.onnx'), 'full');
    writeFileSync(join(snapshot, 'onnx', 'model_quantized.onnx'), 'q8');
    writeFileSync(join(snapshot, 'voices', 'af_heart.bin'), toBin(sampleTensor(1)));
    const json = await cli(['models', 'list', '--json', '--model-dir', snapshot]);
    assert.equal(json.code, 0, json.stdout);
    const found = JSON.parse(json.stdout) as { ok: boolean; variant: string; models: { name: string }[]; voices: { name: string }[] };
    assert.equal(found.variant, 'onnx/model_quantized.onnx', 'the configured variant, in onnx/');
    assert.deepEqual(found.models.map((m) => m.name), ['onnx/model.onnx', 'onnx/model_quantized.onnx']);
    assert.deepEqual(found.voices.map((v) => v.name), ['af_heart']);

    writeFileSync(join(onnx, 'kokoro-v1.0.onnx'), 'another');
    const two = await cli(['models', 'list', '--model-dir', onnx]);
    assert.equal(two.code, 1, 'two models and none configured: incomplete');
    assert.match(two.stdout, /problem: model_quantized\.onnx is not in .*, which holds kokoro-v1\.0\.int8\.onnx, kokoro-v1\.0\.onnx: set LITETTS_MODEL_VARIANT/, two.stdout);
    assert.equal((await cli(['models', 'list', '--model-dir', onnx, '--model-variant', 'kokoro-v1.0.onnx'])).code, 0, 'naming one settles it');
  });

  test('offline, pull fails within 5 s with one line saying what to do, and exits 4', async () => {
    const started = performance.now();
    // .invalid never resolves (RFC 6761): what any name does on a machine without network.
    const result = await cli(['models', 'pull', '--model-dir', join(dir, 'offline'), '--model-base-url', 'https://kokoro.invalid/repo', '--voices', 'af_heart']);
    const seconds = (performance.now() - started) / 1000;
    assert.ok(seconds < 5, `failed in ${seconds.toFixed(1)} s`);
    assert.equal(result.code, 4, result.stderr);
    const lines = result.stderr.trimEnd().split('\n');
    assert.match(lines[0]!, /^Downloading Kokoro model_quantized\.onnx and 1 voice pack from https:\/\/kokoro\.invalid\/repo into /, 'said at once');
    assert.equal(lines.length, 2, `the start and one line of error:\n${result.stderr}`);
    assert.match(lines[1]!, /^litetts: model_quantized\.onnx: cannot look up kokoro\.invalid \((ENOTFOUND|EAI_AGAIN)\): no network/, lines[1]);
    for (const way of ['--model-base-url', 'litetts models import-voices', 'LITETTS_MODEL_DIR']) assert.ok(lines[1]!.includes(way), `names ${way}`);
  });

  test('pull from a repository that lacks the file fails cleanly, naming it, and installs nothing', async () => {
    const result = await cli(['models', 'pull', '--model-dir', dir, '--model-base-url', baseUrl, '--voices', 'af_heart']);
    assert.equal(result.code, 4, 'the pull fails as a download');
    assert.match(result.stderr, /litetts: model_quantized\.onnx: HTTP 404 .*; use a mirror \(--model-base-url/, 'naming the missing file and what to do');
    assert.equal(requested.filter((url) => url.endsWith('/onnx/model_quantized.onnx')).length, 1, 'a 404 is not retried');
    assert.ok(requested.some((url) => url.endsWith('/onnx/model_quantized.onnx')), `asked for ${requested.join(', ')}`);
    const list = await cli(['models', 'list', '--model-dir', dir]);
    assert.match(list.stdout, /not installed/, 'nothing is installed');
  });

  test('an unknown variant is refused before anything is downloaded', async () => {
    const before = requested.length;
    const result = await cli(['models', 'pull', 'model_huge.onnx', '--model-dir', dir, '--model-base-url', baseUrl]);
    assert.notEqual(result.code, 0, 'refused');
    assert.match(result.stderr, /Unknown model variant 'model_huge\.onnx'/, 'naming the variant');
    assert.equal(requested.length, before, 'nothing requested');
  });

  test('import-voices installs packs from a folder and an .npz; list then shows them', async () => {
    const modelDir = join(dir, 'imported');
    const source = join(dir, 'import-source');
    mkdirSync(source);
    writeFileSync(join(source, 'af_one.bin'), toBin(sampleTensor(1)));
    writeFileSync(join(source, 'bm_two.bin'), toBin(sampleTensor(2)));
    writeFileSync(join(source, 'af_short.bin'), Buffer.alloc(1000));

    const result = await cli(['models', 'import-voices', source, '--model-dir', modelDir]);
    assert.equal(result.code, 0, `succeeds when something was installed: ${result.stderr}`);
    assert.match(result.stdout, /2 installed, 0 already there, 1 rejected/, `the summary: ${result.stdout}`);
    assert.match(result.stdout, /installed: af_one, bm_two/, 'names what was installed');
    assert.match(result.stderr, /rejected af_short\.bin: .*1000 bytes/, `each rejection with its reason: ${result.stderr}`);
    assert.ok(
      Buffer.from(toBin(sampleTensor(2))).equals(readFileSync(join(modelDir, 'voices', 'bm_two.bin'))),
      'the pack is written to <model-dir>/voices/<name>.bin',
    );
    assert.equal(existsSync(join(modelDir, 'voices', 'af_short.bin')), false, 'the rejected file is not installed');

    const npz = join(dir, 'voices-v1.0.bin');
    writeFileSync(npz, writeNpz([['af_one', sampleTensor(1)], ['zf_three', sampleTensor(3)]]));
    const again = await cli(['models', 'import-voices', npz, '--model-dir', modelDir, '--voices', 'af_one,zf_three']);
    assert.equal(again.code, 0, `the archive imports: ${again.stderr}`);
    assert.match(again.stdout, /1 installed, 1 already there, 0 rejected/, `the summary: ${again.stdout}`);

    const list = await cli(['models', 'list', '--model-dir', modelDir, '--model-variant', 'model_fp16.onnx']);
    assert.equal(list.code, 1, `voices without a model are an incomplete install: ${list.stderr}`);
    assert.match(list.stdout, /local files, no manifest/, `listed from a scan: ${list.stdout}`);
    assert.match(list.stdout, /voices: 3 \(af_one, bm_two, zf_three\)/, 'with the three voices');
    assert.match(list.stdout, /problem: no \.onnx model in .* \(looked for model_fp16\.onnx there and in onnx\/\)/, 'the configured variant is looked for');
    assert.match(list.stdout, /^incomplete: /m, 'and says so');
    const json = JSON.parse((await cli(['models', 'list', '--json', '--model-dir', modelDir])).stdout) as { source: string; voices: unknown[] };
    assert.equal(json.source, 'scan', 'JSON says the files were scanned');
    assert.equal(json.voices.length, 3, 'JSON lists the voices');
  });

  test('import-voices fails when nothing could be installed, naming each rejection', async () => {
    const modelDir = join(dir, 'rejected');
    const source = join(dir, 'bad-source');
    mkdirSync(source);
    writeFileSync(join(source, 'af_short.bin'), Buffer.alloc(1000));
    writeFileSync(join(source, 'af_junk.npz'), 'not a zip');
    const result = await cli(['models', 'import-voices', source, '--model-dir', modelDir]);
    assert.notEqual(result.code, 0, 'non-zero exit when nothing was installed');
    assert.match(result.stdout, /0 installed, 0 already there, 2 rejected/, `the summary: ${result.stdout}`);
    assert.match(result.stderr, /rejected af_junk\.npz: /, `the archive is named: ${result.stderr}`);
    assert.match(result.stderr, /rejected af_short\.bin: /, `the short pack is named: ${result.stderr}`);
    assert.equal(existsSync(join(modelDir, 'voices')), false, 'nothing was written');

    const missing = await cli(['models', 'import-voices', join(dir, 'nowhere'), '--model-dir', modelDir]);
    assert.notEqual(missing.code, 0, 'a missing path fails');
    assert.match(missing.stderr, /nowhere: no such file or folder/, `names the path: ${missing.stderr}`);

    const empty = join(dir, 'empty-source');
    mkdirSync(empty);
    const none = await cli(['models', 'import-voices', empty, '--model-dir', modelDir]);
    assert.notEqual(none.code, 0, 'a folder without voice files fails');
    assert.match(none.stderr, /no Kokoro voice files found/, `says so: ${none.stderr}`);
  });
});
