// Tensor creation: from JS data, constant fills, ranges, and the seeded random generator.
import { native } from './binding';
import { type DType, DTYPES, dtypeOfTypedArray, toTypedArray, scalarArg } from './dtype';
import { Tensor, type NestedArray } from './tensor';

/** `requiresGrad: true` makes the new tensor a leaf that requires grad (floating dtypes only, as torch). */
export interface CreateOptions { dtype?: DType; requiresGrad?: boolean }
const fin = (t: Tensor, opts: CreateOptions): Tensor => (opts.requiresGrad ? t.requiresGrad_(true) : t);
type Shape = number[];
const shapeOf = (op: string, args: (number | number[] | CreateOptions | undefined)[]): { shape: Shape; opts: CreateOptions } => {
  const last = args[args.length - 1];
  const opts = last !== undefined && typeof last === 'object' && !Array.isArray(last) ? (args.pop() as CreateOptions) : {};
  const shape = args.length === 1 && Array.isArray(args[0]) ? (args[0] as number[]) : (args as number[]);
  for (const s of shape)
    if (!Number.isInteger(s) || s < 0) throw new Error(`${op}: shape must hold non-negative integers, got [${shape.join(', ')}]`);
  return { shape, opts };
};
type ShapeArgs = (number | number[] | CreateOptions)[];

function inferShape(data: unknown, shape: number[] = []): number[] {
  if (Array.isArray(data)) {
    shape.push(data.length);
    if (data.length > 0) inferShape(data[0], shape);
  }
  return shape;
}

/**
 * A tensor from nested arrays, a TypedArray, a number or a boolean. Safe integers (and
 * bigints) infer int64, other numbers float32 (so 1e20 is not squeezed into an int64),
 * booleans bool (as torch.tensor). With an integer dtype, a value out of its range throws.
 * ```ts
 * const x = tensor([[1, 2], [3, 4]], { dtype: 'float32' });
 * ```
 */
export function tensor(data: NestedArray | ArrayBufferView | bigint[], opts: CreateOptions & { shape?: number[] } = {}): Tensor {
  if (opts.dtype !== undefined && !DTYPES.includes(opts.dtype))
    throw new Error(`tensor: unknown dtype ${JSON.stringify(opts.dtype)} (expected one of ${DTYPES.map((d) => `'${d}'`).join(', ')})`);
  if (ArrayBuffer.isView(data)) {
    const dtype = opts.dtype ?? dtypeOfTypedArray(data);
    if (!dtype) throw new Error(`tensor: unsupported TypedArray ${data.constructor.name}`);
    const arr = data as unknown as ArrayLike<number>;
    const shape = opts.shape ?? [arr.length];
    const native_ = dtypeOfTypedArray(data) === dtype && !(data instanceof Uint8Array || data instanceof Int8Array || data instanceof Int16Array || data instanceof Uint16Array || data instanceof Uint32Array || data instanceof Uint8ClampedArray)
      ? data : toTypedArray(arr, dtype);
    return fin(new Tensor(native.from_array(native_, shape, dtype)), opts);
  }
  const shape = inferShape(data);
  const flat: (number | boolean | bigint)[] = [];
  const walk = (v: unknown, d: number) => {
    if (d === shape.length) {
      if (typeof v !== 'number' && typeof v !== 'boolean' && typeof v !== 'bigint')
        throw new Error(`tensor: expected numbers or booleans, found ${Array.isArray(v) ? 'a nested array (ragged data)' : typeof v}`);
      flat.push(v);
      return;
    }
    if (!Array.isArray(v) || v.length !== shape[d])
      throw new Error(`tensor: ragged nested array: expected length ${shape[d]} at depth ${d}, got ${Array.isArray(v) ? v.length : typeof v}`);
    for (const e of v) walk(e, d + 1);
  };
  walk(data, 0);
  let dtype = opts.dtype;
  if (!dtype) {
    if (flat.length > 0 && flat.every((v) => typeof v === 'boolean')) dtype = 'bool';
    else if (flat.every((v) => typeof v !== 'number' || Number.isSafeInteger(v))) dtype = flat.length ? 'int64' : 'float32';
    else dtype = 'float32';
  }
  return fin(new Tensor(native.from_array(toTypedArray(flat as ArrayLike<number>, dtype), shape, dtype)), opts);
}

/** A 0-d tensor holding `value`. */
export function scalarTensor(value: number | boolean, opts: CreateOptions = {}): Tensor {
  return tensor(value, opts);
}

export function zeros(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('zeros', args);
  return fin(new Tensor(native.full(shape, 0, opts.dtype ?? 'float32')), opts);
}
export function ones(...args: ShapeArgs): Tensor {
  const { shape, opts } = shapeOf('ones', args);
  return fin(new Tensor(native.full(shape, 1, opts.dtype ?? 'float32')), opts);
}
/** Uninitialized memory in torch; zero-filled here (the cost is the same order). */
export function empty(...args: ShapeArgs): Tensor { return zeros(...args); }
/** Filled with `value`: safe integers infer int64, booleans bool (as torch.full); a value the dtype cannot hold throws. */
export function full(shape: number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  const v = scalarArg('full', value, 'fill value');
  const dtype = opts.dtype ?? (typeof value === 'boolean' ? 'bool' : Number.isSafeInteger(value) ? 'int64' : 'float32');
  return fin(new Tensor(native.full(shapeOf('full', [shape]).shape, v, dtype)), opts);
}
export const zerosLike = (t: Tensor, opts: CreateOptions = {}): Tensor => zeros([...t.shape], { ...opts, dtype: opts.dtype ?? t.dtype });
export const onesLike = (t: Tensor, opts: CreateOptions = {}): Tensor => ones([...t.shape], { ...opts, dtype: opts.dtype ?? t.dtype });
export const emptyLike = (t: Tensor, opts: CreateOptions = {}): Tensor => zerosLike(t, opts);
export const fullLike = (t: Tensor, value: number | boolean, opts: CreateOptions = {}): Tensor =>
  full([...t.shape], value, { ...opts, dtype: opts.dtype ?? t.dtype });
export const randLike = (t: Tensor, opts: CreateOptions = {}): Tensor => rand([...t.shape], { ...opts, dtype: opts.dtype ?? t.dtype });
export const randnLike = (t: Tensor, opts: CreateOptions = {}): Tensor => randn([...t.shape], { ...opts, dtype: opts.dtype ?? t.dtype });

/** arange(end) or arange(start, end, step): safe-integer arguments give int64, others float32; values an integer dtype cannot hold throw. */
export function arange(startOrEnd: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, startOrEnd] : [startOrEnd, end];
  const dtype = opts.dtype ?? ([s, e, step].every(Number.isSafeInteger) ? 'int64' : 'float32');
  return fin(new Tensor(native.arange(s, e, step, dtype)), opts);
}
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  return fin(new Tensor(native.linspace(start, end, steps, opts.dtype ?? 'float32')), opts);
}
export function eye(n: number, m: number = n, opts: CreateOptions = {}): Tensor {
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
export function randint(low: number, high: number, shape: number[], opts: CreateOptions = {}): Tensor {
  return fin(new Tensor(native.randint(low, high, shapeOf('randint', [shape]).shape, opts.dtype ?? 'int64')), opts);
}
/** 1 with probability p (elementwise), else 0, in p's dtype. */
export function bernoulli(p: Tensor): Tensor { return new Tensor(native.bernoulli(p._h)); }
/** A random permutation of 0..n-1 (int64). */
export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  return new Tensor(native.randperm(n, opts.dtype ?? 'int64'));
}
