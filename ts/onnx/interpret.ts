// The import table: one row per ONNX op type onnx.load runs, each computing the node's
// outputs with myelin's public ops (ONNX semantics: opset 7 to 23 where they differ, e.g.
// axes as attributes before 13/18 and as inputs after).
import { Tensor } from '../tensor';
import { tensor, full, zeros } from '../creation';
import { cat, where } from '../functional';
import { conv2d, convTranspose2d } from '../ops/conv';
import { maxPool2d, avgPool2d } from '../ops/pool';
import { batchNorm } from '../ops/norm';
import { layerNorm } from '../nn/functional';
import type { DType } from '../dtype';
import { dtypeFromOnnx, type NodeProto } from './proto';

/** What an interpreter sees of its node. */
export interface NodeRun {
  readonly label: string;
  readonly node: NodeProto;
  readonly inputs: readonly (Tensor | null)[];
  readonly opset: number;
  readonly numOutputs: number;
  input(i: number): Tensor;
  optInput(i: number): Tensor | null;
  has(name: string): boolean;
  int(name: string, dflt: number): number;
  float(name: string, dflt: number): number;
  ints(name: string, dflt: number[] | null): number[] | null;
  floats(name: string): number[] | null;
  string(name: string, dflt: string): string;
  tensor(name: string): Tensor | null;
  fail(why: string): never;
}
type Interp = (n: NodeRun) => (Tensor | null)[];

/** An int tensor's values as JS numbers (shapes, axes, pads). */
function intsOf(n: NodeRun, t: Tensor, what: string): number[] {
  if (t.dtype !== 'int64' && t.dtype !== 'int32') n.fail(`${what} must be int64, got ${t.dtype}`);
  if (t.ndim > 1) n.fail(`${what} must be 0-d or 1-d, got shape [${t.shape.join(', ')}]`);
  return Array.from(t.data() as ArrayLike<number | bigint>, (v) => {
    const x = Number(v);
    // int64 bounds (INT64_MAX/MIN as "to the end") saturate to the largest exact JS integer
    return x > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : x < -Number.MAX_SAFE_INTEGER ? -Number.MAX_SAFE_INTEGER : x;
  });
}
const norm = (n: NodeRun, d: number, rank: number, what = 'axis'): number => {
  if (!Number.isInteger(d) || d < -rank || d >= rank) n.fail(`${what} ${d} is out of range for rank ${rank}`);
  return d < 0 ? d + rank : d;
};
/** Axes from the attribute (older opsets) or the optional input i (newer). */
function axesOf(n: NodeRun, i: number, rank: number): number[] | null {
  const t = n.optInput(i);
  const a = t ? intsOf(n, t, 'axes') : n.ints('axes', null);
  return a === null ? null : a.map((d) => norm(n, d, rank));
}

const un = (f: (x: Tensor, n: NodeRun) => Tensor): Interp => (n) => [f(n.input(0), n)];
const bin = (f: (a: Tensor, b: Tensor) => Tensor): Interp => (n) => [f(n.input(0), n.input(1))];
/** Variadic Max/Min/Sum/Mean: folded pairwise (broadcasting). */
const variadic = (f: (a: Tensor, b: Tensor) => Tensor, mean = false): Interp => (n) => {
  const xs = n.inputs.filter((t): t is Tensor => t !== null);
  if (xs.length === 0) n.fail('needs at least one input');
  const r = xs.slice(1).reduce(f, xs[0]);
  return [mean ? r.div(xs.length) : r];
};

function reduceOp(f: (x: Tensor, axes: number[] | null, keep: boolean) => Tensor, axesInputFrom: number): Interp {
  return (n) => {
    const x = n.input(0), keep = n.int('keepdims', 1) !== 0;
    let axes = n.opset >= axesInputFrom ? axesOf(n, 1, x.ndim) : (n.ints('axes', null)?.map((d) => norm(n, d, x.ndim)) ?? null);
    if (axes !== null && axes.length === 0) axes = null;
    if (axes === null && n.int('noop_with_empty_axes', 0) !== 0) return [x];
    return [f(x, axes, keep)];
  };
}

/** ONNX Reshape: 0 copies the input's dim (unless allowzero), -1 is inferred. */
function reshapeTo(n: NodeRun, x: Tensor, shape: number[]): Tensor {
  const allowZero = n.int('allowzero', 0) !== 0;
  const s = shape.map((d, i) => (d === 0 && !allowZero ? (i < x.ndim ? x.shape[i] : n.fail(`shape [${shape.join(', ')}] copies dim ${i}, which the input [${x.shape.join(', ')}] lacks`)) : d));
  return x.reshape(s);
}

/** 2-D pads [top, left, bottom, right] as symmetric [h, w]; other pads throw (myelin's pools and convs pad symmetrically). */
function pads2(n: NodeRun, k: number[]): [number, number] {
  const autoPad = n.string('auto_pad', 'NOTSET');
  if (autoPad === 'VALID') return [0, 0];
  if (autoPad !== 'NOTSET') {
    // SAME_*: total padding k-1 (stride 1); symmetric only when odd
    const s = n.ints('strides', [1, 1])!;
    if (s.some((v) => v !== 1) || k.some((v) => v % 2 === 0)) n.fail(`auto_pad ${autoPad} with stride [${s}] and kernel [${k}] pads asymmetrically, which is not supported`);
    return [(k[0] - 1) / 2, (k[1] - 1) / 2];
  }
  const p = n.ints('pads', [0, 0, 0, 0])!;
  if (p.length !== 4) n.fail(`pads must have 4 values for a 2-D op, got [${p.join(', ')}]`);
  if (p[0] !== p[2] || p[1] !== p[3]) n.fail(`asymmetric pads [${p.join(', ')}] are not supported`);
  return [p[0], p[1]];
}
const spatial2 = (n: NodeRun, x: Tensor): void => { if (x.ndim !== 4) n.fail(`supports 2-D (NCHW) inputs only, got shape [${x.shape.join(', ')}]`); };

/** ONNX Slice over several axes; a negative step flips first. */
function sliceOp(n: NodeRun): Tensor {
  let x = n.input(0);
  let starts: number[], ends: number[], axes: number[] | null, steps: number[] | null;
  if (n.opset >= 10) {
    starts = intsOf(n, n.input(1), 'starts'); ends = intsOf(n, n.input(2), 'ends');
    axes = n.optInput(3) ? intsOf(n, n.input(3), 'axes') : null; steps = n.optInput(4) ? intsOf(n, n.input(4), 'steps') : null;
  } else {
    starts = n.ints('starts', [])!; ends = n.ints('ends', [])!; axes = n.ints('axes', null); steps = null;
  }
  if (starts.length !== ends.length) n.fail(`starts and ends differ in length (${starts.length}, ${ends.length})`);
  const ax = (axes ?? starts.map((_, i) => i)).map((d) => norm(n, d, x.ndim));
  ax.forEach((d, i) => {
    const step = steps?.[i] ?? 1, size = x.shape[d];
    if (step === 0) n.fail('a slice step of 0');
    const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
    if (step > 0) {
      const s = clamp(starts[i] < 0 ? starts[i] + size : starts[i], 0, size), e = clamp(ends[i] < 0 ? ends[i] + size : ends[i], 0, size);
      x = x.slice(d, s, Math.max(s, e), step);
    } else {
      // negative step: positions start, start+step, ... > end; on the flipped axis that is a positive-step slice
      const s = clamp(starts[i] < 0 ? starts[i] + size : starts[i], -1, size - 1), e = clamp(ends[i] < 0 ? ends[i] + size : ends[i], -1, size - 1);
      const fs = size - 1 - s, fe = size - 1 - e;
      x = x.flip([d]).slice(d, fs, Math.max(fs, fe), -step);
    }
  });
  return x;
}

/** Gather along axis with an index tensor of any shape (negative indices count from the end). */
function gatherOp(n: NodeRun): Tensor {
  const x = n.input(0), idx = n.input(1), axis = norm(n, n.int('axis', 0), x.ndim);
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') n.fail(`indices must be int64 or int32, got ${idx.dtype}`);
  const size = x.shape[axis];
  const flat = idx.reshape([-1]).to('int64');
  const fixed = where(flat.lt(0), flat.add(size), flat);
  const picked = x.indexSelect(axis, fixed);
  const out = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  return picked.reshape(out);
}

const DT = (n: NodeRun, v: number): DType => dtypeFromOnnx('onnx model.run', `${n.label}: attribute 'to'`, v);
const hardSigmoid = (x: Tensor, alpha: number, beta: number): Tensor => x.mul(alpha).add(beta).clamp(0, 1);

/** ONNX broadcast of two shapes (Expand's rule: bidirectional). */
function broadcastShape(n: NodeRun, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length), out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) n.fail(`cannot broadcast [${a.join(', ')}] with [${b.join(', ')}]`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function convOp(n: NodeRun, transpose: boolean): Tensor {
  const x = n.input(0), w = n.input(1), b = n.optInput(2);
  spatial2(n, x);
  const k = n.ints('kernel_shape', null) ?? w.shape.slice(2);
  if (k.length !== 2) n.fail(`supports 2-D kernels only, got [${k.join(', ')}]`);
  const stride = n.ints('strides', [1, 1])!, dilation = n.ints('dilations', [1, 1])!, groups = n.int('group', 1);
  const padding = pads2(n, k);
  if (transpose) {
    if (n.has('output_shape')) n.fail('output_shape is not supported (give pads and output_padding)');
    return convTranspose2d(x, w, b, { stride: stride as [number, number], padding, outputPadding: (n.ints('output_padding', [0, 0]) as [number, number]), dilation: dilation as [number, number], groups });
  }
  return conv2d(x, w, b, { stride: stride as [number, number], padding, dilation: dilation as [number, number], groups });
}

/**
 * The table. Columns: ONNX op type -> interpreter (outputs in order; null for an output not
 * computed). Every op exportModel writes is here, and what torch.onnx.export writes for
 * MLPs and CNNs (Gemm, AveragePool, Constant, Shape, Dropout, HardSwish, ...).
 */
export const INTERPRETERS: Readonly<Record<string, Interp>> = {
  Identity: un((x) => x),
  Dropout: (n) => { if (n.numOutputs > 1 && (n.node.output ?? [])[1]) n.fail('its mask output is not supported'); return [n.input(0)]; },
  Add: bin((a, b) => a.add(b)), Sub: bin((a, b) => a.sub(b)), Mul: bin((a, b) => a.mul(b)),
  // integer Div truncates in ONNX; myelin's div is true division
  Div: bin((a, b) => (a.isFloatingPoint() ? a.div(b) : a.div(b).to('float64').sign().mul(a.div(b).to('float64').abs().floor()).to(a.dtype))),
  Pow: bin((a, b) => a.pow(b).to(a.dtype)),
  Max: variadic((a, b) => a.maximum(b)), Min: variadic((a, b) => a.minimum(b)), Sum: variadic((a, b) => a.add(b)), Mean: variadic((a, b) => a.add(b), true),
  Equal: bin((a, b) => a.eq(b)), Less: bin((a, b) => a.lt(b)), LessOrEqual: bin((a, b) => a.le(b)),
  Greater: bin((a, b) => a.gt(b)), GreaterOrEqual: bin((a, b) => a.ge(b)),
  And: bin((a, b) => a.logicalAnd(b)), Or: bin((a, b) => a.logicalOr(b)), Not: un((x) => x.logicalNot()),
  Where: (n) => [where(n.input(0), n.input(1), n.input(2))],
  Neg: un((x) => x.neg()), Abs: un((x) => x.abs()), Sign: un((x) => x.sign()), Exp: un((x) => x.exp()), Log: un((x) => x.log()),
  Sqrt: un((x) => x.sqrt()), Reciprocal: un((x) => x.reciprocal()), Sin: un((x) => x.sin()), Cos: un((x) => x.cos()),
  Tanh: un((x) => x.tanh()), Sigmoid: un((x) => x.sigmoid()), Relu: un((x) => x.relu()), Erf: un((x) => x.erf()),
  Floor: un((x) => x.floor()), Ceil: un((x) => x.ceil()), Round: un((x) => x.round()), IsNaN: un((x) => x.isnan()),
  IsInf: un((x, n) => {
    const pos = n.int('detect_positive', 1) !== 0, neg = n.int('detect_negative', 1) !== 0;
    const inf = x.isfinite().logicalNot().logicalAnd(x.isnan().logicalNot());
    return pos && neg ? inf : inf.logicalAnd(pos ? x.gt(0) : neg ? x.lt(0) : x.ne(x));
  }),
  Softplus: un((x) => x.softplus()),
  Elu: un((x, n) => x.elu(n.float('alpha', 1))),
  LeakyRelu: un((x, n) => x.leakyRelu(n.float('alpha', 0.01))),
  Selu: un((x, n) => {
    const a = n.float('alpha', 1.67326319217681884765625), g = n.float('gamma', 1.05070102214813232421875);
    return Math.abs(a - 1.6732632) < 1e-6 && Math.abs(g - 1.0507009) < 1e-6 ? x.selu() : where(x.gt(0), x, x.exp().sub(1).mul(a)).mul(g);
  }),
  HardSigmoid: un((x, n) => hardSigmoid(x, n.float('alpha', 0.2), n.float('beta', 0.5))),
  HardSwish: un((x) => x.mul(hardSigmoid(x, 1 / 6, 0.5))),
  Clip: (n) => {
    const x = n.input(0);
    const bound = (i: number, attr: string): number | null => {
      if (n.opset < 11) return n.has(attr) ? n.float(attr, 0) : null;
      const t = n.optInput(i);
      if (!t) return null;
      if (t.numel() !== 1) n.fail(`${attr} must hold one value, got shape [${t.shape.join(', ')}]`);
      return Number(t.item());
    };
    return [x.clamp(bound(1, 'min'), bound(2, 'max'))];
  },
  Cast: un((x, n) => x.to(DT(n, n.int('to', 0)))),
  Reshape: (n) => {
    const x = n.input(0);
    return [reshapeTo(n, x, n.opset >= 5 ? intsOf(n, n.input(1), 'shape') : n.ints('shape', [])!)];
  },
  Flatten: un((x, n) => {
    const axis = n.int('axis', 1), a = axis < 0 ? axis + x.ndim : axis;
    if (a < 0 || a > x.ndim) n.fail(`axis ${axis} is out of range for rank ${x.ndim}`);
    const lead = x.shape.slice(0, a).reduce((p, d) => p * d, 1);
    return x.reshape([lead, lead === 0 ? x.shape.slice(a).reduce((p, d) => p * d, 1) : -1]);
  }),
  Transpose: un((x, n) => {
    const perm = n.ints('perm', null) ?? x.shape.map((_, i) => x.ndim - 1 - i);
    if (perm.length !== x.ndim) n.fail(`perm [${perm.join(', ')}] does not match rank ${x.ndim}`);
    return x.permute(perm);
  }),
  Slice: (n) => [sliceOp(n)],
  Gather: (n) => [gatherOp(n)],
  GatherElements: (n) => { const x = n.input(0), idx = n.input(1), axis = norm(n, n.int('axis', 0), x.ndim); return [x.gather(axis, where(idx.lt(0), idx.add(x.shape[axis]), idx).to('int64'))]; },
  Expand: (n) => { const x = n.input(0); return [x.expand(broadcastShape(n, x.shape, intsOf(n, n.input(1), 'shape')))]; },
  Squeeze: un((x, n) => {
    const axes = n.opset >= 13 ? axesOf(n, 1, x.ndim) : (n.ints('axes', null)?.map((d) => norm(n, d, x.ndim)) ?? null);
    if (axes) for (const a of axes) if (x.shape[a] !== 1) n.fail(`cannot squeeze dim ${a} of size ${x.shape[a]}`);
    return axes ? x.squeeze(axes) : x.squeeze();
  }),
  Unsqueeze: un((x, n) => {
    const raw = n.opset >= 13 ? intsOf(n, n.input(1), 'axes') : n.ints('axes', [])!;
    const r = x.ndim + raw.length, axes = raw.map((d) => norm(n, d, r)).sort((a, b) => a - b);
    if (new Set(axes).size !== axes.length) n.fail(`repeated axes [${raw.join(', ')}]`);
    return axes.reduce((y, a) => y.unsqueeze(a), x);
  }),
  Concat: (n) => {
    const xs = n.inputs.filter((t): t is Tensor => t !== null);
    if (xs.length === 0) n.fail('needs at least one input');
    return [cat(xs, norm(n, n.int('axis', 0), xs[0].ndim))];
  },
  Shape: un((x, n) => {
    const r = x.ndim, s = n.int('start', 0), e = n.int('end', r);
    const c = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
    return tensor(BigInt64Array.from(x.shape.slice(c(s), Math.max(c(s), c(e))).map(BigInt)), { dtype: 'int64' });
  }),
  Size: un((x) => tensor(BigInt64Array.of(BigInt(x.numel())), { dtype: 'int64', shape: [] })),
  ConstantOfShape: (n) => {
    const shape = intsOf(n, n.input(0), 'shape'), v = n.tensor('value');
    if (shape.some((d) => d < 0)) n.fail(`negative dim in shape [${shape.join(', ')}]`);
    if (!v) return [zeros(shape)];
    if (v.numel() !== 1) n.fail('value must hold one element');
    return [v.reshape([]).expand(shape).contiguous()];
  },
  Constant: (n) => {
    const t = n.tensor('value');
    if (t) return [t];
    const f = n.has('value_float') ? n.float('value_float', 0) : null, fs = n.floats('value_floats');
    const i = n.has('value_int') ? n.int('value_int', 0) : null, is = n.ints('value_ints', null);
    if (f !== null) return [full([], f, { dtype: 'float32' })];
    if (fs) return [tensor(Float32Array.from(fs))];
    if (i !== null) return [tensor(BigInt64Array.of(BigInt(i)), { shape: [] })];
    if (is) return [tensor(BigInt64Array.from(is.map(BigInt)))];
    return n.fail('has no value attribute myelin reads (value, value_float(s), value_int(s))');
  },
  ReduceSum: reduceOp((x, a, k) => x.sum(a, { keepdim: k }), 13),
  ReduceMean: reduceOp((x, a, k) => x.mean(a, { keepdim: k }), 18),
  ReduceMax: reduceOp((x, a, k) => x.amax(a, { keepdim: k }), 18),
  ReduceMin: reduceOp((x, a, k) => x.amin(a, { keepdim: k }), 18),
  ReduceProd: reduceOp((x, a, k) => x.prod(a, { keepdim: k }), 18),
  ReduceL2: reduceOp((x, a, k) => x.norm(2, a, { keepdim: k }), 18),
  ReduceL1: reduceOp((x, a, k) => x.abs().sum(a, { keepdim: k }), 18),
  ReduceLogSumExp: reduceOp((x, a, k) => x.logsumexp(a ?? x.shape.map((_, i) => i), { keepdim: k }), 18),
  ArgMax: un((x, n) => { if (n.int('select_last_index', 0)) n.fail('select_last_index is not supported'); return x.argmax(norm(n, n.int('axis', 0), x.ndim), { keepdim: n.int('keepdims', 1) !== 0 }); }),
  ArgMin: un((x, n) => { if (n.int('select_last_index', 0)) n.fail('select_last_index is not supported'); return x.argmin(norm(n, n.int('axis', 0), x.ndim), { keepdim: n.int('keepdims', 1) !== 0 }); }),
  CumSum: (n) => {
    const x = n.input(0), [axis] = intsOf(n, n.input(1), 'axis');
    if (n.int('exclusive', 0) || n.int('reverse', 0)) n.fail('exclusive and reverse are not supported');
    return [x.cumsum(norm(n, axis, x.ndim))];
  },
  Softmax: un((x, n) => {
    const axis = norm(n, n.int('axis', n.opset >= 13 ? -1 : 1), x.ndim);
    // before opset 13 Softmax flattens the dims from axis on into one
    return n.opset >= 13 ? x.softmax(axis) : x.flatten(axis, -1).softmax(-1).reshape([...x.shape]);
  }),
  LogSoftmax: un((x, n) => {
    const axis = norm(n, n.int('axis', n.opset >= 13 ? -1 : 1), x.ndim);
    return n.opset >= 13 ? x.logSoftmax(axis) : x.flatten(axis, -1).logSoftmax(-1).reshape([...x.shape]);
  }),
  MatMul: bin((a, b) => a.matmul(b)),
  Gemm: (n) => {
    let a = n.input(0), b = n.input(1);
    if (a.ndim !== 2 || b.ndim !== 2) n.fail(`A and B must be 2-D, got [${a.shape}] and [${b.shape}]`);
    if (n.int('transA', 0)) a = a.t();
    if (n.int('transB', 0)) b = b.t();
    const alpha = n.float('alpha', 1), beta = n.float('beta', 1), c = n.optInput(2);
    let y = a.matmul(b);
    if (alpha !== 1) y = y.mul(alpha);
    if (c) y = y.add(beta === 1 ? c : c.mul(beta));
    return [y];
  },
  Conv: (n) => [convOp(n, false)],
  ConvTranspose: (n) => [convOp(n, true)],
  MaxPool: (n) => {
    const x = n.input(0);
    spatial2(n, x);
    if (n.numOutputs > 1 && (n.node.output ?? [])[1]) n.fail('its Indices output is not supported');
    if (n.int('storage_order', 0) !== 0) n.fail('storage_order 1 is not supported');
    const k = n.ints('kernel_shape', null);
    if (!k || k.length !== 2) n.fail(`kernel_shape must have 2 values, got ${k ? `[${k.join(', ')}]` : 'none'}`);
    return [maxPool2d(x, k as [number, number], { stride: (n.ints('strides', [1, 1]) as [number, number]), padding: pads2(n, k!), dilation: (n.ints('dilations', [1, 1]) as [number, number]), ceilMode: n.int('ceil_mode', 0) !== 0 })];
  },
  AveragePool: (n) => {
    const x = n.input(0);
    spatial2(n, x);
    const k = n.ints('kernel_shape', null);
    if (!k || k.length !== 2) n.fail(`kernel_shape must have 2 values, got ${k ? `[${k.join(', ')}]` : 'none'}`);
    if (n.ints('dilations', [1, 1])!.some((d) => d !== 1)) n.fail('dilations are not supported');
    return [avgPool2d(x, k as [number, number], { stride: (n.ints('strides', [1, 1]) as [number, number]), padding: pads2(n, k!), ceilMode: n.int('ceil_mode', 0) !== 0, countIncludePad: n.int('count_include_pad', 0) !== 0 })];
  },
  GlobalAveragePool: un((x, n) => { if (x.ndim < 3) n.fail(`needs N, C and spatial dims, got [${x.shape.join(', ')}]`); return x.mean(x.shape.slice(2).map((_, i) => i + 2), { keepdim: true }); }),
  GlobalMaxPool: un((x, n) => { if (x.ndim < 3) n.fail(`needs N, C and spatial dims, got [${x.shape.join(', ')}]`); return x.amax(x.shape.slice(2).map((_, i) => i + 2), { keepdim: true }); }),
  BatchNormalization: (n) => {
    if (n.int('training_mode', 0) !== 0) n.fail('training_mode 1 is not supported (inference only)');
    if ((n.node.output ?? []).slice(1).some((o) => o !== '')) n.fail('its running statistics outputs are not supported (inference only)');
    const x = n.input(0);
    if (x.ndim < 2) n.fail(`needs N and C dims, got [${x.shape.join(', ')}]`);
    return [batchNorm(x, n.input(1), n.input(2), n.input(3), n.input(4), false, 0.1, n.float('epsilon', 1e-5))];
  },
  LayerNormalization: (n) => {
    if ((n.node.output ?? []).slice(1).some((o) => o !== '')) n.fail('its Mean and InvStdDev outputs are not supported (inference only)');
    const x = n.input(0), axis = norm(n, n.int('axis', -1), x.ndim);
    return [layerNorm(x, x.shape.slice(axis), n.input(1), n.optInput(2), n.float('epsilon', 1e-5))];
  },
  TopK: (n) => {
    const x = n.input(0), [k] = intsOf(n, n.input(1), 'K'), axis = norm(n, n.int('axis', -1), x.ndim);
    const r = x.topk(k, { dim: axis, largest: n.int('largest', 1) !== 0, sorted: n.int('sorted', 1) !== 0 });
    return [r.values, r.indices];
  },
};
