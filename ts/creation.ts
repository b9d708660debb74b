// Tensor creation: from JS data, constant fills, ranges, and the seeded random generator.
import { native } from './binding';
import { type DType, dtypeOfTypedArray, toTypedArray, scalarArg } from './dtype';
import { Tensor, type NestedArray } from './tensor';
import { badArg, dtypeArg, optionsArg, shapeArg, tensorArg } from './args';

/** `requiresGrad: true` makes the new tensor a leaf that requires grad (floating dtypes only, as torch). */
export interface CreateOptions { dtype?: DType; requiresGrad?: boolean }
const fin = (t: Tensor, opts: CreateOptions): Tensor => (opts.requiresGrad ? t.requiresGrad_(true) : t);
type Shape = number[];
/** The options argument of a creation function, checked (an object; a known dtype when given). */
function createOpts(op: string, opts: unknown): CreateOptions {
  const o = optionsArg(op, opts as CreateOptions | undefined);
  if (o.dtype !== undefined) dtypeArg(op, o.dtype);
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
    const native_ = dtypeOfTypedArray(data) === dtype && !(data instanceof Uint8Array || data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint16Array || data instanceof Uint32Array || data instanceof Uint8ClampedArray)
      ? data : toTypedArray(arr, dtype);
    return fin(new Tensor(native.from_array(native_, shape, dtype)), opts);
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
/** The options of a *Like function: the input's dtype unless given. */
const likeOpts = (op: string, t: Tensor, opts: unknown): [number[], CreateOptions] => {
  const o = createOpts(op, opts);
  return [[...tensorArg(op, 'input', t).shape], { ...o, dtype: o.dtype ?? t.dtype }];
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

/** Seeds the generator: the same seed repeats every random op bit for bit. */
export function manualSeed(seed: number): void { native.manual_seed(seed); }
/** Uniform on [0, 1). */
export function rand(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('rand', args);
  const t = new Tensor(native.full(shape, 0, opts.dtype ?? 'float32'));
  native.uniform_(t._h, 0, 1);
  return fin(t, opts);
}
/** Standard normal. */
export function randn(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('randn', args);
  const t = new Tensor(native.full(shape, 0, opts.dtype ?? 'float32'));
  native.normal_(t._h, 0, 1);
  return fin(t, opts);
}
/** Integers uniform on [low, high), int64 by default; low and high - 1 must fit the dtype. */
export function randint(low: number, high: number, shape: number[], options?: CreateOptions): Tensor {
  const size = sizeOf('randint', shape), opts = createOpts('randint', options);
  return fin(new Tensor(native.randint(low, high, size, opts.dtype ?? 'int64')), opts);
}
/** 1 with probability p (elementwise), else 0, in p's dtype. */
export function bernoulli(p: Tensor): Tensor { return new Tensor(native.bernoulli(tensorArg('bernoulli', 'input', p)._h)); }
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, options?: CreateOptions): Tensor {
  const opts = createOpts('randperm', options);
  return fin(new Tensor(native.randperm(n, opts.dtype ?? 'int64')), opts);
}
