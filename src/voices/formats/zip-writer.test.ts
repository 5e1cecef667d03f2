/**
 * The stored-zip writer and the zip reader against independent implementations:
 * Python's zipfile and numpy (skipped without python3/numpy), Info-ZIP's unzip.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, ftruncateSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { sampleTensor } from '../../test-support/fixtures.js';
import { crc32, crc32Portable } from './crc32.js';
import { writeNpy } from './npy.js';
import { readNpz, writeNpz } from './npz.js';
import { StoredZipWriter } from './zip-writer.js';
import { extractZip, listZip } from './zip.js';

const HAS_NUMPY = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
const HAS_UNZIP = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

const dir = mkdtempSync(join(tmpdir(), 'litetts-zip-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function python(code: string, ...args: string[]): string {
  const r = spawnSync('python3', ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(r.status, 0, `python3 failed: ${r.stderr}`);
  return r.stdout;
}

test('crc32: the portable implementation agrees with zlib and with the check value', () => {
  const check = new TextEncoder().encode('123456789');
  assert.equal(crc32Portable(check), 0xcbf43926, 'the CRC-32 check value');
  assert.equal(crc32(check), 0xcbf43926, 'the exported crc32');
  const data = writeNpy(sampleTensor(3));
  assert.equal(crc32Portable(data), crc32(data), 'same CRC on a voice');
  assert.equal(crc32Portable(data.subarray(100), crc32Portable(data.subarray(0, 100))), crc32(data), 'continues from a previous value');
});

test('an archive of the writer reads back through our reader, entry for entry', () => {
  const zip = new StoredZipWriter();
  const entries: [string, Uint8Array][] = [
    ['a.npy', writeNpy(sampleTensor(1))],
    ['empty', new Uint8Array(0)],
    ['ünïcode.txt', new TextEncoder().encode('hello')],
  ];
  const parts = entries.flatMap(([name, data]) => zip.entry(name, data));
  parts.push(zip.finish());
  const bytes = new Uint8Array(Buffer.concat(parts));
  assert.equal(zip.bytesWritten, bytes.length, 'bytesWritten counts everything');
  const listed = listZip(bytes, 'archive');
  assert.deepEqual(listed.map((e) => [e.name, e.compression, e.originalSize]), entries.map(([n, d]) => [n, 0, d.length]), 'names, methods, sizes');
  const files = extractZip(bytes, listed, () => true, 'archive');
  for (const [name, data] of entries) assert.deepEqual(files.get(name), data, name);
  assert.throws(() => zip.entry('late', new Uint8Array(1)), /after finish/, 'no entries after the end records');
});

test('Info-ZIP unzip tests our archives clean', { skip: !HAS_UNZIP && 'unzip not installed' }, () => {
  const path = join(dir, 'two.npz');
  const file = openSync(path, 'w');
  writeSync(file, writeNpz([['af_one', sampleTensor(1)], ['bm_two', sampleTensor(2)]]));
  closeSync(file);
  const r = spawnSync('unzip', ['-t', path], { encoding: 'utf8' });
  assert.equal(r.status, 0, `unzip -t: ${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /No errors detected/, 'unzip reports no errors');
});

describe('ZIP64', { skip: !HAS_NUMPY && 'numpy not available to python3' }, () => {
  test('our reader reads the ZIP64 records Python writes (sizes, offsets, end records)', () => {
    const path = join(dir, 'py64.npz');
    // Lowering zipfile's ZIP64 threshold makes it write ZIP64 records for a small archive.
    python(
      `
import sys, zipfile, numpy as np, io
zipfile.ZIP64_LIMIT = 1000
zipfile.ZIP_FILECOUNT_LIMIT = 1
a = np.arange(510 * 256, dtype='<f4').reshape(510, 1, 256) / 1000
with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED) as z:
    for name in ('af_one', 'bm_two'):
        buf = io.BytesIO(); np.save(buf, a + (name == 'bm_two')); z.writestr(name + '.npy', buf.getvalue())
`,
      path,
    );
    const bytes = new Uint8Array(readFileSync(path));
    const voices = readNpz(bytes);
    assert.deepEqual([...voices.keys()], ['af_one', 'bm_two'], 'both entries listed through the ZIP64 end record');
    const expected = Float32Array.from({ length: 510 * 256 }, (_, i) => Math.fround(Math.fround(i) / 1000));
    assert.deepEqual(voices.get('af_one'), expected, 'data found through ZIP64 offsets and sizes');
  });

  test('an archive past 4 GiB gets ZIP64 records that zipfile and numpy read', () => {
    // 41 entries of 100 MiB of zeros put the last voice and the central directory past
    // 4 GiB. The zeros are never written (the file is sparse) and their CRC is computed
    // once: the test costs seconds, not gigabytes.
    const blob = new Uint8Array(100 * 1024 * 1024);
    const blobCrc = crc32(blob);
    const path = join(dir, 'big.npz');
    const fd = openSync(path, 'w');
    let position = 0;
    const write = (chunk: Uint8Array) => {
      if (chunk !== blob) writeSync(fd, chunk, 0, chunk.length, position);
      position += chunk.length;
    };
    const zip = new StoredZipWriter();
    const blobs = 41;
    for (let i = 0; i < blobs; i++) zip.entry(`blob${i}.npy`, blob, blobCrc).forEach(write);
    const voice = sampleTensor(9);
    zip.entry('af_last.npy', writeNpy(voice)).forEach(write);
    write(zip.finish());
    ftruncateSync(fd, position);
    closeSync(fd);
    assert.ok(position > 2 ** 32, `the archive is ${position} bytes`);
    const out = python(
      `
import sys, json, zipfile, numpy as np
z = zipfile.ZipFile(sys.argv[1])
infos = z.infolist()
last = infos[-1]
v = np.load(sys.argv[1])['af_last']
print(json.dumps({'count': len(infos), 'name': last.filename, 'offset': last.header_offset,
                  'shape': list(v.shape), 'dtype': str(v.dtype), 'values': v.reshape(-1)[:4].tolist()}))
`,
      path,
    );
    const r = JSON.parse(out) as { count: number; name: string; offset: number; shape: number[]; dtype: string; values: number[] };
    assert.equal(r.count, blobs + 1, 'every entry listed');
    assert.equal(r.name, 'af_last.npy');
    assert.ok(r.offset > 2 ** 32, `the last entry lies past 4 GiB (${r.offset})`);
    assert.deepEqual(r.shape, [510, 1, 256], 'numpy reads the voice past 4 GiB');
    assert.equal(r.dtype, 'float32');
    assert.deepEqual(r.values, [...voice.subarray(0, 4)], 'with its values');
    if (HAS_UNZIP) {
      // Info-ZIP too: the whole listing, and the CRC of the entry past 4 GiB.
      const listing = spawnSync('unzip', ['-l', path], { encoding: 'utf8' });
      assert.equal(listing.status, 0, `unzip -l: ${listing.stderr}`);
      assert.match(listing.stdout, new RegExp(`${blobs + 1} files`), 'unzip lists every entry');
      const tested = spawnSync('unzip', ['-t', path, 'af_last.npy'], { encoding: 'utf8' });
      assert.equal(tested.status, 0, `unzip -t: ${tested.stdout}${tested.stderr}`);
      assert.match(tested.stdout, /af_last\.npy\s+OK/, 'unzip checks the last entry');
    }
  });
});
