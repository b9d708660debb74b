// What remains of the method-keyed formulas (their rows moved to ts/autograd/derivatives.ts,
// keyed by op id and applied by ts/call.ts): record() for ops computed outside call()
// (custom functions), and the lists the op-table and gradcheck tests read.
import { Tensor } from '../tensor';
import { OPS } from '../ops/registry';
import { attachNode } from '../call';
import { DERIVATIVES, sumTo } from './derivatives';
import { isGradEnabled, checkVersion } from './engine';

export { sumTo };

/** The public names (registry api) of the ops whose gradient is a row of the derivatives table. */
export const DIFFERENTIABLE: string[] = [...new Set(OPS.filter((r) => r.grad === 'rule' && DERIVATIVES[r.id]).map((r) => r.api.replace(/^fn:/, '')))];

/** The in-place Tensor methods autograd records (each runs through callInPlace). */
export const IN_PLACE_RECORDED = ['add_', 'sub_', 'mul_', 'div_', 'pow_', 'neg_', 'exp_', 'sqrt_', 'relu_', 'sigmoid_', 'tanh_',
  'clamp_', 'maskedFill_', 'zero_', 'fill_', 'uniform_', 'normal_', 'copy_'];

/**
 * Records an op computed outside call() (a custom function): when grad mode is on and an
 * input requires grad, `output` gets a Node whose backward returns one gradient per input
 * (null where none). The closure may read any input, so all of them must still be at their
 * recorded versions; it must not read `output`. Returns `output`.
 */
export function record(name: string, inputs: Tensor[], output: Tensor, backward: (dy: Tensor) => (Tensor | null | undefined)[]): Tensor {
  if (!isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return output;
  const versions = inputs.map((t) => t._version);
  return attachNode(name, inputs, output, (dy) => {
    inputs.forEach((t, i) => checkVersion(name, `input ${i}`, t, versions[i]));
    return backward(dy);
  });
}

/** Backward of cat(tensors, dim): dy cut back into the inputs' extents along dim (the cat row, for record()). */
export function catBackward(tensors: Tensor[], dim: number): (dy: Tensor) => Tensor[] {
  const nd = tensors.find((t) => t.ndim > 0)?.ndim ?? 1;
  const d = dim < 0 ? dim + nd : dim;
  const lens = tensors.map((t) => (t.ndim === 1 && t.shape[0] === 0 && nd !== 1 ? 0 : t.shape[d]));
  const shapes = tensors.map((t) => [...t.shape]);
  return (dy) => {
    let start = 0;
    return lens.map((n, i) => { const g = dy.narrow(d, start, n).reshape(shapes[i]); start += n; return g; });
  };
}
