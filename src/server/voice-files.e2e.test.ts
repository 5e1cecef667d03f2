/**
 * Voice files through the real server: crafted archives answer 400 in the contract's
 * shape, the inflate limit follows the server's upload limit, and the streamed
 * export is an .npz that numpy and Info-ZIP read.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { zipSync } from 'fflate';
import { toBin, writeNpy } from '../voices/formats/index.js';
import { sampleTensor } from '../test-support/fixtures.js';
import { startTestServer, type TestServer } from '../test-support/server.js';
import { craftZip, deflateRepeated } from '../test-support/zip.js';

const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const HAS_UNZIP = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

interface ErrorJson {
  error?: { code: string; message: string; type: string; param: string | null };
  data?: { name: string }[];
}

describe('voice files through the server', () => {
  let server: TestServer;
  const dir = mkdtempSync(join(tmpdir(), 'litetts-files-'));
  before(async () => {
    // A 1 MiB upload limit: archives may inflate to 2 MiB.
    server = await startTestServer({ args: ['--max-upload-mb', '1'] });
  });
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const upload = async (fileName: string, bytes: Uint8Array, fields: Record<string, string> = {}) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(fields)) form.append(k, v);
    form.append('file', new Blob([bytes]), fileName);
    const response = await fetch(`${server.url}/v1/voices/import`, { method: 'POST', body: form });
    return { status: response.status, body: (await response.json()) as ErrorJson };
  };
  const assertRefused = (r: { status: number; body: ErrorJson }, pattern: RegExp, what: string) => {
    assert.equal(r.status, 400, `${what}: status`);
    assert.equal(r.body.error?.code, 'invalid_voice_file', `${what}: error code`);
    assert.equal(r.body.error?.type, 'invalid_request_error', `${what}: error type`);
    assert.match(r.body.error?.message ?? '', pattern, `${what}: message`);
  };

  test('an 83 KB .pt whose pickle inflates to 80 million NONEs is a 400, and the server keeps answering', async () => {
    const nones = new Uint8Array(1 << 20).fill(0x4e);
    const pkl = deflateRepeated(nones, 80, new Uint8Array([0x80, 2]), new Uint8Array([0x2e]));
    const bomb = craftZip([
      { name: 'archive/data.pkl', stored: pkl, method: 8, declaredSize: 2 + 80 * nones.length + 1 },
      { name: 'archive/version', stored: new TextEncoder().encode('3\n'), declaredSize: 2 },
    ]);
    assertRefused(await upload('bomb.pt', bomb), /data\.pkl declares/, 'None bomb');
    const list = await fetch(`${server.url}/v1/voices`);
    assert.equal(list.status, 200, 'the server still answers');
    await list.arrayBuffer();
  });

  test('a 0.5 MB .npz of 500 one-MiB entries is a 400 before anything is inflated', async () => {
    const stored = deflateRepeated(new Uint8Array(64 * 1024), 16);
    const bomb = craftZip(Array.from({ length: 500 }, (_, i) => ({ name: `v${i}.npy`, stored, method: 8, declaredSize: 1 << 20 })));
    assertRefused(await upload('bomb.npz', bomb), /would inflate to more than/, 'npz bomb');
  });

  test('the inflate limit follows the upload limit: 2.6 MB of voices in a small upload are refused under a 1 MiB limit', async () => {
    const voices = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`af_v${i}.npy`, writeNpy(sampleTensor(i + 1))]));
    const small = zipSync(voices, { level: 9 });
    assert.ok(small.length < 1024 * 1024, `the upload is ${small.length} bytes`);
    assertRefused(await upload('five.npz', small), /more than 2097152 bytes \(the limit for one upload\)/, 'over twice the upload limit');
    const two = await upload('two.npz', zipSync({ 'af_w0.npy': voices['af_v0.npy']!, 'af_w1.npy': voices['af_v1.npy']! }, { level: 9 }));
    assert.equal(two.status, 201, `within it: ${JSON.stringify(two.body.error)}`);
    assert.deepEqual(two.body.data?.map((v) => v.name), ['af_w0', 'af_w1'], 'both voices imported');
  });

  test('the export streams an .npz that numpy and unzip read: name.npy, float32 (510, 1, 256)', async (t) => {
    const tensors = new Map([
      ['af_exp1', sampleTensor(11)],
      ['bm_exp2', sampleTensor(12)],
      ['Zf-exp3', sampleTensor(13)],
    ]);
    for (const [name, tensor] of tensors) {
      const r = await upload(`${name}.bin`, toBin(tensor), { voice_name: name });
      assert.equal(r.status, 201, `import ${name}: ${JSON.stringify(r.body.error)}`);
    }
    const response = await fetch(`${server.url}/v1/voices/export`);
    assert.equal(response.status, 200, 'export status');
    assert.equal(response.headers.get('content-type'), 'application/octet-stream', 'content type');
    assert.equal(response.headers.get('content-disposition'), 'attachment; filename="voices.npz"', 'file name');
    assert.equal(response.headers.get('transfer-encoding'), 'chunked', 'streamed, not built first');
    const path = join(dir, 'voices.npz');
    writeFileSync(path, new Uint8Array(await response.arrayBuffer()));

    if (HAS_UNZIP) {
      const tested = spawnSync('unzip', ['-t', path], { encoding: 'utf8' });
      assert.equal(tested.status, 0, `unzip -t: ${tested.stdout}${tested.stderr}`);
    }
    if (!HAS_NUMPY) return t.skip('numpy not available to python3');
    // As kokoro-onnx reads voices: np.load(path)[name].
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import sys, json, numpy as np
voices = np.load(sys.argv[1])
print(json.dumps({n: [list(voices[n].shape), str(voices[n].dtype), voices[n].reshape(-1)[:3].tolist()] for n in voices.files}))
`,
        path,
      ],
      { encoding: 'utf8' },
    );
    assert.equal(r.status, 0, `python3: ${r.stderr}`);
    const loaded = JSON.parse(r.stdout) as Record<string, [number[], string, number[]]>;
    for (const [name, tensor] of tensors) {
      assert.deepEqual(loaded[name]?.[0], [510, 1, 256], `${name} shape`);
      assert.equal(loaded[name]?.[1], 'float32', `${name} dtype`);
      assert.deepEqual(loaded[name]?.[2], [...tensor.subarray(0, 3)], `${name} values`);
    }
  });
});
