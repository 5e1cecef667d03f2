import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { PyDict, PyGlobal, PyTuple, unpickle } from './pickle.js';
import { VoiceFormatError } from './tensor.js';

const HAS_PYTHON = spawnSync('python3', ['-c', 'pass'], { stdio: 'ignore' }).status === 0;
const NO_GLOBALS = { globals: new Map() };

/** Plain JS form of an unpickled value, for comparison with Python's JSON. */
function plain(v: unknown): unknown {
  if (v instanceof PyTuple) return { tuple: v.items.map(plain) };
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof PyDict) return Object.fromEntries([...v.entries].map(([k, x]) => [String(k), plain(x)]));
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (typeof v === 'bigint') return { big: v.toString() };
  return v;
}

test('reads what Python pickles, protocols 2 to 5', { skip: !HAS_PYTHON && 'python3 not available' }, () => {
  for (const protocol of [2, 3, 4, 5]) {
    const r = spawnSync(
      'python3',
      [
        '-c',
        `
import pickle, sys
shared = [1, 2]
obj = {'a': 1, 'neg': -5, 'big': 2**40, 'huge': -2**70, 'f': 1.5, 's': 'héllo', 't': (1, 'x', None), 't1': (True,),
       't2': (False, 2), 'empty': (), 'l': [shared, shared, [], list(range(1000))], 'd': {'x': {'y': 3}}, 3: 'int key',
       'long_str': 'z' * 300, 'many': {str(i): i for i in range(300)}}
if ${protocol} >= 3:
    obj['b'] = b'\\x00\\x01'  # protocol 2 pickles bytes through _codecs.encode, a global we refuse
sys.stdout.buffer.write(pickle.dumps(obj, protocol=${protocol}))
`,
      ],
      { maxBuffer: 1 << 20 },
    );
    assert.equal(r.status, 0, String(r.stderr));
    const value = unpickle(new Uint8Array(r.stdout), NO_GLOBALS);
    assert.ok(value instanceof PyDict);
    const p = plain(value) as Record<string, unknown>;
    assert.equal(p.a, 1);
    assert.equal(p.neg, -5);
    assert.equal(p.big, 2 ** 40);
    assert.deepEqual(p.huge, { big: (-(2n ** 70n)).toString() });
    assert.equal(p.f, 1.5);
    assert.equal(p.s, 'héllo');
    assert.deepEqual(p.t, { tuple: [1, 'x', null] });
    assert.deepEqual(p.t1, { tuple: [true] });
    assert.deepEqual(p.t2, { tuple: [false, 2] });
    assert.deepEqual(p.empty, { tuple: [] });
    const l = p.l as unknown[];
    assert.deepEqual(l.slice(0, 3), [[1, 2], [1, 2], []]);
    assert.deepEqual(l[3], Array.from({ length: 1000 }, (_, i) => i));
    assert.deepEqual(p.d, { x: { y: 3 } });
    assert.equal(p['3'], 'int key');
    assert.equal((value as PyDict).entries.get(3), 'int key', 'int keys stay ints');
    if (protocol >= 3) assert.deepEqual(p.b, { bytes: [0, 1] });
    assert.equal(p.long_str, 'z'.repeat(300));
    assert.equal(Object.keys(p.many as object).length, 300);
    // shared references stay shared, as in Python
    const lists = (value as PyDict).entries.get('l') as unknown[];
    assert.equal(lists[0], lists[1], `protocol ${protocol}: memo shares objects`);
  }
});

test('GLOBAL resolves only allow-listed names; REDUCE calls only their handlers', () => {
  const calls: unknown[][] = [];
  const globals = new Map([
    ['m.f', { call: (args: readonly unknown[]) => (calls.push([...args]), 'result') }],
    ['m.T', {}],
  ]);
  // m.f(1, m.T)
  const ok = new Uint8Array([0x80, 2, 0x63, ...new TextEncoder().encode('m\nf\n'), 0x4b, 1, 0x63, ...new TextEncoder().encode('m\nT\n'), 0x86, 0x52, 0x2e]);
  assert.equal(unpickle(ok, { globals }), 'result');
  assert.equal(calls.length, 1);
  assert.equal(calls[0]![0], 1);
  assert.ok(calls[0]![1] instanceof PyGlobal);
  const bad = new Uint8Array([0x80, 2, 0x63, ...new TextEncoder().encode('os\nsystem\n'), 0x2e]);
  assert.throws(() => unpickle(bad, { globals }), (e: unknown) => e instanceof VoiceFormatError && /"os\.system"/.test(e.message));
  assert.equal(calls.length, 1);
});

test('malformed pickles never crash', () => {
  const seeds = [
    new Uint8Array([0x80, 2, 0x7d, 0x28, 0x58, 1, 0, 0, 0, 0x61, 0x4b, 1, 0x75, 0x2e]),
    new Uint8Array([0x80, 4, 0x95, 9, 0, 0, 0, 0, 0, 0, 0, 0x5d, 0x94, 0x28, 0x4b, 1, 0x4b, 2, 0x65, 0x2e]),
  ];
  assert.deepEqual(plain(unpickle(seeds[0]!, NO_GLOBALS)), { a: 1 });
  assert.deepEqual(plain(unpickle(seeds[1]!, NO_GLOBALS)), [1, 2]);
  for (const seed of seeds) {
    for (let i = 0; i < seed.length; i++) {
      for (const x of [0x01, 0x80, 0xff, 0x10]) {
        const copy = seed.slice();
        copy[i] = copy[i]! ^ x;
        try {
          unpickle(copy, NO_GLOBALS);
        } catch (e) {
          assert.ok(e instanceof VoiceFormatError, String(e));
        }
      }
      try {
        unpickle(seed.subarray(0, i), NO_GLOBALS);
        assert.fail('a truncated pickle must not parse');
      } catch (e) {
        assert.ok(e instanceof VoiceFormatError, String(e));
      }
    }
  }
});
