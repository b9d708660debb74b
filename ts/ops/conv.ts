// Convolution over NCHW (or unbatched CHW) tensors: the op layer over the native conv
// kernels. The three native ops are each other's gradients (conv2d's dx is a transposed
// conv, its dW is conv2d_weight_grad, and so on): their rows in ts/autograd/derivatives.ts
// are differentiable again and run on whatever device the kernels do. conv2d's plain
// backward (no createGraph) takes the native conv2d_backward instead, which computes all its
// gradients from one pass over dy (as torch's convolution_backward).
import { Tensor } from '../tensor';
import { call } from '../call';
import { tensorArg, optTensorArg, showValue, optionsArg } from '../args';

export type Size2 = number | [number, number];
export type Padding2 = Size2 | 'same' | 'valid';
export interface Conv2dOptions { stride?: Size2; padding?: Padding2; dilation?: Size2; groups?: number }
export interface Conv1dOptions { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number; groups?: number }
export interface ConvTranspose2dOptions { stride?: Size2; padding?: Size2; outputPadding?: Size2; dilation?: Size2; groups?: number }

interface Geo { stride: number[]; padding: number[]; dilation: number[]; groups: number }

export function pair(op: string, what: string, v: Size2): [number, number] {
  const p = typeof v === 'number' ? [v, v] : v;
  // safe integers only: past 2^53 a size is no longer exact (and sizes, padding and strides
  // of that magnitude would only overflow the native geometry)
  if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isSafeInteger(x)))
    throw new Error(`${op}: ${what} must be an integer or a pair of integers, got ${showValue(v)}`);
  return [p[0], p[1]];
}
/** Optional tensor arguments (bias, weight, running stats: null or undefined means none) must
 * be live tensors: a number for a bias would otherwise be dropped, where torch refuses it. */
export function optTensors(op: string, ...ts: [string, unknown][]): void {
  for (const [what, t] of ts) optTensorArg(op, what, t);
}
/** The input checks every NCHW op starts with: a live tensor, batched (4-D) or unbatched (3-D). */
export const bchw = (op: string, x: Tensor): void => {
  tensorArg(op, 'input', x);
  if (x.ndim !== 3 && x.ndim !== 4)
    throw new Error(`${op}: expected 3-D (unbatched) or 4-D (batched) input, got input of size [${x.shape.join(', ')}]`);
};
/** Runs f on x as a batch: an unbatched [C, H, W] input gets (and loses) a batch dim of 1. */
export const batched = (x: Tensor, f: (x4: Tensor) => Tensor): Tensor => (x.ndim === 3 ? f(x.unsqueeze(0)).squeeze(0) : f(x));
/** The output padding that makes a transposed conv of dy come back to `size` (H, W). */
const outPad = (size: readonly number[], dy: Tensor, k: readonly number[], g: Geo): number[] =>
  [0, 1].map((i) => size[i] - ((dy.shape[2 + i] - 1) * g.stride[i] - 2 * g.padding[i] + g.dilation[i] * (k[i] - 1) + 1));
const kernelOf = (w: Tensor): number[] => [w.shape[2], w.shape[3]];
/** Geometry from options whose padding is numeric (everything but conv2d's 'same'/'valid'). */
const numericGeo = (op: string, o: { stride?: Size2; padding?: Size2; dilation?: Size2; groups?: number }): Geo => ({
  stride: pair(op, 'stride', o.stride ?? 1), padding: pair(op, 'padding', o.padding ?? 0),
  dilation: pair(op, 'dilation', o.dilation ?? 1), groups: o.groups ?? 1,
});

const conv2dRaw = (x: Tensor, w: Tensor, b: Tensor | null, g: Geo): Tensor =>
  call('conv2d', [x, w, b, g.stride, g.padding, g.dilation, g.groups]);
const backwardRaw = (dy: Tensor, x: Tensor, w: Tensor, g: Geo, mask: [boolean, boolean, boolean]): (Tensor | null)[] =>
  call<(Tensor | null)[]>('conv2d_backward', [dy, x, w, g.stride, g.padding, g.dilation, g.groups, ...mask]);
const convTranspose2dRaw = (x: Tensor, w: Tensor, b: Tensor | null, g: Geo, outputPadding: number[]): Tensor =>
  call('conv_transpose2d', [x, w, b, g.stride, g.padding, outputPadding, g.dilation, g.groups]);
const weightGradRaw = (dy: Tensor, x: Tensor, kernel: number[], g: Geo): Tensor =>
  call('conv2d_weight_grad', [dy, x, kernel, g.stride, g.padding, g.dilation, g.groups]);

/**
 * 2-D convolution (cross-correlation, as torch) of [N, C, H, W] or [C, H, W] input with
 * weight [OC, C / groups, kH, kW]. padding 'same' keeps H x W (stride 1; an even kernel
 * pads one more on the bottom/right, as torch).
 * ```ts
 * conv2d(x, w, b, { stride: 2, padding: 1 });
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv2dOptions = {}): Tensor {
  const op = 'conv2d';
  bchw(op, x);
  o = optionsArg(op, o);
  tensorArg(op, 'weight', weight);
  optTensors(op, ['bias', bias]);
  if (weight.ndim !== 4) throw new Error(`${op}: expected 4-D weight [OC, C/groups, kH, kW], got [${weight.shape.join(', ')}]`);
  const stride = pair(op, 'stride', o.stride ?? 1), dilation = pair(op, 'dilation', o.dilation ?? 1);
  const groups = o.groups ?? 1;
  let padding: number[], extra: number[] | null = null;
  if (o.padding === 'valid') padding = [0, 0];
  else if (o.padding === 'same') {
    if (stride.some((s) => s !== 1)) throw new Error(`${op}: padding='same' is not supported for strided convolutions`);
    const total = [0, 1].map((i) => dilation[i] * (weight.shape[2 + i] - 1));
    padding = total.map((t) => Math.floor(t / 2));
    if (total.some((t) => t % 2)) extra = total.map((t) => t % 2);
  } else padding = pair(op, 'padding', o.padding ?? 0);
  if (typeof o.padding === 'string' && o.padding !== 'same' && o.padding !== 'valid')
    throw new Error(`${op}: invalid padding string '${o.padding}', expected 'same' or 'valid'`);
  const g: Geo = { stride, padding, dilation, groups };
  return batched(x, (x4) => conv2dRaw(extra ? x4.pad([0, extra[1], 0, extra[0]]) : x4, weight, bias, g));
}

/** conv1d's scalar geometry: an integer or undefined (the default). */
const int1 = (what: string, v: unknown): void => {
  if (v !== undefined && !Number.isSafeInteger(v)) throw new Error(`conv1d: ${what} must be an integer, got ${showValue(v)}`);
};
/** 1-D convolution of [N, C, L] or [C, L] input with weight [OC, C / groups, k]: conv2d over a height of 1. */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: Conv1dOptions = {}): Tensor {
  tensorArg('conv1d', 'input', x);
  o = optionsArg('conv1d', o);
  tensorArg('conv1d', 'weight', weight);
  optTensors('conv1d', ['bias', bias]);
  // checked here: conv2d would name the pair [1, v] it is given instead of the value
  int1('stride', o.stride); int1('dilation', o.dilation);
  if (typeof o.padding !== 'string') int1('padding', o.padding);
  if (x.ndim !== 2 && x.ndim !== 3)
    throw new Error(`conv1d: expected 2-D (unbatched) or 3-D (batched) input, got input of size [${x.shape.join(', ')}]`);
  if (weight.ndim !== 3) throw new Error(`conv1d: expected 3-D weight [OC, C/groups, k], got [${weight.shape.join(', ')}]`);
  const p = o.padding ?? 0;
  const y = conv2d(x.unsqueeze(-2), weight.unsqueeze(2), bias, {
    stride: [1, o.stride ?? 1], dilation: [1, o.dilation ?? 1], groups: o.groups, padding: typeof p === 'string' ? p : [0, p],
  });
  return y.squeeze(-2);
}

/** Transposed 2-D convolution (conv2d's gradient with respect to its input); weight [C, OC / groups, kH, kW]. */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, o: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  bchw(op, x);
  o = optionsArg(op, o);
  tensorArg(op, 'weight', weight);
  optTensors(op, ['bias', bias]);
  if (weight.ndim !== 4) throw new Error(`${op}: expected 4-D weight [C, OC/groups, kH, kW], got [${weight.shape.join(', ')}]`);
  const g = numericGeo(op, o);
  const outputPadding = pair(op, 'outputPadding', o.outputPadding ?? 0);
  return batched(x, (x4) => convTranspose2dRaw(x4, weight, bias, g, outputPadding));
}

/**
 * conv2d's gradients with respect to its input, weight and bias from gradOutput, each where
 * outputMask asks for it (else null); torch's convolution_backward. Not differentiable:
 * autograd's createGraph goes through conv2d's differentiable rule instead.
 */
export function conv2dBackward(gradOutput: Tensor, input: Tensor, weight: Tensor, o: Omit<Conv2dOptions, 'padding'> & { padding?: Size2; outputMask?: [boolean, boolean, boolean] } = {}): (Tensor | null)[] {
  const op = 'conv2dBackward';
  o = optionsArg(op, o);
  tensorArg(op, 'grad_output', gradOutput);
  tensorArg(op, 'input', input);
  tensorArg(op, 'weight', weight);
  const g = numericGeo(op, o);
  return backwardRaw(gradOutput, input, weight, g, o.outputMask ?? [true, true, true]);
}

/** dW of conv2d(x, W) for a kernel of size `kernelSize`, given dy (torch.nn.grad.conv2d_weight). */
export function conv2dWeightGrad(gradOutput: Tensor, input: Tensor, kernelSize: Size2, o: Omit<Conv2dOptions, 'padding'> & { padding?: Size2 } = {}): Tensor {
  const op = 'conv2dWeightGrad';
  o = optionsArg(op, o);
  tensorArg(op, 'grad_output', gradOutput);
  tensorArg(op, 'input', input);
  const g = numericGeo(op, o);
  return weightGradRaw(gradOutput, input, pair(op, 'kernelSize', kernelSize), g);
}
