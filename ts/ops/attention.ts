// Fused scaled dot-product attention (native/cpu/attention.cpp): the op wrappers under
// nn.functional.scaledDotProductAttention, which does the argument checks, the batch-dim
// flattening and the fallbacks; these take the native layout as it is.
import { Tensor } from '../tensor';
import { call } from '../call';
import { tensorArg, optTensorArg, boolArg, numberArg } from '../args';
import { isGradEnabled } from '../autograd/engine';

/**
 * softmax(q kᵀ · scale + mask) v as one native op, for q [B, Hq, L, E], k [B, Hk, S, E],
 * v [B, Hk, S, Ev] (Hq a multiple of Hk: grouped-query attention), with an optional bool
 * (true = attend) or additive mask broadcastable to [B, Hq, L, S]. Returns [out, logsumexp]:
 * out [B, Hq, L, Ev] (differentiable in q, k and v; a fully masked row gives 0, as torch)
 * and the rows' logsumexp [B, Hq, L] (+inf on a fully masked row). scale defaults to 1 / sqrt(E).
 * ```ts
 * const [y] = sdpaFlash(q, k, v, null, true, 0.125);
 * ```
 */
export function sdpaFlash(q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null = null, isCausal = false, scale: number | null = null): [Tensor, Tensor] {
  const op = 'sdpaFlash';
  tensorArg(op, 'q', q); tensorArg(op, 'k', k); tensorArg(op, 'v', v); optTensorArg(op, 'attnMask', attnMask ?? undefined);
  isCausal = isCausal == null ? false : boolArg(op, 'isCausal', isCausal);
  scale = scale == null ? 1 / Math.sqrt(q.shape[q.ndim - 1] || 1) : numberArg(op, 'scale', scale);
  if (attnMask?.requiresGrad && isGradEnabled())
    throw new Error(`${op}: attnMask requires grad, and the fused op gives the mask no gradient (nn.functional.scaledDotProductAttention takes the composite path then)`);
  return call<[Tensor, Tensor]>('sdpa_flash', [q, k, v, attnMask ?? null, isCausal, scale]);
}

/** sdpaFlash's backward (native, not differentiable): [dq, dk, dv] from dOut and the forward's out and logsumexp. */
export function sdpaFlashBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, out: Tensor, logsumexp: Tensor,
  isCausal = false, scale: number | null = null): [Tensor, Tensor, Tensor] {
  const op = 'sdpaFlashBackward';
  tensorArg(op, 'dOut', dOut); tensorArg(op, 'q', q); tensorArg(op, 'k', k); tensorArg(op, 'v', v);
  optTensorArg(op, 'attnMask', attnMask ?? undefined); tensorArg(op, 'out', out); tensorArg(op, 'logsumexp', logsumexp);
  isCausal = isCausal == null ? false : boolArg(op, 'isCausal', isCausal);
  scale = scale == null ? 1 / Math.sqrt(q.shape[q.ndim - 1] || 1) : numberArg(op, 'scale', scale);
  return call<[Tensor, Tensor, Tensor]>('sdpa_flash_backward', [dOut, q, k, v, attnMask ?? null, out, logsumexp, isCausal, scale]);
}
