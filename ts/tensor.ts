// The Tensor class: a handle on a native tensor plus PyTorch's method surface.
// Methods are thin: arguments are normalized here, checked and computed natively.
import { totalmem } from 'node:os';
import { native, type Handle } from './binding';
import { type DType, type TypedArrayFor, isFloating, scalarArg } from './dtype';
import { track, keep } from './memory';
import { call, callInPlace } from './call';
import { drawing } from './rng';
import { formatTensor } from './print';
import { Node, runBackward, isGradEnabled, noGrad, type BackwardOptions } from './autograd/engine';
import { badArg, choiceArg, intArg } from './args';
import { type Device, type DeviceName, deviceNative, deviceName, toTarget } from './device';

export type Scalar = number | boolean;
export type TensorLike = Tensor | Scalar;
export type Dim = number | number[];
export interface ReduceOptions { keepdim?: boolean }
export interface ValuesIndices { values: Tensor; indices: Tensor }
export type NestedArray = number | boolean | NestedArray[];

// Argument to handle, checked: these run on every op, so the good path is one instanceof or
// typeof and the message is built only when throwing (per-op overhead stays as it was).
/** A tensor-or-scalar operand: a Tensor's handle, or a number/boolean (a weakly typed scalar). */
const h = (op: string, x: unknown, what = 'other'): Tensor | Scalar =>
  x instanceof Tensor ? x : typeof x === 'number' || typeof x === 'boolean' ? x : badArg(op, what, 'a Tensor or a number', x);
/** A tensor operand. */
const th = (op: string, what: string, x: unknown): Tensor => (x instanceof Tensor ? x : badArg(op, what, 'a Tensor', x));
/** A tensor operand itself (for methods that read its shape before the native call). */
const ten = (op: string, what: string, x: unknown): Tensor => (x instanceof Tensor ? x : badArg(op, what, 'a Tensor', x));
const dimsArg = (dim?: Dim | null): number[] | null =>
  dim === undefined || dim === null ? null : Array.isArray(dim) ? dim : [dim];
/** An options argument: undefined, null or an object. A number or string there is a positional
 * mistake (sum(1, true), gelu('tanh')) that would otherwise be ignored without a word. */
const O = <T>(op: string, o: T): T =>
  (o === undefined || o === null || typeof o === 'object' ? o : badArg(op, 'options', 'an object', o));
/** keepdim from a reduction's options (undefined: the common case, one comparison). */
const kd = (op: string, o: ReduceOptions | undefined): boolean => (o === undefined ? false : !!O(op, o)?.keepdim);
/** scatter_reduce's reductions, in the order of the native op's reduce code. */
export const SCATTER_REDUCE = ['sum', 'prod', 'mean', 'amax', 'amin'] as const;
export type ScatterReduce = (typeof SCATTER_REDUCE)[number];
const sizes = (args: (number | number[])[]): number[] =>
  args.length === 1 && Array.isArray(args[0]) ? args[0] : (args as number[]);

/** float16/bfloat16 elements as a Float32Array (exact), without a tracked temporary. */
function widenedData(x: Handle): Float32Array {
  const w = native.to_dtype(x, 'float32');
  try { return native.to_array(w) as Float32Array; } finally { native.dispose(w); }
}

/** A multi-dimensional array on a device, with NumPy broadcasting and PyTorch semantics. */
export class Tensor {
  /** @internal native handle */
  readonly _h: Handle;
  private _shape?: readonly number[];
  private _dtype?: DType;
  private _device?: DeviceName;
  /** @internal */ _disposed = false;
  /** @internal Set by keep(): tidy scopes leave it alive (ts/memory.ts). */ _kept = false;
  // ---- autograd state (ts/autograd)
  /** Recorded op that produced this tensor, or null for leaves and untracked tensors. */
  gradFn: Node | null = null;
  /** The accumulated gradient of a leaf that requires grad (or of a retained non-leaf). */
  grad: Tensor | null = null;
  private _requiresGrad = false;
  /** @internal The storage's version counter (shared by all views): bumped by in-place ops, checked by backward. */
  get _version(): number { return native.version(this._h); }
  /** @internal */ retainsGrad = false;
  // null until a hook is registered: no array per tensor on the per-op path
  private _hooks: ((g: Tensor) => Tensor | void)[] | null = null;
  /** @internal The tensor whose storage this view shares (the root of a view chain), for autograd's in-place rules. */
  _base: Tensor | null = null;

  /** @internal Use tensor(), zeros(), ... to create tensors. */
  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  // ---- metadata
  get shape(): readonly number[] { return (this._shape ??= Object.freeze(native.shape(this._h))); }
  get dtype(): DType { return (this._dtype ??= native.dtype(this._h)); }
  get ndim(): number { return this.shape.length; }
  /** Where the storage lives: 'cpu' or 'cuda:N' (read from the native storage). */
  get device(): DeviceName { return (this._device ??= deviceNative.device(this._h) === 'cpu' ? 'cpu' : 'cuda:0'); }
  size(dim?: number): number | readonly number[] {
    if (dim === undefined) return this.shape;
    const n = this.ndim;
    if (typeof dim !== 'number') badArg('size', 'dim', 'an integer', dim);
    if (!Number.isInteger(dim) || dim < -n || dim >= n) throw new Error(`size: dim ${dim} out of range for a ${n}-d tensor`);
    return this.shape[dim < 0 ? dim + n : dim];
  }
  numel(): number { return this.shape.reduce((a, b) => a * b, 1); }
  stride(): number[] { return native.meta(this._h)[2]; }
  storageOffset(): number { return native.meta(this._h)[3]; }
  isContiguous(): boolean { return native.meta(this._h)[4]; }
  isFloatingPoint(): boolean { return isFloating(this.dtype); }
  /** True when both tensors view the same native storage. */
  sharesStorageWith(other: Tensor): boolean { return native.same_storage(this._h, th('shares_storage_with', 'other', other)._h); }

  // ---- autograd
  get requiresGrad(): boolean { return this._requiresGrad || this.gradFn !== null; }
  set requiresGrad(on: boolean) { this.requiresGrad_(on); }
  get isLeaf(): boolean { return this.gradFn === null; }
  /** Marks a leaf as needing gradients; integer and bool tensors cannot. */
  requiresGrad_(on = true): this {
    if (!this.isLeaf) throw new Error('requiresGrad_: you can only change requiresGrad flags of leaf variables');
    if (on && !isFloating(this.dtype)) throw new Error(`requiresGrad_: only floating point tensors can require gradients, got ${this.dtype}`);
    this._requiresGrad = on;
    return this;
  }
  /** Keeps .grad for this non-leaf tensor after backward. */
  retainGrad(): this { if (!this.isLeaf) this.retainsGrad = true; return this; }
  /** Calls fn with this tensor's gradient during backward; a returned tensor replaces it. */
  registerHook(fn: (grad: Tensor) => Tensor | void): { remove(): void } {
    if (typeof fn !== 'function') badArg('register_hook', 'hook', 'a function', fn);
    (this._hooks ??= []).push(fn);
    return { remove: () => { this._hooks = this._hooks?.filter((h) => h !== fn) ?? null; } };
  }
  /** @internal In-place ops call this first: leaves that require grad refuse (as torch),
   * and the version bump (on the storage, so every view sees it) lets backward detect
   * saved tensors modified since recording. */
  _inPlace(op: string): void {
    if (this._disposed) throw new Error(`${op}: argument 0 is a disposed tensor`);
    this._checkInPlace(op);
    native.bump_version(this._h);
  }
  /** @internal The autograd half of _inPlace, for ops that bump versions only after their native call succeeded. */
  _checkInPlace(op: string): void {
    if (isGradEnabled() && this.requiresGrad) {
      if (this.gradFn === null) throw new Error(`${op}: a leaf tensor that requires grad is being used in an in-place operation`);
      // the in-place Tensor methods are recorded (ts/call.ts callInPlace); what reaches here
      // (fused optimizer steps, ops inside a recorded composite) would not be
      throw new Error(`${op}: in-place operation on a tensor that is part of the autograd graph (${this.gradFn.name}) is not supported; use the out-of-place form or noGrad()`);
    }
  }
  /** @internal */
  _bumpVersion(): void { native.bump_version(this._h); }
  /** @internal A new native view handle of this tensor (for Parameter, which owns its own handle). */
  _viewHandle(): Handle { return native.as_strided(this._h, [...this.shape], this.stride(), this.storageOffset()); }
  /** @internal Whether a hook may hold on to this tensor's gradients. */
  get _hasHooks(): boolean { return this._hooks !== null && this._hooks.length > 0; }
  /** @internal */
  _applyHooks(g: Tensor): Tensor {
    for (const h of this._hooks ?? []) {
      const r = h(g);
      if (!(r instanceof Tensor)) continue;
      // as torch: a hook may not change the gradient's size or dtype (a [1] result would
      // broadcast silently into .grad, a float64 one turn it float64)
      if (r.shape.join(',') !== g.shape.join(','))
        throw new Error(`backward: hook '${h.name || 'anonymous'}' has changed the size of value (was [${g.shape.join(', ')}], got [${r.shape.join(', ')}])`);
      if (r.dtype !== g.dtype) throw new Error(`backward: hook '${h.name || 'anonymous'}' has changed the type of value (was ${g.dtype}, got ${r.dtype})`);
      g = r;
    }
    return g;
  }
  /** @internal */
  _accumulateGrad(g: Tensor, owned = false): void {
    // .grad is owned by this tensor: kept out of tidy scopes, accumulated in place. A fresh
    // gradient that nothing else holds (`owned`, decided by the engine) is adopted as is
    // when it already has this tensor's shape, dtype and a contiguous layout.
    if (this.grad && !this.grad.isDisposed) {
      const acc = this.grad;
      noGrad(() => acc.add_(g));
    } else if (owned && !g.requiresGrad && g.dtype === this.dtype && g.isContiguous() && g.shape.length === this.shape.length &&
               g.shape.every((d, i) => d === this.shape[i])) {
      this.grad = keep(g);
    } else {
      // a copy in this tensor's dtype: a gradient that arrives in another (a float64 operand's
      // product rule) must not turn a float32 leaf's .grad float64 (torch casts it likewise)
      this.grad = keep(noGrad(() => g.expand([...this.shape]).to(this.dtype)));
    }
  }
  /** A view of the same data cut off from the graph. */
  detach(): Tensor { return noGrad(() => call('as_strided', [this, [...this.shape], this.stride(), this.storageOffset()])); }
  /** Cuts this tensor from the graph in place. */
  detach_(): this { this.gradFn = null; this._requiresGrad = false; return this; }
  /** Backpropagates from this tensor: a scalar by default, or any tensor with `gradient`. */
  backward(gradient?: Tensor, opts?: BackwardOptions): void {
    let seed = gradient;
    if (!seed) {
      if (this.numel() !== 1) throw new Error(`backward: grad can be implicitly created only for scalar outputs (shape [${this.shape.join(', ')}])`);
      seed = call<Tensor>('full', [[...this.shape], 1, this.dtype]);
    } else if (!(seed instanceof Tensor)) {
      badArg('backward', 'gradient', 'a Tensor', seed);
    } else if (seed.shape.join(',') !== this.shape.join(',')) {
      throw new Error(`backward: gradient of shape [${seed.shape.join(', ')}] does not match the tensor's shape [${this.shape.join(', ')}]`);
    } else if (seed.dtype !== this.dtype) {
      seed = seed.to(this.dtype);  // as torch: the gradient takes the tensor's dtype, so .grad keeps the leaf's
    }
    runBackward(this, seed, opts);
  }

  // ---- lifetime
  /** Releases the native memory now; later use throws. */
  dispose(): void {
    if (this._disposed) return;
    this._disposed = true;
    native.dispose(this._h);
  }
  get isDisposed(): boolean { return this._disposed; }
  [Symbol.dispose](): void { this.dispose(); }

  // ---- conversion
  /** A TypedArray copy of the elements in row-major order (at memory speed: large copies
   * land in blocks of the tensor allocator, already mapped, that V8 frees when the array goes). */
  data(): TypedArrayFor { return native.to_array(this._h); }
  /**
   * data(), with the copy made off the JS thread (a libuv worker): the event loop stays free
   * while a large tensor is read. The tensor stays alive until the copy is done, even if it is
   * disposed meanwhile; a tensor disposed before the call rejects with a named Error.
   * ```ts
   * const values = await logits.dataAsync();
   * ```
   */
  async dataAsync(): Promise<TypedArrayFor> { return native.data_async(this._h); }
  /**
   * Nested JS arrays (int64 as numbers, bool as booleans). An int64 element beyond ±(2^53 - 1)
   * throws rather than round: read those as BigInts from data(), a BigInt64Array.
   */
  toArray(): NestedArray {
    let flat = this.data();
    // float16/bfloat16 elements are raw bits in data() (the only Uint16Array): widened to float32 (exact) for numbers
    if (flat instanceof Uint16Array) flat = widenedData(this._h);
    const isBool = this.dtype === 'bool';
    const shape = this.shape;
    if (flat instanceof BigInt64Array) {
      for (let i = 0; i < flat.length; i++) {
        const v = flat[i];
        if (v > 9007199254740991n || v < -9007199254740991n)
          throw new Error(`toArray: the int64 value ${v} (flat index ${i}) is beyond the integers a JS number holds exactly (|v| <= 2^53 - 1); read it as a BigInt from data(), a BigInt64Array`);
      }
    }
    const at = (i: number): number | boolean => (isBool ? flat[i] !== 0 : Number(flat[i]));
    if (shape.length === 0) return at(0);
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const out: NestedArray[] = [];
      for (let i = 0; i < shape[d]; i++) out.push(d === shape.length - 1 ? at(pos++) : build(d + 1));
      return out;
    };
    return build(0);
  }
  /** The value of a one-element tensor (an int64 beyond ±(2^53 - 1) throws: read it from data()). */
  item(): number | boolean { return native.item(this._h); }
  toString(): string { return formatTensor(this); }
  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }

  /**
   * This tensor on another device and/or in another dtype: `to('float64')`, `to('cuda')`,
   * `to({ device: 'cpu', dtype: 'float32' })`. Moving to the device it is on returns the tensor
   * itself (as torch); a dtype, even the same one, always makes a copy (unlike torch, whose
   * `to` returns self then). Float -> integer casts truncate toward zero and saturate at the
   * integer's range, NaN giving 0 (as Java and Rust; torch and C++ leave out-of-range casts
   * undefined). A device this process lacks throws `to: cuda is not available: <why>`.
   * Integer -> narrower integer casts wrap, as torch (int32 300 -> uint8 44); 300.0 -> uint8 is
   * 255, -5.0 is 0. float16/bfloat16 round to nearest even through float32 (as torch), keeping
   * inf and NaN.
   * ```ts
   * const y = x.to(cuda.isAvailable() ? 'cuda' : 'cpu');
   * ```
   */
  to(target: DType | Device | { device?: Device; dtype?: DType }): Tensor {
    const { device, dtype } = toTarget('to', target);
    if (this._disposed) throw new Error('to: argument 0 is a disposed tensor');
    // the cast goes through call() so autograd records it; a device move is not recorded yet
    let out: Tensor = dtype === undefined ? this : call('to_dtype', [this, dtype]);
    if (device && deviceName(device) !== this.device) {
      const cast = out;
      try { out = new Tensor(deviceNative.to_device(cast._h, device.type)); } finally { if (cast !== this) cast.dispose(); }
    }
    return out;
  }
  /** @internal torch's `p.data = src`: this object now views src's storage (shape, dtype and
   * device included) and lets its old one go. Module.to uses it so Parameters stay the same
   * objects, which optimizers and user code hold. */
  _setData(src: Tensor): void {
    const old = this._h;
    (this as unknown as { _h: Handle })._h = src._viewHandle();
    this._shape = this._dtype = this._device = undefined;
    native.dispose(old);
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  /** A float16 copy (values rounded to nearest even; computed in float32 by CPU ops). */
  half(): Tensor { return this.to('float16'); }
  /** A bfloat16 copy (values rounded to nearest even; matmul runs oneDNN's bf16 kernels where the CPU has AVX512-BF16). */
  bfloat16(): Tensor { return this.to('bfloat16'); }
  int(): Tensor { return this.to('int32'); }
  long(): Tensor { return this.to('int64'); }
  bool(): Tensor { return this.to('bool'); }
  clone(): Tensor { return call('to_dtype', [this, this.dtype]); }
  contiguous(): Tensor { return call('contiguous', [this]); }

  // ---- views (share storage with this tensor)
  // views (call() gives each its _base: the root of the chain whose storage it shares)
  reshape(...shape: (number | number[])[]): Tensor { return call('reshape', [this, sizes(shape)]); }
  view(...shape: (number | number[])[]): Tensor { return call('view', [this, sizes(shape)]); }
  viewAs(other: Tensor): Tensor { return this.view([...ten('view_as', 'other', other).shape]); }
  reshapeAs(other: Tensor): Tensor { return this.reshape([...ten('reshape_as', 'other', other).shape]); }
  permute(...dims: (number | number[])[]): Tensor { return call('permute', [this, sizes(dims)]); }
  transpose(dim0: number, dim1: number): Tensor { return call('transpose', [this, dim0, dim1]); }
  /** Transpose of a tensor with at most 2 dims. */
  t(): Tensor {
    if (this.ndim > 2) throw new Error(`t: expects a tensor with <= 2 dimensions, but got ${this.ndim}`);
    return this.ndim < 2 ? this.view([...this.shape]) : this.transpose(0, 1);
  }
  get T(): Tensor { return this.permute([...Array(this.ndim).keys()].reverse()); }
  /** Python's x[start:end:step] along `dim` (negative and out-of-range bounds clamp). */
  slice(dim: number, start = 0, end = Number.MAX_SAFE_INTEGER, step = 1): Tensor {
    return call('slice', [this, dim, start, end, step]);
  }
  select(dim: number, index: number): Tensor { return call('select', [this, dim, index]); }
  narrow(dim: number, start: number, length: number): Tensor { return call('narrow', [this, dim, start, length]); }
  expand(...shape: (number | number[])[]): Tensor { return call('expand', [this, sizes(shape)]); }
  expandAs(other: Tensor): Tensor { return this.expand([...ten('expand_as', 'other', other).shape]); }
  squeeze(dim?: Dim): Tensor { return call('squeeze', [this, dimsArg(dim)]); }
  unsqueeze(dim: number): Tensor { return call('unsqueeze', [this, dim]); }
  flatten(startDim = 0, endDim = -1): Tensor { return call('flatten', [this, startDim, endDim]); }
  unflatten(dim: number, sizes_: number[]): Tensor {
    const n = this.ndim;
    if (typeof dim !== 'number') badArg('unflatten', 'dim', 'an integer', dim);
    if (!Number.isInteger(dim) || dim < -n || dim >= n) throw new Error(`unflatten: dim ${dim} out of range for a ${n}-d tensor`);
    if (!Array.isArray(sizes_)) badArg('unflatten', 'sizes', 'an array of integers', sizes_);
    const d = dim < 0 ? dim + n : dim;
    return this.reshape([...this.shape.slice(0, d), ...sizes_, ...this.shape.slice(d + 1)]);
  }
  asStrided(shape: number[], strides: number[], offset = 0): Tensor {
    return call('as_strided', [this, shape, strides, offset]);
  }

  // ---- elementwise: arithmetic (NumPy broadcasting; numbers are weakly typed like Python scalars)
  add(other: TensorLike, opts?: { alpha?: number }): Tensor {
    const o = opts !== undefined && O('add', opts)?.alpha !== undefined && opts.alpha !== 1 ? mulAlpha('add', this, other, opts.alpha) : other;
    return call('add', [this, h('add', o)]);
  }
  sub(other: TensorLike, opts?: { alpha?: number }): Tensor {
    const o = opts !== undefined && O('sub', opts)?.alpha !== undefined && opts.alpha !== 1 ? mulAlpha('sub', this, other, opts.alpha) : other;
    return call('sub', [this, h('sub', o)]);
  }
  mul(other: TensorLike): Tensor { return call('mul', [this, h('mul', other)]); }
  /** True division (ints give float32), as torch.div. */
  div(other: TensorLike): Tensor { return call('div', [this, h('div', other)]); }
  pow(exponent: TensorLike): Tensor { return call('pow', [this, h('pow', exponent, 'exponent')]); }
  maximum(other: TensorLike): Tensor { return call('maximum', [this, h('maximum', other)]); }
  minimum(other: TensorLike): Tensor { return call('minimum', [this, h('minimum', other)]); }
  eq(other: TensorLike): Tensor { return call('eq', [this, h('eq', other)]); }
  ne(other: TensorLike): Tensor { return call('ne', [this, h('ne', other)]); }
  lt(other: TensorLike): Tensor { return call('lt', [this, h('lt', other)]); }
  le(other: TensorLike): Tensor { return call('le', [this, h('le', other)]); }
  gt(other: TensorLike): Tensor { return call('gt', [this, h('gt', other)]); }
  ge(other: TensorLike): Tensor { return call('ge', [this, h('ge', other)]); }
  logicalAnd(other: TensorLike): Tensor { return call('logical_and', [this, h('logical_and', other)]); }
  logicalOr(other: TensorLike): Tensor { return call('logical_or', [this, h('logical_or', other)]); }
  logicalNot(): Tensor { return call('logical_not', [this]); }
  /** Elements of this tensor where `condition`, else of `other`. */
  where(condition: Tensor, other: TensorLike): Tensor {
    const c = th('where', 'condition', condition), o = h('where', other);
    if (typeof other === 'number') intScalarFits('where', this, other);
    return call('where', [c, this, o]);
  }

  // ---- elementwise: math and activations
  neg(): Tensor { return call('neg', [this]); }
  abs(): Tensor { return call('abs', [this]); }
  sign(): Tensor { return call('sign', [this]); }
  exp(): Tensor { return call('exp', [this]); }
  log(): Tensor { return call('log', [this]); }
  log1p(): Tensor { return call('log1p', [this]); }
  expm1(): Tensor { return call('expm1', [this]); }
  sqrt(): Tensor { return call('sqrt', [this]); }
  rsqrt(): Tensor { return call('rsqrt', [this]); }
  square(): Tensor { return call('square', [this]); }
  reciprocal(): Tensor { return call('reciprocal', [this]); }
  sin(): Tensor { return call('sin', [this]); }
  cos(): Tensor { return call('cos', [this]); }
  tanh(): Tensor { return call('tanh', [this]); }
  /** The Gauss error function. */
  erf(): Tensor { return call('erf', [this]); }
  sigmoid(): Tensor { return call('sigmoid', [this]); }
  relu(): Tensor { return call('relu', [this]); }
  leakyRelu(negativeSlope = 0.01): Tensor { return call('leaky_relu', [this, negativeSlope]); }
  elu(alpha = 1): Tensor { return call('elu', [this, alpha]); }
  selu(): Tensor { return call('selu', [this]); }
  silu(): Tensor { return call('silu', [this]); }
  /** GELU, exact (erf) or with approximate: 'tanh'. */
  gelu(opts?: { approximate?: 'none' | 'tanh' }): Tensor {
    const v = O('gelu', opts)?.approximate;
    const a = v === undefined ? 'none' : choiceArg('gelu', 'approximate', v, ['none', 'tanh'] as const);
    return call(a === 'tanh' ? 'gelu_tanh' : 'gelu', [this]);
  }
  softplus(opts?: { beta?: number; threshold?: number }): Tensor {
    return call('softplus', [this, O('softplus', opts)?.beta ?? 1, opts?.threshold ?? 20]);
  }
  /** Limits values to [min, max]; either bound may be null. */
  clamp(min: number | null = null, max: number | null = null): Tensor {
    clampBounds('clamp', this, min, max);
    // NOTE: natively a NaN bound means "no bound" (how null arrives); a NaN the caller gives
    // makes every element NaN, as torch
    if (Number.isNaN(min) || Number.isNaN(max)) return call('add', [this, NaN]);
    return call('clamp', [this, min, max]);
  }
  floor(): Tensor { return call('floor', [this]); }
  ceil(): Tensor { return call('ceil', [this]); }
  /** Rounds half to even, as torch.round. */
  round(): Tensor { return call('round', [this]); }
  isnan(): Tensor { return call('isnan', [this]); }
  isfinite(): Tensor { return call('isfinite', [this]); }

  // ---- in-place (write into this tensor's storage; shape and dtype stay)
  add_(other: TensorLike, opts?: { alpha?: number }): this {
    return callInPlace('add', this, [this, h('add_', opts !== undefined && O('add_', opts)?.alpha !== undefined && opts.alpha !== 1 ? mulAlpha('add_', this, other, opts.alpha) : other), this]);
  }
  sub_(other: TensorLike, opts?: { alpha?: number }): this {
    return callInPlace('sub', this, [this, h('sub_', opts !== undefined && O('sub_', opts)?.alpha !== undefined && opts.alpha !== 1 ? mulAlpha('sub_', this, other, opts.alpha) : other), this]);
  }
  mul_(other: TensorLike): this { return callInPlace('mul', this, [this, h('mul_', other), this]); }
  div_(other: TensorLike): this { return callInPlace('div', this, [this, h('div_', other), this]); }
  pow_(other: TensorLike): this { return callInPlace('pow', this, [this, h('pow_', other, 'exponent'), this]); }
  neg_(): this { return callInPlace('neg', this, [this, this]); }
  exp_(): this { return callInPlace('exp', this, [this, this]); }
  sqrt_(): this { return callInPlace('sqrt', this, [this, this]); }
  relu_(): this { return callInPlace('relu', this, [this, this]); }
  sigmoid_(): this { return callInPlace('sigmoid', this, [this, this]); }
  tanh_(): this { return callInPlace('tanh', this, [this, this]); }
  clamp_(min: number | null = null, max: number | null = null): this {
    clampBounds('clamp_', this, min, max);
    if (Number.isNaN(min) || Number.isNaN(max)) return callInPlace('fill_', this, [this, NaN]);  // as clamp
    return callInPlace('clamp', this, [this, min, max, this]);
  }
  zero_(): this { return callInPlace('fill_', this, [this, 0]); }
  fill_(value: Scalar): this { const v = scalarArg('fill_', value); return callInPlace('fill_', this, [this, v]); }
  /** Copies `src` (broadcast, dtype-converted) into this tensor. */
  copy_(src: Tensor): this { const s = th('copy_', 'src', src); return callInPlace('copy_', this, [this, s]); }
  uniform_(from = 0, to = 1): this { return drawing(() => callInPlace('uniform_', this, [this, from, to])); }
  normal_(mean = 0, std = 1): this { return drawing(() => callInPlace('normal_', this, [this, mean, std])); }
  maskedFill_(mask: Tensor, value: Scalar): this {
    const v = scalarArg('masked_fill_', value), mh = th('masked_fill_', 'mask', mask);
    return callInPlace('masked_fill', this, [this, mh, v], () => {
      const filled = native.masked_fill(this._h, mh._h, v);
      try { native.copy_(this._h, filled); } finally { native.dispose(filled); }
    });
  }

  // ---- reductions (dim: one dim, several, or all when omitted)
  sum(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('sum', [this, dimsArg(dim), kd('sum', opts)]); }
  mean(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('mean', [this, dimsArg(dim), kd('mean', opts)]); }
  prod(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('prod', [this, dimsArg(dim), kd('prod', opts)]); }
  amax(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('amax', [this, dimsArg(dim), kd('amax', opts)]); }
  amin(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('amin', [this, dimsArg(dim), kd('amin', opts)]); }
  all(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('all', [this, dimsArg(dim), kd('all', opts)]); }
  any(dim?: Dim | null, opts?: ReduceOptions): Tensor { return call('any', [this, dimsArg(dim), kd('any', opts)]); }
  logsumexp(dim: Dim, opts?: ReduceOptions): Tensor { return call('logsumexp', [this, dimsArg(dim), kd('logsumexp', opts)]); }
  /** Max of all elements, or `{values, indices}` along `dim`. */
  max(): Tensor;
  max(dim: number, opts?: ReduceOptions): ValuesIndices;
  max(dim?: number, opts?: ReduceOptions): Tensor | ValuesIndices {
    if (dim === undefined) return this.amax();
    const [values, indices] = call<Tensor[]>('max', [this, dim, kd('max', opts)]);
    return { values, indices };
  }
  min(): Tensor;
  min(dim: number, opts?: ReduceOptions): ValuesIndices;
  min(dim?: number, opts?: ReduceOptions): Tensor | ValuesIndices {
    if (dim === undefined) return this.amin();
    const [values, indices] = call<Tensor[]>('min', [this, dim, kd('min', opts)]);
    return { values, indices };
  }
  argmax(dim?: number | null, opts?: ReduceOptions): Tensor { return call('argmax', [this, dim ?? null, kd('argmax', opts)]); }
  argmin(dim?: number | null, opts?: ReduceOptions): Tensor { return call('argmin', [this, dim ?? null, kd('argmin', opts)]); }
  /** Variance with Bessel's correction by default (correction: 1); `unbiased: false` is correction 0. */
  var(dim?: Dim | null, opts?: ReduceOptions & { correction?: number; unbiased?: boolean }): Tensor {
    return call('var', [this, dimsArg(dim), correctionOf(O('var', opts)), kd('var', opts)]);
  }
  std(dim?: Dim | null, opts?: ReduceOptions & { correction?: number; unbiased?: boolean }): Tensor {
    return call('std', [this, dimsArg(dim), correctionOf(O('std', opts)), kd('std', opts)]);
  }
  /** Vector norm: p = 1, 2 (default; 'fro' alike) or Infinity. */
  norm(p: number | 'fro' = 2, dim?: Dim | null, opts?: ReduceOptions): Tensor {
    return call('norm', [this, p === 'fro' ? 2 : p, dimsArg(dim), kd('norm', opts)]);
  }
  cumsum(dim: number): Tensor { return call('cumsum', [this, dim]); }
  softmax(dim: number): Tensor { return call('softmax', [this, dim]); }
  logSoftmax(dim: number): Tensor { return call('log_softmax', [this, dim]); }

  // ---- linear algebra
  /** torch.matmul: dot, mm, vector-matrix and batched products with broadcast batch dims. */
  matmul(other: Tensor): Tensor { return call('matmul', [this, th('matmul', 'other', other)]); }
  mm(other: Tensor): Tensor {
    ten('mm', 'other', other);
    if (this.ndim !== 2 || other.ndim !== 2) throw new Error(`mm: expected 2-D tensors, got ${this.ndim}-D and ${other.ndim}-D`);
    return this.matmul(other);
  }
  bmm(other: Tensor): Tensor {
    ten('bmm', 'other', other);
    if (this.ndim !== 3 || other.ndim !== 3) throw new Error(`bmm: expected 3-D tensors, got ${this.ndim}-D and ${other.ndim}-D`);
    if (this.shape[0] !== other.shape[0]) throw new Error(`bmm: batch sizes differ (${this.shape[0]} != ${other.shape[0]})`);
    return this.matmul(other);
  }
  dot(other: Tensor): Tensor {
    ten('dot', 'other', other);
    if (this.ndim !== 1 || other.ndim !== 1) throw new Error(`dot: expected 1-D tensors, got ${this.ndim}-D and ${other.ndim}-D`);
    if (this.shape[0] !== other.shape[0]) throw new Error(`dot: inconsistent sizes ${this.shape[0]} and ${other.shape[0]}`);
    return this.matmul(other);
  }
  outer(other: Tensor): Tensor {
    ten('outer', 'other', other);
    if (this.ndim !== 1 || other.ndim !== 1) throw new Error(`outer: expected 1-D tensors, got ${this.ndim}-D and ${other.ndim}-D`);
    return this.unsqueeze(1).mul(other.unsqueeze(0));
  }

  // ---- joining and indexing
  gather(dim: number, index: Tensor): Tensor { return call('gather', [this, dim, th('gather', 'index', index)]); }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return call('scatter', [this, dim, th('scatter', 'index', index), h('scatter', src, 'src') as Tensor | number]);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return call('scatter_add', [this, dim, th('scatter_add', 'index', index), th('scatter_add', 'src', src)]);
  }
  /**
   * torch's scatter_reduce: src's values reduced into a copy of this along `dim` at `index`
   * ('sum' | 'prod' | 'mean' | 'amax' | 'amin'); includeSelf (default true) counts this
   * tensor's own value in each reduction. Differentiable except 'prod'.
   * @example x.scatterReduce(0, tensor([0n, 0n, 1n]), tensor([1, 5, 2]), 'amax') // x[0] = max(x[0], 1, 5)
   */
  scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduce, opts?: { includeSelf?: boolean }): Tensor {
    const code = SCATTER_REDUCE.indexOf(choiceArg('scatter_reduce', 'reduce', reduce, SCATTER_REDUCE));
    const includeSelf = O('scatter_reduce', opts)?.includeSelf ?? true;
    if (typeof includeSelf !== 'boolean') badArg('scatter_reduce', 'includeSelf', 'a boolean', includeSelf);
    return call('scatter_reduce', [this, dim, th('scatter_reduce', 'index', index), th('scatter_reduce', 'src', src), code, includeSelf]);
  }
  indexSelect(dim: number, index: Tensor): Tensor { return call('index_select', [this, dim, th('index_select', 'index', index)]); }
  indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor {
    return call('index_add', [this, dim, th('index_add', 'index', index), th('index_add', 'source', source), O('index_add', opts)?.alpha ?? 1]);
  }
  maskedFill(mask: Tensor, value: Scalar): Tensor {
    return call('masked_fill', [this, th('masked_fill', 'mask', mask), scalarArg('masked_fill', value)]);
  }
  oneHot(numClasses = -1): Tensor { return call('one_hot', [this, numClasses]); }
  topk(k: number, opts?: { dim?: number; largest?: boolean; sorted?: boolean }): ValuesIndices {
    const [values, indices] = call<Tensor[]>('topk', [this, k, O('topk', opts)?.dim ?? -1, opts?.largest ?? true, opts?.sorted ?? true]);
    return { values, indices };
  }
  sort(opts?: { dim?: number; descending?: boolean; stable?: boolean }): ValuesIndices {
    const [values, indices] = call<Tensor[]>('sort', [this, O('sort', opts)?.dim ?? -1, opts?.descending ?? false, opts?.stable ?? false]);
    return { values, indices };
  }
  argsort(opts?: { dim?: number; descending?: boolean; stable?: boolean }): Tensor {
    const { values, indices } = this.sort(opts);
    values.dispose();
    return indices;
  }
  flip(...dims: (number | number[])[]): Tensor { return call('flip', [this, sizes(dims)]); }
  /** @internal The size of `dim` (negative counts from the end), refusing a bad dim in `op`'s name. */
  _dimSize(op: string, dim: unknown): number {
    const n = this.ndim;
    intArg(op, 'dim', dim, -Infinity);
    if ((dim as number) < -n || (dim as number) >= n)
      throw new Error(`${op}: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim as number})`);
    return this.shape[(dim as number) < 0 ? (dim as number) + n : (dim as number)];
  }
  /** Splits into views of `splitSize` along dim (the last may be smaller), or of the given sizes. */
  split(splitSize: number | number[], dim = 0): Tensor[] {
    const n = this._dimSize('split', dim);
    const lens: number[] = [];
    if (Array.isArray(splitSize)) {
      splitSize.forEach((s) => intArg('split', 'split_sizes', s));
      if (splitSize.reduce((a, b) => a + b, 0) !== n)
        throw new Error(`split: sizes [${splitSize.join(', ')}] do not sum to ${n} (dim ${dim})`);
      lens.push(...splitSize);
    } else {
      intArg('split', 'split_size', splitSize, 1);
      for (let s = 0; s < n; s += splitSize) lens.push(Math.min(splitSize, n - s));
      if (n === 0) lens.push(0);
    }
    let start = 0;
    return lens.map((len) => { const v = this.narrow(dim, start, len); start += len; return v; });
  }
  /** Splits into `chunks` views of equal size (the last may be smaller), as torch.chunk. */
  chunk(chunks: number, dim = 0): Tensor[] {
    intArg('chunk', 'chunks', chunks, 1);
    const n = this._dimSize('chunk', dim);
    if (n === 0) return Array.from({ length: chunks }, () => this.narrow(dim, 0, 0));
    return this.split(Math.ceil(n / chunks), dim);
  }
  /** Tiles the tensor: sizes.length >= ndim, as torch.Tensor.repeat. */
  repeat(...reps: (number | number[])[]): Tensor {
    const r = sizes(reps);
    if (r.length < this.ndim)
      throw new Error(`repeat: number of repeat dims (${r.length}) can not be smaller than the tensor's dims (${this.ndim})`);
    if (r.some((v) => !Number.isInteger(v) || v < 0)) badArg('repeat', 'repeats', 'non-negative integers', r);
    const padded = [...Array(r.length - this.ndim).fill(1), ...this.shape];
    const inter: number[] = [], expanded: number[] = [], out: number[] = [];
    padded.forEach((s, i) => { inter.push(1, s); expanded.push(r[i], s); out.push(r[i] * s); });
    return this.reshape(inter).expand(expanded).contiguous().reshape(out);
  }
  /** torch.nn.functional.pad: pads [left, right, top, bottom, ...] from the last dim backwards. */
  pad(pads: number[], opts?: { mode?: 'constant' | 'reflect'; value?: number }): Tensor {
    return padTensor(this, pads, O('pad', opts)?.mode ?? 'constant', opts?.value ?? 0);
  }
}

function mulAlpha(op: string, self: Tensor, other: TensorLike, alpha: unknown): TensorLike {
  if (typeof alpha !== 'number') badArg(op, 'alpha', 'a number', alpha);
  h(op, other);
  const otherFloat = other instanceof Tensor ? other.isFloatingPoint() : typeof other === 'number' && !Number.isInteger(other);
  if (!Number.isInteger(alpha) && !self.isFloatingPoint() && !otherFloat)
    throw new Error(`${op}: for integral input tensors, argument alpha must not be a floating point number (got ${alpha})`);
  return other instanceof Tensor ? other.mul(alpha) : Number(other) * alpha;
}

/** @internal A JS integer meeting an integer tensor takes the tensor's dtype (a wrapped scalar does
 * not promote), so one past its range would wrap natively; torch refuses it ("value cannot be
 * converted to type int without overflow"). Fractions, NaN and infinities promote to float instead. */
export function intScalarFits(op: string, x: Tensor, v: number): void {
  if (!Number.isInteger(v) || (x.dtype !== 'int32' && x.dtype !== 'int64')) return;
  if (x.dtype === 'int32' ? v >= -2147483648 && v <= 2147483647 : v >= -(2 ** 63) && v < 2 ** 63) return;
  throw new Error(`${op}: value ${v} cannot be converted to ${x.dtype} without overflow (${x.dtype} holds ${x.dtype === 'int32' ? '-2147483648 to 2147483647' : '-2^63 to 2^63 - 1'})`);
}

/** An integer tensor's integral clamp bounds are cast to its dtype natively: one it cannot hold
 * (NaN, or out of range) would wrap (clamp(0, 3e9) on int32 gave all -2^31). torch refuses
 * them likewise ("value cannot be converted to type int without overflow"). */
function clampBounds(op: string, x: Tensor, ...bounds: (number | null)[]): void {
  // null is torch's None (no bound); anything else but a number is refused, not coerced
  bounds.forEach((b, i) => { if (b !== null && typeof b !== 'number') badArg(op, i === 0 ? 'min' : 'max', 'a number or null', b); });
  if (bounds.every((b) => b === null)) throw new Error(`${op}: at least one of 'min' or 'max' must not be null`);
  if (x.dtype !== 'int32' && x.dtype !== 'int64') return;
  const [lo, hi] = x.dtype === 'int32' ? [-2147483648, 2147483647] : [-(2 ** 63), 2 ** 63];
  for (const b of bounds) {
    if (b === null || (Number.isFinite(b) && b !== Math.floor(b))) continue;  // fractions compute in float32 (native)
    if (!(b >= lo && (x.dtype === 'int32' ? b <= hi : b < hi)))
      throw new Error(`${op}: bound ${b} cannot be converted to ${x.dtype} without overflow (${x.dtype} holds ${x.dtype === 'int32' ? '-2147483648 to 2147483647' : '-2^63 to 2^63 - 1'}, and no NaN)`);
  }
}

function correctionOf(opts?: { correction?: number; unbiased?: boolean }): number {
  if (opts?.correction !== undefined) return opts.correction;
  return opts?.unbiased === false ? 0 : 1;
}

const ITEM_BYTES: Record<DType, number> = { float64: 8, int64: 8, float32: 4, int32: 4, float16: 2, bfloat16: 2, int8: 1, uint8: 1, bool: 1 };
function padTensor(x: Tensor, pads: number[], mode: 'constant' | 'reflect', value: number): Tensor {
  value = scalarArg('pad', value);
  if (!Array.isArray(pads)) badArg('pad', 'pad', 'an array of integers', pads);
  if (pads.length % 2 !== 0 || pads.length / 2 > x.ndim)
    throw new Error(`pad: padding length must be even and at most 2*ndim (${2 * x.ndim}), got ${pads.length}`);
  if (pads.some((p) => !Number.isInteger(p))) badArg('pad', 'pad', 'an array of integers', pads);
  const k = pads.length / 2;
  if (mode === 'constant') {
    const outShape = [...x.shape];
    for (let i = 0; i < k; i++) outShape[x.ndim - 1 - i] += pads[2 * i] + pads[2 * i + 1];
    if (outShape.some((s) => s < 0)) throw new Error(`pad: resulting size [${outShape.join(', ')}] is negative`);
    // refused before the per-dim blocks are made: a pad of 2^31 builds 16 GiB blocks on the
    // way to a 10^19-element result, and filling them takes a minute before the allocator says no
    const bytes = outShape.reduce((a, v) => a * v, ITEM_BYTES[x.dtype]);
    if (bytes > totalmem()) throw new Error(`pad: the result [${outShape.join(', ')}] would take ${bytes.toExponential(2)} bytes, more than the machine's ${totalmem()} bytes of RAM`);
    // out of place, per dim: negative pads crop (narrow), positive ones cat blocks of `value`
    // on each side; so pad has no gradient rule of its own (narrow and cat have theirs)
    let y = x;
    for (let i = 0; i < k; i++) {
      const d = x.ndim - 1 - i, lo = pads[2 * i], hi = pads[2 * i + 1];
      if (lo < 0 || hi < 0) y = y.narrow(d, Math.max(0, -lo), y.shape[d] - Math.max(0, -lo) - Math.max(0, -hi));
      const block = (n: number): Tensor => { const s = [...y.shape]; s[d] = n; return call('full', [s, value, x.dtype]); };
      if (lo > 0 || hi > 0) y = call('cat', [[...(lo > 0 ? [block(lo)] : []), y, ...(hi > 0 ? [block(hi)] : [])], d]);
    }
    return y === x || y._base !== null ? y.clone() : y;
  }
  choiceArg('pad', 'mode', mode, ['constant', 'reflect'] as const);
  let y = x;
  for (let i = 0; i < k; i++) {
    const d = x.ndim - 1 - i, lo = pads[2 * i], hi = pads[2 * i + 1], n = x.shape[d];
    if (lo < 0 || hi < 0 || lo >= n || hi >= n)
      throw new Error(`pad: reflect padding (${lo}, ${hi}) must be non-negative and less than the input size ${n} at dim ${d}`);
    const idx: number[] = [];
    for (let j = lo; j > 0; j--) idx.push(j);
    for (let j = 0; j < n; j++) idx.push(j);
    for (let j = n - 2; j >= n - 1 - hi; j--) idx.push(j);
    const index = call('from_array', [BigInt64Array.from(idx, BigInt), [idx.length], 'int64']);
    y = y.indexSelect(d, index);
  }
  return y === x ? x.clone() : y;
}
