// Pooling and resampling over NCHW (or unbatched CHW) tensors. Max pooling runs native
// kernels that return flat per-plane indices; its gradient scatters dy through them.
// Average pooling is a conv with a box kernel over each plane; adaptive average pooling and
// bilinear/nearest resampling are separable, so they are two small matmuls (or index
// selects) with a [out, in] matrix per spatial dim: no per-element loops, and their
// gradients come from the ops they are built on.
import { native } from '../binding';
import { Tensor, type ValuesIndices } from '../tensor';
import { tensor, zeros, ones } from '../creation';
import { call } from '../call';
import { conv2d, pair, batched, bchw, type Size2 } from './conv';
import { tensorArg, showValue, optionsArg } from '../args';

export type { Size2 };
export interface MaxPoolOptions { stride?: Size2 | null; padding?: Size2; dilation?: Size2; ceilMode?: boolean }
export interface AvgPoolOptions { stride?: Size2 | null; padding?: Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }
export interface InterpolateOptions { size?: Size2 | null; scaleFactor?: number | [number, number] | null; mode?: 'nearest' | 'bilinear'; alignCorners?: boolean | null }
export type OutputSize2 = Size2 | [number | null, number | null];

const withIndices = (x: Tensor, f: (x4: Tensor) => ValuesIndices): ValuesIndices => {
  if (x.ndim === 4) return f(x);
  const r = f(x.unsqueeze(0));
  return { values: r.values.squeeze(0), indices: r.indices.squeeze(0) };
};
/** Max over windows of [N, C, H, W] input, with the flat index (h * W + w) of each maximum. */
export function maxPool2dWithIndices(x: Tensor, kernelSize: Size2, o: MaxPoolOptions = {}): ValuesIndices {
  const op = 'maxPool2d';
  bchw(op, x);
  o = optionsArg(op, o);
  const k = pair(op, 'kernelSize', kernelSize), s = pair(op, 'stride', o.stride ?? kernelSize);
  const p = pair(op, 'padding', o.padding ?? 0), d = pair(op, 'dilation', o.dilation ?? 1);
  return withIndices(x, (x4) => {
    const [values, indices] = call<Tensor[]>('max_pool2d', [x4, k, s, p, d, !!o.ceilMode]);
    return { values, indices };
  });
}
export const maxPool2d = (x: Tensor, kernelSize: Size2, o: MaxPoolOptions = {}): Tensor => maxPool2dWithIndices(x, kernelSize, o).values;

export interface MaxPool1dOptions { stride?: number | null; padding?: number; dilation?: number; ceilMode?: boolean }
/** Max over windows of [N, C, L] or [C, L] input (max_pool2d over a height of 1). */
export function maxPool1dWithIndices(x: Tensor, kernelSize: number, o: MaxPool1dOptions = {}): ValuesIndices {
  tensorArg('maxPool1d', 'input', x);
  o = optionsArg('maxPool1d', o);
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new Error(`maxPool1d: expected 2-D (unbatched) or 3-D (batched) input, got input of size [${x.shape.join(', ')}]`);
  const r = maxPool2dWithIndices(x.unsqueeze(-2), [1, kernelSize], {
    stride: [1, o.stride ?? kernelSize], padding: [0, o.padding ?? 0], dilation: [1, o.dilation ?? 1], ceilMode: o.ceilMode,
  });
  return { values: r.values.squeeze(-2), indices: r.indices.squeeze(-2) };
}
export const maxPool1d = (x: Tensor, kernelSize: number, o: MaxPool1dOptions = {}): Tensor => maxPool1dWithIndices(x, kernelSize, o).values;

/** torch's pooling output size (floor or ceil; the last window must start inside input or left padding). */
function poolOut(n: number, k: number, p: number, s: number, ceil: boolean): number {
  let o = Math.floor((n + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;
  return o;
}

/**
 * Mean over kH x kW windows of [N, C, H, W] input. countIncludePad counts the zero padding
 * in each window's divisor (torch's default); windows that ceilMode adds past the padding
 * count only what they cover.
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, o: AvgPoolOptions = {}): Tensor {
  const op = 'avgPool2d';
  bchw(op, x);
  o = optionsArg(op, o);
  const k = pair(op, 'kernelSize', kernelSize), s = pair(op, 'stride', o.stride ?? kernelSize), p = pair(op, 'padding', o.padding ?? 0);
  if (k.some((v) => v < 1) || s.some((v) => v < 1) || p.some((v) => v < 0))
    throw new Error(`${op}: kernel size and stride must be positive and padding non-negative, got kernel [${k}], stride [${s}], padding [${p}]`);
  if (p[0] > k[0] / 2 || p[1] > k[1] / 2) throw new Error(`${op}: pad should be at most half of kernel size, but got pad=[${p}] and kernel_size=[${k}]`);
  if (!x.isFloatingPoint()) throw new Error(`${op}: input must be floating point, got ${x.dtype}`);
  const dov = o.divisorOverride;
  if (dov !== undefined && dov !== null && !(Number.isInteger(dov) && dov !== 0)) throw new Error(`${op}: divisor must be not zero, got ${showValue(dov)}`);
  const sizes = [x.shape[x.ndim - 2], x.shape[x.ndim - 1]];
  const out = [0, 1].map((i) => poolOut(sizes[i], k[i], p[i], s[i], !!o.ceilMode));
  if (out.some((v) => v < 1)) throw new Error(`${op}: given input size [${x.shape.join(', ')}], calculated output size [${out.join(', ')}] is too small`);
  // the windows' divisors, separable per dim: clipped to input + padding, or to the input alone
  const include = o.countIncludePad ?? true;
  const counts = [0, 1].map((i) => Array.from({ length: out[i] }, (_, j) => {
    const lo = j * s[i] - p[i], hi = Math.min(lo + k[i], sizes[i] + p[i]);
    return include ? hi - lo : Math.min(hi, sizes[i]) - Math.max(lo, 0);
  }));
  return batched(x, (x4) => {
    const [N, C] = x4.shape;
    // zero padding reaching as far as the last window, then a box-kernel conv per plane
    const extra = [0, 1].map((i) => Math.max(0, (out[i] - 1) * s[i] + k[i] - sizes[i] - p[i]));
    const xp = x4.reshape([N * C, 1, sizes[0], sizes[1]]).pad([p[1], extra[1], p[0], extra[0]]);
    const sum = conv2d(xp, ones([1, 1, k[0], k[1]], { dtype: x.dtype }), null, { stride: s }).reshape([N, C, out[0], out[1]]);
    if (dov !== undefined && dov !== null) return sum.div(dov);
    const div = tensor(counts[0], { dtype: x.dtype }).reshape([-1, 1]).mul(tensor(counts[1], { dtype: x.dtype }));
    return sum.div(div);
  });
}

const outSize = (op: string, x: Tensor, size: OutputSize2): [number, number] => {
  const v: unknown = typeof size === 'number' ? [size, size] : size;
  const r = Array.isArray(v) && v.length === 2 ? [0, 1].map((i) => v[i] ?? x.shape[x.ndim - 2 + i]) : [];
  // an object, a symbol or [] is no size (indexing it gave undefined, read as "keep the dim")
  if (r.length !== 2 || r.some((n) => !Number.isSafeInteger(n) || n < 1))
    throw new Error(`${op}: output size must be a positive integer or a pair of them (null keeps a dim), got ${showValue(size)}`);
  return [r[0], r[1]];
};
/** The [m, n] resampling matrix's buffer: a size too large for JS memory is a named Error, not V8's RangeError. */
function matrixBuffer(op: string, m: number, n: number): Float64Array {
  try {
    return new Float64Array(m * n);
  } catch {
    throw new Error(`${op}: output size ${m} is too large (a [${m}, ${n}] resampling matrix cannot be allocated)`);
  }
}
/** [out, in] matrix averaging adaptive window i = [floor(i in / out), ceil((i + 1) in / out)). */
function adaptiveMatrix(n: number, m: number, dtype: Tensor['dtype']): Tensor {
  const a = matrixBuffer('adaptiveAvgPool2d', m, n);
  for (let i = 0; i < m; i++) {
    const lo = Math.floor((i * n) / m), hi = Math.ceil(((i + 1) * n) / m);
    for (let j = lo; j < hi; j++) a[i * n + j] = 1 / (hi - lo);
  }
  return tensor(a, { dtype }).reshape([m, n]);
}

/** Mean pooling of [N, C, H, W] input to a fixed output size (null keeps that dim). */
export function adaptiveAvgPool2d(x: Tensor, outputSize: OutputSize2): Tensor {
  const op = 'adaptiveAvgPool2d';
  bchw(op, x);
  if (!x.isFloatingPoint()) throw new Error(`${op}: input must be floating point, got ${x.dtype}`);
  const [oh, ow] = outSize(op, x, outputSize), H = x.shape[x.ndim - 2], W = x.shape[x.ndim - 1];
  if (H === 0 || W === 0) throw new Error(`${op}: expected non-empty spatial dims, got input [${x.shape.join(', ')}]`);
  if (oh === 1 && ow === 1) return x.mean([-2, -1], { keepdim: true });
  const rows = oh === H ? x : adaptiveMatrix(H, oh, x.dtype).matmul(x);
  return ow === W ? rows : rows.matmul(adaptiveMatrix(W, ow, x.dtype).t());
}

/** Max pooling to a fixed output size, with flat indices. */
export function adaptiveMaxPool2d(x: Tensor, outputSize: OutputSize2): ValuesIndices {
  const op = 'adaptiveMaxPool2d';
  bchw(op, x);
  const size = outSize(op, x, outputSize);
  return withIndices(x, (x4) => {
    const [values, indices] = call<Tensor[]>('adaptive_max_pool2d', [x4, size]);
    return { values, indices };
  });
}

/** [out, in] linear interpolation matrix, torch's source-index rule for bilinear. */
function linearMatrix(n: number, m: number, scale: number | null, align: boolean, dtype: Tensor['dtype']): Tensor {
  const a = matrixBuffer('interpolate', m, n);
  const r = align ? (m > 1 ? (n - 1) / (m - 1) : 0) : scale !== null ? 1 / scale : n / m;
  for (let i = 0; i < m; i++) {
    const src = Math.max(align ? r * i : r * (i + 0.5) - 0.5, 0);
    const i0 = Math.min(Math.floor(src), n - 1), i1 = Math.min(i0 + 1, n - 1), l = src - i0;
    a[i * n + i0] += 1 - l;
    a[i * n + i1] += l;
  }
  return tensor(a, { dtype }).reshape([m, n]);
}
/** Source indices of nearest resampling (torch's legacy 'nearest': floor(dst * scale)). */
function nearestIndex(n: number, m: number, scale: number | null): Tensor {
  const r = scale !== null ? 1 / scale : n / m;
  const a = matrixBuffer('interpolate', m, 1);
  for (let i = 0; i < m; i++) a[i] = Math.min(Math.floor(i * r), n - 1);
  return tensor(a, { dtype: 'int64' });
}

/** Resamples [N, C, H, W] input to `size` or by `scaleFactor`: 'nearest' (default) or 'bilinear'. */
export function interpolate(x: Tensor, o: InterpolateOptions): Tensor {
  const op = 'interpolate';
  tensorArg(op, 'input', x);
  if (o === null || typeof o !== 'object') throw new Error(`${op}: options must be an object with size or scaleFactor, got ${showValue(o)}`);
  if (x.ndim !== 4) throw new Error(`${op}: expected 4-D input [N, C, H, W], got input of size [${x.shape.join(', ')}]`);
  const mode = o.mode ?? 'nearest';
  if (mode !== 'nearest' && mode !== 'bilinear') throw new Error(`${op}: unsupported mode '${String(mode)}', expected 'nearest' or 'bilinear'`);
  const hasSize = o.size !== undefined && o.size !== null, hasScale = o.scaleFactor !== undefined && o.scaleFactor !== null;
  if (hasSize === hasScale) throw new Error(`${op}: exactly one of size or scaleFactor must be given`);
  if (mode === 'nearest' && o.alignCorners !== undefined && o.alignCorners !== null)
    throw new Error(`${op}: alignCorners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear`);
  const H = x.shape[2], W = x.shape[3];
  const sf: unknown = o.scaleFactor;
  const scales: unknown[] = !hasScale ? [null, null] : typeof sf === 'number' ? [sf, sf] : Array.isArray(sf) && sf.length === 2 ? sf : [];
  if (hasScale && (scales.length !== 2 || !scales.every((v) => typeof v === 'number' && v > 0 && v < Infinity)))
    throw new Error(`${op}: scaleFactor must be a positive finite number or a pair of them, got ${showValue(sf)}`);
  const [sh, sw] = scales as (number | null)[];
  const out = hasSize ? pair(op, 'size', o.size!) : [Math.floor(H * sh!), Math.floor(W * sw!)];
  if (out.some((v) => v < 1) || H === 0 || W === 0)
    throw new Error(`${op}: input [${x.shape.join(', ')}] and output size [${out.join(', ')}] must be non-empty`);
  if (mode === 'nearest') return x.indexSelect(2, nearestIndex(H, out[0], sh)).indexSelect(3, nearestIndex(W, out[1], sw));
  if (!x.isFloatingPoint()) throw new Error(`${op}: bilinear needs floating-point input, got ${x.dtype}`);
  const align = !!o.alignCorners;
  return linearMatrix(H, out[0], sh, align, x.dtype).matmul(x).matmul(linearMatrix(W, out[1], sw, align, x.dtype).t());
}
