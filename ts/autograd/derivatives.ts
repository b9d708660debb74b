// The derivatives table: one row per differentiable op id (native/ops.def), the backward as a
// function of what the op saved (ts/call.ts Saved: its arguments, read through version
// checks; its outputs; dy). A row reads the op's native argument list, the same list call()
// passed to the native export (sum(x, dims | null, keepdim), not the method's (dim?, opts?)),
// and returns one gradient per argument (null or nothing where none; an array for a tensor
// list). Broadcasting is reduced here (sumTo), so no other rule mentions it. Rows are written
// in Tensor ops, so they run on any device and can themselves be differentiated.
// Ops written from other ops (repeat, pad, outer, stack, ...) have no row: they record their parts.
import { Tensor } from '../tensor';
import { zeros, arange, tensor, onesLike, zerosLike } from '../creation';
import { call, attachNode, type Saved } from '../call';
import { isGradEnabled, checkVersion, noGrad } from './engine';
import { sdpaDropoutFactors } from '../ops/attention';
import { vjpGraph, composedScan } from './scan_grad';

export type Derivative = (s: Saved) => (Tensor | null | undefined | (Tensor | null)[])[];
type Dims = number[] | null;

/** Sums a broadcast gradient back to `shape`. */
export function sumTo(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < g.ndim; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) dims.push(i);
  let r = g.sum(dims, { keepdim: true });
  if (lead > 0) r = r.reshape([...shape]);
  return r;
}

const normDim = (d: number, n: number): number => (d < 0 ? d + n : d);
/** The dims a reduction over `dims` (null: all) reduced, non-negative. */
const reducedDims = (x: Tensor, dims: Dims): number[] => (dims === null ? [...Array(x.ndim).keys()] : dims.map((d) => normDim(d, x.ndim)));
/** dy of a reduction, with the reduced dims put back as size 1 and expanded to x. */
function unreduce(dy: Tensor, x: Tensor, dims: Dims, keepdim: boolean): Tensor {
  let g = dy;
  // a 0-d x reduced over dim 0 (or -1), as torch allows: dy is 0-d too (unsqueeze would give [1])
  if (x.shape.length === 0) return g.reshape([]);
  if (!keepdim) for (const d of reducedDims(x, dims).sort((a, b) => a - b)) g = g.unsqueeze(d);
  return g.expand([...x.shape]);
}
/** Zeros shaped like x in dy's dtype (the gradient's dtype). */
const zerosFor = (x: Tensor, dy: Tensor): Tensor => zeros([...x.shape], { dtype: dy.dtype });
const longs = (v: number[]): Tensor => tensor(v, { dtype: 'int64' });
/** Gradient of a view that picks `idx` (int64, 1-d) along dim d: dy written back into zeros. */
const unselect = (x: Tensor, dy: Tensor, d: number, idx: Tensor): Tensor => zerosFor(x, dy).indexAdd(d, idx, dy);
/**
 * Gradient of a view `pick` of x (narrow, select, slice): dy copied into that view of zeros, as
 * torch's slice_backward (one zero fill and one strided copy; no index tensor, no index_add). Under
 * createGraph the differentiable index_add form `composite` runs instead.
 */
const viewBack = (x: Tensor, dy: Tensor, pick: (z: Tensor) => Tensor, composite: () => Tensor): Tensor => {
  if (isGradEnabled()) return composite();
  const z = zerosFor(x, dy);
  pick(z).copy_(dy);
  return z;
};
/** Gradient of amax/amin-like reductions: ties share dy evenly (torch's evenly_distribute). */
function evenly(x: Tensor, y: Tensor, dy: Tensor, dims: Dims, keepdim: boolean): Tensor {
  const mask = x.eq(unreduce(y, x, dims, keepdim));
  const count = mask.sum(reducedDims(x, dims), { keepdim: true });
  return unreduce(dy, x, dims, keepdim).mul(mask).div(count);
}
/** Gradient of an op whose values are x's elements at `indices` along d: scatter dy back. */
const scatterBack = (x: Tensor, dy: Tensor, d: number, indices: Tensor): Tensor => zerosFor(x, dy).scatter(d, indices, dy);
const SELU_SCALE = 1.0507009873554804934193349852946, SELU_ALPHA = 1.6732632423543772848170429916717;
const INV_SQRT_2PI = 0.3989422804014327, SQRT_2_OVER_PI = 0.7978845608028654;
/** a > b (or a < b) with either side a JS number. */
const gt = (a: Tensor | number, b: Tensor | number): Tensor => (a instanceof Tensor ? a.gt(b) : (b as Tensor).lt(a));
const lt = (a: Tensor | number, b: Tensor | number): Tensor => (a instanceof Tensor ? a.lt(b) : (b as Tensor).gt(a));
const eq = (a: Tensor | number, b: Tensor | number): Tensor => (a instanceof Tensor ? a.eq(b) : (b as Tensor).eq(a));
/** A tensor-or-number argument: version-checked when a tensor. */
const tn = (s: Saved, i: number): Tensor | number => s.a(i) as Tensor | number;

/** Backward of max/min along a dim: only the indices are read, as torch saves them. */
const maxMin: Derivative = (s) => {
  const x = s.m(0), d = normDim(s.p(1), x.ndim), k = s.p<boolean>(2), idx = s.out(1), dy = s.dy;
  return [scatterBack(x, k ? dy : dy.unsqueeze(d), d, k ? idx : idx.unsqueeze(d))];
};
const same: Derivative = (s) => [s.dy.reshape([...s.m(0).shape])];
const zero: Derivative = (s) => [zerosFor(s.m(0), s.dy)];
/**
 * Whether one of `out` windows along a dim of size n has all its taps in the padding. Only
 * windows that start in the left padding can: the others start inside the input (torch's
 * output size keeps the last start there).
 */
function emptyWindow(n: number, k: number, s: number, p: number, d: number, out: number): boolean {
  for (let o = 0; o < out && o * s - p < 0; o++) {
    const lo = o * s - p, first = lo < 0 ? lo + Math.ceil(-lo / d) * d : lo;
    if (first >= n || first > lo + (k - 1) * d) return true;
  }
  return false;
}
/** Max pooling: dy goes back to the argmax element of each window. A window wholly in the
 * padding (`someEmpty`) has value -inf and index -1, and sends nothing back. */
function unpoolMax(x: Tensor, indices: Tensor, dy: Tensor, someEmpty: boolean): Tensor {
  const [N, C] = x.shape;
  let idx = indices, g = dy;
  if (someEmpty) { const hit = indices.ge(0); idx = indices.clamp(0, null); g = dy.where(hit, 0); }
  return zeros([N, C, x.shape[2] * x.shape[3]], { dtype: dy.dtype }).scatterAdd(2, idx.reshape([N, C, -1]), g.reshape([N, C, -1])).reshape([...x.shape]);
}
const maxPool: Derivative = (s) => {
  const x = s.m(0), k = s.p<number[]>(1), st = s.p<number[]>(2), p = s.p<number[]>(3), d = s.p<number[]>(4), out = s.out(0).shape;
  const someEmpty = [0, 1].some((i) => emptyWindow(x.shape[2 + i], k[i], st[i], p[i], d[i], out[2 + i]));
  return [unpoolMax(x, s.out(1), s.dy, someEmpty)];
};

// ---- conv: the three ops are each other's gradients (see ts/ops/conv.ts)
/** The output padding that makes a transposed conv of dy come back to `size` (H, W). */
const outPad = (size: readonly number[], dy: Tensor, k: readonly number[], stride: number[], padding: number[], dilation: number[]): number[] =>
  [0, 1].map((i) => size[i] - ((dy.shape[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k[i] - 1) + 1));
const kernelOf = (w: Tensor): number[] => [w.shape[2], w.shape[3]];

const conv2d: Derivative = (s) => {
  const x = s.t(0), w = s.t(1), b = s.m(2) as Tensor | null, dy = s.dy;
  const [stride, padding, dilation, groups] = [s.p<number[]>(3), s.p<number[]>(4), s.p<number[]>(5), s.p(6)];
  const mask: [boolean, boolean, boolean] = [x.requiresGrad, w.requiresGrad, !!b?.requiresGrad];
  if (!isGradEnabled()) {
    // one native pass over dy for all three (torch's convolution_backward)
    return call<(Tensor | null)[]>('conv2d_backward', [dy, x, w, stride, padding, dilation, groups, ...mask]);
  }
  return [
    mask[0] ? call('conv_transpose2d', [dy, w, null, stride, padding, outPad(x.shape.slice(2), dy, kernelOf(w), stride, padding, dilation), dilation, groups]) : null,
    mask[1] ? call('conv2d_weight_grad', [dy, x, kernelOf(w), stride, padding, dilation, groups]) : null,
    mask[2] ? dy.sum([0, 2, 3]) : null,
  ];
};
const convTranspose2d: Derivative = (s) => {
  const x = s.t(0), w = s.t(1), b = s.m(2) as Tensor | null, dy = s.dy;
  const [stride, padding, dilation, groups] = [s.p<number[]>(3), s.p<number[]>(4), s.p<number[]>(6), s.p(7)];
  return [
    x.requiresGrad ? call('conv2d', [dy, w, null, stride, padding, dilation, groups]) : null,
    w.requiresGrad ? call('conv2d_weight_grad', [x, dy, kernelOf(w), stride, padding, dilation, groups]) : null,
    b?.requiresGrad ? dy.sum([0, 2, 3]) : null,
  ];
};
const conv2dWeightGrad: Derivative = (s) => {
  const g = s.t(0), x = s.t(1), dG = s.dy, kernel = s.p<number[]>(2);
  const [stride, padding, dilation, groups] = [s.p<number[]>(3), s.p<number[]>(4), s.p<number[]>(5), s.p(6)];
  return [
    g.requiresGrad ? call('conv2d', [x, dG, null, stride, padding, dilation, groups]) : null,
    x.requiresGrad ? call('conv_transpose2d', [g, dG, null, stride, padding, outPad(x.shape.slice(2), g, kernel, stride, padding, dilation), dilation, groups]) : null,
  ];
};

/** batch_norm's gradients in Tensor ops (under createGraph); in training, mean and 1/std are recomputed from x so their dependence on x is in the graph. */
function batchNormComposite(dy: Tensor, x: Tensor, weight: Tensor | null, mean: Tensor, invstd: Tensor, training: boolean, eps: number): Tensor[] {
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
const batchNorm: Derivative = (s) => {
  const x = s.t(0), w = s.a(1) as Tensor | null, training = s.p<boolean>(5), eps = s.p(7), mean = s.out(1), invstd = s.out(2);
  if (isGradEnabled()) return batchNormComposite(s.dy, x, w, mean, invstd, training, eps);
  return call<Tensor[]>('batch_norm_backward', [s.dy, x, w, mean, invstd, training]);
};

/** layer_norm's gradients in Tensor ops (under createGraph): mean and 1/std recomputed from x so their dependence on x is in the graph. */
function layerNormComposite(dy: Tensor, x: Tensor, k: number, weight: Tensor | null, eps: number): Tensor[] {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i), lead = Array.from({ length: x.ndim - k }, (_, i) => i);
  const xc = x.sub(x.mean(dims, { keepdim: true }));
  const is = xc.square().mean(dims, { keepdim: true }).add(eps).rsqrt(), xhat = xc.mul(is);
  const g = weight ? dy.mul(weight) : dy;
  const dx = g.sub(g.mean(dims, { keepdim: true })).sub(xhat.mul(g.mul(xhat).mean(dims, { keepdim: true }))).mul(is);
  return [dx, lead.length ? dy.mul(xhat).sum(lead) : dy.mul(xhat), lead.length ? dy.sum(lead) : dy];
}
const layerNorm: Derivative = (s) => {
  const x = s.t(0), shape = s.p<number[]>(1), w = s.a(2) as Tensor | null, eps = s.p(4);
  const [dx, dw, db] = isGradEnabled() ? layerNormComposite(s.dy, x, shape.length, w, eps)
    : call<Tensor[]>('layer_norm_backward', [s.dy, x, shape, s.out(1), s.out(2), w]);
  return [dx, null, dw, db];
};

/** group_norm's gradients in Tensor ops (under createGraph): mean and 1/std recomputed from x so their dependence on x is in the graph. */
function groupNormComposite(dy: Tensor, x: Tensor, weight: Tensor | null, G: number, eps: number): Tensor[] {
  const [N, C] = x.shape, b = [1, C, ...Array(x.ndim - 2).fill(1)], dims = [0, ...Array.from({ length: x.ndim - 2 }, (_, i) => i + 2)];
  const xg = x.reshape([N, G, -1]), xc = xg.sub(xg.mean(-1, { keepdim: true }));
  const is = xc.square().mean(-1, { keepdim: true }).add(eps).rsqrt(), xhat = xc.mul(is);
  const g = (weight ? dy.mul(weight.reshape(b)) : dy).reshape([N, G, -1]);
  const dx = g.sub(g.mean(-1, { keepdim: true })).sub(xhat.mul(g.mul(xhat).mean(-1, { keepdim: true }))).mul(is).reshape([...x.shape]);
  return [dx, dy.mul(xhat.reshape([...x.shape])).sum(dims), dy.sum(dims)];
}
const groupNorm: Derivative = (s) => {
  const x = s.t(0), w = s.a(1) as Tensor | null, G = s.p<number>(3), eps = s.p<number>(4);
  return isGradEnabled() ? groupNormComposite(s.dy, x, w, G, eps) : call<Tensor[]>('group_norm_backward', [s.dy, x, w, s.out(1), s.out(2), G]);
};

// ---- fused recurrent cells (ts/ops/rnn.ts). The engine gives a node one output's gradient;
// lstm_cell has two differentiable outputs, h (its recorded output 0) and c_new. c_new gets a
// node of its own that stashes dc and passes a 0-d zero on to h's node through a private edge
// (the workspace, whose gradFn is h's node), so that node runs after it and makes one
// lstm_cell_backward call for both (a 0-d dy there means h itself got no gradient).
const LSTM_DC = new WeakMap<Tensor, Tensor>();
/** @internal Gives c_new (output 1 of a recorded lstm_cell) its node; see above. */
export function recordLstmCellState(h: Tensor, cNew: Tensor, workspace: Tensor): void {
  if (h.gradFn === null) return;
  workspace.gradFn = h.gradFn;
  attachNode('lstm_cell', [workspace], cNew, (dc) => {
    LSTM_DC.set(cNew, dc);
    return [zeros([], { dtype: dc.dtype })];
  });
}
const chunks = (t: Tensor, k: number): Tensor[] => Array.from({ length: k }, (_, j) => t.narrow(1, j * (t.shape[1] / k), t.shape[1] / k));
const dsig = (y: Tensor): Tensor => y.mul(y.neg().add(1));
const dtanh = (y: Tensor): Tensor => y.square().neg().add(1);
/** lstm_cell's gradients in Tensor ops of its inputs (under createGraph), as the kernel computes them. */
function lstmCellComposite(dh: Tensor | null, dc: Tensor | null, xg: Tensor, hg: Tensor, c: Tensor): Tensor[] {
  const [gi, gf, gg, go] = chunks(xg.add(hg), 4);
  const i = gi.sigmoid(), f = gf.sigmoid(), g = gg.tanh(), o = go.sigmoid(), t = f.mul(c).add(i.mul(g)).tanh();
  let dcy = dc ?? zeros([...c.shape], { dtype: c.dtype });
  if (dh) dcy = dcy.add(dh.mul(o).mul(dtanh(t)));
  const dO = dh ? dh.mul(t).mul(dsig(o)) : zeros([...c.shape], { dtype: c.dtype });
  const dgates = call('cat', [[dcy.mul(g).mul(dsig(i)), dcy.mul(c).mul(dsig(f)), dcy.mul(i).mul(dtanh(g)), dO], 1]);
  return [dgates, dgates, dcy.mul(f)];
}
const lstmCell: Derivative = (s) => {
  const c = s.t(2), cNew = s.out(1), ws = s.out(2);
  checkVersion('lstm_cell', 'output 1', cNew, 0);  // outputs start at version 0
  const dh = s.dy.ndim === 0 ? null : s.dy, dc = LSTM_DC.get(cNew) ?? null;
  LSTM_DC.delete(cNew);
  if (isGradEnabled()) return lstmCellComposite(dh, dc, s.t(0), s.t(1), c);
  const [dgates, dcPrev] = call<Tensor[]>('lstm_cell_backward', [dh, dc, c, cNew, ws]);
  return [dgates, dgates, dcPrev];
};
/** gru_cell's gradients in Tensor ops of its inputs (under createGraph). */
function gruCellComposite(dy: Tensor, xg: Tensor, hg: Tensor, h: Tensor): Tensor[] {
  const [xr, xz, xn] = chunks(xg, 3), [hr, hz, hn] = chunks(hg, 3);
  const r = xr.add(hr).sigmoid(), z = xz.add(hz).sigmoid(), n = xn.add(r.mul(hn)).tanh();
  const dn = dy.mul(z.neg().add(1)).mul(dtanh(n)), dz = dy.mul(h.sub(n)).mul(dsig(z)), dr = dn.mul(hn).mul(dsig(r));
  return [call('cat', [[dr, dz, dn], 1]), call('cat', [[dr, dz, dn.mul(r)], 1]), dy.mul(z)];
}
const gruCell: Derivative = (s) => {
  if (isGradEnabled()) return gruCellComposite(s.dy, s.t(0), s.t(1), s.t(2));
  s.t(2);  // h is read from the workspace: its version is checked as torch's saved hx is
  return call<Tensor[]>('gru_cell_backward', [s.dy, s.out(1)]);
};

// ---- fused attention (ts/ops/attention.ts): q, k, v get gradients; the mask gets none (the
// public function takes the composite path when the mask needs one).
/** sdpa_flash's gradients in Tensor ops (under createGraph): P recomputed, then FlashAttention's formulas. */
export function sdpaComposite(dy: Tensor, q: Tensor, k: Tensor, v: Tensor, mask: Tensor | null, causal: boolean, scale: number,
  drop: Tensor | null = null): Tensor[] {
  const [B, Hq, L] = q.shape, [, Hk, S] = k.shape, g = Hk > 0 ? Hq / Hk : 1;
  const rep = (t: Tensor): Tensor => (g === 1 ? t : t.unsqueeze(2).expand([B, Hk, g, S, t.shape[3]]).reshape([B, Hq, S, t.shape[3]]));
  const unrep = (t: Tensor): Tensor => (g === 1 ? t : t.reshape([B, Hk, g, S, t.shape[3]]).sum(2));
  const kk = rep(k), vv = rep(v);
  let s = q.matmul(kk.transpose(-2, -1)).mul(scale);
  const keep = causal ? arange(S, undefined, 1, { dtype: 'int64' }).unsqueeze(0).le(arange(L, undefined, 1, { dtype: 'int64' }).unsqueeze(1)) : mask?.dtype === 'bool' ? mask : null;
  if (keep) s = s.maskedFill(keep.logicalNot(), -Infinity);
  else if (mask) s = s.add(mask);
  const dead = s.detach().amax(-1, { keepdim: true }).eq(-Infinity);
  const p = s.maskedFill(dead, 0).softmax(-1).maskedFill(dead, 0);
  // with dropout (drop: the kernel's keep / (1 - p) factors): out = (p * drop) v, so dv takes the
  // dropped weights and dp the factors; rowsum(dp * p) is still rowsum(dy * out)
  const dp = drop ? dy.matmul(vv.transpose(-2, -1)).mul(drop) : dy.matmul(vv.transpose(-2, -1));
  const ds = p.mul(dp.sub(dp.mul(p).sum(-1, { keepdim: true }))).mul(scale);
  return [ds.matmul(kk), unrep(ds.transpose(-2, -1).matmul(q)), unrep((drop ? p.mul(drop) : p).transpose(-2, -1).matmul(dy))];
}
const sdpaFlash: Derivative = (s) => {
  const q = s.t(0), k = s.t(1), v = s.t(2), mask = s.a(3) as Tensor | null, causal = s.p<boolean>(4), scale = s.p(5);
  const dropoutP = s.p<number>(6), rng = s.a(7) as Tensor | null;
  if (isGradEnabled()) {
    const drop = dropoutP > 0 && rng ? sdpaDropoutFactors(rng, dropoutP, q.shape[0], q.shape[1], q.shape[2], k.shape[2], q.dtype as 'float32') : null;
    return sdpaComposite(s.dy, q, k, v, mask, causal, scale, drop);
  }
  return call<Tensor[]>('sdpa_flash_backward', [s.dy, q, k, v, mask, s.y, s.out(1), causal, scale, dropoutP, rng]);
};

/**
 * The rows. Argument lists are the native exports' (ts/binding.ts); s.t(i) reads tensor
 * argument i checked, s.m(i) its metadata, s.g(i) it when it needs a gradient, s.p(i) a
 * plain argument, s.y the output.
 */
export const DERIVATIVES: Record<string, Derivative> = {
  neg: (s) => [s.dy.neg()],
  abs: (s) => [s.dy.mul(s.t(0).sign())],
  exp: (s) => [s.dy.mul(s.y)],
  log: (s) => [s.dy.div(s.t(0))],
  log1p: (s) => [s.dy.div(s.t(0).add(1))],
  expm1: (s) => [s.dy.mul(s.y.add(1))],
  sqrt: (s) => [s.dy.div(s.y.mul(2))],
  rsqrt: (s) => [s.dy.mul(s.y.pow(3)).mul(-0.5)],
  square: (s) => [s.dy.mul(s.t(0)).mul(2)],
  reciprocal: (s) => [s.dy.mul(s.y.square()).neg()],
  sin: (s) => [s.dy.mul(s.t(0).cos())],
  cos: (s) => [s.dy.mul(s.t(0).sin()).neg()],
  tanh: (s) => [s.dy.mul(s.y.square().neg().add(1))],
  erf: (s) => [s.dy.mul(s.t(0).square().neg().exp().mul(2 / Math.sqrt(Math.PI)))],
  sigmoid: (s) => { const y = s.y; return [s.dy.mul(y).mul(y.neg().add(1))]; },
  // the output, as torch: an in-place change to x is fine; NaN dy where y <= 0 gives 0 (threshold_backward)
  relu: (s) => [s.dy.where(s.y.gt(0), 0)],
  leaky_relu: (s) => { const k = s.p(1); return [s.dy.mul(s.t(0).gt(0).to(s.dy.dtype).mul(1 - k).add(k))]; },
  silu: (s) => {
    const x = s.t(0);
    // one native pass (silu_backward) unless createGraph needs the differentiable composite
    if (!isGradEnabled() && (x.dtype === 'float32' || x.dtype === 'float64') && s.dy.dtype === x.dtype && x.device === 'cpu') return [call<Tensor>('silu_backward', [s.dy, x])];
    const g = x.sigmoid();
    return [s.dy.mul(g.mul(x.mul(g.neg().add(1)).add(1)))];
  },
  softplus: (s) => { const bx = s.t(0).mul(s.p(1)); return [s.dy.mul(bx.sigmoid().where(bx.le(s.p(2)), 1))]; },
  clamp: (s) => {
    const x = s.t(0), lo = s.p<number | null>(1), hi = s.p<number | null>(2);
    let m = x.eq(x);
    if (lo !== null && lo !== undefined) m = m.logicalAnd(x.ge(lo));
    if (hi !== null && hi !== undefined) m = m.logicalAnd(x.le(hi));
    return [s.dy.mul(m)];
  },
  elu: (s) => { const a = s.p(1); return [s.dy.mul(s.y.add(a).where(s.t(0).le(0), 1))]; },
  selu: (s) => [s.dy.mul(s.y.add(SELU_SCALE * SELU_ALPHA).where(s.t(0).le(0), SELU_SCALE))],
  gelu: (s) => {
    const x = s.t(0), cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);  // Phi(x)
    const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
    return [s.dy.mul(cdf.add(x.mul(pdf)))];
  },
  gelu_tanh: (s) => {
    const x = s.t(0), x2 = x.square();
    const t = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
    const dt = t.square().neg().add(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
    return [s.dy.mul(t.add(1).mul(0.5).add(x.mul(dt).mul(0.5)))];
  },
  sign: zero, floor: zero, ceil: zero, round: zero,
  // binary ops skip the gradient of an operand that needs none (a one-hot target, a mask);
  // either operand may be a JS number (add(1, t))
  add: (s) => { const a = s.g(0), b = s.g(1); return [a && sumTo(s.dy, a.shape), b && sumTo(s.dy, b.shape)]; },
  sub: (s) => { const a = s.g(0), b = s.g(1); return [a && sumTo(s.dy, a.shape), b && sumTo(s.dy.neg(), b.shape)]; },
  mul: (s) => { const a = s.g(0), b = s.g(1); return [a && sumTo(s.dy.mul(tn(s, 1)), a.shape), b && sumTo(s.dy.mul(tn(s, 0)), b.shape)]; },
  div: (s) => {
    const a = s.g(0), b = s.g(1);
    return [a && sumTo(s.dy.div(tn(s, 1)), a.shape), b && sumTo(s.dy.mul(tn(s, 0)).div(s.t(1).square()).neg(), b.shape)];
  },
  pow: (s) => {
    const a = s.g(0), b = s.g(1);
    const x = tn(s, 0), e = tn(s, 1);
    const ga = a && sumTo(s.dy.mul((x as Tensor).pow(e instanceof Tensor ? e.sub(1) : e - 1)).mul(e), a.shape);
    // y only for a tensor exponent
    let gb = b && s.dy.mul(s.y).mul(x instanceof Tensor ? x.log() : Math.log(x));
    // a base of 0: 0^e is flat where e >= 0 and ln 0 is -inf, so torch masks the gradient to 0 there
    if (gb && x === 0) gb = gb.where((e as Tensor).lt(0), 0);
    gb = b && sumTo(gb!, b.shape);
    return [ga, gb];
  },
  maximum: (s) => {
    const a = tn(s, 0), b = tn(s, 1), half = eq(a, b).mul(0.5), ga = s.g(0), gb = s.g(1);
    return [ga && sumTo(s.dy.mul(gt(a, b).add(half)), ga.shape), gb && sumTo(s.dy.mul(lt(a, b).add(half)), gb.shape)];
  },
  minimum: (s) => {
    const a = tn(s, 0), b = tn(s, 1), half = eq(a, b).mul(0.5), ga = s.g(0), gb = s.g(1);
    return [ga && sumTo(s.dy.mul(lt(a, b).add(half)), ga.shape), gb && sumTo(s.dy.mul(gt(a, b).add(half)), gb.shape)];
  },
  where: (s) => {
    const cond = s.t(0), a = s.g(1), b = s.g(2);
    return [null, a && sumTo(s.dy.where(cond, 0), a.shape), b && sumTo(s.dy.where(cond.logicalNot(), 0), b.shape)];
  },
  sum: (s) => [unreduce(s.dy, s.m(0), s.p<Dims>(1), s.p<boolean>(2))],
  mean: (s) => {
    const x = s.m(0), n = reducedDims(x, s.p<Dims>(1)).reduce((a, d) => a * (x.shape[d] ?? 1), 1);  // ?? 1: a 0-d x's dim 0
    return [unreduce(s.dy, x, s.p<Dims>(1), s.p<boolean>(2)).div(n)];
  },
  logsumexp: (s) => {
    const x = s.t(0), dims = s.p<Dims>(1), k = s.p<boolean>(2);
    return [unreduce(s.dy, x, dims, k).mul(x.sub(unreduce(s.y, x, dims, k)).exp())];
  },
  softmax: (s) => { const y = s.y, dy = s.dy; return [y.mul(dy.sub(dy.mul(y).sum(s.p(1), { keepdim: true })))]; },
  log_softmax: (s) => [s.dy.sub(s.y.exp().mul(s.dy.sum(s.p(1), { keepdim: true })))],
  matmul: (s) => {
    const x = s.t(0), o = s.t(1), dy = s.dy;
    const a = x.ndim === 1 ? x.unsqueeze(0) : x, b = o.ndim === 1 ? o.unsqueeze(-1) : o;
    let g = dy;
    if (x.ndim === 1 && o.ndim === 1) g = g.reshape([1, 1]);  // dot: dy is 0-d
    else if (x.ndim === 1) g = g.unsqueeze(-2);
    else if (o.ndim === 1) g = g.unsqueeze(-1);
    // an operand that needs no gradient (the input batch of a first layer) costs no GEMM
    const ga = x.requiresGrad ? sumTo(g.matmul(b.transpose(-1, -2)), a.shape).reshape([...x.shape]) : null;
    const gb = o.requiresGrad ? sumTo(a.transpose(-1, -2).matmul(g), b.shape).reshape([...o.shape]) : null;
    return [ga, gb];
  },
  reshape: same, view: same, flatten: same, squeeze: same, unsqueeze: same,
  contiguous: (s) => [s.dy],
  to_dtype: (s) => [s.dy.dtype === s.m(0).dtype ? s.dy : s.dy.to(s.m(0).dtype)],
  transpose: (s) => [s.dy.transpose(s.p(1), s.p(2))],
  permute: (s) => {
    const p = s.p<number[]>(1), inv: number[] = [];
    p.forEach((d, i) => { inv[d < 0 ? d + p.length : d] = i; });
    return [s.dy.permute(inv)];
  },
  expand: (s) => [sumTo(s.dy, s.m(0).shape)],
  as_strided: (s) => {
    // dy summed back onto x's elements (several view elements may share one), through the
    // flat element indices the same view of a contiguous arange picks
    const x = s.m(0), dy = s.dy;
    if (!x.isContiguous()) throw new Error('backward: as_strided of a non-contiguous tensor is not differentiable here; call contiguous() first');
    const idx = arange(x.numel(), undefined, undefined, { dtype: 'int64' }).asStrided(s.p(1), s.p(2), s.p(3) - x.storageOffset());
    return [zeros([x.numel()], { dtype: dy.dtype }).indexAdd(0, idx.flatten(), dy.flatten()).reshape([...x.shape])];
  },
  prod: (s) => {
    // exact with zeros: a slice with one zero sends the product of the others to that zero, more zeros give 0
    const x = s.t(0), dims = reducedDims(x, s.p<Dims>(1));
    const isZero = x.eq(0);
    const zc = unreduce(isZero.sum(dims, { keepdim: true }), x, dims, true);
    const safe = x.where(isZero.logicalNot(), 1);
    const others = unreduce(safe.prod(dims, { keepdim: true }), x, dims, true);
    const g = others.div(safe).where(zc.eq(0), others.where(zc.eq(1).logicalAnd(isZero), 0));
    return [unreduce(s.dy, x, s.p<Dims>(1), s.p<boolean>(2)).mul(g)];
  },
  amax: (s) => [evenly(s.t(0), s.y, s.dy, s.p<Dims>(1), s.p<boolean>(2))],
  amin: (s) => [evenly(s.t(0), s.y, s.dy, s.p<Dims>(1), s.p<boolean>(2))],
  max: maxMin,
  min: maxMin,
  var: (s) => {
    const x = s.t(0), d0 = s.p<Dims>(1), dims = reducedDims(x, d0), n = dims.reduce((a, d) => a * x.shape[d], 1);
    const xc = x.sub(x.mean(dims, { keepdim: true }));
    return [unreduce(s.dy, x, d0, s.p<boolean>(3)).mul(xc).mul(2 / (n - s.p(2)))];
  },
  std: (s) => {
    const x = s.t(0), d0 = s.p<Dims>(1), k = s.p<boolean>(3), dims = reducedDims(x, d0), n = dims.reduce((a, d) => a * x.shape[d], 1);
    const xc = x.sub(x.mean(dims, { keepdim: true }));
    return [unreduce(s.dy, x, d0, k).mul(xc).div(unreduce(s.y, x, d0, k).mul(n - s.p(2)))];
  },
  norm: (s) => {
    const x = s.t(0), p = s.p(1), dims = s.p<Dims>(2), k = s.p<boolean>(3);
    const g = unreduce(s.dy, x, dims, k), yy = unreduce(s.y, x, dims, k);
    if (p === 1) return [g.mul(x.sign())];
    if (p === Infinity || p === -Infinity) {
      const mask = x.abs().eq(yy);
      return [g.mul(x.sign()).mul(mask).div(mask.sum(reducedDims(x, dims), { keepdim: true }))];
    }
    if (p === 0) return [zerosFor(x, s.dy)];
    const nz = yy.ne(0);  // torch: zero norm gives zero gradient
    const r = p === 2 ? x.div(yy.where(nz, 1)) : x.mul(x.abs().pow(p - 2)).div(yy.where(nz, 1).pow(p - 1));
    return [g.mul(r).where(nz, 0)];
  },
  cumsum: (s) => { const d = s.p(1); return [s.dy.flip([d]).cumsum(d).flip([d])]; },
  slice: (s) => {
    const x = s.m(0), d = normDim(s.p(1), x.ndim);
    return [viewBack(x, s.dy, (z) => z.slice(d, s.p(2), s.p(3), s.p(4)),
      () => unselect(x, s.dy, d, arange(x.shape[d]).slice(0, s.p(2), s.p(3), s.p(4))))];
  },
  select: (s) => {
    const x = s.m(0), d = normDim(s.p(1), x.ndim);
    return [viewBack(x, s.dy, (z) => z.select(d, s.p(2)),
      () => unselect(x, s.dy.unsqueeze(d), d, longs([normDim(s.p(2), x.shape[d])])))];
  },
  narrow: (s) => {
    const x = s.m(0), d = normDim(s.p(1), x.ndim), st = normDim(s.p(2), x.shape[d]);
    return [viewBack(x, s.dy, (z) => z.narrow(d, st, s.p(3)), () => unselect(x, s.dy, d, arange(st, st + s.p(3))))];
  },
  gather: (s) => [zerosFor(s.m(0), s.dy).scatterAdd(s.p(1), s.t(2), s.dy)],
  scatter: (s) => {
    const d = s.p(1), index = s.t(2), src = s.g(3);
    return [s.dy.scatter(d, index, 0), null, null, src && s.dy.gather(d, index)];
  },
  scatter_add: (s) => [s.dy, null, null, s.dy.gather(s.p(1), s.t(2))],
  scatter_reduce: (s) => {
    // torch's scatter_reduce_backward, formula for formula (amax/amin share dy evenly among ties)
    const d = s.p(1), index = s.t(2), reduce = s.p(4), includeSelf = s.p<boolean>(5), dy = s.dy;
    let gx: Tensor, gs: Tensor;
    if (reduce === 0) {
      gx = dy; gs = dy.gather(d, index);
    } else if (reduce === 2) {
      const src = s.m(3);
      const n = (includeSelf ? onesLike(dy) : zerosLike(dy)).scatterAdd(d, index, onesLike(src, { dtype: dy.dtype }));
      const nz = n.maskedFill(n.eq(0), 1);
      gx = dy.div(nz); gs = dy.gather(d, index).div(nz.gather(d, index));
    } else if (reduce === 3 || reduce === 4) {
      const x = s.t(0), src = s.t(3), y = s.y, value = y.gather(d, index);
      const xIs = x.eq(y), srcIs = src.eq(value);
      const share = dy.div(xIs.to(dy.dtype).scatterAdd(d, index, srcIs.to(dy.dtype)));
      gx = share.mul(xIs); gs = share.gather(d, index).mul(srcIs);
    } else {
      // prod: d y / d v = y / v, computed without dividing by zero (torch's rule): where a group holds one
      // zero, that zero's gradient is dy times the product of the group's other values; two or more, 0
      const x = s.t(0), src = s.t(3), xz = x.eq(0), sz = src.eq(0);
      const zeroCount = (includeSelf ? xz.to(dy.dtype) : zerosLike(dy)).scatterAdd(d, index, sz.to(dy.dtype));
      const xm = x.maskedFill(xz, 1), sm = src.maskedFill(sz, 1);
      const atZero = dy.mul(xm.scatterReduce(d, index, sm, 'prod', { includeSelf })).where(zeroCount.eq(1), 0);
      const gy = dy.mul(s.y);
      // without self, positions the index never reaches keep x (gradient dy); reached ones are zeroed below
      gx = includeSelf ? gy.div(xm).where(xz.logicalNot(), atZero) : dy;
      gs = gy.gather(d, index).div(sm).where(sz.logicalNot(), atZero.gather(d, index));
    }
    if (!includeSelf) gx = gx.scatter(d, index, 0);
    return [gx, null, null, gs];
  },
  index_select: (s) => [unselect(s.m(0), s.dy, normDim(s.p(1), s.m(0).ndim), s.t(2))],
  index_add: (s) => {
    const alpha = s.p(4), src = s.m(3);
    let gs = s.dy.indexSelect(s.p(1), s.t(2));
    if (alpha !== 1) gs = gs.mul(alpha);
    return [s.dy, null, null, gs.reshape([...src.shape])];
  },
  masked_fill: (s) => [s.dy.maskedFill(s.t(1), 0)],
  // graph attention's edge kernels (ts/ops/graph.ts): each one's adjoint is the other with the edge ends swapped
  edge_softmax: (s) => {
    const index = s.t(1), n = s.p(2), y = s.y;
    if (!isGradEnabled()) return [call('edge_softmax_backward', [s.dy, y, index, n]), null];
    const gy = s.dy.mul(y), dims = [n, ...y.shape.slice(1)];
    return [gy.sub(y.mul(zeros(dims, { dtype: gy.dtype }).indexAdd(0, index, gy).indexSelect(0, index))), null];
  },
  edge_weighted_sum: (s) => {
    const x = s.m(0), w = s.t(1), src = s.t(2), dst = s.t(3);
    return [s.g(0) && call('edge_weighted_sum', [s.dy, w, dst, src, x.shape[0]]), s.g(1) && call('edge_dot', [s.t(0), s.dy, src, dst])];
  },
  edge_dot: (s) => {
    const a = s.m(0), b = s.m(1), ia = s.t(2), ib = s.t(3);
    return [s.g(0) && call('edge_weighted_sum', [s.t(1), s.dy, ib, ia, a.shape[0]]), s.g(1) && call('edge_weighted_sum', [s.t(0), s.dy, ia, ib, b.shape[0]])];
  },
  topk: (s) => { const x = s.m(0); return [scatterBack(x, s.dy, normDim(s.p(2), x.ndim), s.out(1))]; },
  sort: (s) => { const x = s.m(0); return [scatterBack(x, s.dy, normDim(s.p(1), x.ndim), s.out(1))]; },
  flip: (s) => [s.dy.flip(s.p<number[]>(1))],
  cat: (s) => {
    // dy cut back into the inputs' extents along dim
    const ts = s.p<Tensor[]>(0), dy = s.dy;
    const nd = ts.find((t) => t.ndim > 0)?.ndim ?? 1, d = normDim(s.p(1), nd);
    let start = 0;
    return [ts.map((t) => {
      const n = t.ndim === 1 && t.shape[0] === 0 && nd !== 1 ? 0 : t.shape[d];
      const g = dy.narrow(d, start, n).reshape([...t.shape]);
      start += n;
      return g;
    })];
  },
  conv2d, conv_transpose2d: convTranspose2d, conv2d_weight_grad: conv2dWeightGrad,
  max_pool2d: maxPool, adaptive_max_pool2d: (s) => [unpoolMax(s.m(0), s.out(1), s.dy, false)],
  batch_norm: batchNorm,
  layer_norm: layerNorm,
  group_norm: groupNorm,
  lstm_cell: lstmCell, gru_cell: gruCell,
  // a whole scan direction: one native backward, W_hh's gradient one GEMM over every step
  // (outputs: y = [out; hN; cN] stacked, the workspace, and each step's h_prev for lstm);
  // under createGraph the gradients are a graph: the scan recomputed in Tensor ops (scan_grad.ts)
  lstm_scan: (s) => isGradEnabled() ? vjpGraph(([gi, h0, c0, w]) => composedScan(true, gi!, h0!, c0, w!, null, s.p(4), s.p(5)),
    [s.t(0), s.t(1), s.t(2), s.t(3)], s.dy) : noGrad(() => {
    const wHh = s.t(3);
    const [dg, dh0, dc0] = call<Tensor[]>('lstm_scan_backward', [s.dy, s.out(1), wHh, s.a(4), s.a(5)]);
    return [dg, dh0, dc0, wHh.requiresGrad ? dg.t().matmul(s.out(2)) : null];
  }),
  gru_scan: (s) => isGradEnabled() ? vjpGraph(([gi, h0, w, b]) => composedScan(false, gi!, h0!, null, w!, b, s.p(4), s.p(5)),
    [s.t(0), s.t(1), s.t(2), s.a(3) as Tensor | null], s.dy) : noGrad(() => {
    const wHh = s.t(2), bHh = s.a(3) as Tensor | null, ws = s.out(1), H = wHh.shape[1];
    const [dxg, dhg, dh0] = call<Tensor[]>('gru_scan_backward', [s.dy, ws, wHh, s.a(4), s.a(5)]);
    const dW = wHh.requiresGrad ? dhg.t().matmul(ws.narrow(1, 3 * H, H)) : null;  // h_prev: columns [3H, 4H)
    return [dxg, dh0, dW, bHh?.requiresGrad ? dhg.sum(0) : null];
  }),
  sdpa_flash: sdpaFlash,
  // dropout with a fixed mask is linear: its backward is the same op (same rng) on dy
  dropout_philox: (s) => [call<Tensor>('dropout_philox', [s.dy, s.p(1), s.t(2)]), null, null],
  // in-place ops whose result does not depend on the old value (callInPlace: FRESH_IN_PLACE)
  copy_: (s) => { const src = s.m(1); return [null, src.requiresGrad ? sumTo(s.dy, src.shape).to(src.dtype) : null]; },
  fill_: () => [],
  uniform_: () => [],
  normal_: () => [],
};

/** In-place ops whose rows do not read self's old value: no snapshot is taken. */
export const FRESH_IN_PLACE = new Set(['copy_', 'fill_', 'uniform_', 'normal_']);
