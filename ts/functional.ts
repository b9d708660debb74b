// Top-level functions that share their names with Tensor methods (matmul(a, b) is
// a.matmul(b)), plus the ones with no receiver (cat, stack, where).
import { native } from './binding';
import { Tensor, intScalarFits, type Scalar, type TensorLike, type Dim, type ReduceOptions } from './tensor';
import { tensor } from './creation';
import { call } from './call';
import { badArg } from './args';

// The first operand, checked here so a wrong one is an Error naming the function (not V8's
// "Cannot read properties of undefined (reading 'neg')"): one instanceof on the good path.
const X = (op: string, x: unknown): Tensor => (x instanceof Tensor ? x : badArg(op, 'input', 'a Tensor', x));
const isScalar = (x: unknown): x is Scalar => typeof x === 'number' || typeof x === 'boolean';
/** A binary op whose first operand may be a JS number or boolean. As torch, a number there is a weakly
 * typed scalar (add(1, int32Tensor) stays int32): a symmetric op runs as the tensor's method with the
 * operands swapped (`mirror`: lt(1, t) is t.gt(1)), so it records its gradient as the method does. */
function scalarFirst(op: string, a: unknown, b: unknown, method: (t: Tensor, s: Scalar) => Tensor): Tensor {
  if (!(b instanceof Tensor)) badArg(op, 'other', 'a Tensor when input is a number', b);
  return method(b, a as Scalar);
}
const bin = (op: string, m: (t: Tensor, o: TensorLike) => Tensor, mirror: (t: Tensor, s: Scalar) => Tensor = m) =>
  (a: TensorLike, b: TensorLike): Tensor =>
    a instanceof Tensor ? m(a, b) : isScalar(a) ? scalarFirst(op, a, b, mirror) : badArg(op, 'input', 'a Tensor or a number', a);

/** Scalar-first sub, div and pow (torch's rsub, and pow(Scalar, Tensor)): the native op takes the number
 * as a wrapped scalar in place, so dtype and rounding are torch's; the op's derivative row sends the
 * gradient to the tensor only. */
const reversed = (op: 'sub' | 'div' | 'pow', a: Scalar, t: Tensor): Tensor => call(op, [a, t]);

export const add = (a: TensorLike, b: TensorLike, opts?: { alpha?: number }): Tensor => {
  if (a instanceof Tensor) return a.add(b, opts);
  if (!isScalar(a)) badArg('add', 'input', 'a Tensor or a number', a);
  // a + alpha * b, with alpha applied to the tensor as the method does
  return scalarFirst('add', a, b, (t, s) => (opts?.alpha !== undefined && opts.alpha !== 1 ? t.mul(opts.alpha).add(s) : t.add(s)));
};
export const sub = (a: TensorLike, b: TensorLike, opts?: { alpha?: number }): Tensor => {
  if (a instanceof Tensor) return a.sub(b, opts);
  if (!isScalar(a)) badArg('sub', 'input', 'a Tensor or a number', a);
  return scalarFirst('sub', a, b, (t, s) =>
    (opts?.alpha !== undefined && opts.alpha !== 1 ? t.mul(opts.alpha).neg().add(s) : reversed('sub', s, t)));
};
export const mul = bin('mul', (a, b) => a.mul(b));
export const div = bin('div', (a, b) => a.div(b), (t, s) => reversed('div', s, t));
export const pow = bin('pow', (a, b) => a.pow(b), (t, s) => reversed('pow', s, t));
export const maximum = bin('maximum', (a, b) => a.maximum(b));
export const minimum = bin('minimum', (a, b) => a.minimum(b));
export const eq = bin('eq', (a, b) => a.eq(b));
export const ne = bin('ne', (a, b) => a.ne(b));
export const lt = bin('lt', (a, b) => a.lt(b), (t, s) => t.gt(s));
export const le = bin('le', (a, b) => a.le(b), (t, s) => t.ge(s));
export const gt = bin('gt', (a, b) => a.gt(b), (t, s) => t.lt(s));
export const ge = bin('ge', (a, b) => a.ge(b), (t, s) => t.le(s));
export const logicalAnd = bin('logical_and', (a, b) => a.logicalAnd(b));
export const logicalOr = bin('logical_or', (a, b) => a.logicalOr(b));
export const logicalNot = (a: Tensor): Tensor => X('logical_not', a).logicalNot();
/** Elements of `a` where `condition` is true, else of `b` (both broadcast; either may be a number). */
export function where(condition: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (a instanceof Tensor) return a.where(condition, b);  // the method records the gradient (and checks)
  if (!(condition instanceof Tensor)) badArg('where', 'condition', 'a Tensor', condition);
  if (!isScalar(a)) badArg('where', 'input', 'a Tensor or a number', a);
  if (!(b instanceof Tensor) && !isScalar(b)) badArg('where', 'other', 'a Tensor or a number', b);
  if (b instanceof Tensor && typeof a === 'number') intScalarFits('where', b, a);
  return call('where', [condition, a, b]);
}

export const neg = (x: Tensor): Tensor => X('neg', x).neg();
export const abs = (x: Tensor): Tensor => X('abs', x).abs();
export const sign = (x: Tensor): Tensor => X('sign', x).sign();
export const exp = (x: Tensor): Tensor => X('exp', x).exp();
export const log = (x: Tensor): Tensor => X('log', x).log();
export const log1p = (x: Tensor): Tensor => X('log1p', x).log1p();
export const expm1 = (x: Tensor): Tensor => X('expm1', x).expm1();
export const sqrt = (x: Tensor): Tensor => X('sqrt', x).sqrt();
export const rsqrt = (x: Tensor): Tensor => X('rsqrt', x).rsqrt();
export const erf = (x: Tensor): Tensor => X('erf', x).erf();
export const square = (x: Tensor): Tensor => X('square', x).square();
export const reciprocal = (x: Tensor): Tensor => X('reciprocal', x).reciprocal();
export const sin = (x: Tensor): Tensor => X('sin', x).sin();
export const cos = (x: Tensor): Tensor => X('cos', x).cos();
export const tanh = (x: Tensor): Tensor => X('tanh', x).tanh();
export const sigmoid = (x: Tensor): Tensor => X('sigmoid', x).sigmoid();
export const relu = (x: Tensor): Tensor => X('relu', x).relu();
export const leakyRelu = (x: Tensor, negativeSlope = 0.01): Tensor => X('leaky_relu', x).leakyRelu(negativeSlope);
export const elu = (x: Tensor, alpha = 1): Tensor => X('elu', x).elu(alpha);
export const selu = (x: Tensor): Tensor => X('selu', x).selu();
export const silu = (x: Tensor): Tensor => X('silu', x).silu();
export const gelu = (x: Tensor, opts?: { approximate?: 'none' | 'tanh' }): Tensor => X('gelu', x).gelu(opts);
export const softplus = (x: Tensor, opts?: { beta?: number; threshold?: number }): Tensor => X('softplus', x).softplus(opts);
export const clamp = (x: Tensor, min: number | null = null, max: number | null = null): Tensor => X('clamp', x).clamp(min, max);
export const floor = (x: Tensor): Tensor => X('floor', x).floor();
export const ceil = (x: Tensor): Tensor => X('ceil', x).ceil();
export const round = (x: Tensor): Tensor => X('round', x).round();
export const isnan = (x: Tensor): Tensor => X('isnan', x).isnan();
export const isfinite = (x: Tensor): Tensor => X('isfinite', x).isfinite();

export const sum = (x: Tensor, dim?: Dim | null, opts?: ReduceOptions): Tensor => X('sum', x).sum(dim, opts);
export const mean = (x: Tensor, dim?: Dim | null, opts?: ReduceOptions): Tensor => X('mean', x).mean(dim, opts);
export const prod = (x: Tensor, dim?: Dim | null, opts?: ReduceOptions): Tensor => X('prod', x).prod(dim, opts);
export const amax = (x: Tensor, dim?: Dim | null, opts?: ReduceOptions): Tensor => X('amax', x).amax(dim, opts);
export const amin = (x: Tensor, dim?: Dim | null, opts?: ReduceOptions): Tensor => X('amin', x).amin(dim, opts);
export const argmax = (x: Tensor, dim?: number | null, opts?: ReduceOptions): Tensor => X('argmax', x).argmax(dim, opts);
export const argmin = (x: Tensor, dim?: number | null, opts?: ReduceOptions): Tensor => X('argmin', x).argmin(dim, opts);
export const logsumexp = (x: Tensor, dim: Dim, opts?: ReduceOptions): Tensor => X('logsumexp', x).logsumexp(dim, opts);
export const cumsum = (x: Tensor, dim: number): Tensor => X('cumsum', x).cumsum(dim);
export const softmax = (x: Tensor, dim: number): Tensor => X('softmax', x).softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => X('log_softmax', x).logSoftmax(dim);

export const matmul = (a: Tensor, b: Tensor): Tensor => X('matmul', a).matmul(b);
export const mm = (a: Tensor, b: Tensor): Tensor => X('mm', a).mm(b);
export const bmm = (a: Tensor, b: Tensor): Tensor => X('bmm', a).bmm(b);
export const dot = (a: Tensor, b: Tensor): Tensor => X('dot', a).dot(b);
export const outer = (a: Tensor, b: Tensor): Tensor => X('outer', a).outer(b);

/** Concatenates along an existing dim. */
export function cat(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) badArg('cat', 'tensors', 'an array of tensors', tensors);
  tensors.forEach((t, i) => { if (!(t instanceof Tensor)) badArg('cat', `tensors[${i}]`, 'a Tensor', t); });
  return call('cat', [tensors, dim]);
}
/** Stacks along a new dim. */
export function stack(tensors: Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) badArg('stack', 'tensors', 'a non-empty array of tensors', tensors);
  tensors.forEach((t, i) => { if (!(t instanceof Tensor)) badArg('stack', `tensors[${i}]`, 'a Tensor', t); });
  const s = tensors[0].shape.join(',');
  tensors.forEach((t, i) => {
    if (t.shape.join(',') !== s) throw new Error(`stack: expects each tensor to be equal size, but got [${tensors[0].shape.join(', ')}] at entry 0 and [${t.shape.join(', ')}] at entry ${i}`);
  });
  const n = tensors[0].ndim + 1;  // the result's rank: dim may be -n..n-1
  if (typeof dim !== 'number') badArg('stack', 'dim', 'an integer', dim);
  if (!Number.isInteger(dim) || dim < -n || dim >= n)
    throw new Error(`stack: dimension out of range (expected to be in range of [${-n}, ${n - 1}], but got ${dim})`);
  const d = dim < 0 ? dim + n : dim;
  // a composite of recorded ops (unsqueeze views, cat): autograd and jit.trace see its parts.
  // The views are left to the GC: cat's backward reads them (disposing them here once broke it)
  return call('cat', [tensors.map((t) => call('unsqueeze', [t, d])), d]);
}
export const split = (x: Tensor, size: number | number[], dim = 0): Tensor[] => X('split', x).split(size, dim);
export const chunk = (x: Tensor, chunks: number, dim = 0): Tensor[] => X('chunk', x).chunk(chunks, dim);
export const gather = (x: Tensor, dim: number, index: Tensor): Tensor => X('gather', x).gather(dim, index);
export const indexSelect = (x: Tensor, dim: number, index: Tensor): Tensor => X('index_select', x).indexSelect(dim, index);
export const flip = (x: Tensor, dims: number[]): Tensor => X('flip', x).flip(dims);
export const oneHot = (x: Tensor, numClasses = -1): Tensor => X('one_hot', x).oneHot(numClasses);
export const pad = (x: Tensor, pads: number[], opts?: { mode?: 'constant' | 'reflect'; value?: number }): Tensor => X('pad', x).pad(pads, opts);
export const topk = (x: Tensor, k: number, opts?: { dim?: number; largest?: boolean; sorted?: boolean }) => X('topk', x).topk(k, opts);
export const sort = (x: Tensor, opts?: { dim?: number; descending?: boolean; stable?: boolean }) => X('sort', x).sort(opts);
export const argsort = (x: Tensor, opts?: { dim?: number; descending?: boolean; stable?: boolean }): Tensor => X('argsort', x).argsort(opts);
export const reshape = (x: Tensor, shape: number[]): Tensor => X('reshape', x).reshape(shape);
export const transpose = (x: Tensor, d0: number, d1: number): Tensor => X('transpose', x).transpose(d0, d1);
export const permute = (x: Tensor, dims: number[]): Tensor => X('permute', x).permute(dims);
export const flatten = (x: Tensor, startDim = 0, endDim = -1): Tensor => X('flatten', x).flatten(startDim, endDim);
export const squeeze = (x: Tensor, dim?: Dim): Tensor => X('squeeze', x).squeeze(dim);
export const unsqueeze = (x: Tensor, dim: number): Tensor => X('unsqueeze', x).unsqueeze(dim);

/** Threads used by native kernels and the BLAS. */
export const setNumThreads = (n: number): void => native.set_num_threads(n);
export const getNumThreads = (): number => native.get_num_threads();
/** The BLAS, threading, build flavor and whether CUDA was compiled in. */
export const backendInfo = () => native.backend_info();

// ---- fused optimizer steps (what ts/optim calls; like torch._fused_adam_)
/** A fused step's tensors, checked by name (a `.grad` that is no tensor would otherwise reach `._h`). */
function steps(op: string, required: Record<string, unknown>, optional: Record<string, unknown> = {}): void {
  for (const [what, t] of Object.entries(required)) if (!(t instanceof Tensor)) badArg(op, what, 'a Tensor', t);
  for (const [what, t] of Object.entries(optional)) if (t !== null && t !== undefined && !(t instanceof Tensor)) badArg(op, what, 'a Tensor or null', t);
}
export interface AdamStepOptions { lr: number; beta1: number; beta2: number; eps: number; weightDecay: number; step: number; decoupled?: boolean; maximize?: boolean }
/** One Adam/AdamW update of `param` and its moments in a single native pass (in place). */
export function adamStep_(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, maxExpAvgSq: Tensor | null, o: AdamStepOptions): Tensor {
  steps('adam_step_', { param, grad, expAvg, expAvgSq }, { maxExpAvgSq });
  for (const t of [param, expAvg, expAvgSq, maxExpAvgSq]) t?._checkInPlace('adam_step_');
  native.adam_step_(param._h, grad._h, expAvg._h, expAvgSq._h, maxExpAvgSq ? maxExpAvgSq._h : null, o.lr, o.beta1, o.beta2, o.eps,
    o.weightDecay, o.step, !!o.decoupled, !!o.maximize);
  for (const t of [param, expAvg, expAvgSq, maxExpAvgSq]) t?._bumpVersion();
  return param;
}
export interface SgdStepOptions { lr: number; momentum?: number; dampening?: number; weightDecay?: number; nesterov?: boolean; maximize?: boolean; first?: boolean }
/** One SGD update (momentum buffer optional) in a single native pass (in place). */
export function sgdStep_(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, o: SgdStepOptions): Tensor {
  steps('sgd_step_', { param, grad }, { momentumBuffer });
  for (const t of [param, momentumBuffer]) t?._checkInPlace('sgd_step_');
  native.sgd_step_(param._h, grad._h, momentumBuffer ? momentumBuffer._h : null, o.lr, o.momentum ?? 0, o.dampening ?? 0,
    o.weightDecay ?? 0, !!o.nesterov, !!o.maximize, !!o.first);
  for (const t of [param, momentumBuffer]) t?._bumpVersion();
  return param;
}
export interface RmspropStepOptions { lr: number; alpha: number; eps: number; weightDecay?: number; momentum?: number; maximize?: boolean }
/** One RMSprop update (centered when gradAvg is given, with momentum when momentumBuffer is) in one native pass. */
export function rmspropStep_(param: Tensor, grad: Tensor, squareAvg: Tensor, gradAvg: Tensor | null, momentumBuffer: Tensor | null, o: RmspropStepOptions): Tensor {
  steps('rmsprop_step_', { param, grad, squareAvg }, { gradAvg, momentumBuffer });
  for (const t of [param, squareAvg, gradAvg, momentumBuffer]) t?._checkInPlace('rmsprop_step_');
  native.rmsprop_step_(param._h, grad._h, squareAvg._h, gradAvg ? gradAvg._h : null, momentumBuffer ? momentumBuffer._h : null,
    o.lr, o.alpha, o.eps, o.weightDecay ?? 0, o.momentum ?? 0, !!o.maximize);
  for (const t of [param, squareAvg, gradAvg, momentumBuffer]) t?._bumpVersion();
  return param;
}
export interface AdagradStepOptions { lr: number; lrDecay?: number; eps: number; weightDecay?: number; step: number; maximize?: boolean }
/** One Adagrad update of `param` and its squared-gradient sum in one native pass. */
export function adagradStep_(param: Tensor, grad: Tensor, sum: Tensor, o: AdagradStepOptions): Tensor {
  steps('adagrad_step_', { param, grad, sum });
  for (const t of [param, sum]) t?._checkInPlace('adagrad_step_');
  native.adagrad_step_(param._h, grad._h, sum._h, o.lr, o.lrDecay ?? 0, o.eps, o.weightDecay ?? 0, o.step, !!o.maximize);
  for (const t of [param, sum]) t?._bumpVersion();
  return param;
}
