// Native activation backwards: one elementwise pass where the composite gradient takes several
// (ts/autograd/derivatives.ts calls these outside createGraph).
import { Tensor, type TensorLike } from '../tensor';
import { call } from '../call';
import { isFloating } from '../dtype';

/**
 * silu's gradient, dy * s * (1 + x * (1 - s)) with s = sigmoid(x), in one pass (torch.ops.aten.silu_backward).
 * Broadcasts and promotes as a binary op; as torch, the promoted dtype must be floating (integer or
 * bool operands alone throw). Not differentiable itself.
 * ```ts
 * const dx = siluBackward(dy, x);
 * ```
 */
export function siluBackward(gradOutput: TensorLike, x: TensorLike): Tensor {
  const floating = (v: TensorLike): boolean => (v instanceof Tensor ? isFloating(v.dtype) : typeof v === 'number' && !Number.isInteger(v));
  if (!floating(gradOutput) && !floating(x)) {
    const d = (v: TensorLike): string => (v instanceof Tensor ? v.dtype : typeof v);
    throw new Error(`siluBackward: expected floating-point operands, got ${d(gradOutput)} and ${d(x)} (torch's silu_backward takes floating types only)`);
  }
  return call<Tensor>('silu_backward', [gradOutput, x]);
}
