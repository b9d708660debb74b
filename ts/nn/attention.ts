// Attention: scaled dot-product attention (torch's F.scaled_dot_product_attention), the
// triangle masks (tril, triu) and nn.MultiheadAttention with PyTorch's parameters and keys.
// SDPA runs as one fused native op (sdpa_flash, native/cpu/attention.cpp) where it can, else
// as a composite of Tensor ops (a mask that needs a gradient, other dtypes/devices, jit.trace).
import { Tensor } from '../tensor';
import { arange, empty, zeros } from '../creation';
import { cat } from '../functional';
import { noGrad } from '../autograd/engine';
import { tensorArg, optTensorArg, intArg, numberArg, boolArg, showValue, optionsArg } from '../args';
import { isFloating } from '../dtype';
import { layerDtype, type LayerDtype } from './layer_dtype';
import { Module, Parameter } from './module';
import { Linear } from './layers';
import * as init from './init';
import { dropout, linear } from './functional';
import { sdpaFlash, sdpaDropoutRng, sdpaDropoutFactors } from '../ops/attention';
import { call } from '../call';
import { record } from '../autograd/formulas';
import { sdpaComposite } from '../autograd/derivatives';
import { checkVersion } from '../autograd/engine';
import { isGradEnabled } from '../autograd/engine';
import { isTracing } from '../call';

const shapeStr = (t: Tensor | readonly number[]): string => `[${(t instanceof Tensor ? t.shape : t).join(', ')}]`;

/** keep[i, j] = (j - i <= diagonal) (lower) or (j - i >= diagonal) (upper), for the last two dims of x. */
function triangle(op: string, x: Tensor, diagonal: number, lower: boolean): Tensor {
  tensorArg(op, 'input', x);
  intArg(op, 'diagonal', diagonal, -Infinity);
  if (x.ndim < 2) throw new Error(`${op}: input tensor must have at least 2 dimensions, got ${shapeStr(x)}`);
  const [r, c] = x.shape.slice(-2);
  // beyond ±(r + c) every offset falls on one side; clamped so a huge diagonal stays an int64 scalar
  diagonal = Math.max(-(r + c + 1), Math.min(r + c + 1, diagonal));
  const off = noGrad(() => arange(c, undefined, 1, { dtype: 'int64' }).unsqueeze(0).sub(arange(r, undefined, 1, { dtype: 'int64' }).unsqueeze(1)));
  const drop = noGrad(() => (lower ? off.gt(diagonal) : off.lt(diagonal)));
  off.dispose();
  return x.maskedFill(drop, 0);
}
/**
 * The lower triangle of the last two dims (elements above `diagonal` zeroed), as torch.tril.
 * ```ts
 * nn.functional.tril(ones([3, 3]));   // 1 on and below the diagonal
 * ```
 */
export const tril = (x: Tensor, diagonal = 0): Tensor => triangle('tril', x, diagonal, true);
/** The upper triangle of the last two dims (elements below `diagonal` zeroed), as torch.triu. */
export const triu = (x: Tensor, diagonal = 0): Tensor => triangle('triu', x, diagonal, false);

/** Boolean [L, S]: true where query i may attend to key j (j <= i, top-left aligned as torch). */
function causalMask(L: number, S: number): Tensor {
  return noGrad(() => arange(S, undefined, 1, { dtype: 'int64' }).unsqueeze(0).le(arange(L, undefined, 1, { dtype: 'int64' }).unsqueeze(1)));
}
/** True when mask's shape broadcasts to `target` (numpy rules, the mask's rank at most the target's). */
function broadcastsTo(mask: readonly number[], target: readonly number[]): boolean {
  if (mask.length > target.length) return false;
  const off = target.length - mask.length;
  return mask.every((d, i) => d === 1 || d === target[off + i]);
}

export interface SdpaOptions {
  /** Boolean (true = may attend) or additive float mask broadcastable to [..., L, S]. */
  attnMask?: Tensor | null;
  /** Dropout on the attention weights (applied whenever > 0, as torch's functional). */
  dropoutP?: number;
  /** Query i attends to keys 0..i (top-left aligned); not together with attnMask. */
  isCausal?: boolean;
  /** Multiplies q kᵀ; default 1 / sqrt(E). */
  scale?: number | null;
  /** Grouped-query attention: dim -3 of k and v (heads) may divide that of q. */
  enableGqa?: boolean;
}

/**
 * softmax(q kᵀ · scale + mask) v for q [..., L, E], k [..., S, E], v [..., S, Ev] -> [..., L, Ev],
 * with torch's semantics: a boolean mask says where to attend (true), a float mask is added,
 * and a row with every key masked gives zeros (torch 2.13's safe softmax; its gradient is zero too).
 * ```ts
 * const y = nn.functional.scaledDotProductAttention(q, k, v, { isCausal: true });
 * ```
 */
export function scaledDotProductAttention(q: Tensor, k: Tensor, v: Tensor, opts: SdpaOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  const o = optionsArg(op, opts);
  for (const [n, t] of [['query', q], ['key', k], ['value', v]] as const) {
    tensorArg(op, n, t);
    if (t.ndim < 2) throw new Error(`${op}: ${n} must have at least 2 dims [..., seq, features], got ${shapeStr(t)}`);
    if (!isFloating(t.dtype)) throw new Error(`${op}: ${n} must be floating point, got ${t.dtype}`);
  }
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw new Error(`${op}: query, key and value must have one dtype, got ${q.dtype}, ${k.dtype}, ${v.dtype}`);
  if (k.ndim !== q.ndim || v.ndim !== q.ndim) throw new Error(`${op}: query ${shapeStr(q)}, key ${shapeStr(k)} and value ${shapeStr(v)} must have the same number of dims`);
  const mask = optTensorArg(op, 'attnMask', o.attnMask ?? undefined);
  const p = o.dropoutP ?? 0;
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: dropoutP must be between 0 and 1, got ${showValue(p)}`);
  const causal = o.isCausal === undefined || o.isCausal === null ? false : boolArg(op, 'isCausal', o.isCausal);
  const gqa = o.enableGqa === undefined || o.enableGqa === null ? false : boolArg(op, 'enableGqa', o.enableGqa);
  const E = q.shape[q.ndim - 1], L = q.shape[q.ndim - 2], S = k.shape[k.ndim - 2];
  if (k.shape[k.ndim - 1] !== E) throw new Error(`${op}: key ${shapeStr(k)} must have query's feature size ${E} (query ${shapeStr(q)})`);
  if (v.shape[v.ndim - 2] !== S || shapeStr(v.shape.slice(0, -2)) !== shapeStr(k.shape.slice(0, -2)))
    throw new Error(`${op}: value ${shapeStr(v)} must match key ${shapeStr(k)} in all dims but the last`);
  const scale = o.scale === undefined || o.scale === null ? 1 / Math.sqrt(E) : numberArg(op, 'scale', o.scale);
  if (!Number.isFinite(scale)) throw new Error(`${op}: scale must be finite, got ${showValue(o.scale)}`);
  // batch dims: equal, except the head dim (-3) under grouped-query attention
  const qb = q.shape.slice(0, -2), kb = k.shape.slice(0, -2);
  let groups = 1;
  if (gqa && q.ndim >= 3 && qb[qb.length - 1] !== kb[kb.length - 1]) {
    const hq = qb[qb.length - 1], hk = kb[kb.length - 1];
    if (hk === 0 || hq % hk !== 0) throw new Error(`${op}: with enableGqa the number of query heads (${hq}) must be a multiple of key/value heads (${hk})`);
    groups = hq / hk;
  }
  if (shapeStr(qb.slice(0, groups > 1 ? -1 : undefined)) !== shapeStr(kb.slice(0, groups > 1 ? -1 : undefined)) || (groups === 1 && shapeStr(qb) !== shapeStr(kb)))
    throw new Error(`${op}: query ${shapeStr(q)} and key ${shapeStr(k)} must have the same batch dims${gqa ? '' : ' (fewer key/value heads need enableGqa: true)'}`);
  if (mask) {
    if (causal) throw new Error(`${op}: attnMask must not be given with isCausal: true (torch: explicit attn_mask should not be set when is_causal=True)`);
    if (mask.dtype !== 'bool' && !isFloating(mask.dtype)) throw new Error(`${op}: attnMask must be bool or floating point, got ${mask.dtype}`);
    if (!broadcastsTo(mask.shape, [...qb, L, S])) throw new Error(`${op}: attnMask ${shapeStr(mask)} does not broadcast to the attention weights [${[...qb, L, S].join(', ')}]`);
  }

  if (fusedOk(q, mask)) return fused(q, k, v, mask ?? null, causal, scale, qb, L, S, p);
  let kk = k, vv = v;
  if (groups > 1) {
    // repeat_interleave of the kv heads: [..., Hk, S, E] -> [..., Hk, g, S, E] -> [..., Hk * g, S, E]
    const rep = (t: Tensor): Tensor => { const s = [...t.shape]; const h = s.length - 3; return t.unsqueeze(h + 1).expand([...s.slice(0, h + 1), groups, ...s.slice(h + 1)]).reshape([...s.slice(0, h), s[h] * groups, ...s.slice(h + 1)]); };
    kk = rep(k); vv = rep(v);
  }
  let scores = q.matmul(kk.transpose(-2, -1)).mul(scale);
  const boolMask = causal ? causalMask(L, S) : mask?.dtype === 'bool' ? mask : null;
  if (boolMask) scores = scores.maskedFill(boolMask.logicalNot(), -Infinity);
  else if (mask) scores = scores.add(mask);
  let w: Tensor;
  if (boolMask || mask) {
    // NOTE: a row with every key masked is all -inf, and softmax would give NaN (and NaN
    // gradients); torch's safe softmax gives 0 there. Fill such rows before and after softmax.
    const dead = noGrad(() => scores.amax(-1, { keepdim: true }).eq(-Infinity));
    w = scores.maskedFill(dead, 0).softmax(-1).maskedFill(dead, 0);
  } else w = scores.softmax(-1);
  if (p > 0) w = dropout(w, p, true);
  return w.matmul(vv);
}

// MYELIN_SDPA_COMPOSITE=1 keeps every call on the composite (for side-by-side benchmarks).
const FORCE_COMPOSITE = typeof process !== 'undefined' && process.env?.MYELIN_SDPA_COMPOSITE === '1';
/**
 * The fused op covers float32/float64 on the CPU, dropout included (drawn in the kernel), but not a
 * mask that needs a gradient; under jit.trace the composite is recorded, whose ops ONNX export maps.
 */
function fusedOk(q: Tensor, mask: Tensor | undefined): boolean {
  return !FORCE_COMPOSITE && !isTracing() && (q.dtype === 'float32' || q.dtype === 'float64') && q.device === 'cpu' &&
    !(mask && mask.requiresGrad && isGradEnabled());
}
/** MultiheadAttention's packed self-attention path: the fused kernel, and weights in query's dtype. */
function packedOk(x: Tensor, W: Tensor, b: Tensor | undefined, m4: Tensor | null): boolean {
  return fusedOk(x, m4 ?? undefined) && W.dtype === x.dtype && (!b || b.dtype === x.dtype);
}
/**
 * Self-attention over the packed projection qkv [rows, 3E] (rows (n, l) when nFirst, else (l, n)):
 * q, k and v are strided [N, H, L, hd] views of it that sdpa_flash reads in place, and one
 * backward node writes dq, dk and dv straight into the packed gradient (three strided copies)
 * where three narrows would each zero-fill a [rows, 3E] gradient and two adds would sum them.
 * Under createGraph the gradients are sdpa's composite on views of qkv, so they are differentiable.
 */
function packedSelfAttention(qkv: Tensor, N: number, L: number, H: number, hd: number, nFirst: boolean, mask: Tensor | null,
  causal: boolean, p: number): Tensor {
  // [rows, 3E] -> [3, N, H, L, hd]
  const five = (t: Tensor): Tensor => (nFirst ? t.reshape([N, L, 3, H, hd]).permute([2, 0, 3, 1, 4]) : t.reshape([L, N, 3, H, hd]).permute([2, 1, 3, 0, 4]));
  const scale = 1 / Math.sqrt(hd);
  const rng = p > 0 ? sdpaDropoutRng(N, H, L, L) : null;
  const [q, k, v] = noGrad(() => { const f = five(qkv); return [0, 1, 2].map((i) => f.select(0, i)); });
  const [out, lse] = noGrad(() => call<[Tensor, Tensor]>('sdpa_flash', [q, k, v, mask, causal, scale, p, rng]));
  const outVersion = out._version;
  return record('sdpa_flash', [qkv], out, (dy) => {
    if (isGradEnabled()) {  // createGraph
      const f = five(qkv), drop = rng ? sdpaDropoutFactors(rng, p, N, H, L, L, qkv.dtype as 'float32') : null;
      const g = sdpaComposite(dy, f.select(0, 0), f.select(0, 1), f.select(0, 2), mask, causal, scale, drop);
      const g5 = nFirst ? cat(g.map((t) => t.permute([0, 2, 1, 3]).unsqueeze(2)), 2) : cat(g.map((t) => t.permute([2, 0, 1, 3]).unsqueeze(2)), 2);
      return [g5.reshape([...qkv.shape])];
    }
    checkVersion('sdpa_flash', 'output 0', out, outVersion);
    const [dq, dk, dv] = call<Tensor[]>('sdpa_flash_backward', [dy, q, k, v, mask, out, lse, causal, scale, p, rng]);
    const grad = empty([...qkv.shape], { dtype: dy.dtype }), g5 = five(grad);
    [dq, dk, dv].forEach((d, i) => g5.select(0, i).copy_(d));
    return [grad];
  });
}
/** The batch dims [..., H] flattened to the op's [B, H, ...] layout (views where strides allow), and back. */
function fused(q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, causal: boolean, scale: number, qb: number[], L: number, S: number,
  p = 0): Tensor {
  const to4 = (t: Tensor): Tensor => {
    const b = t.shape.slice(0, -2), h = b.length ? b[b.length - 1] : 1, n = b.slice(0, -1).reduce((x, y) => x * y, 1);
    return t.ndim === 4 ? t : t.reshape([n, h, ...t.shape.slice(-2)]);
  };
  let m = mask;
  if (m && !(m.dtype === 'bool' || m.dtype === q.dtype)) m = m.to(q.dtype);
  // with more than one leading batch dim, a mask reaching past the heads is expanded to the
  // weights' shape and flattened like q (a copy; rank <= 3 masks broadcast as they are)
  if (m && q.ndim > 4 && m.ndim >= 4) m = to4(m.expand([...qb, L, S]));
  const [out] = sdpaFlash(to4(q), to4(k), to4(v), m, causal, scale, p);
  return q.ndim === 4 ? out : out.reshape([...qb, L, v.shape[v.ndim - 1]]);
}

/** Generates the float causal mask [n, n]: 0 on and below the diagonal, -inf above (torch's). */
export function generateSquareSubsequentMask(n: number, opts: LayerDtype = {}): Tensor {
  intArg('generateSquareSubsequentMask', 'sz', n);
  const dtype = layerDtype('generateSquareSubsequentMask', opts);
  const m = causalMask(n, n);
  return zeros([n, n], { dtype }).maskedFill(m.logicalNot(), -Infinity);
}

/**
 * A mask of MultiheadAttention as an additive float mask (torch's _canonical_mask): a boolean
 * one marks what may NOT be attended (true -> -inf), a float one is added as it is.
 */
function canonicalMask(op: string, name: string, m: Tensor | null | undefined, dtype: Tensor['dtype']): Tensor | null {
  const t = optTensorArg(op, name, m ?? undefined);
  if (!t) return null;
  // computed from the mask itself (not a zeros() of its shape), so an ONNX export keeps it sized by the input
  if (t.dtype === 'bool') return t.to(dtype).maskedFill(t, -Infinity);
  if (!isFloating(t.dtype)) throw new Error(`${op}: only bool and floating types of ${name} are supported, got ${t.dtype}`);
  return t.dtype === dtype ? t : t.to(dtype);
}

export interface MultiheadAttentionOptions extends LayerDtype {
  dropout?: number; bias?: boolean; addBiasKv?: boolean; addZeroAttn?: boolean;
  kdim?: number | null; vdim?: number | null; batchFirst?: boolean;
}
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): true (or -inf) marks keys to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true); false takes the SDPA path (fully masked rows give 0, not NaN, as torch). */
  needWeights?: boolean;
  /** [L, S] or [N * numHeads, L, S]: true (or -inf) marks pairs that may not attend. */
  attnMask?: Tensor | null;
  /** Average the weights over heads (default true), else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
  /** A hint that attnMask is causal (as torch); without attnMask, myelin builds the causal mask (torch refuses). */
  isCausal?: boolean;
}

/**
 * Multi-head attention, as torch.nn.MultiheadAttention: parameters `in_proj_weight` [3E, E]
 * (xavier-uniform), `in_proj_bias` (zeros) and `out_proj` (Linear, bias zeros), or
 * `q_proj_weight` / `k_proj_weight` / `v_proj_weight` when kdim or vdim differ from embedDim.
 * Input [L, N, E] ([N, L, E] with batchFirst, [L, E] unbatched).
 * ```ts
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const [y, w] = mha.forward(x, x, x);   // x [N, L, 16] -> y [N, L, 16], w [N, L, L]
 * ```
 */
export class MultiheadAttention extends Module {
  in_proj_weight: Parameter | null = null;
  q_proj_weight: Parameter | null = null;
  k_proj_weight: Parameter | null = null;
  v_proj_weight: Parameter | null = null;
  in_proj_bias: Parameter | null = null;
  bias_k: Parameter | null = null;
  bias_v: Parameter | null = null;
  out_proj: Linear;
  readonly headDim: number;
  readonly kdim: number;
  readonly vdim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  constructor(readonly embedDim: number, readonly numHeads: number, o: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    optionsArg(op, o);
    intArg(op, 'embed_dim', embedDim, 1);
    intArg(op, 'num_heads', numHeads, 1);
    if (embedDim % numHeads !== 0) throw new Error(`${op}: embed_dim (${embedDim}) must be divisible by num_heads (${numHeads})`);
    this.kdim = o.kdim == null ? embedDim : intArg(op, 'kdim', o.kdim, 1);
    this.vdim = o.vdim == null ? embedDim : intArg(op, 'vdim', o.vdim, 1);
    const p = o.dropout ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new Error(`${op}: dropout must be between 0 and 1, got ${showValue(p)}`);
    this.dropout = p;
    this.batchFirst = o.batchFirst == null ? false : boolArg(op, 'batchFirst', o.batchFirst);
    const bias = o.bias == null ? true : boolArg(op, 'bias', o.bias);
    this.addZeroAttn = o.addZeroAttn == null ? false : boolArg(op, 'addZeroAttn', o.addZeroAttn);
    const addBiasKv = o.addBiasKv == null ? false : boolArg(op, 'addBiasKv', o.addBiasKv);
    this.headDim = embedDim / numHeads;
    const dtype = layerDtype(op, o), E = embedDim;
    const P = (...s: number[]): Parameter => new Parameter(empty(s, { dtype }));
    if (this.kdim === E && this.vdim === E) this.in_proj_weight = P(3 * E, E);
    else { this.q_proj_weight = P(E, E); this.k_proj_weight = P(E, this.kdim); this.v_proj_weight = P(E, this.vdim); }
    if (bias) this.in_proj_bias = P(3 * E);
    if (addBiasKv) { this.bias_k = P(1, 1, E); this.bias_v = P(1, 1, E); }
    this.out_proj = new Linear(E, E, { bias, dtype });
    this.resetParameters();
  }
  resetParameters(): void {
    for (const w of [this.in_proj_weight, this.q_proj_weight, this.k_proj_weight, this.v_proj_weight]) if (w) init.xavierUniform_(w);
    if (this.in_proj_bias) { init.zeros_(this.in_proj_bias); if (this.out_proj.bias) init.zeros_(this.out_proj.bias); }
    for (const b of [this.bias_k, this.bias_v]) if (b) init.xavierNormal_(b);
  }

  forward(query: Tensor, key: Tensor, value: Tensor, fo: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const o = optionsArg(op, fo);
    for (const [n, t] of [['query', query], ['key', key], ['value', value]] as const) tensorArg(op, n, t);
    const batched = query.ndim === 3;
    if ((query.ndim !== 2 && query.ndim !== 3) || key.ndim !== query.ndim || value.ndim !== query.ndim)
      throw new Error(`${op}: query, key and value must all be 3-D (batched) or 2-D (unbatched), got ${shapeStr(query)}, ${shapeStr(key)}, ${shapeStr(value)}`);
    const needWeights = o.needWeights == null ? true : boolArg(op, 'needWeights', o.needWeights);
    const average = o.averageAttnWeights == null ? true : boolArg(op, 'averageAttnWeights', o.averageAttnWeights);
    const isCausal = o.isCausal == null ? false : boolArg(op, 'isCausal', o.isCausal);
    let q = query, k = key, v = value;
    if (batched && this.batchFirst) { q = q.transpose(0, 1); k = k.transpose(0, 1); v = v.transpose(0, 1); }
    if (!batched) { q = q.unsqueeze(1); k = k.unsqueeze(1); v = v.unsqueeze(1); }
    const [L, N, E] = q.shape, H = this.numHeads, hd = this.headDim;
    let S = k.shape[0];
    const lay = this.batchFirst && batched ? '[N, L, E]' : batched ? '[L, N, E]' : '[L, E]';
    if (E !== this.embedDim) throw new Error(`${op}: query ${shapeStr(query)} (${lay}) has ${E} features, expected embed_dim ${this.embedDim}`);
    if (k.shape[1] !== N || v.shape[1] !== N) throw new Error(`${op}: key ${shapeStr(key)} and value ${shapeStr(value)} must have query's batch size ${N}`);
    if (v.shape[0] !== S) throw new Error(`${op}: key ${shapeStr(key)} and value ${shapeStr(value)} must have the same sequence length`);
    if (k.shape[2] !== this.kdim) throw new Error(`${op}: key ${shapeStr(key)} has ${k.shape[2]} features, expected kdim ${this.kdim}`);
    if (v.shape[2] !== this.vdim) throw new Error(`${op}: value ${shapeStr(value)} has ${v.shape[2]} features, expected vdim ${this.vdim}`);
    if (!isFloating(q.dtype)) throw new Error(`${op}: query must be floating point, got ${q.dtype}`);

    let kpm = canonicalMask(op, 'keyPaddingMask', o.keyPaddingMask, q.dtype);
    if (kpm) {
      if (!batched && kpm.ndim === 1) kpm = kpm.unsqueeze(0);
      if (shapeStr(kpm) !== shapeStr([N, S])) throw new Error(`${op}: keyPaddingMask ${shapeStr(o.keyPaddingMask as Tensor)} must be [N, S] = ${shapeStr(batched ? [N, S] : [S])}`);
    }
    let mask = canonicalMask(op, 'attnMask', o.attnMask, q.dtype);
    if (mask) {
      if (mask.ndim === 2) {
        if (shapeStr(mask) !== shapeStr([L, S])) throw new Error(`${op}: the 2-D attnMask ${shapeStr(mask)} must be [L, S] = ${shapeStr([L, S])}`);
        mask = mask.unsqueeze(0);
      } else if (mask.ndim === 3) {
        if (shapeStr(mask) !== shapeStr([N * H, L, S])) throw new Error(`${op}: the 3-D attnMask ${shapeStr(mask)} must be [N * numHeads, L, S] = ${shapeStr([N * H, L, S])}`);
      } else throw new Error(`${op}: attnMask must be 2-D or 3-D, got ${shapeStr(mask)}`);
    } else if (isCausal) mask = generateSquareSubsequentMask(Math.max(L, S), { dtype: q.dtype as 'float32' }).narrow(0, 0, L).narrow(1, 0, S).unsqueeze(0);

    // in-projection: one [3E, E] weight split in three, or three weights (kdim/vdim differ)
    const b = this.in_proj_bias, bq = b?.narrow(0, 0, E), bk = b?.narrow(0, E, E), bv = b?.narrow(0, 2 * E, E);
    const W = this.in_proj_weight;
    const p = this.training ? this.dropout : 0;
    if (!needWeights && !this.bias_k && !this.addZeroAttn && !isTracing()) {
      return [this.fastForward(query, key, value, batched, N, L, S, kpm, mask, isCausal, p,
        [W ? W.narrow(0, 0, E) : this.q_proj_weight!, W ? W.narrow(0, E, E) : this.k_proj_weight!, W ? W.narrow(0, 2 * E, E) : this.v_proj_weight!],
        [bq, bk, bv]), null];
    }
    // NOTE: on [L * N, features], not [L, N, features]: a 3-D input makes the weight's gradient L
    // batched GEMMs of depth N and a sum over L (8x slower in the encoder bench) instead of one GEMM
    const proj = (x: Tensor, w: Tensor, bb: Tensor | undefined): Tensor => linear(x.reshape([-1, x.shape[2]]), w, bb).reshape([x.shape[0], N, E]);
    q = proj(q, W ? W.narrow(0, 0, E) : this.q_proj_weight!, bq);
    k = proj(k, W ? W.narrow(0, E, E) : this.k_proj_weight!, bk);
    v = proj(v, W ? W.narrow(0, 2 * E, E) : this.v_proj_weight!, bv);
    const padCol = (t: Tensor | null): Tensor | null => (t ? cat([t, zeros([...t.shape.slice(0, -1), 1], { dtype: t.dtype })], -1) : null);
    if (this.bias_k && this.bias_v) {
      k = cat([k, this.bias_k.expand([1, N, E])], 0);
      v = cat([v, this.bias_v.expand([1, N, E])], 0);
      mask = padCol(mask); kpm = padCol(kpm);
      S += 1;
    }
    // [L, N, E] -> [N * H, L, hd]
    let qh = q.reshape([L, N * H, hd]).transpose(0, 1);
    let kh = k.reshape([S, N * H, hd]).transpose(0, 1);
    let vh = v.reshape([S, N * H, hd]).transpose(0, 1);
    if (this.addZeroAttn) {
      kh = cat([kh, zeros([N * H, 1, hd], { dtype: kh.dtype })], 1);
      vh = cat([vh, zeros([N * H, 1, hd], { dtype: vh.dtype })], 1);
      mask = padCol(mask); kpm = padCol(kpm);
      S += 1;
    }
    if (kpm) {
      const km = kpm.reshape([N, 1, 1, S]).expand([N, H, 1, S]).reshape([N * H, 1, S]);
      mask = mask ? mask.add(km) : km;
    }
    let out: Tensor, weights: Tensor | null = null;
    if (needWeights) {
      // torch's explicit path: softmax of every row, so a fully masked row is NaN here (as torch)
      let w = qh.mul(1 / Math.sqrt(hd)).matmul(kh.transpose(1, 2));
      if (mask) w = w.add(mask);
      w = w.softmax(-1);
      const wd = p > 0 ? dropout(w, p, true) : w;
      out = wd.matmul(vh);
      weights = w.reshape([N, H, L, S]);
      if (average) weights = weights.mean(1);
      if (!batched) weights = weights.squeeze(0);
    } else {
      const m4 = mask ? (mask.shape[0] === 1 ? mask.unsqueeze(0) : mask.reshape([N, H, -1, S])) : null;
      qh = qh.reshape([N, H, L, hd]); kh = kh.reshape([N, H, S, hd]); vh = vh.reshape([N, H, S, hd]);
      out = scaledDotProductAttention(qh, kh, vh, { attnMask: m4, dropoutP: p }).reshape([N * H, L, hd]);
    }
    // [N * H, L, hd] -> [L, N, E] -> out_proj
    let y = this.out_proj.forward(out.transpose(0, 1).reshape([L * N, E])).reshape([L, N, E]);
    if (!batched) y = y.squeeze(1);
    else if (this.batchFirst) y = y.transpose(0, 1);
    return [y, weights];
  }
  /**
   * The SDPA path (needWeights false) without layout copies: the projections run on the inputs'
   * own rows ([N * L, E] with batchFirst, [L * N, E] otherwise, one GEMM each), the heads are strided
   * views [N, H, L, hd] that the fused kernel reads in place, and the output comes back in the
   * input's layout. As torch, an isCausal hint with no key padding mask drops attnMask and tells
   * SDPA isCausal, so the kernel skips the key blocks above the diagonal instead of adding -inf.
   * Not under jit.trace: the traced graph (and the ONNX bytes the tests pin) keeps the general path.
   */
  private fastForward(query: Tensor, key: Tensor, value: Tensor, batched: boolean, N: number, L: number, S: number,
    kpm: Tensor | null, mask: Tensor | null, isCausal: boolean, p: number, w: Tensor[], bias: (Tensor | undefined)[]): Tensor {
    const H = this.numHeads, hd = this.headDim, E = this.embedDim;
    const nFirst = !batched || this.batchFirst;   // rows ordered (n, l); seq-first inputs are (l, n)
    const rowsOf = (x: Tensor): Tensor => x.reshape([-1, x.shape[x.ndim - 1]]);
    const heads = (x2: Tensor, len: number): Tensor => (nFirst ? x2.reshape([N, len, H, hd]).permute([0, 2, 1, 3]) : x2.reshape([len, N, H, hd]).permute([1, 2, 0, 3]));
    const xq = rowsOf(query);
    let causal = false;
    if (isCausal && !kpm) { causal = true; mask = null; }
    else if (kpm) {
      const km = kpm.reshape([N, 1, 1, S]).expand([N, H, 1, S]).reshape([N * H, 1, S]);
      mask = mask ? mask.add(km) : km;
    }
    const m4 = mask ? (mask.shape[0] === 1 ? mask.unsqueeze(0) : mask.reshape([N, H, -1, S])) : null;
    let out: Tensor;
    const Wp = this.in_proj_weight, bp = this.in_proj_bias;
    if (key === query && value === query && Wp && packedOk(query, Wp, bp ?? undefined, m4)) {
      // self-attention: q, k and v from one [rows, 3E] GEMM (one product forward and for each of
      // dX and dW in backward, where three would also sum three dX), attended in place
      out = packedSelfAttention(linear(xq, Wp, bp ?? undefined), N, L, H, hd, nFirst, m4, causal, p);
    } else {
      const xk = key === query ? xq : rowsOf(key);
      const xv = value === query ? xq : value === key ? xk : rowsOf(value);
      const qh = heads(linear(xq, w[0], bias[0]), L), kh = heads(linear(xk, w[1], bias[1]), S), vh = heads(linear(xv, w[2], bias[2]), S);
      out = scaledDotProductAttention(qh, kh, vh, { attnMask: m4, dropoutP: p, isCausal: causal });
    }
    // [N, H, L, hd] -> the input's rows [N * L, E] (or [L * N, E]): the one copy, as torch's
    const rows = nFirst ? out.transpose(1, 2).reshape([N * L, E]) : out.permute([2, 0, 1, 3]).reshape([L * N, E]);
    const y = this.out_proj.forward(rows);
    return !batched ? y.reshape([L, E]) : nFirst ? y.reshape([N, L, E]) : y.reshape([L, N, E]);
  }
  extraRepr(): string { return `embed_dim=${this.embedDim}, num_heads=${this.numHeads}, batch_first=${this.batchFirst ? 'True' : 'False'}`; }
}
