// Batch normalization: the op layer over the native batch_norm kernels. The forward saves
// the mean and 1/std it used; the backward (ts/autograd/derivatives.ts) is native too,
// except under createGraph, where it is written in Tensor ops (as a function of x) so that
// it can be differentiated again.
import { Tensor } from '../tensor';
import { call } from '../call';
import { optTensors } from './conv';
import { tensorArg } from '../args';

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
  const [y, mean, invstd] = call<Tensor[]>('batch_norm', [x, weight, bias, runningMean, runningVar, training, momentum, eps]);
  return { output: y, mean, invstd };
}

/** dx, dweight, dbias of batchNorm from the saved mean and 1/std (native, not differentiable). */
export function batchNormBackward(dy: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor, training: boolean): [Tensor, Tensor, Tensor] {
  for (const [what, t] of [['grad_output', dy], ['input', x], ['mean', mean], ['invstd', invstd]] as const) tensorArg('batchNormBackward', what, t);
  optTensors('batchNormBackward', ['weight', weight]);
  return call<[Tensor, Tensor, Tensor]>('batch_norm_backward', [dy, x, weight, mean, invstd, training]);
}
