// The test table: how the public API (ts/index) runs each op for a fixture case, and how
// closely it must match PyTorch. One row per op id of the native list (native/ops.def,
// ts/ops/registry.ts), keyed by that id, plus one row per composite the public API builds
// on those ops, keyed by its camelCase name. test/conformance.test.ts runs every case of
// test/fixtures/*.json (written by scripts/gen_fixtures.py) through its row, and
// test/op_table.test.ts fails when this table, the registry and the native list drift.
//
// Columns:
//   run(x, a)     calls the public API for one case: x holds the case's inputs (tensors,
//                 with any view ops applied, or JS numbers/booleans), a its args, named as
//                 the API's options (keepdim, negativeSlope, ...). Returns a Tensor, a
//                 Tensor[] or {values, indices}; the outputs are compared in that order.
//   sample(a)     random ops: draws one sample for a statistical case; the suite checks
//                 its distribution and that manualSeed makes it repeat bit for bit.
//   tol           {float32?, float64?: {rtol, atol}} where the default is loosened, with
//                 the reason beside it. Default, as torch.testing.assert_close: float32
//                 rtol 1.3e-6 atol 1e-5, float64 rtol 1e-7 atol 1e-7; ints and bools exact.
//   inplace       the op writes into input 0 (the input-unchanged check skips that input).
//   normalize     puts outputs whose order the op leaves unspecified into a canonical order
//                 (the generator does the same to torch's outputs).
import {
  Tensor, type TensorLike, type DType, tensor, full, zeros, arange, linspace, eye, rand, randn, randint, bernoulli,
  randperm, where, cat, stack, conv2d, conv1d, convTranspose2d, conv2dWeightGrad, conv2dBackward, maxPool2dWithIndices, maxPool1d,
  avgPool2d, adaptiveAvgPool2d, adaptiveMaxPool2d, interpolate, batchNormStats, batchNormBackward, layerNormStats, layerNormBackward, lstmCell, gruCell, lstmCellBackward, gruCellBackward, adamStep_, sgdStep_, rmspropStep_, adagradStep_,
} from '../ts/index';
import { sdpaFlash, sdpaFlashBackward } from '../ts/index';
import { dropoutPhilox, siluBackward } from '../ts/index';
import { edgeSoftmax, edgeSoftmaxBackward, edgeWeightedSum, edgeDot } from '../ts/index';
import { groupNormStats, groupNormBackward } from '../ts/index';
import { lstmScan, gruScan, lstmScanBackward, gruScanBackward } from '../ts/index';
import type { Args, Input, Result, Tol } from './helpers';

export type Output = Tensor | Tensor[] | { values: Tensor; indices: Tensor };
export interface OpTest {
  run?: (x: Input[], a: Args) => Output;
  sample?: (a: Args) => Tensor;
  tol?: Partial<Record<'float32' | 'float64', Tol>>;
  inplace?: boolean;
  normalize?: (outs: Result[], a: Args) => Result[];
}

/** Rows that are not native ops: composites the public API builds from them. */
export const COMPOSITES = [
  'stack', 'split', 'chunk', 'repeat', 'pad', 'mm', 'bmm', 'dot', 'outer', 'argsort', 't', 'T', 'unflatten',
  'rand', 'randn', 'conv1d', 'maxPool1d', 'avgPool2d', 'adaptiveAvgPool2d', 'interpolate',
] as const;

const T = (v: Input | undefined): Tensor => {
  if (!(v instanceof Tensor)) throw new Error(`expected a tensor input, got ${String(v)}`);
  return v;
};
const S = (v: Input | undefined): TensorLike => v as TensorLike;
const dt = (a: Args): { dtype?: DType } => (a.dtype ? { dtype: a.dtype as DType } : {});
const keep = (a: Args) => ({ keepdim: !!a.keepdim });

/** Unary-shaped rows: f gets input 0 as a Tensor. */
const u = (f: (x: Tensor, a: Args) => Output, extra: Partial<OpTest> = {}): OpTest => ({ run: (x, a) => f(T(x[0]), a), ...extra });

// Reductions accumulate in a different order than torch (which uses cascade sums and
// vectorized partial sums), so float32 results differ in the last bits and more where
// terms cancel; 1e-5 still fails a naive float32 running sum over the 60k-element cases.
const ACCUM: OpTest['tol'] = { float32: { rtol: 1e-5, atol: 1e-5 } };
// GEMM through BLAS blocks the k loop and uses FMA; same reasoning as ACCUM.
const GEMM: OpTest['tol'] = { float32: { rtol: 1e-5, atol: 1e-5 } };

/** topk(sorted: false) returns its k elements in no specified order: sort them by value
 *  (descending when largest), along the last dim, where the unsorted cases reduce. */
function sortTopk(outs: Result[], a: Args): Result[] {
  if (a.sorted !== false) return outs;
  const [v, i] = outs;
  const k = v.shape[v.shape.length - 1] ?? 1;
  const vals = [...v.data], idx = [...i.data];
  const desc = a.largest !== false;
  for (let r = 0; r + k <= vals.length && k > 0; r += k) {
    const order = [...Array(k).keys()].sort((p, q) => (desc ? vals[r + q] - vals[r + p] : vals[r + p] - vals[r + q]));
    const vs = order.map((o) => vals[r + o]), is = order.map((o) => idx[r + o]);
    vs.forEach((x, j) => { vals[r + j] = x; idx[r + j] = is[j]; });
  }
  return [{ ...v, data: vals }, { ...i, data: idx }];
}

/** Nested numbers as nested BigInts (JSON has no bigint). */
const toBigInts = (d: unknown): never => (Array.isArray(d) ? d.map(toBigInts) : BigInt(d as number)) as never;
const typedArrays: Record<string, (d: number[]) => ArrayBufferView> = {
  Float32Array: (d) => Float32Array.from(d),
  Float64Array: (d) => Float64Array.from(d),
  Int32Array: (d) => Int32Array.from(d),
  BigInt64Array: (d) => BigInt64Array.from(d, (v) => BigInt(v)),
  Uint8Array: (d) => Uint8Array.from(d),
  Int16Array: (d) => Int16Array.from(d),
  Uint32Array: (d) => Uint32Array.from(d),
};

export const OP_TABLE: Record<string, OpTest> = {
  // ---- unary (kind F results are floating; S keep the dtype; P are bool)
  neg: u((x) => x.neg()),
  abs: u((x) => x.abs()),
  sign: u((x) => x.sign()),
  exp: u((x) => x.exp()),
  log: u((x) => x.log()),
  log1p: u((x) => x.log1p()),
  expm1: u((x) => x.expm1()),
  sqrt: u((x) => x.sqrt()),
  rsqrt: u((x) => x.rsqrt()),
  square: u((x) => x.square()),
  reciprocal: u((x) => x.reciprocal()),
  sin: u((x) => x.sin()),
  cos: u((x) => x.cos()),
  tanh: u((x) => x.tanh()),
  sigmoid: u((x) => x.sigmoid()),
  relu: u((x) => x.relu()),
  silu: u((x) => x.silu()),
  selu: u((x) => x.selu()),
  gelu: u((x, a) => x.gelu(a.approximate ? { approximate: a.approximate } : undefined)),
  gelu_tanh: u((x) => x.gelu({ approximate: 'tanh' })),
  erf: u((x) => x.erf()),
  leaky_relu: u((x, a) => x.leakyRelu(a.negativeSlope)),
  elu: u((x, a) => x.elu(a.alpha)),
  softplus: u((x, a) => x.softplus({ beta: a.beta, threshold: a.threshold })),
  clamp: u((x, a) => x.clamp(a.min ?? null, a.max ?? null)),
  floor: u((x) => x.floor()),
  ceil: u((x) => x.ceil()),
  round: u((x) => x.round()),
  isnan: u((x) => x.isnan()),
  isfinite: u((x) => x.isfinite()),
  logical_not: u((x) => x.logicalNot()),
  to_dtype: u((x, a) => x.to(a.dtype)),
  copy_: { run: ([dst, src]) => T(dst).copy_(T(src)), inplace: true },

  // ---- binary (NumPy broadcasting; JS numbers promote like Python scalars)
  add: { run: ([a, b], o) => T(a).add(S(b), o.alpha !== undefined ? { alpha: o.alpha } : undefined) },
  sub: { run: ([a, b], o) => T(a).sub(S(b), o.alpha !== undefined ? { alpha: o.alpha } : undefined) },
  mul: { run: ([a, b]) => T(a).mul(S(b)) },
  div: { run: ([a, b]) => T(a).div(S(b)) },
  pow: { run: ([a, b]) => T(a).pow(S(b)) },
  maximum: { run: ([a, b]) => T(a).maximum(S(b)) },
  silu_backward: { run: ([a, b]) => siluBackward(T(a), S(b)) },
  minimum: { run: ([a, b]) => T(a).minimum(S(b)) },
  eq: { run: ([a, b]) => T(a).eq(S(b)) },
  ne: { run: ([a, b]) => T(a).ne(S(b)) },
  lt: { run: ([a, b]) => T(a).lt(S(b)) },
  le: { run: ([a, b]) => T(a).le(S(b)) },
  gt: { run: ([a, b]) => T(a).gt(S(b)) },
  ge: { run: ([a, b]) => T(a).ge(S(b)) },
  logical_and: { run: ([a, b]) => T(a).logicalAnd(S(b)) },
  logical_or: { run: ([a, b]) => T(a).logicalOr(S(b)) },
  where: { run: ([c, a, b]) => where(T(c), S(a), S(b)) },

  // ---- views (share storage; the fixtures say when torch's result does)
  as_strided: u((x, a) => x.asStrided(a.shape, a.strides, a.offset)),
  reshape: u((x, a) => x.reshape(a.shape)),
  view: u((x, a) => x.view(a.shape)),
  permute: u((x, a) => x.permute(a.dims)),
  transpose: u((x, a) => x.transpose(a.dim0, a.dim1)),
  slice: u((x, a) => x.slice(a.dim, a.start, a.end, a.step)),
  select: u((x, a) => x.select(a.dim, a.index)),
  narrow: u((x, a) => x.narrow(a.dim, a.start, a.length)),
  expand: u((x, a) => x.expand(a.shape)),
  squeeze: u((x, a) => x.squeeze(a.dim)),
  unsqueeze: u((x, a) => x.unsqueeze(a.dim)),
  flatten: u((x, a) => x.flatten(a.startDim, a.endDim)),
  contiguous: u((x) => x.contiguous()),
  t: u((x) => x.t()),
  T: u((x) => x.T),
  unflatten: u((x, a) => x.unflatten(a.dim, a.sizes)),

  // ---- creation ('bigint': the fixture's integers passed as BigInts, which make int64)
  from_array: {
    run: (_, a) => a.typed
      ? tensor(typedArrays[a.typed](a.data), { shape: a.shape, ...dt(a) })
      : tensor(a.bigint ? toBigInts(a.data) : a.data, dt(a)),
  },
  full: { run: (_, a) => full(a.shape, a.value, dt(a)) },
  fill_: { run: ([x], a) => T(x).fill_(a.value), inplace: true },
  arange: { run: (_, a) => arange(a.args[0], a.args[1], a.args[2] ?? 1, dt(a)) },
  linspace: { run: (_, a) => linspace(a.start, a.end, a.steps, dt(a)) },
  eye: { run: (_, a) => eye(a.n, a.m, dt(a)) },
  uniform_: { sample: (a) => zeros(a.shape, dt(a)).uniform_(a.low, a.high), inplace: true },
  normal_: { sample: (a) => zeros(a.shape, dt(a)).normal_(a.mean, a.std), inplace: true },
  randint: {
    sample: (a) => randint(a.low, a.high, a.shape, dt(a)),
    run: (_, a) => randint(a.low, a.high, a.shape, dt(a)),
  },
  bernoulli: {
    run: ([p]) => bernoulli(T(p)),
    sample: (a) => bernoulli(full(a.shape, a.p, { dtype: a.dtype ?? 'float32' })),
  },
  randperm: { sample: (a) => randperm(a.n, dt(a)) },
  dropout_philox: { run: ([x, rng], a) => dropoutPhilox(T(x), a.p, T(rng)) },
  rand: { sample: (a) => rand(a.shape, dt(a)) },
  randn: { sample: (a) => randn(a.shape, dt(a)) },

  // ---- reductions (dim: one, several, or all when absent)
  sum: u((x, a) => x.sum(a.dim ?? null, keep(a)), { tol: ACCUM }),
  mean: u((x, a) => x.mean(a.dim ?? null, keep(a)), { tol: ACCUM }),
  prod: u((x, a) => x.prod(a.dim ?? null, keep(a)), { tol: ACCUM }),
  amax: u((x, a) => x.amax(a.dim ?? null, keep(a))),
  amin: u((x, a) => x.amin(a.dim ?? null, keep(a))),
  max: u((x, a) => (a.dim === undefined ? x.max() : x.max(a.dim, keep(a)))),
  min: u((x, a) => (a.dim === undefined ? x.min() : x.min(a.dim, keep(a)))),
  argmax: u((x, a) => x.argmax(a.dim ?? null, keep(a))),
  argmin: u((x, a) => x.argmin(a.dim ?? null, keep(a))),
  var: u((x, a) => x.var(a.dim ?? null, { ...keep(a), correction: a.correction, unbiased: a.unbiased }), { tol: ACCUM }),
  std: u((x, a) => x.std(a.dim ?? null, { ...keep(a), correction: a.correction, unbiased: a.unbiased }), { tol: ACCUM }),
  norm: u((x, a) => x.norm(a.p ?? 2, a.dim ?? null, keep(a)), { tol: ACCUM }),
  logsumexp: u((x, a) => x.logsumexp(a.dim, keep(a)), { tol: ACCUM }),
  all: u((x, a) => x.all(a.dim ?? null, keep(a))),
  any: u((x, a) => x.any(a.dim ?? null, keep(a))),
  cumsum: u((x, a) => x.cumsum(a.dim), { tol: ACCUM }),
  softmax: u((x, a) => x.softmax(a.dim), { tol: ACCUM }),
  log_softmax: u((x, a) => x.logSoftmax(a.dim), { tol: ACCUM }),

  // ---- linear algebra
  matmul: { run: ([a, b]) => T(a).matmul(T(b)), tol: GEMM },
  mm: { run: ([a, b]) => T(a).mm(T(b)), tol: GEMM },
  bmm: { run: ([a, b]) => T(a).bmm(T(b)), tol: GEMM },
  dot: { run: ([a, b]) => T(a).dot(T(b)), tol: GEMM },
  outer: { run: ([a, b]) => T(a).outer(T(b)) },

  // ---- joining and indexing
  cat: { run: (x, a) => cat(x.map(T), a.dim) },
  stack: { run: (x, a) => stack(x.map(T), a.dim) },
  split: u((x, a) => x.split(a.size, a.dim)),
  chunk: u((x, a) => x.chunk(a.chunks, a.dim)),
  gather: { run: ([x, i], a) => T(x).gather(a.dim, T(i)) },
  scatter: { run: ([x, i, s], a) => T(x).scatter(a.dim, T(i), 'value' in a ? a.value : T(s)) },
  scatter_add: { run: ([x, i, s], a) => T(x).scatterAdd(a.dim, T(i), T(s)) },
  scatter_reduce: { run: ([x, i, s], a) => T(x).scatterReduce(a.dim, T(i), T(s), a.reduce, { includeSelf: a.includeSelf ?? true }) },
  // graph attention's edge ops (ts/ops/graph.ts); references: PyG's utils.softmax and torch gather/index_add chains
  edge_softmax: { run: ([x, i], a) => edgeSoftmax(T(x), T(i), a.numNodes) },
  edge_softmax_backward: { run: ([g, y, i], a) => edgeSoftmaxBackward(T(g), T(y), T(i), a.numNodes) },
  edge_weighted_sum: { run: ([x, w, s, d], a) => edgeWeightedSum(T(x), T(w), T(s), T(d), a.numNodes) },
  edge_dot: { run: ([x, y, i, j]) => edgeDot(T(x), T(y), T(i), T(j)) },
  index_select: { run: ([x, i], a) => T(x).indexSelect(a.dim, T(i)) },
  index_add: { run: ([x, i, s], a) => T(x).indexAdd(a.dim, T(i), T(s), a.alpha !== undefined ? { alpha: a.alpha } : undefined) },
  masked_fill: { run: ([x, m], a) => T(x).maskedFill(T(m), a.value) },
  one_hot: u((x, a) => x.oneHot(a.numClasses)),
  topk: {
    run: ([x], a) => T(x).topk(a.k, { dim: a.dim, largest: a.largest, sorted: a.sorted }),
    normalize: sortTopk,
  },
  sort: u((x, a) => x.sort({ dim: a.dim, descending: a.descending, stable: a.stable })),
  argsort: u((x, a) => x.argsort({ dim: a.dim, descending: a.descending, stable: a.stable })),
  flip: u((x, a) => x.flip(a.dims)),
  repeat: u((x, a) => x.repeat(a.reps)),
  pad: u((x, a) => x.pad(a.pads, { mode: a.mode, value: a.value })),
  // ---- convolution and pooling (a: the fixture's args, named as the API's options)
  conv2d: { run: ([x, w, b], a) => conv2d(T(x), T(w), b === undefined ? null : T(b), a), tol: GEMM },
  conv1d: { run: ([x, w, b], a) => conv1d(T(x), T(w), b === undefined ? null : T(b), a), tol: GEMM },
  conv_transpose2d: { run: ([x, w, b], a) => convTranspose2d(T(x), T(w), b === undefined ? null : T(b), a), tol: GEMM },
  conv2d_weight_grad: { run: ([dy, x], a) => conv2dWeightGrad(T(dy), T(x), a.kernel, a), tol: GEMM },
  // the gradients the mask asks for, in order (torch returns None for the others)
  conv2d_backward: { run: ([dy, x, w], a) => conv2dBackward(T(dy), T(x), T(w), a).filter((t): t is Tensor => t !== null), tol: GEMM },
  max_pool2d: u((x, a) => maxPool2dWithIndices(x, a.kernel, a)),
  adaptive_max_pool2d: u((x, a) => adaptiveMaxPool2d(x, a.size)),
  maxPool1d: u((x, a) => maxPool1d(x, a.kernel, a)),
  avgPool2d: u((x, a) => avgPool2d(x, a.kernel, a), { tol: GEMM }),
  adaptiveAvgPool2d: u((x, a) => adaptiveAvgPool2d(x, a.size), { tol: GEMM }),
  interpolate: u((x, a) => interpolate(x, a), { tol: GEMM }),
  // the running stats are cloned (their updated values are compared too)
  batch_norm: {
    run: ([x, w, b, rm, rv], a) => {
      const [m2, v2] = rm === undefined ? [null, null] : [T(rm).clone(), T(rv).clone()];
      const r = batchNormStats(T(x), w === undefined ? null : T(w), b === undefined ? null : T(b), m2, v2, a.training, a.momentum ?? 0.1, a.eps ?? 1e-5);
      return m2 && v2 ? [r.output, r.mean, r.invstd, m2, v2] : [r.output, r.mean, r.invstd];
    },
    tol: ACCUM,
  },
  batch_norm_backward: { run: ([dy, x, m, s, w], a) => batchNormBackward(T(dy), T(x), w === undefined ? null : T(w), T(m), T(s), a.training), tol: ACCUM },
  layer_norm: {
    run: ([x, w, b], a) => { const r = layerNormStats(T(x), a.normalizedShape, w === undefined ? null : T(w), b === undefined ? null : T(b), a.eps ?? 1e-5); return [r.output, r.mean, r.rstd]; },
    tol: ACCUM,
  },
  layer_norm_backward: { run: ([dy, x, m, s, w], a) => layerNormBackward(T(dy), T(x), a.normalizedShape, T(m), T(s), w === undefined ? null : T(w)), tol: ACCUM },
  group_norm: {
    run: ([x, w, b], a) => { const r = groupNormStats(T(x), a.numGroups, w === undefined ? null : T(w), b === undefined ? null : T(b), a.eps ?? 1e-5); return [r.output, r.mean, r.rstd]; },
    tol: ACCUM,
  },
  group_norm_backward: { run: ([dy, x, m, s, w], a) => groupNormBackward(T(dy), T(x), w === undefined ? null : T(w), T(m), T(s), a.numGroups), tol: ACCUM },
  // fused recurrent cells; lstm_cell_backward's `absent` names the gradient (0: dh, 1: dc) the case leaves out
  lstm_cell: { run: ([xg, hg, c]) => lstmCell(T(xg), T(hg), T(c)) },
  lstm_cell_backward: {
    run: (x, a) => {
      const ts: (Tensor | null)[] = x.map(T);
      if (a.absent !== undefined) ts.splice(a.absent, 0, null);
      return lstmCellBackward(ts[0], ts[1], T(ts[2] ?? undefined), T(ts[3] ?? undefined), T(ts[4] ?? undefined));
    },
  },
  gru_cell: { run: ([xg, hg, h]) => gruCell(T(xg), T(hg), T(h)) },
  gru_cell_backward: { run: ([dy, ws]) => gruCellBackward(T(dy), T(ws)) },
  // whole-layer scans; batchSizes and reverse as the case's args, noBias: gru_scan without b_hh
  lstm_scan: { run: ([gi, h0, c0, w], a) => lstmScan(T(gi), T(h0), T(c0), T(w), a.batchSizes, a.reverse), tol: ACCUM },
  lstm_scan_backward: { run: ([dy, ws, w], a) => lstmScanBackward(T(dy), T(ws), T(w), a.batchSizes, a.reverse), tol: ACCUM },
  gru_scan: { run: ([gi, h0, w, b], a) => gruScan(T(gi), T(h0), T(w), a.noBias ? null : T(b), a.batchSizes, a.reverse), tol: ACCUM },
  gru_scan_backward: { run: ([dy, ws, w], a) => gruScanBackward(T(dy), T(ws), T(w), a.batchSizes, a.reverse), tol: ACCUM },
  // fused attention; `mask` says the case has an attn_mask input (after v, or after v in the backward)
  sdpa_flash: {
    run: (x, a) => sdpaFlash(T(x[0]), T(x[1]), T(x[2]), a.mask ? T(x[3]) : null, a.isCausal, a.scale),
    tol: { float32: { rtol: 1e-5, atol: 2e-5 } },  // online softmax: sums in another order than torch's
  },
  sdpa_flash_backward: {
    run: (x, a) => {
      const ts = x.map(T);
      if (!a.mask) ts.splice(4, 0, null as never);
      return sdpaFlashBackward(ts[0], ts[1], ts[2], ts[3], ts[4] ?? null, ts[5], ts[6], a.isCausal, a.scale);
    },
    tol: { float32: { rtol: 1e-4, atol: 2e-5 } },
  },
  // fused optimizer steps: the states are cloned so only the param (input 0) changes in place
  adam_step_: {
    run: ([p, g, m, v, x], a) => {
      const [m2, v2, x2] = [T(m).clone(), T(v).clone(), x === undefined ? null : T(x).clone()];
      adamStep_(T(p), T(g), m2, v2, x2, a as never);
      return x2 ? [T(p), m2, v2, x2] : [T(p), m2, v2];
    },
    inplace: true,
  },
  sgd_step_: {
    run: ([p, g, b], a) => {
      const b2 = b === undefined ? null : T(b).clone();
      sgdStep_(T(p), T(g), b2, a as never);
      return b2 ? [T(p), b2] : [T(p)];
    },
    inplace: true,
  },
  rmsprop_step_: {
    run: ([p, g, sq, ...rest], a) => {
      const st = [T(sq), ...rest.map((t) => T(t))].map((t) => t.clone());
      const gavg = a.centered ? st[1] : null, buf = a.momentum ? st[st.length - 1] : null;
      rmspropStep_(T(p), T(g), st[0], gavg, buf, a as never);
      return [T(p), ...st];
    },
    inplace: true,
  },
  adagrad_step_: {
    run: ([p, g, s], a) => { const s2 = T(s).clone(); adagradStep_(T(p), T(g), s2, a as never); return [T(p), s2]; },
    inplace: true,
  },
};
