/**
 * A small, safe reader of Python pickles (protocols 2–5), enough for the data
 * PyTorch writes into `data.pkl`: tuples, lists, dicts, strings, numbers, memo
 * references, persistent ids, and calls to a fixed allow-list of globals.
 *
 * Nothing is ever executed: GLOBAL / STACK_GLOBAL resolve only names in the
 * caller's allow-list (anything else is refused at once, before any call), and
 * REDUCE only invokes the caller's handler for an allowed callable. Opcodes that
 * build arbitrary objects (INST, OBJ, NEWOBJ, EXT*) are refused.
 */
import { VoiceFormatError } from './tensor.js';

/** A Python tuple (JS arrays stand for lists). */
export class PyTuple {
  constructor(readonly items: readonly unknown[]) {}
}

export type PyDictKey = string | number | bigint | boolean | null;

/** A Python dict (or collections.OrderedDict); insertion-ordered like both. */
export class PyDict {
  readonly entries = new Map<PyDictKey, unknown>();
  constructor(readonly ordered = false) {}
}

/** A global the allow-list admitted, e.g. `torch.FloatStorage`. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get qualifiedName(): string {
    return `${this.module}.${this.name}`;
  }
}

export interface AllowedGlobal {
  /** Called by REDUCE with the argument tuple's items; absent for non-callables (e.g. storage types). */
  call?: (args: readonly unknown[]) => unknown;
}

export interface UnpickleOptions {
  /** The only globals the pickle may name, keyed by "module.name". */
  globals: ReadonlyMap<string, AllowedGlobal>;
  /** Resolves a persistent id (BINPERSID); without it persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
  /** What to name in error messages. */
  what?: string;
}

type StackItem = unknown;

const MAX_LINE = 512;
const MAX_LONG_BYTES = 16;

/*
 * Limits on what a pickle can make the reader do. A pickle has no loops, but a few
 * bytes can still grow without bound once inflated from a zip (78 KB of deflate
 * makes 80 million NONE opcodes), so every quantity that grows is capped and the
 * reader stops the moment one is passed. Real Kokoro .pt pickles are tiny: a single
 * (510, 1, 256) voice is ~30 opcodes and ~300 bytes, and a state dict costs about
 * 30 opcodes, 10 memo entries and 40 bytes of strings per tensor, so even 10,000
 * voices (the most entries an archive may list) stay under a third of each limit.
 */
/** Opcodes executed: 10,000 tensors take ~300,000. */
export const MAX_PICKLE_OPCODES = 1_000_000;
/**
 * Items on the stack and on every marked stack below it together. Python's pickler
 * writes containers in batches of 1,000 (APPENDS/SETITEMS), so a real stack holds
 * about 2,000 items at most, however large the dict.
 */
export const MAX_PICKLE_STACK_ITEMS = 100_000;
/** Nested MARKs (open tuples/lists/dicts being built): real files nest fewer than 10. */
export const MAX_PICKLE_MARK_DEPTH = 256;
/** Memo entries: PyTorch memoizes each object once, ~10 per tensor. */
export const MAX_PICKLE_MEMO_ENTRIES = 500_000;
/** Bytes of all strings and byte strings created: keys, storage names, "cpu" — ~40 per tensor. */
export const MAX_PICKLE_TEXT_BYTES = 16 * 1024 * 1024;

function isDictKey(v: unknown): v is PyDictKey {
  return v === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof v);
}

/** Python's two's-complement little-endian long encoding → number (or bigint when unsafe). */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let n = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(bytes[i]!);
  if (bytes[bytes.length - 1]! & 0x80) n -= 1n << BigInt(bytes.length * 8);
  return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const latin1 = new TextDecoder('latin1');

/** Unpickles `data` under `opts`; returns the object STOP leaves on the stack. */
export function unpickle(data: Uint8Array, opts: UnpickleOptions): unknown {
  const what = opts.what ?? 'pickle';
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  let pos = 0;
  let opPos = 0;
  let stack: StackItem[] = [];
  const metastack: StackItem[][] = [];
  /** Items held by the stacks in `metastack`, so the total is known without summing. */
  let markedItems = 0;
  const memo = new Map<number, unknown>();
  let opcodes = 0;
  let textBytes = 0;

  const fail = (why: string): never => {
    throw new VoiceFormatError(`${what} is invalid: ${why} (at byte ${opPos})`);
  };
  const overLimit = (quantity: string, limit: number): never =>
    fail(`it needs more than ${limit} ${quantity}, the limit for a voice file`);
  const push = (v: unknown): void => {
    if (stack.length + markedItems >= MAX_PICKLE_STACK_ITEMS) overLimit('stack items', MAX_PICKLE_STACK_ITEMS);
    stack.push(v);
  };
  /** Counts `n` bytes of string data against the text limit before they are copied. */
  const countText = (n: number): void => {
    textBytes += n;
    if (textBytes > MAX_PICKLE_TEXT_BYTES) overLimit('bytes of strings', MAX_PICKLE_TEXT_BYTES);
  };
  const need = (n: number): void => {
    if (n < 0 || pos + n > data.length) fail('truncated');
  };
  const u8 = (): number => {
    need(1);
    return data[pos++]!;
  };
  const u16 = (): number => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = (): number => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (): number => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(data.length)) fail('length out of range');
    return Number(v);
  };
  const bytes = (n: number): Uint8Array => {
    need(n);
    const out = data.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  /** A byte string the pickle creates (not a name or a number): counted against the text limit. */
  const byteString = (n: number): Uint8Array => {
    need(n);
    countText(n);
    return bytes(n);
  };
  const text = (n: number): string => {
    try {
      return utf8.decode(byteString(n));
    } catch (e) {
      if (e instanceof VoiceFormatError) throw e;
      return fail('string is not valid UTF-8');
    }
  };
  const line = (): string => {
    const start = pos;
    while (pos < data.length && data[pos] !== 0x0a) {
      if (pos - start > MAX_LINE) fail('name too long');
      pos++;
    }
    if (pos >= data.length) fail('truncated');
    const s = latin1.decode(data.subarray(start, pos));
    pos++; // newline
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('stack underflow');
    return stack[stack.length - 1];
  };
  const mark = (): void => {
    if (metastack.length >= MAX_PICKLE_MARK_DEPTH) overLimit('nested marks', MAX_PICKLE_MARK_DEPTH);
    metastack.push(stack);
    markedItems += stack.length;
    stack = [];
  };
  const popMark = (): unknown[] => {
    const items = stack;
    const previous = metastack.pop();
    if (previous === undefined) fail('no mark on the stack');
    stack = previous!;
    markedItems -= stack.length;
    return items;
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const key = `${module}.${name}`;
    if (!opts.globals.has(key)) {
      throw new VoiceFormatError(
        `${what} refers to the Python global "${key}", which is not allowed; only PyTorch tensor data can be imported`,
      );
    }
    return new PyGlobal(module, name);
  };
  const setItems = (target: unknown, items: readonly unknown[]): void => {
    if (!(target instanceof PyDict)) fail('SETITEM(S) on something that is not a dict');
    const dict = target as PyDict;
    if (items.length % 2 !== 0) fail('odd number of dict items');
    for (let i = 0; i < items.length; i += 2) {
      const key = items[i];
      if (!isDictKey(key)) fail('unsupported dict key type');
      dict.entries.set(key as PyDictKey, items[i + 1]);
    }
  };
  const appendItems = (target: unknown, items: readonly unknown[]): void => {
    if (!Array.isArray(target)) fail('APPEND(S) on something that is not a list');
    // A loop, not push(...items): spreading a long batch would overflow the call stack.
    const list = target as unknown[];
    for (const item of items) list.push(item);
  };
  const memoPut = (index: number): void => {
    if (!memo.has(index) && memo.size >= MAX_PICKLE_MEMO_ENTRIES) overLimit('memo entries', MAX_PICKLE_MEMO_ENTRIES);
    memo.set(index, top());
  };

  for (;;) {
    opPos = pos;
    if (++opcodes > MAX_PICKLE_OPCODES) overLimit('opcodes', MAX_PICKLE_OPCODES);
    const op = u8();
    switch (op) {
      case 0x80: {
        // PROTO
        const proto = u8();
        if (proto < 2 || proto > 5) fail(`pickle protocol ${proto} is not supported`);
        break;
      }
      case 0x95: // FRAME: a length prefix only
        need(8);
        pos += 8;
        break;
      case 0x2e: // STOP '.': like Python, the result is the top of the stack
        return pop();
      case 0x28: // MARK '('
        mark();
        break;
      case 0x30: // POP '0'
        if (stack.length > 0) stack.pop();
        else popMark();
        break;
      case 0x31: // POP_MARK '1'
        popMark();
        break;
      case 0x32: // DUP '2'
        push(top());
        break;
      case 0x4e: // NONE 'N'
        push(null);
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4a: // BININT 'J'
        push(i32());
        break;
      case 0x4b: // BININT1 'K'
        push(u8());
        break;
      case 0x4d: // BININT2 'M'
        push(u16());
        break;
      case 0x8a: {
        // LONG1
        const n = u8();
        if (n > MAX_LONG_BYTES) fail('integer too large');
        push(decodeLong(bytes(n)));
        break;
      }
      case 0x8b: {
        // LONG4
        const n = i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail('integer too large');
        push(decodeLong(bytes(n)));
        break;
      }
      case 0x47: {
        // BINFLOAT 'G' (big-endian double)
        need(8);
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x58: // BINUNICODE 'X'
        push(text(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(text(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(text(u64()));
        break;
      case 0x55: // SHORT_BINSTRING 'U'
        push(latin1.decode(byteString(u8())));
        break;
      case 0x54: {
        // BINSTRING 'T'
        const n = i32();
        if (n < 0) fail('negative string length');
        push(latin1.decode(byteString(n)));
        break;
      }
      case 0x43: // SHORT_BINBYTES 'C'
        push(byteString(u8()));
        break;
      case 0x42: // BINBYTES 'B'
        push(byteString(u32()));
        break;
      case 0x8e: // BINBYTES8
        push(byteString(u64()));
        break;
      case 0x29: // EMPTY_TUPLE ')'
        push(new PyTuple([]));
        break;
      case 0x74: {
        // TUPLE 't' (popMark swaps `stack`: take the items before pushing)
        const items = popMark();
        push(new PyTuple(items));
        break;
      }
      case 0x85: // TUPLE1
        push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        push(new PyTuple([a, b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST ']'
        push([]);
        break;
      case 0x6c: {
        // LIST 'l'
        const items = popMark();
        push(items);
        break;
      }
      case 0x61: {
        // APPEND 'a'
        const v = pop();
        appendItems(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS 'e'
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT '}'
        push(new PyDict());
        break;
      case 0x64: {
        // DICT 'd'
        const items = popMark();
        const dict = new PyDict();
        setItems(dict, items);
        push(dict);
        break;
      }
      case 0x73: {
        // SETITEM 's'
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS 'u'
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x63: {
        // GLOBAL 'c'
        const module = line();
        const name = line();
        push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x51: {
        // BINPERSID 'Q'
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent ids are not supported here');
        push(opts.persistentLoad!(pid));
        break;
      }
      case 0x52: {
        // REDUCE 'R'
        const args = pop();
        const fn = pop();
        if (!(fn instanceof PyGlobal)) fail('REDUCE of something that is not an allowed callable');
        if (!(args instanceof PyTuple)) fail('REDUCE arguments are not a tuple');
        const g = fn as PyGlobal;
        const handler = opts.globals.get(g.qualifiedName)?.call;
        if (!handler) fail(`"${g.qualifiedName}" cannot be called`);
        push(handler!((args as PyTuple).items));
        break;
      }
      case 0x62: {
        // BUILD 'b': only dicts (an OrderedDict's attributes, e.g. a state dict's
        // `_metadata`), whose state is dropped.
        pop();
        if (!(top() instanceof PyDict)) fail('BUILD on something other than a dict');
        break;
      }
      case 0x71: // BINPUT 'q'
        memoPut(u8());
        break;
      case 0x72: // LONG_BINPUT 'r'
        memoPut(u32());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size);
        break;
      case 0x68: // BINGET 'h'
      case 0x6a: {
        // LONG_BINGET 'j'
        const index = op === 0x68 ? u8() : u32();
        if (!memo.has(index)) fail(`memo entry ${index} is missing`);
        push(memo.get(index));
        break;
      }
      default:
        fail(`pickle opcode 0x${op.toString(16).padStart(2, '0')} is not supported`);
    }
  }
}
