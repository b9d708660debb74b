// Batch normalization: the op layer over the native batch_norm kernels. The forward saves
// the mean and 1/std it used; the backward is native too, except under createGraph, where
// it is written in Tensor ops (as a function of x) so that it can be differentiated again.
import { native } from '../binding';
import { Tensor } from '../tensor';
import { record } from '../autograd/formulas';
import { isGradEnabled } from '../autograd/engine';
import { optTensors } from './conv';
import { tensorArg } from '../args';

const wrap3 = (h: [unknown, unknown, unknown]): [Tensor, Tensor, Tensor] => h.map((x) => new Tensor(x as never)) as [Tensor, Tensor, Tensor];

/**
 * Normalizes [N, C, ...] over every dim but 1: batch statistics when training (then the
 * running ones, if given, move by `momentum`, in place), else the running statistics.
 * Returns the output (the saved mean and 1/std are in batchNormStats).
 */
export function batchNorm(x: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null,
  training: boolean, momentum = 0.1, eps = 1e-5): Tensor {
  return batchNormStats(x, weight, bias, runningMean, runningVar, training, momentum, eps).output;
}

export function batchNormStats(x: Tensor, weight: Tensor | null, bias: Tensor | null, runningMean: Tensor | null, runningVar: Tensor | null,
  training: boolean, momentum = 0.1, eps = 1e-5): { output: Tensor; mean: Tensor; invstd: Tensor } {
  tensorArg('batchNorm', 'input', x);
  optTensors('batchNorm', ['weight', weight], ['bias', bias], ['running_mean', runningMean], ['running_var', runningVar]);
  // undefined is "none" as null is (the native binding and the recorded inputs take null)
  weight ??= null; bias ??= null; runningMean ??= null; runningVar ??= null;
  const [y, mean, invstd] = wrap3(native.batch_norm(x._h, weight ? weight._h : null, bias ? bias._h : null,
    runningMean ? runningMean._h : null, runningVar ? runningVar._h : null, training, momentum, eps));
  const inputs = [x, weight, bias].filter((t): t is Tensor => t !== null);
  const [hasW, hasB] = [weight !== null, bias !== null];
  record('batch_norm', inputs, y, (dy) => {
    const [dx, dw, db] = isGradEnabled() ? composite(dy, x, weight, mean, invstd, training, eps) : batchNormBackward(dy, x, weight, mean, invstd, training);
    return [dx, ...(hasW ? [dw] : []), ...(hasB ? [db] : [])];
  });
  return { output: y, mean, invstd };
}

/** dx, dweight, dbias of batchNorm from the saved mean and 1/std (native, not differentiable). */
export function batchNormBackward(dy: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor, training: boolean): [Tensor, Tensor, Tensor] {
  for (const [what, t] of [['grad_output', dy], ['input', x], ['mean', mean], ['invstd', invstd]] as const) tensorArg('batchNormBackward', what, t);
  optTensors('batchNormBackward', ['weight', weight]);
  return wrap3(native.batch_norm_backward(dy._h, x._h, weight ? weight._h : null, mean._h, invstd._h, training));
}

/** The same gradients in Tensor ops; in training, mean and 1/std are recomputed from x so their dependence on x is in the graph. */
function composite(dy: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor, training: boolean, eps: number): [Tensor, Tensor, Tensor] {
  const C = x.shape[1], b = [1, C, ...Array(x.ndim - 2).fill(1)], dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const w = weight ? weight.reshape(b) : null;
  if (!training) {
    const is = invstd.reshape(b), xhat = x.sub(mean.reshape(b)).mul(is);
    return [w ? dy.mul(w).mul(is) : dy.mul(is), dy.mul(xhat).sum(dims), dy.sum(dims)];
  }
  const mu = x.mean(dims, { keepdim: true }), xc = x.sub(mu);
  const is = xc.square().mean(dims, { keepdim: true }).add(eps).rsqrt(), xhat = xc.mul(is);
  const g = w ? dy.mul(w) : dy;
  const dx = g.sub(g.mean(dims, { keepdim: true })).sub(xhat.mul(g.mul(xhat).mean(dims, { keepdim: true }))).mul(is);
  return [dx, dy.mul(xhat).sum(dims), dy.sum(dims)];
}
