// Layer normalization: the op layer over the native layer_norm kernels (float32/float64).
// The forward saves each row's mean and 1/std; the backward (ts/autograd/derivatives.ts) is
// native too, except under createGraph, where it is written in Tensor ops so it can be differentiated again.
import { Tensor } from '../tensor';
import { call } from '../call';
import { optTensors } from './conv';
import { tensorArg } from '../args';

/**
 * Normalizes x over its trailing `normalizedShape` dims (torch.native_layer_norm). Returns the
 * output and the saved mean and 1/std, each of x's leading dims followed by a 1 per normalized dim.
 */
export function layerNormStats(x: Tensor, normalizedShape: number[], weight: Tensor | null, bias: Tensor | null,
  eps = 1e-5): { output: Tensor; mean: Tensor; rstd: Tensor } {
  tensorArg('layerNorm', 'input', x);
  optTensors('layerNorm', ['weight', weight], ['bias', bias]);
  weight ??= null; bias ??= null;  // undefined is "none" as null is
  const [y, mean, rstd] = call<Tensor[]>('layer_norm', [x, normalizedShape, weight, bias, eps]);
  return { output: y, mean, rstd };
}

/** dx, dweight, dbias of layerNorm from the saved mean and 1/std (native, not differentiable). */
export function layerNormBackward(dy: Tensor, x: Tensor, normalizedShape: number[], mean: Tensor, rstd: Tensor,
  weight: Tensor | null): [Tensor, Tensor, Tensor] {
  for (const [what, t] of [['grad_output', dy], ['input', x], ['mean', mean], ['rstd', rstd]] as const) tensorArg('layerNormBackward', what, t);
  optTensors('layerNormBackward', ['weight', weight]);
  return call<[Tensor, Tensor, Tensor]>('layer_norm_backward', [dy, x, normalizedShape, mean, rstd, weight ?? null]);
}
