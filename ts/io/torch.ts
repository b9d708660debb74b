// io.loadTorch: reads torch.save's .pt/.pth files (a zip of data.pkl plus one record per
// storage) into myelin tensors, through the restricted unpickler: nothing in the file is run.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { constants as bufferConstants } from 'node:buffer';
import type { Tensor } from '../tensor';
import type { DType } from '../dtype';
import { fromBuffer, tensor, zeros } from '../creation';
import { optionsArg } from '../args';
import { type Device, deviceArg } from '../device';
import { noGrad } from '../autograd/index';
import { unpickle, PickleGlobal, typeName, type GlobalRule, type PickleContext } from './pickle';
import { readZip, type ZipRecord } from './zip';

/** Options of {@link loadTorch}. */
export interface LoadTorchOptions {
  /** Where the tensors go ('cpu' by default), as torch.load's map_location. */
  device?: Device;
}

const ELEMENT_SIZE: Record<string, number> = {
  float32: 4, float64: 8, float16: 2, bfloat16: 2, int64: 8, int32: 4, int8: 1, uint8: 1, bool: 1,
};
/** torch's storage classes by the dtype they hold; null: a dtype myelin lacks (refused by name). */
const STORAGES: Record<string, DType | null> = {
  FloatStorage: 'float32', DoubleStorage: 'float64', HalfStorage: 'float16', BFloat16Storage: 'bfloat16',
  LongStorage: 'int64', IntStorage: 'int32', CharStorage: 'int8', ByteStorage: 'uint8', BoolStorage: 'bool',
  ShortStorage: null, ComplexFloatStorage: null, ComplexDoubleStorage: null, QInt8Storage: null, QUInt8Storage: null,
  QInt32Storage: null, Float8_e4m3fnStorage: null, Float8_e5m2Storage: null,
};
/** torch dtype globals (torch._utils._rebuild_tensor_v3's dtype argument, or a dtype saved as a value). */
const TORCH_DTYPES: Record<string, DType> = {
  float32: 'float32', float: 'float32', float64: 'float64', double: 'float64', float16: 'float16', half: 'float16',
  bfloat16: 'bfloat16', int64: 'int64', long: 'int64', int32: 'int32', int: 'int32', int8: 'int8', uint8: 'uint8', bool: 'bool',
};

/** A storage the pickle referred to by persistent id: its record is read once, on first use. */
class StorageRef {
  base: Tensor | null = null;
  constructor(readonly key: string, readonly dtype: DType | null, readonly className: string, readonly numel: number) {}
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);
const intTuple = (v: unknown, ctx: PickleContext, what: string, fail: (m: string) => never): number[] => {
  if (!ctx.isTuple(v) && !Array.isArray(v)) fail(`${what} must be a tuple of ints, got ${typeName(v)}`);
  const a = v as unknown[];
  if (a.length > 64) fail(`${what} has ${a.length} dims (at most 64)`);
  for (const x of a) if (!isInt(x) || x < 0) fail(`${what} must hold non-negative ints, got ${typeName(x)} ${String(x)}`);
  return a as number[];
};

/**
 * Reads a file written by `torch.save` (the zip format of torch >= 1.6) and returns what it
 * held, with tensors as myelin Tensors: a state dict gives `{ name: Tensor }` in the file's
 * key order; dicts stay plain objects (OrderedDict included; int keys become strings), lists
 * and tuples arrays (tuples frozen), sets Sets, bytes Uint8Arrays, ints beyond 2^53 bigints.
 * Tensors that shared a storage in torch share it here (views keep their strides); those
 * saved with requires_grad keep it. Only torch's tensor and storage rebuilders and plain
 * containers are accepted: any other pickle global (`os.system`, a model class) is refused
 * by name and nothing from the file is ever run. Every malformed file throws an Error
 * naming loadTorch and the file.
 * ```ts
 * const sd = await io.loadTorch('resnet18.pth') as Record<string, Tensor>;
 * models.resnet18().loadStateDict(sd, { strict: true });
 * ```
 */
export async function loadTorch(source: string | Uint8Array, options?: LoadTorchOptions): Promise<unknown> {
  const label = typeof source === 'string' ? path.basename(source) : '<bytes>';
  const fail = (msg: string): never => { throw new Error(`loadTorch: ${label}: ${msg}`); };
  const o = optionsArg('loadTorch', options);
  const device = o.device === undefined ? undefined : (deviceArg('loadTorch', o.device), o.device);
  // `owned`: an ArrayBuffer no one else sees, so tensors may alias it (the file's bytes read here)
  let archive: Buffer, owned: ArrayBuffer | null = null;
  if (typeof source === 'string') {
    const ab = readWhole(source, fail);
    archive = Buffer.from(ab);
    owned = ab;
  } else if (source instanceof Uint8Array) {
    // the caller's bytes (a Buffer may sit in a shared pool): tensors get copies of their records
    archive = Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  } else {
    return fail(`expected a path or a Uint8Array, got ${source === null ? 'null' : typeof source}`);
  }
  checkMagic(archive, fail);
  const records = await readZip(archive, fail);
  const { prefix, pkl } = findPickle(records, fail);
  const order = records.get(`${prefix}byteorder`);
  if (order) {
    const s = Buffer.from(order.bytes).toString('latin1').trim();
    if (s !== 'little') fail(`byteorder record says '${s.slice(0, 20)}': only little-endian files are supported (save on a little-endian machine)`);
  }

  const storages = new Map<string, StorageRef>();
  const made = new Set<Tensor>();
  const materialize = (s: StorageRef): Tensor => {
    if (s.base) return s.base;
    if (s.dtype === null) return fail(`storage '${s.key}' is a ${s.className}, whose dtype myelin does not have`);
    const rec = records.get(`${prefix}data/${s.key}`);
    if (!rec) return fail(`storage record '${prefix}data/${s.key}' is missing from the archive`);
    const esize = ELEMENT_SIZE[s.dtype];
    if (rec.bytes.length !== s.numel * esize)
      fail(`storage record '${rec.name}' has ${rec.bytes.length} bytes, but the pickle says ${s.numel} ${s.dtype} elements (${s.numel * esize} bytes)`);
    s.base = baseTensor(rec, s.dtype, s.numel, esize, owned, fail);
    made.add(s.base);
    return s.base;
  };
  const rebuild = (args: unknown[], fail: (m: string) => never, ctx: PickleContext, v3 = false): Tensor => {
    const [storage, offset, size, stride, requiresGrad] = args;
    if (!(storage instanceof StorageRef)) return fail(`storage argument must be a persistent storage, got ${typeName(storage)}`);
    if (!isInt(offset) || offset < 0) fail(`storage offset must be a non-negative int, got ${typeName(offset)} ${String(offset)}`);
    const shape = intTuple(size, ctx, 'size', fail), strides = intTuple(stride, ctx, 'stride', fail);
    if (shape.length !== strides.length) fail(`size has ${shape.length} dims but stride has ${strides.length}`);
    if (typeof requiresGrad !== 'boolean') fail(`requires_grad must be a bool, got ${typeName(requiresGrad)}`);
    if (v3 && args[6] !== storage.dtype) fail(`dtype ${String(args[6])} does not match the ${storage.className}`);
    // the furthest element the view reaches must lie inside the storage
    let numel = 1, last = offset as number;
    for (let i = 0; i < shape.length; i++) { numel *= shape[i]; last += (shape[i] - 1) * strides[i]; }
    if (numel > 0 && last >= storage.numel)
      fail(`view (offset ${offset}, size [${shape}], stride [${strides}]) reaches element ${last} of a storage of ${storage.numel}`);
    if (numel === 0 && (offset as number) > storage.numel) fail(`storage offset ${offset} is past the storage's ${storage.numel} elements`);
    const base = materialize(storage);
    let t = noGrad(() => base.asStrided(shape, strides, offset as number));
    made.add(t);
    if (device !== undefined && device !== 'cpu') { t = t.to(device); made.add(t); }
    if (requiresGrad && (storage.dtype === 'float32' || storage.dtype === 'float64' || storage.dtype === 'float16' || storage.dtype === 'bfloat16')) t.requiresGrad_(true);
    return t;
  };
  const globals = new Map<string, GlobalRule>([
    ['collections.OrderedDict', { call: (a, f, ctx) => {
      const d = ctx.dict(true);  // BUILD may set its _metadata
      if (a.length > 1) f(`expected at most 1 argument, got ${a.length}`);
      if (a.length === 1) {
        if (!Array.isArray(a[0])) f(`expected a list of pairs, got ${typeName(a[0])}`);
        for (const kv of a[0] as unknown[]) {
          if (!Array.isArray(kv) || kv.length !== 2) f(`expected (key, value) pairs, got ${typeName(kv)}`);
          ctx.setItem(d, (kv as unknown[])[0], (kv as unknown[])[1]);
        }
      }
      return d;
    } }],
    ['torch._utils._rebuild_tensor_v2', { call: (a, f, ctx) => {
      if (a.length !== 6 && a.length !== 7) f(`expected 6 or 7 arguments (storage, offset, size, stride, requires_grad, hooks[, metadata]), got ${a.length}`);
      return rebuild(a, f, ctx);
    } }],
    ['torch._utils._rebuild_tensor_v3', { call: (a, f, ctx) => {
      if (a.length !== 7 && a.length !== 8) f(`expected 7 or 8 arguments (storage, offset, size, stride, requires_grad, hooks, dtype[, metadata]), got ${a.length}`);
      return rebuild(a, f, ctx, true);
    } }],
    ['torch._utils._rebuild_parameter', { call: (a, f) => {
      if (a.length !== 3) f(`expected 3 arguments (data, requires_grad, hooks), got ${a.length}`);
      if (!isTensorLike(a[0], made)) f(`data must be a tensor, got ${typeName(a[0])}`);
      return a[0];
    } }],
    ['torch._utils._rebuild_parameter_with_state', { call: (a, f) => {
      if (a.length !== 4) f(`expected 4 arguments (data, requires_grad, hooks, state), got ${a.length}`);
      if (!isTensorLike(a[0], made)) f(`data must be a tensor, got ${typeName(a[0])}`);
      return a[0];
    } }],
    ['torch.device', { call: (a, f) => {
      if (typeof a[0] !== 'string' || a.length > 2 || (a.length === 2 && !isInt(a[1]))) f(`expected (type[, index]), got ${a.length} arguments`);
      return a.length === 2 ? `${a[0]}:${a[1]}` : a[0];
    } }],
    ['torch.Size', { call: (a, f, ctx) => {
      if (a.length !== 1) f(`expected 1 argument, got ${a.length}`);
      return intTuple(a[0], ctx, 'size', f).slice();
    } }],
    // protocol 2 spells bytes as _codecs.encode(str, 'latin1') and sets as set(list)
    ['_codecs.encode', { call: (a, f) => {
      if (a.length !== 2 || typeof a[0] !== 'string' || (a[1] !== 'latin1' && a[1] !== 'latin-1')) f(`only encode(str, 'latin1') is accepted (protocol 2 bytes)`);
      const s = a[0] as string, out = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) { const c = s.charCodeAt(i); if (c > 255) f(`character U+${c.toString(16)} is not latin1`); out[i] = c; }
      return out;
    } }],
    ...['builtins.set', '__builtin__.set', 'builtins.frozenset', '__builtin__.frozenset'].map((q): [string, GlobalRule] => [q, { call: (a, f) => {
      if (a.length > 1 || (a.length === 1 && !Array.isArray(a[0]))) f(`expected one list argument`);
      const s = new Set(a.length ? a[0] as unknown[] : []);
      return q.endsWith('frozenset') ? Object.freeze(s) : s;
    } }]),
    ...Object.keys(STORAGES).map((n): [string, GlobalRule] => [`torch.${n}`, {}]),
    ['torch.storage.UntypedStorage', {}], ['torch.UntypedStorage', {}],
    ...Object.entries(TORCH_DTYPES).map(([n, d]): [string, GlobalRule] => [`torch.${n}`, { value: d }]),
  ]);
  const persistentLoad = (pid: unknown, f: (m: string) => never): StorageRef => {
    if (!Array.isArray(pid) || pid.length !== 5 || pid[0] !== 'storage')
      return f(`persistent id must be ('storage', type, key, location, numel), got ${typeName(pid)}${Array.isArray(pid) ? ` of ${pid.length}` : ''}`);
    const [, cls, key, location, numel] = pid as unknown[];
    if (!(cls instanceof PickleGlobal) || !(cls.qualname.startsWith('torch.') && cls.name.endsWith('Storage')))
      return f(`persistent id's storage type must be a torch storage class, got ${typeName(cls)}`);
    if (typeof key !== 'string' || key.length === 0 || key.length > 256) return f(`persistent id's key must be a short string, got ${typeName(key)}`);
    if (typeof location !== 'string') return f(`persistent id's location must be a string, got ${typeName(location)}`);
    if (!isInt(numel) || numel < 0) return f(`persistent id's numel must be a non-negative int, got ${typeName(numel)} ${String(numel)}`);
    const dtype = cls.name === 'UntypedStorage' ? 'uint8' : STORAGES[cls.name];
    if (dtype === undefined) return f(`unknown storage class '${cls.qualname}'`);
    const seen = storages.get(key);
    if (seen) {
      if (seen.dtype !== dtype || seen.numel !== numel) f(`storage '${key}' is named twice with different types or sizes (${seen.className} ${seen.numel}, ${cls.name} ${numel})`);
      return seen;
    }
    const s = new StorageRef(key, dtype, cls.name, numel);
    storages.set(key, s);
    return s;
  };

  try {
    const result = unpickle(pkl.bytes, { globals, persistentLoad, fail, buildable: new WeakSet() });
    if (result instanceof StorageRef) fail('the file holds a bare storage, not a tensor (save a tensor or a state dict)');
    return result;
  } catch (e) {
    for (const t of made) if (!t.isDisposed) t.dispose();
    throw e;
  } finally {
    // the views keep their storage alive; the whole-storage tensors were only a means
    for (const s of storages.values()) if (s.base && !s.base.isDisposed) s.base.dispose();
  }
}

/** A tensor this call made (and not a storage or a container). */
const isTensorLike = (v: unknown, made: Set<Tensor>): v is Tensor => made.has(v as Tensor);

/** The file's bytes in a fresh ArrayBuffer (so tensors may alias them), after the checks idx.ts makes. */
function readWhole(file: string, fail: (m: string) => never): ArrayBuffer {
  let st: fs.Stats;
  try { st = fs.statSync(file); } catch (e) {
    return fail(`cannot open ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  if (st.isDirectory()) fail(`${file} is a directory, not a torch file`);
  if (!st.isFile()) fail(`${file} is not a regular file`);
  if (st.size > bufferConstants.MAX_LENGTH) fail(`${file} has ${st.size} bytes, more than a Buffer holds (${bufferConstants.MAX_LENGTH})`);
  const ab = new ArrayBuffer(st.size), view = new Uint8Array(ab);
  const fd = fs.openSync(file, 'r');
  try {
    let off = 0;
    while (off < view.length) {
      const r = fs.readSync(fd, view, off, view.length - off, off);
      if (r === 0) fail(`truncated: file shrank while reading (${off} of ${view.length} bytes)`);
      off += r;
    }
  } finally {
    fs.closeSync(fd);
  }
  return ab;
}

/** A zip starts 'PK'; the other things a .pt may be get their own message. */
function checkMagic(b: Buffer, fail: (m: string) => never): void {
  if (b.length >= 2 && b[0] === 0x50 && b[1] === 0x4b) return;
  if (b.length >= 2 && b[0] === 0x80 && b[1] <= 5)
    fail('this is the legacy (torch < 1.6) pickle format, which is not supported: re-save it with torch.save in torch >= 1.6');
  if (b.length === 0) fail('the file is empty');
  fail(`not a torch.save zip file (starts with ${[...b.subarray(0, 4)].map((x) => `0x${x.toString(16).padStart(2, '0')}`).join(' ')})`);
}

/** The archive's single `<prefix>/data.pkl` (prefix: the name torch gave the archive). */
function findPickle(records: Map<string, ZipRecord>, fail: (m: string) => never): { prefix: string; pkl: ZipRecord } {
  const found = [...records.keys()].filter((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (found.length === 0) {
    if ([...records.keys()].some((n) => /(^|\/)constants\.pkl$/.test(n)))
      fail('this is a TorchScript archive (torch.jit.save), not a torch.save file: save its state_dict() instead');
    fail('no <name>/data.pkl in the archive: not a torch.save file');
  }
  if (found.length > 1) fail(`the archive holds ${found.length} data.pkl records (${found.slice(0, 3).join(', ')})`);
  return { prefix: found[0].slice(0, -'data.pkl'.length), pkl: records.get(found[0])! };
}

/**
 * The whole storage as a 1-d tensor. Over the file's own buffer (no copy) when the record is
 * stored and aligned, as torch writes it (64-byte aligned); otherwise over a copy.
 * bool is always copied: its bytes must be checked to be 0 or 1 before kernels see them.
 */
function baseTensor(rec: ZipRecord, dtype: DType, numel: number, esize: number, owned: ArrayBuffer | null, fail: (m: string) => never): Tensor {
  if (numel === 0) return zeros([0], { dtype });
  if (dtype === 'bool') {
    const bad = rec.bytes.findIndex((b) => b > 1);
    if (bad >= 0) fail(`bool storage '${rec.name}' holds byte ${rec.bytes[bad]} at ${bad} (only 0 and 1)`);
    return tensor(new Uint8Array(rec.bytes), { dtype: 'bool' });
  }
  if (owned && rec.offset !== null && rec.offset % esize === 0 && rec.bytes.buffer === owned)
    return fromBuffer(owned, { dtype, shape: [numel], byteOffset: rec.bytes.byteOffset });
  const copy = new Uint8Array(rec.bytes.length);
  copy.set(rec.bytes);
  return fromBuffer(copy.buffer, { dtype, shape: [numel] });
}
