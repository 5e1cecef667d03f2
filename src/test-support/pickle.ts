/**
 * Pickles for tests: a builder of opcodes (hand-made tensor pickles, as PyTorch
 * writes them) and fast-check arbitraries of random pickles.
 */
import fc from 'fast-check';

const ascii = (s: string) => new TextEncoder().encode(s);
const u32 = (n: number) => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];

/** Emits pickle opcodes. */
export class Pickle {
  private readonly out: number[] = [];
  raw(...b: number[]): this {
    this.out.push(...b);
    return this;
  }
  proto(n = 2): this {
    return this.raw(0x80, n);
  }
  global(module: string, name: string): this {
    return this.raw(0x63, ...ascii(`${module}\n${name}\n`));
  }
  str(s: string): this {
    const b = ascii(s);
    return this.raw(0x58, b.length & 0xff, (b.length >> 8) & 0xff, 0, 0, ...b);
  }
  int(n: number): this {
    if (n >= 0 && n < 256) return this.raw(0x4b, n);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setInt32(0, n, true);
    return this.raw(0x4a, ...b);
  }
  ints(ns: number[]): this {
    this.mark();
    for (const n of ns) this.int(n);
    return this.raw(0x74);
  }
  mark(): this {
    return this.raw(0x28);
  }
  tuple(): this {
    return this.raw(0x74);
  }
  reduce(): this {
    return this.raw(0x52);
  }
  stop(): Uint8Array {
    return new Uint8Array([...this.out, 0x2e]);
  }
  /** `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())` */
  tensor(t: { storage?: string; key?: string; numel: number; offset?: number; size: number[]; stride: number[]; extra?: boolean }): this {
    this.global('torch._utils', '_rebuild_tensor_v2').mark();
    this.mark().str('storage').global('torch', t.storage ?? 'FloatStorage').str(t.key ?? '0').str('cpu').int(t.numel).tuple();
    this.raw(0x51); // BINPERSID
    this.int(t.offset ?? 0).ints(t.size).ints(t.stride).raw(0x89);
    this.global('collections', 'OrderedDict').raw(0x29).reduce();
    if (t.extra) this.raw(0x4e); // metadata = None (7th argument, newer PyTorch)
    return this.tuple().reduce();
  }
}

/**
 * One opcode with well-formed arguments (never STOP); GLOBAL and STACK_GLOBAL name
 * one of `globals` ("module name"), so random pickles reach the allow-list both ways.
 */
export function opcodeArb(globals: readonly string[]): fc.Arbitrary<number[]> {
  const strings = ['storage', '0', 'cpu', 'af_x', ...globals.flatMap((g) => g.split(' '))];
  return fc.oneof(
    // Opcodes without arguments.
    fc.constantFrom<number[]>(
      [0x4e], [0x88], [0x89], [0x29], [0x5d], [0x7d], [0x28], [0x74], [0x6c], [0x64], [0x61], [0x65], [0x73], [0x75],
      [0x30], [0x31], [0x32], [0x85], [0x86], [0x87], [0x94], [0x93], [0x52], [0x62], [0x51],
    ),
    fc.constantFrom(...globals).map((g) => [0x63, ...ascii(`${g.replace(' ', '\n')}\n`)]),
    fc.constantFrom(...strings).map((s) => [0x8c, ascii(s).length, ...ascii(s)]),
    fc.nat(255).map((n) => [0x71, n]), // BINPUT
    fc.nat(8).map((n) => [0x68, n]), // BINGET, mostly of entries that exist
    fc.nat(255).map((n) => [0x4b, n]),
    fc.integer().map((n) => [0x4a, ...u32(n)]),
    fc.string({ maxLength: 8 }).map((s) => {
      const b = ascii(s);
      return [0x58, ...u32(b.length), ...b];
    }),
    fc.uint8Array({ maxLength: 8 }).map((b) => [0x43, b.length, ...b]),
    fc.uint8Array({ maxLength: 9 }).map((b) => [0x8a, b.length, ...b]),
    fc.double().map((d) => {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, d, false);
      return [0x47, ...b];
    }),
  );
}

/** PROTO 2, random opcodes (and now and then any byte at all), STOP. */
export function pickleArb(globals: readonly string[]): fc.Arbitrary<Uint8Array> {
  return fc
    .array(fc.oneof({ weight: 9, arbitrary: opcodeArb(globals) }, { weight: 1, arbitrary: fc.nat(255).map((n) => [n]) }), { maxLength: 60 })
    .map((ops) => new Uint8Array([0x80, 2, ...ops.flat(), 0x2e]));
}
