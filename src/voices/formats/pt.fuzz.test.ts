import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TIMEOUT_MS, fuzzParams, mutate, mutateWithin, mutationsArb, resultOr } from '../../test-support/fuzz.js';
import { Pickle, pickleArb } from '../../test-support/pickle.js';
import { craftZip } from '../../test-support/zip.js';
import { readPt, readPtTensors, type TorchTensor } from './pt.js';
import { VoiceFormatError } from './tensor.js';
import { listZip } from './zip.js';

/** The globals a .pt may name, and one it may not. */
const PT_GLOBALS = [
  'torch._utils _rebuild_tensor_v2',
  'torch._utils _rebuild_parameter',
  'torch FloatStorage',
  'torch HalfStorage',
  'torch LongStorage',
  'collections OrderedDict',
  'builtins eval',
];

const FIXTURES = ['strided.pt', 'generic.pt', 'state-dict.pt', 'voices-dict.pt', 'voice-f16.pt'];
const fixture = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));

/** Where a fixture's data.pkl lies, so mutations can aim at the pickle. */
function pickleRange(bytes: Uint8Array): [number, number] {
  const entry = listZip(bytes, 'fixture').find((e) => e.name.endsWith('/data.pkl'))!;
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const start = entry.localOffset + 30 + view.getUint16(entry.localOffset + 26, true) + view.getUint16(entry.localOffset + 28, true);
  return [start, start + entry.size];
}

function checkTensors(value: TorchTensor | Map<string, TorchTensor>): void {
  for (const t of value instanceof Map ? value.values() : [value]) {
    assert.equal(t.data.length, t.shape.reduce((a, b) => a * b, 1), 'a tensor holds as many values as its shape says');
  }
}

test('readPtTensors/readPt: real .pt files mutated anywhere give tensors or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const files = FIXTURES.map(fixture);
  fc.assert(
    fc.property(fc.nat(files.length - 1), mutationsArb(6), fc.option(fc.nat(), { nil: undefined }), (which, mutations, cut) => {
      const bytes = files[which]!;
      const input = mutate(bytes, mutations, cut === undefined ? bytes.length : cut % bytes.length);
      const r = resultOr(VoiceFormatError, () => readPtTensors(input));
      if (r.ok) checkTensors(r.value);
      resultOr(VoiceFormatError, () => readPt(input));
    }),
    fuzzParams(300),
  );
});

test('readPtTensors: real pickles mutated give tensors or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const files = FIXTURES.map(fixture);
  const ranges = files.map(pickleRange);
  fc.assert(
    fc.property(fc.nat(files.length - 1), mutationsArb(4), (which, mutations) => {
      const [from, to] = ranges[which]!;
      const r = resultOr(VoiceFormatError, () => readPtTensors(mutateWithin(files[which]!, mutations, from, to)));
      if (r.ok) checkTensors(r.value);
    }),
    fuzzParams(500),
  );
});

test('readPt: random pickles in a PyTorch archive give voices or a VoiceFormatError', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const storage = new Uint8Array(64);
  fc.assert(
    fc.property(pickleArb(PT_GLOBALS), (pickle) => {
      const archive = craftZip([
        { name: 'archive/data.pkl', stored: pickle, declaredSize: pickle.length },
        { name: 'archive/data/0', stored: storage, declaredSize: storage.length },
      ]);
      const r = resultOr(VoiceFormatError, () => readPtTensors(archive));
      if (r.ok) checkTensors(r.value);
      resultOr(VoiceFormatError, () => readPt(archive));
    }),
    fuzzParams(1000),
  );
});

test('readPtTensors: a tensor of any offset, size and stride over any storage is read in C order, or refused', { timeout: FUZZ_TIMEOUT_MS }, () => {
  const dim = fc.record({ size: fc.nat(6), stride: fc.nat(8) });
  fc.assert(
    fc.property(fc.nat(64), fc.nat(70), fc.array(dim, { maxLength: 4 }), (numel, offset, dims) => {
      const values = Float32Array.from({ length: numel }, (_, i) => i + 0.5);
      const pickle = new Pickle()
        .proto()
        .tensor({ numel, offset, size: dims.map((d) => d.size), stride: dims.map((d) => d.stride) })
        .stop();
      const archive = craftZip([
        { name: 'archive/data.pkl', stored: pickle, declaredSize: pickle.length },
        { name: 'archive/data/0', stored: new Uint8Array(values.buffer), declaredSize: values.byteLength },
      ]);
      const r = resultOr(VoiceFormatError, () => readPtTensors(archive));
      // The storage elements the tensor covers, in C order, as PyTorch reads them.
      const expected: number[] = [];
      let reachable = true;
      const walk = (d: number, at: number): void => {
        if (d === dims.length) {
          if (at >= numel) reachable = false;
          else expected.push(values[at]!);
          return;
        }
        for (let i = 0; i < dims[d]!.size; i++) walk(d + 1, at + i * dims[d]!.stride);
      };
      walk(0, offset);
      assert.equal(r.ok, reachable, `accepted exactly when every element lies in the storage (${JSON.stringify({ numel, offset, dims })})`);
      if (r.ok) {
        const t = r.value as TorchTensor;
        assert.deepEqual(t.shape, dims.map((d) => d.size), 'shape as pickled');
        assert.deepEqual([...t.data], expected, 'values in C order');
      }
    }),
    fuzzParams(500),
  );
});
