import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import {
  MAX_PICKLE_MARK_DEPTH,
  MAX_PICKLE_MEMO_ENTRIES,
  MAX_PICKLE_OPCODES,
  MAX_PICKLE_STACK_ITEMS,
  MAX_PICKLE_TEXT_BYTES,
  PyDict,
  PyGlobal,
  PyTuple,
  unpickle,
} from './pickle.js';
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

// ---------------------------------------------------------------------------
// Limits: every quantity a crafted pickle can grow is capped, and passing a cap
// stops the reader at once.

/** PROTO 2, `body`, STOP. */
function pickleOf(body: Uint8Array | number[]): Uint8Array {
  const out = new Uint8Array(body.length + 3);
  out.set([0x80, 2]);
  out.set(body, 2);
  out[out.length - 1] = 0x2e;
  return out;
}

function cpuMs(fn: () => void): number {
  const start = process.cpuUsage();
  fn();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

function refusedFor(limit: RegExp) {
  return (e: unknown) => e instanceof VoiceFormatError && limit.test(e.message) && /the limit for a voice file/.test(e.message);
}

test('limits: 80 million NONEs stop at the stack limit, in milliseconds', () => {
  const bomb = pickleOf(new Uint8Array(80_000_000).fill(0x4e));
  let error: unknown;
  const ms = cpuMs(() => {
    try {
      unpickle(bomb, NO_GLOBALS);
    } catch (e) {
      error = e;
    }
  });
  assert.ok(refusedFor(new RegExp(`more than ${MAX_PICKLE_STACK_ITEMS} stack items`))(error), `refused for its stack: ${String(error)}`);
  // It stops where the limit is passed, not at the end of the data.
  assert.match(String(error), new RegExp(`at byte ${MAX_PICKLE_STACK_ITEMS + 2}\\)`), 'stops at the first item over the limit');
  assert.ok(ms < 500, `took ${ms} ms of CPU`);
});

test('limits: opcodes, memo entries, nested marks, string bytes', () => {
  // NONE, POP pairs keep the stack empty: only the opcode count grows.
  const pairs = new Uint8Array(2 * (MAX_PICKLE_OPCODES / 2 + 1) + 1).fill(0x4e);
  for (let i = 1; i < pairs.length; i += 2) pairs[i] = 0x30;
  assert.throws(() => unpickle(pickleOf(pairs), NO_GLOBALS), refusedFor(/opcodes/), 'opcode limit');

  // NONE, then LONG_BINPUT i for ever more i.
  const puts = new Uint8Array(1 + 5 * (MAX_PICKLE_MEMO_ENTRIES + 1));
  puts[0] = 0x4e;
  const view = new DataView(puts.buffer);
  for (let i = 0; i <= MAX_PICKLE_MEMO_ENTRIES; i++) {
    puts[1 + 5 * i] = 0x72;
    view.setUint32(2 + 5 * i, i, true);
  }
  assert.throws(() => unpickle(pickleOf(puts), NO_GLOBALS), refusedFor(/memo entries/), 'memo limit');
  // Overwriting one memo slot over and over is not growth.
  const same = new Uint8Array(1 + 2 * 100_000).fill(0x71);
  same[0] = 0x4e;
  for (let i = 2; i < same.length; i += 2) same[i] = 7;
  assert.equal(unpickle(pickleOf(same), NO_GLOBALS), null, 'rewriting a memo slot is allowed');

  const marks = new Uint8Array(MAX_PICKLE_MARK_DEPTH + 1).fill(0x28);
  assert.throws(() => unpickle(pickleOf(marks), NO_GLOBALS), refusedFor(/nested marks/), 'mark depth');

  // One BINBYTES just over the text limit.
  const size = MAX_PICKLE_TEXT_BYTES + 1;
  const big = new Uint8Array(5 + size);
  big[0] = 0x42;
  new DataView(big.buffer).setUint32(1, size, true);
  assert.throws(() => unpickle(pickleOf(big), NO_GLOBALS), refusedFor(/bytes of strings/), 'text limit');
  // Many short strings count together.
  const short = new Uint8Array(257).fill(0x61);
  short[0] = 0x8c;
  short[1] = 255;
  short[256] = 0x30; // POP: the stack does not grow
  const repeats = Math.ceil(MAX_PICKLE_TEXT_BYTES / 254);
  const many = new Uint8Array(short.length * repeats + 1);
  for (let i = 0; i < repeats; i++) many.set(short, i * short.length);
  many[many.length - 1] = 0x4e;
  assert.throws(() => unpickle(pickleOf(many), NO_GLOBALS), refusedFor(/bytes of strings/), 'text limit, summed');
});

test('limits: a long APPENDS batch is refused as a VoiceFormatError, not a call-stack overflow', () => {
  const n = 200_000;
  const body = new Uint8Array(n + 3);
  body[0] = 0x5d; // EMPTY_LIST
  body[1] = 0x28; // MARK
  body.fill(0x4e, 2, 2 + n);
  body[2 + n] = 0x65; // APPENDS
  assert.throws(() => unpickle(pickleOf(body), NO_GLOBALS), refusedFor(/stack items/));
  // Just under the limit it reads, in one batch.
  const ok = body.slice(0, MAX_PICKLE_STACK_ITEMS + 1);
  ok[ok.length - 1] = 0x65;
  const list = unpickle(pickleOf(ok), NO_GLOBALS) as unknown[];
  assert.equal(list.length, MAX_PICKLE_STACK_ITEMS - 2, 'the list holds the batch');
});
