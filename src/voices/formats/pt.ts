/**
 * PyTorch `.pt` files (the zip format of `torch.save`, PyTorch ≥ 1.6), as Kokoro's
 * own repository publishes its voices (`hexgrad/Kokoro-82M`, `voices/*.pt`), read
 * without Python.
 *
 * Layout: a zip whose entries sit under one folder (`archive/` in PyTorch ≥ 2, the
 * file's stem before): `data.pkl` (a protocol-2 pickle of the object), `data/<key>`
 * (raw storage bytes), `version`, and since 2.1 `byteorder` ("little" / "big";
 * little when absent). A tensor is pickled as
 * `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
 * requires_grad, backward_hooks[, metadata])`, its storage as the persistent id
 * `('storage', torch.<Type>Storage, key, location, numel)`.
 *
 * The pickle is read by the allow-listing reader in pickle.ts: only the tensor
 * rebuild functions, the storage types and collections.OrderedDict may appear.
 */
import { isValidVoiceName, nameKey } from '../names.js';
import { DTYPE_SIZE, type FloatDType, elementReader } from './dtypes.js';
import { type AllowedGlobal, PyDict, PyGlobal, PyTuple, unpickle } from './pickle.js';
import { KOKORO_FLOATS, VoiceFormatError, checkKokoroShape, validateKokoroTensor } from './tensor.js';
import { type ZipEntry, type ZipEntryInfo, type ZipLimits, extractZip, inflateLimit, listZip, looksLikeZip } from './zip.js';

/** A tensor read from a .pt file, converted to float32, in C (row-major) order. */
export interface TorchTensor {
  /** The dtype it was stored in. */
  dtype: FloatDType;
  shape: number[];
  data: Float32Array;
}

export type PtReadOptions = ZipLimits;

/** Most dimensions a tensor may have. */
const MAX_NDIM = 16;
/**
 * Largest `data.pkl` read, checked against the zip directory before inflating:
 * PyTorch pickles ~100 bytes per tensor, so 4 MiB is 40,000 tensors, four times
 * the most entries (storages) an archive may list.
 */
export const MAX_PICKLE_BYTES = 4 * 1024 * 1024;
/** The `byteorder` record holds "little" or "big". */
const MAX_BYTEORDER_BYTES = 16;

const FLOAT_STORAGE_TYPES: Readonly<Record<string, FloatDType>> = {
  FloatStorage: 'float32',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  DoubleStorage: 'float64',
};
/** Admitted so that files holding them get a clear error rather than "forbidden global". */
const OTHER_STORAGE_TYPES: Readonly<Record<string, string>> = {
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  ComplexFloatStorage: 'complex64',
  ComplexDoubleStorage: 'complex128',
};

class StorageRef {
  constructor(
    readonly dtype: FloatDType | null,
    readonly typeName: string,
    readonly key: string,
    readonly numel: number,
  ) {}
}

class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }
}

function bad(why: string): never {
  throw new VoiceFormatError(`.pt file is invalid: ${why}`);
}

function intArg(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`${what} must be a non-negative integer`);
  return v;
}

function intTuple(v: unknown, what: string): number[] {
  if (!(v instanceof PyTuple)) bad(`${what} must be a tuple`);
  if (v.items.length > MAX_NDIM) bad(`${what} has more than ${MAX_NDIM} dimensions`);
  return v.items.map((x, i) => intArg(x, `${what}[${i}]`));
}

function rebuildTensor(args: readonly unknown[], min: number, max: number): TensorRef {
  if (args.length < min || args.length > max) bad(`a tensor rebuild call has ${args.length} arguments`);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) bad('a tensor does not refer to a storage');
  const shape = intTuple(size, 'tensor size');
  const strides = intTuple(stride, 'tensor stride');
  if (shape.length !== strides.length) bad('tensor size and stride differ in length');
  const ref = new TensorRef(storage, intArg(offset, 'storage offset'), shape, strides);
  if (!Number.isSafeInteger(ref.numel)) bad('tensor is too large');
  return ref;
}

function makeGlobals(): Map<string, AllowedGlobal> {
  const globals = new Map<string, AllowedGlobal>();
  // torch._utils._rebuild_tensor_v2(storage, offset, size, stride, requires_grad, backward_hooks[, metadata])
  globals.set('torch._utils._rebuild_tensor_v2', { call: (args) => rebuildTensor(args, 6, 7) });
  // The pre-1.0 form without requires_grad/backward_hooks.
  globals.set('torch._utils._rebuild_tensor', { call: (args) => rebuildTensor(args, 4, 4) });
  // nn.Parameter(data, requires_grad, backward_hooks): the data is what we need.
  globals.set('torch._utils._rebuild_parameter', {
    call: (args) => {
      if (!(args[0] instanceof TensorRef)) bad('a parameter does not wrap a tensor');
      return args[0];
    },
  });
  globals.set('collections.OrderedDict', {
    call: (args) => {
      const dict = new PyDict(true);
      if (args.length === 0) return dict;
      if (args.length === 1 && Array.isArray(args[0])) {
        for (const pair of args[0]) {
          if (!(pair instanceof PyTuple) || pair.items.length !== 2 || typeof pair.items[0] !== 'string') {
            bad('OrderedDict built from something other than (str, value) pairs');
          }
          dict.entries.set(pair.items[0], pair.items[1]);
        }
        return dict;
      }
      return bad('OrderedDict built with unexpected arguments');
    },
  });
  for (const name of [...Object.keys(FLOAT_STORAGE_TYPES), ...Object.keys(OTHER_STORAGE_TYPES)]) {
    globals.set(`torch.${name}`, {});
  }
  return globals;
}

const STORAGE_KEY = /^[A-Za-z0-9_.-]{1,128}$/;

interface LoadedPt {
  root: TensorRef | Map<string, TensorRef>;
  materialize(ref: TensorRef, what: string): TorchTensor;
}

/** The error for a file named .pt that is not a zip archive. */
export function notZipPtError(bytes: Uint8Array): VoiceFormatError {
  if (bytes[0] === 0x80) {
    return new VoiceFormatError(
      '.pt file uses the legacy (pre-1.6) torch.save format, which is not supported; re-save it with a current PyTorch',
    );
  }
  return new VoiceFormatError('.pt file is not a PyTorch zip archive');
}

function loadPt(bytes: Uint8Array, opts: PtReadOptions): LoadedPt {
  const what = '.pt file';
  if (!looksLikeZip(bytes)) throw notZipPtError(bytes);
  const entries = listZip(bytes, what, opts);
  const pickles = entries.filter((e) => /^[^/]+\/data\.pkl$/.test(e.name));
  if (pickles.length !== 1) {
    bad(pickles.length === 0 ? 'no <archive>/data.pkl entry (is it a PyTorch file?)' : 'more than one data.pkl');
  }
  const prefix = pickles[0]!.name.slice(0, -'data.pkl'.length);
  const maxBytes = inflateLimit(bytes.length, opts);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  if (pickles[0]!.originalSize > MAX_PICKLE_BYTES) {
    bad(`data.pkl declares ${pickles[0]!.originalSize} bytes; a voice file's pickle is at most ${MAX_PICKLE_BYTES}`);
  }
  if ((byName.get(`${prefix}byteorder`)?.originalSize ?? 0) > MAX_BYTEORDER_BYTES) bad('the byteorder record is too long');

  const meta = extractZip(
    bytes,
    entries,
    (name) => name === `${prefix}data.pkl` || name === `${prefix}byteorder`,
    what,
    { ...opts, maxUncompressedBytes: maxBytes },
  );
  const budget = maxBytes - [...meta.values()].reduce((a, b) => a + b.length, 0);
  const byteorderBytes = meta.get(`${prefix}byteorder`);
  let littleEndian = true;
  if (byteorderBytes) {
    const order = new TextDecoder('latin1').decode(byteorderBytes).trim();
    if (order !== 'little' && order !== 'big') bad(`byteorder record says "${order}"`);
    littleEndian = order === 'little';
  }

  const storageTypes = new Map<string, StorageRef>();
  const root = unpickle(meta.get(`${prefix}data.pkl`)!, {
    what: '.pt file pickle (data.pkl)',
    globals: makeGlobals(),
    persistentLoad(pid) {
      if (!(pid instanceof PyTuple) || pid.items[0] !== 'storage' || pid.items.length !== 5) {
        bad('unexpected persistent id (not a tensor storage)');
      }
      const [, type, key, location, numel] = pid.items;
      if (!(type instanceof PyGlobal) || type.module !== 'torch') bad('storage type is not a torch storage');
      if (typeof key !== 'string' || !STORAGE_KEY.test(key)) bad('storage key is malformed');
      if (typeof location !== 'string') bad('storage location is malformed');
      const dtype = FLOAT_STORAGE_TYPES[type.name] ?? null;
      const ref = new StorageRef(dtype, type.name, key, intArg(numel, 'storage size'));
      const previous = storageTypes.get(key);
      if (previous && (previous.typeName !== ref.typeName || previous.numel !== ref.numel)) {
        bad(`storage ${key} is referred to with different types or sizes`);
      }
      storageTypes.set(key, ref);
      return ref;
    },
  });

  let tensors: TensorRef | Map<string, TensorRef>;
  if (root instanceof TensorRef) {
    tensors = root;
  } else if (root instanceof PyDict) {
    tensors = new Map();
    for (const [key, value] of root.entries) {
      if (typeof key !== 'string') bad('dict key is not a string');
      if (!(value instanceof TensorRef)) bad(`dict entry "${key}" is not a tensor`);
      tensors.set(key, value);
    }
    if (tensors.size === 0) bad('the dict holds no tensors');
  } else {
    bad('it holds neither a tensor nor a dict of tensors');
  }

  const storageData = new Map<string, Uint8Array>();
  let storagesRead = false;
  /**
   * Reads every referenced floating-point storage at once (the others are never
   * read: their tensors are refused), within what is left of the size budget.
   */
  const readStorages = (): void => {
    if (storagesRead) return;
    storagesRead = true;
    for (const key of storageTypes.keys()) {
      if (!byName.has(`${prefix}data/${key}`)) bad(`storage ${key} (${prefix}data/${key}) is missing`);
    }
    const files = extractZip(
      bytes,
      entries,
      (name) => name.startsWith(`${prefix}data/`) && (storageTypes.get(name.slice(prefix.length + 5))?.dtype ?? null) !== null,
      what,
      { ...opts, maxUncompressedBytes: Math.max(0, budget) },
    );
    for (const [name, data] of files) storageData.set(name.slice(prefix.length + 5), data);
  };

  let elementBudget = Math.floor(maxBytes / 4);
  const materialize = (ref: TensorRef, label: string): TorchTensor => {
    const { storage, shape, stride, offset } = ref;
    if (storage.dtype === null) {
      throw new VoiceFormatError(
        `${label} is a ${OTHER_STORAGE_TYPES[storage.typeName] ?? storage.typeName} tensor; voices are floating point`,
      );
    }
    const numel = ref.numel;
    elementBudget -= numel;
    if (elementBudget < 0) throw new VoiceFormatError(`${label}: the file's tensors exceed the size limit`);
    let maxIndex = offset;
    for (let d = 0; d < shape.length; d++) if (shape[d]! > 0) maxIndex += (shape[d]! - 1) * stride[d]!;
    if (numel > 0 && maxIndex >= storage.numel) {
      bad(`${label} reaches element ${maxIndex} of a storage holding ${storage.numel}`);
    }
    readStorages();
    const data = storageData.get(storage.key);
    const elementSize = DTYPE_SIZE[storage.dtype];
    if (!data || data.length < storage.numel * elementSize) {
      bad(`storage ${storage.key} holds ${data?.length ?? 0} bytes where ${storage.numel * elementSize} are needed`);
    }
    const read = elementReader(data, storage.dtype, littleEndian);
    const out = new Float32Array(numel);
    const ndim = shape.length;
    // Walk the tensor in C order, carrying the storage index along.
    const index = new Array<number>(ndim).fill(0);
    let src = offset;
    for (let i = 0; i < numel; i++) {
      out[i] = read(src);
      for (let d = ndim - 1; d >= 0; d--) {
        index[d]!++;
        src += stride[d]!;
        if (index[d]! < shape[d]!) break;
        src -= stride[d]! * shape[d]!;
        index[d] = 0;
      }
    }
    return { dtype: storage.dtype, shape: [...shape], data: out };
  };
  return { root: tensors, materialize };
}

/**
 * Reads any floating-point tensor, or dict of them, from a .pt file (any shape,
 * contiguous or not), converted to float32 in C order. Refuses archives that
 * would inflate past `inflateLimit` (zip.ts), a data.pkl over MAX_PICKLE_BYTES,
 * pickles over the reader's limits (pickle.ts), and tensors totalling more
 * float32 bytes than the inflate limit: views can repeat one small storage, so
 * the tensors, not only the entries, must stay within what an upload may cost.
 */
export function readPtTensors(bytes: Uint8Array, opts: PtReadOptions = {}): TorchTensor | Map<string, TorchTensor> {
  const loaded = loadPt(bytes, opts);
  if (!(loaded.root instanceof Map)) return loaded.materialize(loaded.root, '.pt tensor');
  const out = new Map<string, TorchTensor>();
  for (const [key, ref] of loaded.root) out.set(key, loaded.materialize(ref, `.pt entry "${key}"`));
  return out;
}

/**
 * Reads Kokoro voices from a .pt file: one tensor → its 130,560 floats; a dict
 * of tensors → voice name → floats. Shapes (510, 1, 256), (510, 256) and
 * (1, 510, 256) are accepted, float32/float16/bfloat16/float64; every value is
 * checked finite; dict keys must be valid, distinct voice names.
 */
export function readPt(bytes: Uint8Array, opts: PtReadOptions = {}): Float32Array | Map<string, Float32Array> {
  const loaded = loadPt(bytes, opts);
  const voice = (ref: TensorRef, label: string): Float32Array => {
    checkKokoroShape(ref.shape, label);
    const tensor = loaded.materialize(ref, label);
    if (tensor.data.length !== KOKORO_FLOATS) bad(`${label} has the wrong size`);
    return validateKokoroTensor(tensor.data, label);
  };
  if (!(loaded.root instanceof Map)) return voice(loaded.root, '.pt tensor');
  const out = new Map<string, Float32Array>();
  const seen = new Set<string>();
  for (const [key, ref] of loaded.root) {
    if (!isValidVoiceName(key)) {
      throw new VoiceFormatError(
        `.pt dict key "${key}" is not a valid voice name (1–64 of A-Z a-z 0-9 _ -, starting with a letter or digit)`,
        'invalid_voice_name',
      );
    }
    if (seen.has(nameKey(key))) {
      throw new VoiceFormatError(`.pt dict holds voice "${key}" twice (names compare case-insensitively)`, 'invalid_voice_name');
    }
    seen.add(nameKey(key));
    out.set(key, voice(ref, `.pt entry "${key}"`));
  }
  return out;
}

/** True when a zip's entry list looks like a PyTorch archive (it has a `<folder>/data.pkl`). */
export function isPtEntryList(entries: readonly ZipEntryInfo[]): boolean {
  return entries.some((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl'));
}
