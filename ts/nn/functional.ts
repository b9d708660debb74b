// nn.functional: layers and losses as functions of tensors (modules call these).
// Composites of Tensor ops, so autograd differentiates them with no rules of their own
// (batchNorm and float layerNorm run native ops with derivative rows).
import { Tensor } from '../tensor';
import { zerosLike, rand, tensor } from '../creation';
import { noGrad } from '../autograd/engine';
import { tensorArg, optTensorArg, intArg, numberArg, showValue } from '../args';

export { conv2d, conv1d, convTranspose2d } from '../ops/conv';
import { batchNorm as batchNormOp } from '../ops/norm';
import { isTracing } from '../call';
import { layerNormStats } from '../ops/layer_norm';
import { groupNormStats } from '../ops/group_norm';
import { dropoutPhilox, dropoutRng } from '../ops/dropout';
export { maxPool2d, maxPool2dWithIndices, maxPool1d, maxPool1dWithIndices, avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, interpolate } from '../ops/pool';

export type Reduction = 'mean' | 'sum' | 'none';
/** Refuses an unknown reduction (torch: "x is not a valid value for reduction") rather than taking it as 'mean'. */
function checkReduction(op: string, r: unknown, extra: string[] = []): void {
  if (r !== undefined && r !== 'mean' && r !== 'sum' && r !== 'none' && !extra.includes(r as string))
    throw new Error(`${op}: ${typeof r === 'string' ? `'${r}'` : showValue(r)} is not a valid value for reduction (${['mean', 'sum', 'none', ...extra].map((x) => `'${x}'`).join(', ')})`);
}
const reduce = (l: Tensor, r: Reduction = 'mean'): Tensor => (r === 'mean' ? l.mean() : r === 'sum' ? l.sum() : l);
const shapeStr = (t: Tensor): string => `[${t.shape.join(', ')}]`;
function sameShape(op: string, input: Tensor, target: Tensor): void {
  tensorArg(op, 'input', input);
  tensorArg(op, 'target', target);
  if (input.shape.join(',') !== target.shape.join(','))
    throw new Error(`${op}: target size ${shapeStr(target)} must be the same as input size ${shapeStr(input)}`);
}

/** Optional tensor arguments (bias, weight, ...) must be tensors: torch refuses a number where a
 * tensor is due, and here one would broadcast (linear) or be dropped. */
const optTensor = optTensorArg;

/** y = x Wᵀ + b, W of shape [out, in]. */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  tensorArg('linear', 'input', x);
  tensorArg('linear', 'weight', weight);
  optTensor('linear', 'bias', bias);
  const inF = weight.shape[1];
  if (x.ndim === 0 || x.shape[x.ndim - 1] !== inF)
    throw new Error(`linear: input ${shapeStr(x)} has ${x.shape[x.ndim - 1]} features, weight ${shapeStr(weight)} expects ${inF}`);
  // a jit trace keeps the N-D matmul: its ONNX MatMul takes any dynamic axes, where reshaping back would need
  // each leading size (ONNX Reshape infers one)
  if (x.ndim > 2 && weight.ndim === 2 && !isTracing()) {
    // [*, in] as one [rows, in] GEMM (as torch): batched small GEMMs, and for W's gradient a
    // batch of products and a sum, cost far more than one big product
    const lead = x.shape.slice(0, -1), x2 = x.reshape([-1, inF]);
    const y2 = x2.matmul(weight.t());
    return (bias ? y2.add(bias) : y2).reshape([...lead, weight.shape[0]]);
  }
  const y = x.matmul(weight.t());
  return bias ? y.add(bias) : y;
}
/** x1ᵀ A x2 + b per output feature: weight [out, in1, in2]. */
export function bilinear(x1: Tensor, x2: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  tensorArg('bilinear', 'input1', x1);
  tensorArg('bilinear', 'input2', x2);
  tensorArg('bilinear', 'weight', weight);
  optTensor('bilinear', 'bias', bias);
  // [N, in1] x [out, in1, in2] -> [N, out, in2], then contract with x2
  const t = x1.unsqueeze(1).unsqueeze(2).matmul(weight.unsqueeze(0)).squeeze(2);
  const y = t.mul(x2.unsqueeze(1)).sum(-1);
  return bias ? y.add(bias) : y;
}
/** Inverted dropout: zeroes elements with probability p and scales the rest by 1/(1-p) in training. */
export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  tensorArg('dropout', 'input', x);
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new Error(`dropout: probability has to be between 0 and 1, but got ${showValue(p)}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  // float32/float64 on the CPU: one native pass that draws the mask and scales, and whose backward
  // regenerates the mask instead of storing it (a jit trace keeps the composite, which it can export)
  if ((x.dtype === 'float32' || x.dtype === 'float64') && x.device === 'cpu' && !isTracing())
    return dropoutPhilox(x, p, dropoutRng(x.numel()));
  const mask = noGrad(() => rand([...x.shape], { dtype: x.dtype }).ge(p).mul(1 / (1 - p)));
  return x.mul(mask);
}

export function layerNorm(x: Tensor, normalizedShape: number[], weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  tensorArg('layerNorm', 'input', x);
  if (!Array.isArray(normalizedShape)) throw new Error(`layerNorm: normalized_shape must be an array of integers, got ${showValue(normalizedShape)}`);
  normalizedShape.forEach((v) => intArg('layerNorm', 'normalized_shape', v));
  numberArg('layerNorm', 'eps', eps, 0);
  optTensor('layerNorm', 'weight', weight);
  optTensor('layerNorm', 'bias', bias);
  const k = normalizedShape.length;
  if (x.shape.slice(x.ndim - k).join(',') !== normalizedShape.join(','))
    throw new Error(`layerNorm: input ${shapeStr(x)} does not end with normalized shape [${normalizedShape.join(', ')}]`);
  // float32/float64 run the native kernel (ts/ops/layer_norm.ts); float16/bfloat16, and a weight
  // or bias that is not of normalized shape and x's dtype (broadcast here), the composite below
  const fits = (t: Tensor | null | undefined): boolean => !t || (t.dtype === x.dtype && t.shape.join(',') === normalizedShape.join(','));
  if (k > 0 && (x.dtype === 'float32' || x.dtype === 'float64') && fits(weight) && fits(bias))
    return layerNormStats(x, normalizedShape, weight ?? null, bias ?? null, eps).output;
  const dims = [...Array(k).keys()].map((i) => x.ndim - k + i);
  const mean = x.mean(dims, { keepdim: true });
  const xc = x.sub(mean);
  const y = xc.mul(xc.square().mean(dims, { keepdim: true }).add(eps).rsqrt());
  const yw = weight ? y.mul(weight) : y;
  return bias ? yw.add(bias) : yw;
}

/**
 * Batch normalization over dim 1 of [N, C, ...] (native kernels, ts/ops/norm.ts). When
 * training with running stats, they move by momentum in place (momentum null: the
 * cumulative average over numBatchesTracked, which is then incremented).
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, weight: Tensor | null,
  bias: Tensor | null, training: boolean, momentum: number | null = 0.1, eps = 1e-5, numBatchesTracked?: Tensor | null): Tensor {
  if (tensorArg('batchNorm', 'input', x).ndim < 2) throw new Error(`batchNorm: expected at least 2-D input, got ${shapeStr(x)}`);
  let m = momentum ?? 0.1;
  const count = training && runningMean && numBatchesTracked && x.numel() / x.shape[1] > 1;
  if (count && momentum === null) m = 1 / (Number(numBatchesTracked.item()) + 1);
  const y = batchNormOp(x, weight, bias, runningMean, runningVar, training, m, eps);
  // counted once the op succeeded: a refused batch (bad running stats, say) is not a batch seen
  if (count) noGrad(() => numBatchesTracked.add_(1));
  return y;
}

export function embedding(indices: Tensor, weight: Tensor, paddingIdx?: number | null): Tensor {
  tensorArg('embedding', 'indices', indices);
  tensorArg('embedding', 'weight', weight);
  if (indices.dtype !== 'int64' && indices.dtype !== 'int32') throw new Error(`embedding: indices must be int64 or int32, got ${indices.dtype}${intHint(indices)}`);
  const flat = indices.reshape([-1]);
  let rows = weight.indexSelect(0, flat);
  if (paddingIdx !== null && paddingIdx !== undefined) {
    // as torch: within [-num, num), a negative index counting from the end (it matched no row before)
    const num = weight.shape[0];
    if (!Number.isInteger(paddingIdx) || paddingIdx < -num || paddingIdx >= num)
      throw new Error(`embedding: paddingIdx must be within num_embeddings (${num}), got ${showValue(paddingIdx)}`);
    if (paddingIdx < 0) paddingIdx += num;
    // the padding row gets no gradient (as torch): mask the gathered rows' gradient path
    const keepRow = flat.ne(paddingIdx).unsqueeze(1);
    rows = rows.mul(keepRow).add(noGrad(() => rows.detach().mul(keepRow.logicalNot())));
  }
  return rows.reshape([...indices.shape, weight.shape[1]]);
}

// ---------------------------------------------------------------- losses

export interface LossOptions { reduction?: Reduction }
export const mseLoss = (input: Tensor, target: Tensor, o: LossOptions = {}): Tensor => {
  sameShape('mseLoss', input, target);
  checkReduction('mseLoss', o.reduction);
  return reduce(input.sub(target).square(), o.reduction);
};
export const l1Loss = (input: Tensor, target: Tensor, o: LossOptions = {}): Tensor => {
  sameShape('l1Loss', input, target);
  checkReduction('l1Loss', o.reduction);
  return reduce(input.sub(target).abs(), o.reduction);
};
export function huberLoss(input: Tensor, target: Tensor, o: LossOptions & { delta?: number } = {}): Tensor {
  sameShape('huberLoss', input, target);
  checkReduction('huberLoss', o.reduction);
  const d = o.delta === undefined ? 1 : o.delta;   // null is no delta (torch refuses None)
  if (!(typeof d === 'number' && d > 0)) throw new Error(`huberLoss: delta must be positive, got ${showValue(d)}`);
  const a = input.sub(target).abs();
  return reduce(a.square().mul(0.5).where(a.lt(d), a.sub(0.5 * d).mul(d)), o.reduction);
}
export function smoothL1Loss(input: Tensor, target: Tensor, o: LossOptions & { beta?: number } = {}): Tensor {
  sameShape('smoothL1Loss', input, target);
  checkReduction('smoothL1Loss', o.reduction);
  const b = o.beta === undefined ? 1 : o.beta;
  if (!(typeof b === 'number' && b >= 0)) throw new Error(`smoothL1Loss: beta must be non-negative, got ${showValue(b)}`);
  const a = input.sub(target).abs();
  if (b === 0) return reduce(a, o.reduction);
  return reduce(a.square().mul(0.5 / b).where(a.lt(b), a.sub(0.5 * b)), o.reduction);
}
export function binaryCrossEntropy(input: Tensor, target: Tensor, o: LossOptions & { weight?: Tensor | null } = {}): Tensor {
  sameShape('binaryCrossEntropy', input, target);
  checkReduction('binaryCrossEntropy', o.reduction);
  optTensor('binaryCrossEntropy', 'weight', o.weight);
  // NaN is outside [0, 1] too: ask "all inside", which NaN fails, not "any outside", which it passes
  const ok = noGrad(() => input.ge(0).logicalAnd(input.le(1)).all().item());
  if (!ok) throw new Error('binaryCrossEntropy: all elements of input should be between 0 and 1 (found one outside, or NaN)');
  // torch clamps the logs at -100 so that 0 * log(0) stays finite
  const l = target.mul(input.log().clamp(-100)).add(target.neg().add(1).mul(input.neg().add(1).log().clamp(-100))).neg();
  return reduce(o.weight ? l.mul(o.weight) : l, o.reduction);
}
/** Sigmoid + BCE in one stable expression: (1 - t) x + (1 + (pw - 1) t) softplus(-x). */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor,
  o: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {}): Tensor {
  sameShape('binaryCrossEntropyWithLogits', input, target);
  checkReduction('binaryCrossEntropyWithLogits', o.reduction);
  optTensor('binaryCrossEntropyWithLogits', 'weight', o.weight);
  optTensor('binaryCrossEntropyWithLogits', 'posWeight', o.posWeight);
  // log(1 + exp(-x)) through softplus, which is linear past its threshold: stable for any x
  const spNeg = input.neg().softplus();
  const coef = o.posWeight ? o.posWeight.sub(1).mul(target).add(1) : null;
  let l = target.neg().add(1).mul(input).add(coef ? spNeg.mul(coef) : spNeg);
  if (o.weight) l = l.mul(o.weight);
  return reduce(l, o.reduction);
}

/** For an integer-only argument given floats: JS numbers make float32 tensors, which surprises. */
const intHint = (t: Tensor): string =>
  (t.isFloatingPoint() ? " (tensor() makes float32 from JS numbers: give { dtype: 'int64' }, an Int32Array or BigInt64Array, or bigints like [0n, 2n])" : '');

export interface NllOptions extends LossOptions { weight?: Tensor | null; ignoreIndex?: number }
function checkClassTarget(op: string, input: Tensor, target: Tensor): void {
  if (target.dtype !== 'int64' && target.dtype !== 'int32')
    throw new Error(`${op}: expected target of class indices (int64), got ${target.dtype}${intHint(target)}`);
  const want = [input.shape[0], ...input.shape.slice(2)];
  if (input.ndim < 1 || (input.ndim === 1 ? target.ndim !== 0 : target.shape.join(',') !== want.join(',')))
    throw new Error(`${op}: expected target of shape [${input.ndim === 1 ? '' : want.join(', ')}] for input ${shapeStr(input)}, got ${shapeStr(target)}`);
}
/** A class-weight vector must hold one weight per class (torch: "weight tensor should be defined
 * either for all C classes or no classes"); a shorter one would be indexed out of range or broadcast. */
function checkClassWeight(op: string, input: Tensor, weight: Tensor | null | undefined): void {
  optTensor(op, 'weight', weight);
  if (!weight) return;
  const C = input.ndim === 1 ? input.shape[0] : input.shape[1];
  if (weight.ndim !== 1 || weight.shape[0] !== C)
    throw new Error(`${op}: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape ${shapeStr(weight)}`);
}
/** Per-element -w[t] * logp[t] and the weights w[t] (0 where ignored). */
function nllParts(logp: Tensor, target: Tensor, o: NllOptions, op: string): { loss: Tensor; w: Tensor } {
  const C = logp.ndim === 1 ? logp.shape[0] : logp.shape[1];
  const ignore = o.ignoreIndex ?? -100;
  if (!Number.isInteger(ignore)) throw new Error(`${op}: ignoreIndex must be an integer, got ${showValue(ignore)}`);
  const valid = target.ne(ignore);
  const t = target.long().where(valid, 0);
  const bad = noGrad(() => t.lt(0).logicalOr(t.ge(C)).any().item());
  if (bad) throw new Error(`${op}: target class out of range [0, ${C}) (ignoreIndex ${ignore})`);
  const lp = logp.ndim === 1 ? logp.unsqueeze(0) : logp;
  const tt = logp.ndim === 1 ? t.unsqueeze(0) : t;
  const picked = lp.gather(1, tt.unsqueeze(1)).squeeze(1);
  let w: Tensor = valid.to(logp.dtype);
  if (o.weight) w = w.mul(o.weight.indexSelect(0, tt.reshape([-1])).reshape([...tt.shape]));
  const vw = logp.ndim === 1 ? w.squeeze(0) : w;
  return { loss: picked.mul(w).neg().reshape([...vw.shape]), w: vw };
}
function weightedReduce(loss: Tensor, w: Tensor, r: Reduction = 'mean'): Tensor {
  return r === 'none' ? loss : r === 'sum' ? loss.sum() : loss.sum().div(w.sum());
}
/** Negative log likelihood of class indices given log-probabilities [N, C, ...]. */
export function nllLoss(input: Tensor, target: Tensor, o: NllOptions = {}): Tensor {
  tensorArg('nllLoss', 'input', input);
  tensorArg('nllLoss', 'target', target);
  checkClassTarget('nllLoss', input, target);
  checkReduction('nllLoss', o.reduction);
  checkClassWeight('nllLoss', input, o.weight);
  const { loss, w } = nllParts(input, target, o, 'nllLoss');
  return weightedReduce(loss, w, o.reduction);
}
export interface CrossEntropyOptions extends NllOptions { labelSmoothing?: number }
/**
 * Cross entropy of logits [N, C, ...] against class indices [N, ...] or class probabilities
 * (same shape as the input); fused through logSoftmax, so it is stable for any logits.
 * ```ts
 * const loss = crossEntropy(logits, labels, { labelSmoothing: 0.1 });
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, o: CrossEntropyOptions = {}): Tensor {
  const eps = o.labelSmoothing ?? 0;
  if (!(typeof eps === 'number' && eps >= 0 && eps <= 1)) throw new Error(`crossEntropy: labelSmoothing must be between 0.0 and 1.0, got ${showValue(eps)}`);
  tensorArg('crossEntropy', 'input', input);
  tensorArg('crossEntropy', 'target', target);
  checkReduction('crossEntropy', o.reduction);
  checkClassWeight('crossEntropy', input, o.weight);
  const cdim = input.ndim === 1 ? 0 : 1;
  const C = input.shape[cdim];
  const logp = input.logSoftmax(cdim);
  const wshape = input.ndim === 1 ? [C] : [1, C, ...Array(input.ndim - 2).fill(1)];
  if (target.isFloatingPoint()) {  // class probabilities
    sameShape('crossEntropy', input, target);
    let t = target;
    if (eps > 0) t = t.mul(1 - eps).add(eps / C);
    let l = logp.mul(t);
    if (o.weight) l = l.mul(o.weight.reshape(wshape));
    const per = l.sum(cdim).neg();
    const r = o.reduction ?? 'mean';
    return r === 'none' ? per : r === 'sum' ? per.sum() : per.sum().div(input.ndim === 1 ? 1 : input.numel() / C);
  }
  checkClassTarget('crossEntropy', input, target);
  const { loss, w } = nllParts(logp, target, o, 'crossEntropy');
  const nll = weightedReduce(loss, w, o.reduction);
  if (eps === 0) return nll;
  // torch's label smoothing: (1 - eps) * nll + eps / C * (sum over classes of -w_c logp_c)
  const valid = target.ne(o.ignoreIndex ?? -100).to(input.dtype);
  let s = o.weight ? logp.mul(o.weight.reshape(wshape)) : logp;
  s = s.sum(cdim).neg().mul(valid);
  const r = o.reduction ?? 'mean';
  const smooth = r === 'none' ? s : r === 'sum' ? s.sum() : s.sum().div(o.weight ? w.sum() : valid.sum());
  return nll.mul(1 - eps).add(smooth.mul(eps / C));
}
/** KL(target || input) with input as log-probabilities; 'batchmean' divides by the batch size. */
export function klDiv(input: Tensor, target: Tensor, o: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  sameShape('klDiv', input, target);
  checkReduction('klDiv', o.reduction, ['batchmean']);
  const l = o.logTarget
    ? target.exp().mul(target.sub(input))
    : target.mul(target.where(target.gt(0), 1).log().sub(input)).where(target.gt(0), zerosLike(input));
  const r = o.reduction ?? 'mean';
  if (r === 'batchmean') return l.sum().div(input.ndim > 0 ? input.shape[0] : 1);
  return reduce(l, r);
}

export const relu = (x: Tensor): Tensor => tensorArg('relu', 'input', x).relu();
export const softmax = (x: Tensor, dim: number): Tensor => tensorArg('softmax', 'input', x).softmax(dim);
export const logSoftmax = (x: Tensor, dim: number): Tensor => tensorArg('logSoftmax', 'input', x).logSoftmax(dim);
export const oneHot = (x: Tensor, numClasses = -1): Tensor => tensorArg('oneHot', 'input', x).oneHot(numClasses);
/** @internal scalar helper for modules */
export const scalar = (v: number): Tensor => tensor(v);

function groupNormComposite(x: Tensor, numGroups: number, weight: Tensor | null | undefined, bias: Tensor | null | undefined, eps: number): Tensor {
  const [N, C] = x.shape;
  const g = x.reshape([N, numGroups, -1]);
  const xc = g.sub(g.mean(-1, { keepdim: true }));
  let y = xc.mul(xc.square().mean(-1, { keepdim: true }).add(eps).rsqrt()).reshape([...x.shape]);
  const bshape = [1, C, ...Array(x.ndim - 2).fill(1)];
  if (weight) y = y.mul(weight.reshape(bshape));
  if (bias) y = y.add(bias.reshape(bshape));
  return y;
}

/** Group normalization: [N, C, ...] normalized over each of numGroups channel groups (and all spatial dims). */
export function groupNorm(x: Tensor, numGroups: number, weight?: Tensor | null, bias?: Tensor | null, eps = 1e-5): Tensor {
  if (tensorArg('groupNorm', 'input', x).ndim < 2) throw new Error(`groupNorm: expected at least 2-D input [N, C, ...], got ${shapeStr(x)}`);
  numberArg('groupNorm', 'eps', eps, 0);
  optTensor('groupNorm', 'weight', weight);
  optTensor('groupNorm', 'bias', bias);
  const C = x.shape[1];
  if (!Number.isInteger(numGroups) || numGroups < 1 || C % numGroups)
    throw new Error(`groupNorm: expected number of channels in input (${C}) to be divisible by num_groups (${showValue(numGroups)})`);
  // the native group_norm kernel (ts/ops/group_norm.ts) normalizes and applies the affine in one op, forward
  // and backward; float16/bfloat16 keep the composite, and so does a jit trace, whose ops the ONNX exporter maps
  const perGroup = x.shape.slice(2).reduce((a, b) => a * b, C / numGroups);
  if (!x.dtype.startsWith('float') || x.dtype === 'float16' || x.dtype === 'bfloat16' || perGroup <= 1 || isTracing()) return groupNormComposite(x, numGroups, weight, bias, eps);
  return groupNormStats(x, numGroups, weight ?? null, bias ?? null, eps).output;
}
/** Channel dropout: zeroes whole [H, W] planes of [N, C, H, W] (or [C, H, W]) input with probability p. */
export function dropout2d(x: Tensor, p = 0.5, training = true): Tensor {
  tensorArg('dropout2d', 'input', x);
  if (!(typeof p === 'number' && p >= 0 && p <= 1)) throw new Error(`dropout2d: probability has to be between 0 and 1, but got ${showValue(p)}`);
  if (x.ndim !== 3 && x.ndim !== 4) throw new Error(`dropout2d: expected 3-D or 4-D input, got ${shapeStr(x)}`);
  if (!training || p === 0) return x;
  if (p === 1) return x.mul(0);
  const mshape = [...x.shape.slice(0, x.ndim - 2), 1, 1];
  const mask = noGrad(() => rand(mshape, { dtype: x.dtype }).ge(p).mul(1 / (1 - p)));
  return x.mul(mask);
}
export { scaledDotProductAttention, tril, triu } from './attention';
