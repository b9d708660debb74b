// Group normalization: the op layer over the native group_norm kernels (float32/float64), one
// op with its affine instead of batch_norm + mul + add. The backward (ts/autograd/derivatives.ts)
// is native too, except under createGraph, where it is written in Tensor ops so it can be differentiated again.
import { Tensor } from '../tensor';
import { call } from '../call';
import { optTensors } from './conv';
import { tensorArg } from '../args';

/**
 * Normalizes [N, C, ...] over each of `numGroups` groups of channels (and all positions), then
 * scales and shifts per channel (torch.native_group_norm). Returns the output and the saved mean
 * and 1/std, each of shape [N, numGroups].
 */
export function groupNormStats(x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null,
  eps = 1e-5): { output: Tensor; mean: Tensor; rstd: Tensor } {
  tensorArg('groupNorm', 'input', x);
  optTensors('groupNorm', ['weight', weight], ['bias', bias]);
  weight ??= null; bias ??= null;  // undefined is "none" as null is
  const [y, mean, rstd] = call<Tensor[]>('group_norm', [x, weight, bias, numGroups, eps]);
  return { output: y, mean, rstd };
}

/** dx, dweight, dbias of groupNorm from the saved mean and 1/std (native, not differentiable). */
export function groupNormBackward(dy: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, rstd: Tensor,
  numGroups: number): [Tensor, Tensor, Tensor] {
  for (const [what, t] of [['grad_output', dy], ['input', x], ['mean', mean], ['rstd', rstd]] as const) tensorArg('groupNormBackward', what, t);
  optTensors('groupNormBackward', ['weight', weight]);
  return call<[Tensor, Tensor, Tensor]>('group_norm_backward', [dy, x, weight ?? null, mean, rstd, numGroups]);
}
