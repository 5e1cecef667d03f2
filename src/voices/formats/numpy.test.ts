/**
 * Interoperability with NumPy itself (skipped when `python3 -c "import numpy"` fails):
 * what we write, np.load reads as kokoro-onnx does; what numpy writes, we read.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { parseBin, toBin } from './bin.js';
import { readNpy, writeNpy } from './npy.js';
import { readNpz, writeNpz } from './npz.js';
import { KOKORO_PACKS_DIR } from '../../test-support/fixtures.js';

const PACKS = KOKORO_PACKS_DIR;
const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;

function python(code: string, ...args: string[]): string {
  const r = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `python3 failed: ${r.stderr}`);
  return r.stdout;
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function packs(): Map<string, Uint8Array> {
  const files = readdirSync(PACKS!).filter((f) => f.endsWith('.bin')).sort();
  return new Map(files.map((f) => [f.slice(0, -4), new Uint8Array(readFileSync(join(PACKS!, f)))]));
}

describe('NumPy interoperability', { skip: !HAS_NUMPY ? 'numpy not available to python3' : !PACKS ? 'packs absent' : false }, () => {
  const dir = HAS_NUMPY && PACKS ? mkdtempSync(join(tmpdir(), 'litetts-npz-')) : '';
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('np.load reads our .npz of all 54 packs: names, shapes, dtypes, sums, bytes', () => {
    const originals = packs();
    assert.equal(originals.size, 54);
    const path = join(dir, 'voices.npz');
    writeFileSync(path, writeNpz([...originals].map(([n, b]) => [n, parseBin(b)] as const)));
    // As kokoro-onnx does: voices = np.load(path); voices[name]
    const out = python(
      `
import sys, json, hashlib, numpy as np
voices = np.load(sys.argv[1])
res = []
for name in voices.files:
    a = voices[name]
    res.append([name, list(a.shape), str(a.dtype), float(a.astype(np.float64).sum()),
                hashlib.sha256(a.astype('<f4').tobytes()).hexdigest(), bool(a.flags['C_CONTIGUOUS'])])
print(json.dumps(res))
`,
      path,
    );
    const rows = JSON.parse(out) as [string, number[], string, number, string, boolean][];
    assert.deepEqual(
      rows.map((r) => r[0]),
      [...originals.keys()],
    );
    for (const [name, shape, dtype, sum, hash, contiguous] of rows) {
      const bytes = originals.get(name)!;
      assert.deepEqual(shape, [510, 1, 256], name);
      assert.equal(dtype, 'float32', name);
      assert.ok(contiguous, name);
      assert.equal(hash, sha256(bytes), name);
      let jsSum = 0;
      for (const v of parseBin(bytes)) jsSum += v;
      assert.ok(Math.abs(jsSum - sum) <= 1e-9 * Math.max(1, Math.abs(sum)), `${name}: ${jsSum} vs ${sum}`);
    }
  });

  test('we read what numpy writes: savez_compressed, savez, np.save (f4/f2/f8, v1/v2/v3)', () => {
    const originals = packs();
    const chosen = ['af_heart', 'bm_george', 'zf_xiaoxiao'];
    for (const n of chosen) writeFileSync(join(dir, `${n}.bin`), originals.get(n)!);
    python(
      `
import sys, os, numpy as np
d = sys.argv[1]
names = ${JSON.stringify(chosen)}
arrs = {n: np.fromfile(os.path.join(d, n + '.bin'), dtype='<f4').reshape(510, 1, 256) for n in names}
np.savez_compressed(os.path.join(d, 'compressed.npz'), **arrs)
np.savez(os.path.join(d, 'stored.npz'), **{n: a.reshape(510, 256) for n, a in arrs.items()})
a = arrs['af_heart']
np.save(os.path.join(d, 'f4.npy'), a)
np.save(os.path.join(d, 'f2.npy'), a.astype('<f2'))
np.save(os.path.join(d, 'f8.npy'), a.astype('<f8').reshape(1, 510, 256))
for v in (2, 3):
    with open(os.path.join(d, 'v%d.npy' % v), 'wb') as f:
        np.lib.format.write_array(f, a, version=(v, 0))
a.astype('<f2').astype('<f4').tofile(os.path.join(d, 'f2.expected'))
`,
      dir,
    );
    for (const file of ['compressed.npz', 'stored.npz']) {
      const back = readNpz(new Uint8Array(readFileSync(join(dir, file))));
      assert.deepEqual([...back.keys()], chosen, file);
      for (const n of chosen) assert.deepEqual(toBin(back.get(n)!), originals.get(n)!, `${file} ${n}`);
    }
    const heart = originals.get('af_heart')!;
    const npy = (f: string) => new Uint8Array(readFileSync(join(dir, f)));
    for (const f of ['f4.npy', 'f8.npy', 'v2.npy', 'v3.npy']) assert.deepEqual(toBin(readNpy(npy(f))), heart, f);
    assert.deepEqual(toBin(readNpy(npy('f2.npy'))), npy('f2.expected'), 'float16 converts as numpy does');
    // Our .npy is byte-for-byte what np.save writes.
    assert.deepEqual(writeNpy(parseBin(heart)), npy('f4.npy'));
  });
});
