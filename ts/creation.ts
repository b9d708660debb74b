// Tensor creation: from JS data, constant fills, ranges, and the seeded random generator.
import { native } from './binding';
import { type DType, dtypeOfTypedArray, toTypedArray, typedArrayHolds, scalarArg, isFloating } from './dtype';
import { Tensor, type NestedArray } from './tensor';
import { badArg, dtypeArg, optionsArg, shapeArg, tensorArg } from './args';
import { type Device, deviceArg } from './device';
import { call, notTraceable } from './call';
import { drawing } from './rng';

/**
 * `requiresGrad: true` makes the new tensor a leaf that requires grad (floating dtypes only, as
 * torch). `device` ('cpu', 'cuda', 'cuda:N') places it; a device this process lacks throws
 * `zeros: cuda is not available: <why>` before anything is allocated.
 */
export interface CreateOptions { dtype?: DType; device?: Device; requiresGrad?: boolean }
/** The new tensor on opts.device (made on the CPU, then moved), requiring grad if asked. */
const fin = (t: Tensor, opts: CreateOptions): Tensor => {
  if (opts.device !== undefined && opts.device !== 'cpu') {
    const moved = t.to(opts.device);
    if (moved !== t) t.dispose();
    t = moved;
  }
  return opts.requiresGrad ? t.requiresGrad_(true) : t;
};
type Shape = number[];
/** The options argument of a creation function, checked (an object; a known dtype when given). */
function createOpts(op: string, opts: unknown): CreateOptions {
  const o = optionsArg(op, opts as CreateOptions | undefined);
  if (o.dtype !== undefined) dtypeArg(op, o.dtype);
  if (o.device !== undefined) deviceArg(op, o.device);
  return o;
}
/** zeros(2, 3), zeros([2, 3]), either with options last. Only a trailing object (or undefined) after
 * a size is taken as options: zeros({}) or zeros(null) is a bad size, not a 0-d tensor. */
const shapeOf = (op: string, args: unknown[]): { shape: Shape; opts: CreateOptions } => {
  const last = args[args.length - 1];
  const hasOpts = args.length > 1 && (last === undefined || (typeof last === 'object' && !Array.isArray(last)));
  const opts = createOpts(op, hasOpts ? args.pop() : undefined);
  return { shape: shapeArg(op, args.length === 1 && Array.isArray(args[0]) ? args[0] : args), opts };
};
/** A size given as one array (full, randint; a single number is a 1-d size). */
const sizeOf = (op: string, shape: unknown): Shape => shapeArg(op, typeof shape === 'number' ? [shape] : shape);
type ShapeArgs = (number | number[] | CreateOptions)[];

// The TypedArray class the binding copies for each dtype without conversion (bool: bytes).
const INT_ARRAYS: unknown[] = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array];
/**
 * `data` for native.from_array, and whether the binding converts it: itself when it already
 * is the dtype's TypedArray (one memcpy; a Uint16Array holds float16/bfloat16 bits); converted natively where every value of its type
 * fits the dtype (integer arrays to any dtype, floats to floats: no per-element JS, which
 * for new Int32Array(uint8Array) costs ~14 ns per element); otherwise (floats to integers,
 * bigints, Uint32 to int32) through toTypedArray's range checks.
 */
function typedArrayFor(data: ArrayBufferView, dtype: DType): [ArrayBufferView, boolean] {
  if (typedArrayHolds(data, dtype)) return [data, false];
  if (dtype === 'float16' || dtype === 'bfloat16') return [toTypedArray(data as unknown as ArrayLike<number>, dtype), false];
  const intSrc = INT_ARRAYS.includes(data.constructor);
  const floatSrc = data instanceof Float32Array || data instanceof Float64Array;
  if ((intSrc && !(data instanceof Uint32Array && dtype === 'int32')) || (floatSrc && isFloating(dtype))) return [data, true];
  return [toTypedArray(data as unknown as ArrayLike<number>, dtype), false];
}

function inferShape(data: unknown, shape: number[] = []): number[] {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0], shape);
  }
  return shape;
}

/**
 * A tensor from nested arrays, a TypedArray, a number, a bigint or a boolean. JS numbers make
 * float32 (JS has no float literal: `tensor([5])` and `tensor([5.0])` are the same call, so
 * they get the default float dtype, as TensorFlow.js); integer tensors come from an explicit
 * `{ dtype: 'int64' }`, an Int32Array/BigInt64Array, or bigints (`tensor([1n, 2n])` is int64).
 * Booleans make bool. A TypedArray keeps its dtype. With an integer dtype, a value out of
 * its range throws; `shape` reshapes the data (the element count must match).
 * ```ts
 * const x = tensor([[1, 2], [3, 4]]);                 // float32
 * const idx = tensor([0, 2], { dtype: 'int64' });     // int64 (or tensor([0n, 2n]))
 * ```
 */
export function tensor(data: NestedArray | ArrayBufferView | bigint | bigint[] | bigint[][], options?: CreateOptions & { shape?: number[] }): Tensor {
  const opts = createOpts('tensor', options) as CreateOptions & { shape?: number[] };
  const given = opts.shape === undefined ? undefined : shapeArg('tensor', opts.shape, 'shape');
  if (ArrayBuffer.isView(data)) {
    const dtype = opts.dtype ?? dtypeOfTypedArray(data);
    if (!dtype) throw new Error(`tensor: unsupported TypedArray ${data.constructor.name}`);
    const arr = data as unknown as ArrayLike<number>;
    if (given && given.reduce((a, b) => a * b, 1) !== arr.length)
      throw new Error(`tensor: shape [${given.join(', ')}] is invalid for input of size ${arr.length}`);
    const shape = given ?? [arr.length];
    const [typed, convert] = typedArrayFor(data, dtype);
    return fin(new Tensor(native.from_array(typed, shape, dtype, convert)), opts);
  }
  const inferred = inferShape(data);
  const flat: (number | boolean | bigint)[] = [];
  const walk = (v: unknown, d: number) => {
    if (d === inferred.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint')
        throw new Error(`tensor: expected numbers or booleans, found ${Array.isArray(v) ? 'a nested array (ragged data)' : typeof v}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== inferred[d])
      throw new Error(`tensor: ragged nested array: expected length ${inferred[d]} at depth ${d}, got ${Array.isArray(v) ? v.length : typeof v}`);
    for (const e of v) walk(e, d + 1);
  };
  walk(data, 0);
  // a shape option reshapes the data (as tensor(data).reshape(shape)), so it must hold as many elements
  if (given && given.reduce((a, b) => a * b, 1) !== flat.length)
    throw new Error(`tensor: shape [${given.join(', ')}] is invalid for input of size ${flat.length}`);
  const shape = given ?? inferred;
  let dtype = opts.dtype;
  if (!dtype) {
    // numbers float32, bigints int64 (with numbers beside them: integers only), booleans bool
    if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
    else if (flat.some((v) => typeof v === 'bigint')) {
      const frac = flat.find((v) => typeof v === 'number' && !Number.isSafeInteger(v));
      if (frac !== undefined) throw new Error(`tensor: bigints make an int64 tensor, but the data also holds ${frac}, which int64 cannot hold exactly; give { dtype } or use only integers`);
      dtype = 'int64';
    } else dtype = 'float32';
  }
  return fin(new Tensor(native.from_array(toTypedArray(flat as ArrayLike<number>, dtype), shape, dtype)), opts);
}

/** A 0-d tensor holding `value` (a number float32, a boolean bool, unless `dtype`). */
export function scalarTensor(value: number | boolean, opts?: CreateOptions): Tensor {
  if (typeof value !== 'number' && typeof value !== 'boolean') badArg('scalar_tensor', 'value', 'a number or a boolean', value);
  return tensor(value, createOpts('scalar_tensor', opts));
}

function filled(op: string, value: number, args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf(op, args);
  return fin(new Tensor(native.full(shape, value, opts.dtype ?? 'float32')), opts);
}
export function zeros(...args: ShapeArgs): Tensor { return filled('zeros', 0, args); }
export function ones(...args: ShapeArgs): Tensor { return filled('ones', 1, args); }
/** Uninitialized memory in torch; zero-filled here (the cost is the same order). */
export function empty(...args: ShapeArgs): Tensor { return filled('empty', 0, args); }
/** Filled with `value`: safe integers infer int64, booleans bool (as torch.full); a value the dtype cannot hold throws. */
export function full(shape: number[], value: number | boolean, options?: CreateOptions): Tensor {
  const size = sizeOf('full', shape), opts = createOpts('full', options);
  const v = scalarArg('full', value, 'fill value');
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : Number.isSafeInteger(value) ? 'int64' : 'float32');
  return fin(new Tensor(native.full(size, v, dtype)), opts);
}
/** The options of a *Like function: the input's dtype and device unless given. */
const likeOpts = (op: string, t: Tensor, opts: unknown): [number[], CreateOptions] => {
  const o = createOpts(op, opts);
  tensorArg(op, 'input', t);
  return [[...t.shape], { ...o, dtype: o.dtype ?? t.dtype, device: o.device ?? t.device }];
};
export const zerosLike = (t: Tensor, opts?: CreateOptions): Tensor => zeros(...likeOpts('zeros_like', t, opts));
export const onesLike = (t: Tensor, opts?: CreateOptions): Tensor => ones(...likeOpts('ones_like', t, opts));
export const emptyLike = (t: Tensor, opts?: CreateOptions): Tensor => empty(...likeOpts('empty_like', t, opts));
export const fullLike = (t: Tensor, value: number | boolean, opts?: CreateOptions): Tensor => {
  const [shape, o] = likeOpts('full_like', t, opts);
  return full(shape, value, o);
};
export const randLike = (t: Tensor, opts?: CreateOptions): Tensor => rand(...likeOpts('rand_like', t, opts));
export const randnLike = (t: Tensor, opts?: CreateOptions): Tensor => randn(...likeOpts('randn_like', t, opts));

/** arange(end) or arange(start, end, step): safe-integer arguments give int64, others float32; values an integer dtype cannot hold throw. */
export function arange(startOrEnd: number, end?: number, step = 1, options?: CreateOptions): Tensor {
  const opts = createOpts('arange', options);
  const [s, e] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  const dtype = opts.dtype ?? ([s, e, step].every(Number.isSafeInteger) ? 'int64' : 'float32');
  return fin(new Tensor(native.arange(s, e, step, dtype)), opts);
}
export function linspace(start: number, end: number, steps: number, options?: CreateOptions): Tensor {
  const opts = createOpts('linspace', options);
  return fin(new Tensor(native.linspace(start, end, steps, opts.dtype ?? 'float32')), opts);
}
export function eye(n: number, m: number = n, options?: CreateOptions): Tensor {
  const opts = createOpts('eye', options);
  return fin(new Tensor(native.eye(n, m, opts.dtype ?? 'float32')), opts);
}

export { manualSeed, getRngState, setRngState, withSeed } from './rng';
export type { RngState } from './rng';
/** Uniform on [0, 1). */
export function rand(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('rand', args);
  notTraceable('rand', 'random values would be frozen into the graph; trace in eval mode');
  const t = new Tensor(native.full(shape, 0, opts.dtype ?? 'float32'));
  drawing(() => native.uniform_(t._h, 0, 1));
  return fin(t, opts);
}
/** Standard normal. */
export function randn(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('randn', args);
  notTraceable('randn', 'random values would be frozen into the graph; trace in eval mode');
  const t = new Tensor(native.full(shape, 0, opts.dtype ?? 'float32'));
  drawing(() => native.normal_(t._h, 0, 1));
  return fin(t, opts);
}
/** Integers uniform on [low, high), int64 by default; low and high - 1 must fit the dtype. */
export function randint(low: number, high: number, shape: number[], options?: CreateOptions): Tensor {
  const size = sizeOf('randint', shape), opts = createOpts('randint', options);
  notTraceable('randint', 'random values would be frozen into the graph; trace in eval mode');
  return fin(new Tensor(drawing(() => native.randint(low, high, size, opts.dtype ?? 'int64'))), opts);
}
/** 1 with probability p (elementwise), else 0, in p's dtype. */
export function bernoulli(p: Tensor): Tensor { const x = tensorArg('bernoulli', 'input', p); return drawing(() => call('bernoulli', [x])); }
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options?: CreateOptions): Tensor {
  const opts = createOpts('randperm', options);
  notTraceable('randperm', 'random values would be frozen into the graph; trace in eval mode');
  return fin(new Tensor(drawing(() => native.randperm(n, opts.dtype ?? 'int64'))), opts);
}

/** Options of {@link fromBuffer}. */
export interface FromBufferOptions {
  /** float32, float64, int32 or int64. */
  dtype: DType;
  shape: number[];
  /** Where the elements start, in bytes (a multiple of the element size); 0 by default. */
  byteOffset?: number;
}
/**
 * A tensor over an ArrayBuffer's or SharedArrayBuffer's memory, without a copy (as
 * torch.frombuffer): writes through either side are seen by the other, and the tensor keeps
 * the memory alive after the buffer itself is dropped. The elements are read in the
 * platform's byte order (little-endian here) from `byteOffset`; the buffer may hold more.
 * ```ts
 * const buf = new SharedArrayBuffer(4 * 6);
 * const x = fromBuffer(buf, { dtype: 'float32', shape: [2, 3] });
 * new Float32Array(buf)[4] = 7;   // x.toArray()[1][1] === 7
 * ```
 */
export function fromBuffer(buffer: ArrayBuffer | SharedArrayBuffer, options: FromBufferOptions): Tensor {
  const op = 'from_buffer';
  if (!(buffer instanceof ArrayBuffer) && !(typeof SharedArrayBuffer !== 'undefined' && buffer instanceof SharedArrayBuffer))
    badArg(op, 'buffer', ArrayBuffer.isView(buffer) ? 'an ArrayBuffer or a SharedArrayBuffer (pass view.buffer with byteOffset: view.byteOffset)' : 'an ArrayBuffer or a SharedArrayBuffer', buffer);
  if (options === null || typeof options !== 'object') badArg(op, 'options', 'an object with dtype and shape', options);
  const dtype = dtypeArg(op, options.dtype);
  const shape = shapeArg(op, options.shape, 'shape');
  const off = options.byteOffset ?? 0;
  if (typeof off !== 'number' || !Number.isSafeInteger(off)) badArg(op, 'byteOffset', 'a non-negative integer', off);
  return new Tensor(native.from_buffer(buffer, shape, dtype, off));
}
