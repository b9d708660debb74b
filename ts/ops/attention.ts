// Fused scaled dot-product attention (native/cpu/attention.cpp): the op wrappers under
// nn.functional.scaledDotProductAttention, which does the argument checks, the batch-dim
// flattening and the fallbacks; these take the native layout as it is.
import { Tensor } from '../tensor';
import { call } from '../call';
import { native } from '../binding';
import { drawing } from '../rng';
import { tensorArg, optTensorArg, boolArg, numberArg, showValue } from '../args';
import { isGradEnabled } from '../autograd/engine';

const dropoutArg = (op: string, p: unknown): number => {
  if (p == null) return 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: dropoutP must be between 0 and 1, got ${showValue(p)}`);
  return p;
};

/**
 * @internal Reserves the Philox counters of one dropout draw over [B, H, L, S] attention weights
 * (4 keys per counter, native/cpu/attention.cpp's Dropout) from the current generator and returns
 * them as the op's rng input: int64 [seed, first counter]. The generator advances as for any draw.
 */
export function sdpaDropoutRng(B: number, H: number, L: number, S: number): Tensor {
  const n = BigInt(B) * BigInt(H) * BigInt(L) * BigInt(Math.ceil(S / 4));
  const [seed, offset] = drawing(() => {
    const [s, o] = native.rng_state();
    native.set_rng_state(s, BigInt.asUintN(64, o + n));
    return [s, o];
  });
  return call<Tensor>('from_array', [BigInt64Array.of(BigInt.asIntN(64, seed), BigInt.asIntN(64, offset)), [2], 'int64']);
}

/**
 * @internal The dropout factors (keep / (1 - p), 0 where dropped) that sdpa_flash with this rng
 * applies to weight (b, h, i, j), as a [B, H, L, S] tensor. Read back through the kernel itself:
 * zero q and k give every key weight 1/S, and v = identity turns row i's output into its factors / S.
 * For the createGraph backward and for tests; it holds L * S per head, as the fused op never does.
 */
export function sdpaDropoutFactors(rng: Tensor, dropoutP: number, B: number, H: number, L: number, S: number, dtype: 'float32' | 'float64'): Tensor {
  const z = (shape: number[]): Tensor => call<Tensor>('full', [shape, 0, dtype]);
  const eye = call<Tensor>('eye', [S, S, dtype]).reshape([1, 1, S, S]).expand([B, 1, S, S]);
  const [o] = call<[Tensor, Tensor]>('sdpa_flash', [z([B, H, L, 1]), z([B, 1, S, 1]), eye, null, false, 1, dropoutP, rng]);
  return o.gt(0).to(dtype).mul(dropoutP < 1 ? 1 / (1 - dropoutP) : 0);
}

/**
 * softmax(q kᵀ · scale + mask) v as one native op, for q [B, Hq, L, E], k [B, Hk, S, E],
 * v [B, Hk, S, Ev] (Hq a multiple of Hk: grouped-query attention), with an optional bool
 * (true = attend) or additive mask broadcastable to [B, Hq, L, S]. Returns [out, logsumexp]:
 * out [B, Hq, L, Ev] (differentiable in q, k and v; a fully masked row gives 0, as torch)
 * and the rows' logsumexp [B, Hq, L] (+inf on a fully masked row). scale defaults to 1 / sqrt(E).
 * dropoutP > 0 drops attention weights inside the kernel (scaling the kept ones by 1 / (1 - p));
 * the keep bits come from the random generator (manualSeed repeats them) and are never stored:
 * the backward regenerates them. logsumexp is of the undropped weights (as FlashAttention).
 * ```ts
 * const [y] = sdpaFlash(q, k, v, null, true, 0.125);
 * const [yd] = sdpaFlash(q, k, v, null, false, null, 0.1);  // attention dropout 0.1
 * ```
 */
export function sdpaFlash(q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null = null, isCausal = false, scale: number | null = null,
  dropoutP = 0): [Tensor, Tensor] {
  const op = 'sdpaFlash';
  tensorArg(op, 'q', q); tensorArg(op, 'k', k); tensorArg(op, 'v', v); optTensorArg(op, 'attnMask', attnMask ?? undefined);
  isCausal = isCausal == null ? false : boolArg(op, 'isCausal', isCausal);
  scale = scale == null ? 1 / Math.sqrt(q.shape[q.ndim - 1] || 1) : numberArg(op, 'scale', scale);
  dropoutP = dropoutArg(op, dropoutP);
  if (attnMask?.requiresGrad && isGradEnabled())
    throw new Error(`${op}: attnMask requires grad, and the fused op gives the mask no gradient (nn.functional.scaledDotProductAttention takes the composite path then)`);
  // the counters are reserved only for a call the native checks would pass (4-D q and k)
  const rng = dropoutP > 0 && q.ndim === 4 && k.ndim === 4 ? sdpaDropoutRng(q.shape[0], q.shape[1], q.shape[2], k.shape[2]) : null;
  return call<[Tensor, Tensor]>('sdpa_flash', [q, k, v, attnMask ?? null, isCausal, scale, dropoutP, rng]);
}

/**
 * sdpaFlash's backward (native, not differentiable): [dq, dk, dv] from dOut and the forward's out and logsumexp
 * (with dropout: the forward's dropoutP and rng, the int64 [seed, offset] tensor the forward ran with).
 */
export function sdpaFlashBackward(dOut: Tensor, q: Tensor, k: Tensor, v: Tensor, attnMask: Tensor | null, out: Tensor, logsumexp: Tensor,
  isCausal = false, scale: number | null = null, dropoutP = 0, rng: Tensor | null = null): [Tensor, Tensor, Tensor] {
  const op = 'sdpaFlashBackward';
  tensorArg(op, 'dOut', dOut); tensorArg(op, 'q', q); tensorArg(op, 'k', k); tensorArg(op, 'v', v);
  optTensorArg(op, 'attnMask', attnMask ?? undefined); tensorArg(op, 'out', out); tensorArg(op, 'logsumexp', logsumexp);
  isCausal = isCausal == null ? false : boolArg(op, 'isCausal', isCausal);
  scale = scale == null ? 1 / Math.sqrt(q.shape[q.ndim - 1] || 1) : numberArg(op, 'scale', scale);
  dropoutP = dropoutArg(op, dropoutP);
  optTensorArg(op, 'rng', rng ?? undefined);
  return call<[Tensor, Tensor, Tensor]>('sdpa_flash_backward', [dOut, q, k, v, attnMask ?? null, out, logsumexp, isCausal, scale, dropoutP, rng ?? null]);
}
