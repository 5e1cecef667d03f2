import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runLitetts } from '../test-support/cli.js';

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

  test('list says how to install when nothing is installed', async () => {
    const result = await cli(['models', 'list', '--model-dir', dir]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /not installed.*litetts models pull/);
    const json = await cli(['models', 'list', '--json', '--model-dir', dir]);
    assert.equal(json.stdout.trim(), 'null');
  });

  test('pull from a repository that lacks the file fails cleanly, naming it, and installs nothing', async () => {
    const result = await cli(['models', 'pull', '--model-dir', dir, '--model-base-url', baseUrl, '--voices', 'af_heart']);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /model_quantized\.onnx|404/);
    assert.ok(requested.some((url) => url.endsWith('/onnx/model_quantized.onnx')), `asked for ${requested.join(', ')}`);
    const list = await cli(['models', 'list', '--model-dir', dir]);
    assert.match(list.stdout, /not installed/);
  });

  test('an unknown variant is refused before anything is downloaded', async () => {
    const before = requested.length;
    const result = await cli(['models', 'pull', 'model_huge.onnx', '--model-dir', dir, '--model-base-url', baseUrl]);
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /Unknown model variant 'model_huge\.onnx'/);
    assert.equal(requested.length, before);
  });
});
