// The export table: one row per myelin op id (native/ops.def), each an emitter that writes
// the ONNX nodes (opset 17+) computing that op's outputs from its inputs. ts/onnx/export.ts
// walks a traced graph and calls the row of each step; an id without a row is reported as
// unmapped. Creation steps (full, arange, from_array, ...) never reach here: their values
// become initializers.
import type { DType } from '../dtype';
import { isFloating } from '../dtype';

/** A value of the ONNX graph: its name, its shape and dtype as traced, and which dims vary with a dynamic axis. */
export interface Val {
  readonly name: string; readonly shape: readonly number[]; readonly dtype: DType; readonly dyn: readonly boolean[];
  /** Its shape in the second trace (the input one larger along each dynamic axis); null without dynamic axes. */
  readonly shape2: readonly number[] | null;
}
/** An attribute: a number is an INT, a number[] INTS, { f } a FLOAT, a string a STRING. */
export type Attr = number | number[] | { f: number } | string;

/** What an emitter sees of one step and how it writes nodes. */
export interface Emit {
  readonly id: string;
  readonly args: readonly unknown[];
  /** The same step's arguments in the second trace (input one larger along each dynamic axis); null without dynamic axes. */
  readonly args2: readonly unknown[] | null;
  readonly opset: number;
  /** The tensor argument i (throws when it is not one). */
  x(i: number): Val;
  /** Argument i is a tensor (not null, not a JS number). */
  has(i: number): boolean;
  /** The tensor list argument i (cat). */
  xs(i: number): Val[];
  /** Output k, its name already fixed. */
  out(k?: number): Val;
  /** Output k is read by a later step or is a graph output. */
  used(k: number): boolean;
  /** Argument i as a value of `dtype`: a tensor (cast when its dtype differs) or a JS number as a constant. */
  scalar(i: number, dtype: DType): string;
  /** Appends a node; its outputs are `outs` or one fresh name; returns the output names. */
  node(opType: string, inputs: string[], attrs?: Record<string, Attr>, outs?: string[]): string[];
  /** A 1-D int64 initializer. */
  ints(values: readonly number[]): string;
  /** A 0-d constant of `dtype`. */
  constant(value: number, dtype: DType): string;
  /** `name` cast from `from` to `to` (itself when they agree). */
  cast(name: string, from: DType, to: DType): string;
  /** Refuses this step, with a reason (the export names the op and the step). */
  fail(why: string): never;
}
export type Emitter = (e: Emit) => void;

const norm = (d: number, rank: number): number => (d < 0 ? d + rank : d);
const RANK: DType[] = ['bool', 'uint8', 'int8', 'int32', 'int64', 'float16', 'bfloat16', 'float32', 'float64'];
const wider = (a: DType, b: DType): DType => (RANK.indexOf(a) >= RANK.indexOf(b) ? a : b);

/** An elementwise unary op, computed in the output's dtype (ints promote to float as myelin does). */
const unary = (opType: string, attrs?: (e: Emit) => Record<string, Attr>): Emitter => (e) => {
  const x = e.x(0), y = e.out();
  const inType = y.dtype === 'bool' ? x.dtype : y.dtype;
  e.node(opType, [e.cast(x.name, x.dtype, inType)], attrs?.(e), [y.name]);
};
/** A unary op written as a chain of ONNX nodes from the (cast) input. */
const composite = (build: (e: Emit, x: string, dt: DType) => string): Emitter => (e) => {
  const x = e.x(0), y = e.out();
  const r = build(e, e.cast(x.name, x.dtype, y.dtype), y.dtype);
  e.node('Identity', [r], undefined, [y.name]);
};
/** A binary op; both operands cast to one dtype: the output's (arithmetic) or the wider input's (comparisons), bool for logic. */
const binary = (opType: string, kind: 'A' | 'C' | 'L', negate = false): Emitter => (e) => {
  const y = e.out();
  let dt: DType = y.dtype;
  if (kind === 'L') dt = 'bool';
  else if (kind === 'C') {
    const ts = [0, 1].filter((i) => e.has(i)).map((i) => e.x(i).dtype);
    dt = ts.reduce(wider, ts[0]);
    if (!e.has(0) || !e.has(1)) { const other = ts[0]; const n = e.args[e.has(0) ? 1 : 0]; if (typeof n === 'number' && !Number.isInteger(n) && !isFloating(other)) dt = 'float32'; }
  }
  const a = e.scalar(0, dt), b = e.scalar(1, dt);
  if (negate) { const [t] = e.node(opType, [a, b]); e.node('Not', [t], undefined, [y.name]); }
  else e.node(opType, [a, b], undefined, [y.name]);
};

/** Reduction axes as an input (opset 18+ for all; ReduceSum from 13) or an attribute. */
function reduce(e: Emit, opType: string, x: Val, axes: number[] | null, keepdim: boolean, out: string): void {
  const asInput = opType === 'ReduceSum' || e.opset >= 18;
  const inputs = [x.name], attrs: Record<string, Attr> = { keepdims: keepdim ? 1 : 0 };
  if (axes) { if (asInput) inputs.push(e.ints(axes)); else attrs.axes = axes; }
  e.node(opType, inputs, attrs, [out]);
}
const dimsArg = (v: unknown, rank: number): number[] | null =>
  v === null || v === undefined ? null : (typeof v === 'number' ? [v] : (v as number[])).map((d) => norm(d, rank));

/** A reduction over dims (null: all) with keepdim. */
const reduction = (opType: string): Emitter => (e) => {
  const x = e.x(0), y = e.out();
  const axes = dimsArg(e.args[1], x.shape.length);
  if (axes?.some((a) => x.dyn[a])) e.fail('reduces over the dynamic axis');
  reduce(e, opType, { ...x, name: e.cast(x.name, x.dtype, y.dtype) }, axes, e.args[e.args.length - 1] === true, y.name);
};

/** A reshape target: the output's shape as traced, with -1 for the one dim that varies with a dynamic axis. */
function target(e: Emit, y: Val): string {
  const dyn = y.dyn.map((d, i) => (d ? i : -1)).filter((i) => i >= 0);
  if (dyn.length > 1) e.fail(`its output [${y.shape.join(', ')}] has ${dyn.length} dims that vary with the dynamic axes; a Reshape target can infer only one`);
  return e.ints(y.shape.map((s, i) => (y.dyn[i] ? -1 : s)));
}
const reshape: Emitter = (e) => { const y = e.out(); e.node('Reshape', [e.x(0).name, target(e, y)], undefined, [y.name]); };

const gcd = (a: number, b: number): number => (b === 0 ? Math.abs(a) : gcd(b, a % b));

/**
 * Slice along one dim. Of a dynamic dim, the whole of it exports, and so does a slice that is
 * the same fraction of the dim in both traces (`at2` gives start and end there): step t of an
 * RNN over [T * B, ...] is rows [t B, (t + 1) B), the fraction [t/T, (t+1)/T) at every batch
 * size, so its bounds are computed at run time as size * p / q. NOTE: two traces suffice: the
 * second has the batch B + 1, and with gcd(B, B + 1) = 1 a bound a with a / (k B) = a2 / (k (B + 1))
 * is a multiple of B, j B, the same j in both: a bound proportional to the batch.
 */
function slice(e: Emit, x: Val, dim: number, start: number, end: number, step: number, out: string, at2?: [number, number]): void {
  dim = norm(dim, x.shape.length);
  if (x.dyn[dim]) {
    const n = x.shape[dim];
    if (start === 0 && end >= n && step === 1) { e.node('Identity', [x.name], undefined, [out]); return; }
    const n2 = x.shape2 ? x.shape2[dim] : NaN;
    const prop = (a: number, a2: number): boolean => a >= 0 && a <= n && a * n2 === a2 * n;
    if (!at2 || step !== 1 || !prop(start, at2[0]) || !prop(Math.min(end, n), Math.min(at2[1], n2)))
      e.fail('slices the dynamic axis (only the whole of it, or the same fraction of it at every size, exports)');
    const size = e.node('Gather', [e.node('Shape', [x.name])[0], e.ints([dim])])[0];
    const at = (a: number): string => {
      const k = gcd(a, n), p = a / k, q = n / k;
      return e.node('Div', [e.node('Mul', [size, e.ints([p])])[0], e.ints([q])])[0];
    };
    e.node('Slice', [x.name, at(start), at(Math.min(end, n)), e.ints([dim]), e.ints([1])], undefined, [out]);
    return;
  }
  e.node('Slice', [x.name, e.ints([start]), e.ints([end]), e.ints([dim]), e.ints([step])], undefined, [out]);
}

const GELU_C = Math.SQRT1_2, TANH_C = Math.sqrt(2 / Math.PI);

/**
 * The table. Columns: op id (native/ops.def) -> emitter. Ops missing here (random ops,
 * optimizer steps, backward kernels, as_strided, in-place writes, one_hot, sort, var/std,
 * scatter, index_add) make exportModel throw naming them.
 */
export const EMITTERS: Readonly<Record<string, Emitter>> = {
  neg: unary('Neg'), abs: unary('Abs'), sign: unary('Sign'), exp: unary('Exp'), log: unary('Log'),
  sqrt: unary('Sqrt'), reciprocal: unary('Reciprocal'), sin: unary('Sin'), cos: unary('Cos'), tanh: unary('Tanh'),
  sigmoid: unary('Sigmoid'), relu: unary('Relu'), erf: unary('Erf'), floor: unary('Floor'), ceil: unary('Ceil'),
  round: unary('Round'), isnan: unary('IsNaN'), logical_not: (e) => { const x = e.x(0); e.node('Not', [e.cast(x.name, x.dtype, 'bool')], undefined, [e.out().name]); },
  selu: unary('Selu'),
  elu: unary('Elu', (e) => ({ alpha: { f: Number.isNaN(e.args[1] as number) || e.args[1] == null ? 1 : (e.args[1] as number) } })),
  leaky_relu: unary('LeakyRelu', (e) => ({ alpha: { f: Number.isNaN(e.args[1] as number) || e.args[1] == null ? 0.01 : (e.args[1] as number) } })),
  log1p: composite((e, x, dt) => e.node('Log', [e.node('Add', [x, e.constant(1, dt)])[0]])[0]),
  expm1: composite((e, x, dt) => e.node('Sub', [e.node('Exp', [x])[0], e.constant(1, dt)])[0]),
  rsqrt: composite((e, x) => e.node('Reciprocal', [e.node('Sqrt', [x])[0]])[0]),
  square: composite((e, x) => e.node('Mul', [x, x])[0]),
  silu: composite((e, x) => e.node('Mul', [x, e.node('Sigmoid', [x])[0]])[0]),
  // Gelu is an ONNX op only from opset 20: written out as torch's exporter does
  gelu: composite((e, x, dt) => {
    const erf = e.node('Erf', [e.node('Mul', [x, e.constant(GELU_C, dt)])[0]])[0];
    return e.node('Mul', [e.node('Mul', [x, e.constant(0.5, dt)])[0], e.node('Add', [erf, e.constant(1, dt)])[0]])[0];
  }),
  gelu_tanh: composite((e, x, dt) => {
    const cube = e.node('Mul', [e.node('Mul', [x, x])[0], x])[0];
    const inner = e.node('Mul', [e.node('Add', [x, e.node('Mul', [cube, e.constant(0.044715, dt)])[0]])[0], e.constant(TANH_C, dt)])[0];
    return e.node('Mul', [e.node('Mul', [x, e.constant(0.5, dt)])[0], e.node('Add', [e.node('Tanh', [inner])[0], e.constant(1, dt)])[0]])[0];
  }),
  softplus: (e) => {
    const beta = e.args[1] as number | null, threshold = e.args[2] as number | null;
    // ONNX Softplus is log(1 + exp(x)); torch's threshold (default 20) returns x above it, equal to float32 precision
    if (beta !== null && beta !== undefined && !Number.isNaN(beta) && beta !== 1) e.fail(`beta ${beta} (ONNX Softplus has beta 1)`);
    if (threshold !== null && threshold !== undefined && !Number.isNaN(threshold) && threshold < 15) e.fail(`threshold ${threshold} (ONNX Softplus has none)`);
    unary('Softplus')(e);
  },
  clamp: (e) => {
    const x = e.x(0), y = e.out();
    const bound = (v: unknown): string => (v === null || v === undefined || Number.isNaN(v as number) ? '' : e.constant(v as number, y.dtype));
    e.node('Clip', [e.cast(x.name, x.dtype, y.dtype), bound(e.args[1]), bound(e.args[2])], undefined, [y.name]);
  },
  isfinite: (e) => {
    const x = e.x(0);
    const bad = e.node('Or', [e.node('IsInf', [x.name])[0], e.node('IsNaN', [x.name])[0]])[0];
    e.node('Not', [bad], undefined, [e.out().name]);
  },

  add: binary('Add', 'A'), sub: binary('Sub', 'A'), mul: binary('Mul', 'A'), div: binary('Div', 'A'), pow: binary('Pow', 'A'),
  maximum: binary('Max', 'A'), minimum: binary('Min', 'A'),
  eq: binary('Equal', 'C'), ne: binary('Equal', 'C', true), lt: binary('Less', 'C'), le: binary('LessOrEqual', 'C'),
  gt: binary('Greater', 'C'), ge: binary('GreaterOrEqual', 'C'), logical_and: binary('And', 'L'), logical_or: binary('Or', 'L'),
  where: (e) => {
    const c = e.x(0), y = e.out();
    e.node('Where', [e.cast(c.name, c.dtype, 'bool'), e.scalar(1, y.dtype), e.scalar(2, y.dtype)], undefined, [y.name]);
  },

  reshape, view: reshape,
  flatten: (e) => {
    const x = e.x(0), y = e.out(), start = norm(e.args[1] as number, x.shape.length), end = norm(e.args[2] as number, x.shape.length);
    // Flatten (axis 1, to 2-D) keeps a dynamic batch dim without a shape constant
    if (x.shape.length >= 2 && start === 1 && end === x.shape.length - 1) e.node('Flatten', [x.name], { axis: 1 }, [y.name]);
    else e.node('Reshape', [x.name, target(e, y)], undefined, [y.name]);
  },
  permute: (e) => { const x = e.x(0); e.node('Transpose', [x.name], { perm: (e.args[1] as number[]).map((d) => norm(d, x.shape.length)) }, [e.out().name]); },
  transpose: (e) => {
    const x = e.x(0), r = x.shape.length, perm = Array.from({ length: r }, (_, i) => i);
    const a = norm(e.args[1] as number, r), b = norm(e.args[2] as number, r);
    [perm[a], perm[b]] = [perm[b], perm[a]];
    e.node('Transpose', [x.name], { perm }, [e.out().name]);
  },
  slice: (e) => slice(e, e.x(0), e.args[1] as number, e.args[2] as number, e.args[3] as number, e.args[4] as number, e.out().name,
    e.args2 ? [e.args2[2] as number, e.args2[3] as number] : undefined),
  narrow: (e) => {
    const s = e.args[2] as number, s2 = e.args2?.[2] as number;
    slice(e, e.x(0), e.args[1] as number, s, s + (e.args[3] as number), 1, e.out().name, e.args2 ? [s2, s2 + (e.args2[3] as number)] : undefined);
  },
  select: (e) => {
    const x = e.x(0), dim = norm(e.args[1] as number, x.shape.length);
    if (x.dyn[dim]) e.fail('selects along the dynamic axis');
    const idx = e.args[2] as number;
    // a 0-d index drops the dim, as select does
    e.node('Gather', [x.name, e.constant(idx < 0 ? idx + x.shape[dim] : idx, 'int64')], { axis: dim }, [e.out().name]);
  },
  expand: (e) => {
    const x = e.x(0), y = e.out(), off = y.shape.length - x.shape.length;
    // a dynamic dim passes through Expand as 1 (broadcast keeps the input's size)
    const shape = y.shape.map((s, i) => {
      if (!y.dyn[i]) return s;
      if (i < off || !x.dyn[i - off]) e.fail('expands a dim to the dynamic axis');
      return 1;
    });
    e.node('Expand', [x.name, e.ints(shape)], undefined, [y.name]);
  },
  squeeze: (e) => {
    const x = e.x(0), dims = dimsArg(e.args[1], x.shape.length);
    const axes = (dims ?? x.shape.map((_, i) => i)).filter((a) => x.shape[a] === 1 && !x.dyn[a]);
    if (axes.length === 0) e.node('Identity', [x.name], undefined, [e.out().name]);
    else e.node('Squeeze', [x.name, e.ints(axes)], undefined, [e.out().name]);
  },
  unsqueeze: (e) => { const x = e.x(0); e.node('Unsqueeze', [x.name, e.ints([norm(e.args[1] as number, x.shape.length + 1)])], undefined, [e.out().name]); },
  contiguous: (e) => { e.node('Identity', [e.x(0).name], undefined, [e.out().name]); },
  to_dtype: (e) => { const x = e.x(0), y = e.out(); e.node('Identity', [e.cast(x.name, x.dtype, y.dtype)], undefined, [y.name]); },

  sum: reduction('ReduceSum'), prod: reduction('ReduceProd'), amax: reduction('ReduceMax'), amin: reduction('ReduceMin'),
  logsumexp: reduction('ReduceLogSumExp'),
  mean: (e) => {
    const x = e.x(0), y = e.out(), axes = dimsArg(e.args[1], x.shape.length), keep = e.args[2] === true;
    // the mean over H and W of NCHW (adaptive average pooling to 1x1) is GlobalAveragePool
    if (x.shape.length === 4 && axes && axes.length === 2 && axes.includes(2) && axes.includes(3) && isFloating(x.dtype)) {
      if (keep) e.node('GlobalAveragePool', [x.name], undefined, [y.name]);
      else e.node('Squeeze', [e.node('GlobalAveragePool', [x.name])[0], e.ints([2, 3])], undefined, [y.name]);
      return;
    }
    reduction('ReduceMean')(e);
  },
  norm: (e) => {
    const p = e.args[1] as number;
    if (p !== 2 && p !== 1) e.fail(`p = ${p} (exports p = 1 or 2)`);
    const x = e.x(0), axes = dimsArg(e.args[2], x.shape.length);
    reduce(e, p === 2 ? 'ReduceL2' : 'ReduceL1', x, axes, e.args[3] === true, e.out().name);
  },
  argmax: (e) => argReduce(e, 'ArgMax'), argmin: (e) => argReduce(e, 'ArgMin'),
  max: (e) => valuesIndices(e, 'ReduceMax', 'ArgMax'), min: (e) => valuesIndices(e, 'ReduceMin', 'ArgMin'),
  cumsum: (e) => { const x = e.x(0), y = e.out(); e.node('CumSum', [e.cast(x.name, x.dtype, y.dtype), e.ints([norm(e.args[1] as number, x.shape.length)])], undefined, [y.name]); },
  softmax: (e) => { const x = e.x(0), y = e.out(); e.node('Softmax', [e.cast(x.name, x.dtype, y.dtype)], { axis: norm(e.args[1] as number, x.shape.length) }, [y.name]); },
  log_softmax: (e) => { const x = e.x(0), y = e.out(); e.node('LogSoftmax', [e.cast(x.name, x.dtype, y.dtype)], { axis: norm(e.args[1] as number, x.shape.length) }, [y.name]); },

  matmul: (e) => {
    const y = e.out();
    e.node('MatMul', [e.cast(e.x(0).name, e.x(0).dtype, y.dtype), e.cast(e.x(1).name, e.x(1).dtype, y.dtype)], undefined, [y.name]);
  },
  cat: (e) => {
    const xs = e.xs(0), y = e.out(), axis = norm(e.args[1] as number, y.shape.length);
    // along a dynamic axis Concat joins whatever sizes arrive at run time (an RNN's steps into [T * B, H])
    e.node('Concat', xs.map((x) => e.cast(x.name, x.dtype, y.dtype)), { axis }, [y.name]);
  },
  gather: (e) => { const x = e.x(0); e.node('GatherElements', [x.name, e.x(2).name], { axis: norm(e.args[1] as number, x.shape.length) }, [e.out().name]); },
  index_select: (e) => { const x = e.x(0); e.node('Gather', [x.name, e.x(2).name], { axis: norm(e.args[1] as number, x.shape.length) }, [e.out().name]); },
  masked_fill: (e) => {
    const x = e.x(0), m = e.x(1);
    e.node('Where', [e.cast(m.name, m.dtype, 'bool'), e.constant(e.args[2] as number, x.dtype), x.name], undefined, [e.out().name]);
  },
  topk: (e) => {
    const x = e.x(0), axis = norm(e.args[2] as number, x.shape.length);
    e.node('TopK', [x.name, e.ints([e.args[1] as number])], { axis, largest: e.args[3] ? 1 : 0, sorted: e.args[4] ? 1 : 0 }, [e.out(0).name, e.out(1).name]);
  },
  flip: (e) => {
    const x = e.x(0), dims = (e.args[1] as number[]).map((d) => norm(d, x.shape.length));
    if (dims.some((d) => x.dyn[d])) e.fail('flips the dynamic axis');
    e.node('Slice', [x.name, e.ints(dims.map(() => -1)), e.ints(dims.map((d) => -(x.shape[d] + 1))), e.ints(dims), e.ints(dims.map(() => -1))], undefined, [e.out().name]);
  },

  conv2d: (e) => {
    const w = e.x(1), [stride, pad, dil] = [e.args[3], e.args[4], e.args[5]] as number[][];
    e.node('Conv', [e.x(0).name, w.name, ...(e.has(2) ? [e.x(2).name] : [])],
      { kernel_shape: w.shape.slice(2) as number[], strides: stride, pads: [pad[0], pad[1], pad[0], pad[1]], dilations: dil, group: e.args[6] as number }, [e.out().name]);
  },
  conv_transpose2d: (e) => {
    const w = e.x(1), [stride, pad, outPad, dil] = [e.args[3], e.args[4], e.args[5], e.args[6]] as number[][];
    e.node('ConvTranspose', [e.x(0).name, w.name, ...(e.has(2) ? [e.x(2).name] : [])],
      { kernel_shape: w.shape.slice(2) as number[], strides: stride, pads: [pad[0], pad[1], pad[0], pad[1]], output_padding: outPad, dilations: dil, group: e.args[7] as number }, [e.out().name]);
  },
  max_pool2d: (e) => {
    // ONNX MaxPool's indices count over N*C*H*W, myelin's within each H*W plane: only the values export
    if (e.used(1)) e.fail('its indices are used (ONNX MaxPool numbers them differently)');
    const [k, s, p, d] = [e.args[1], e.args[2], e.args[3], e.args[4]] as number[][];
    e.node('MaxPool', [e.x(0).name], { kernel_shape: k, strides: s, pads: [p[0], p[1], p[0], p[1]], dilations: d, ceil_mode: e.args[5] ? 1 : 0 }, [e.out(0).name]);
  },
  adaptive_max_pool2d: (e) => {
    if (e.used(1)) e.fail('its indices are used (ONNX pooling numbers them differently)');
    const x = e.x(0), [oh, ow] = e.args[1] as number[], H = x.shape[x.shape.length - 2], W = x.shape[x.shape.length - 1];
    if (oh === 1 && ow === 1) { e.node('GlobalMaxPool', [x.name], undefined, [e.out(0).name]); return; }
    if (H % oh !== 0 || W % ow !== 0) e.fail(`output ${oh}x${ow} does not divide the input ${H}x${W} (the windows overlap unevenly)`);
    e.node('MaxPool', [x.name], { kernel_shape: [H / oh, W / ow], strides: [H / oh, W / ow] }, [e.out(0).name]);
  },
  batch_norm: (e) => {
    if (e.args[5] === true) e.fail('in training mode (export the module in eval mode)');
    if (e.used(1) || e.used(2)) e.fail('its saved statistics are used');
    const x = e.x(0), C = x.shape[1];
    const param = (i: number, fill: number): string => (e.has(i) ? e.x(i).name : e.node('Expand', [e.constant(fill, x.dtype), e.ints([C])])[0]);
    if (!e.has(3) || !e.has(4)) e.fail('without running statistics (it normalizes by the batch\'s own)');
    e.node('BatchNormalization', [x.name, param(1, 1), param(2, 0), e.x(3).name, e.x(4).name],
      { epsilon: { f: e.args[7] as number }, momentum: { f: 1 - (e.args[6] as number) } }, [e.out(0).name]);
  },
  layer_norm: (e) => {
    // LayerNormalization (opset 17) over the trailing normalized dims; its Scale input is required
    if (e.used(1) || e.used(2)) e.fail('its saved statistics are used');
    const x = e.x(0), shape = e.args[1] as number[];
    const scale = e.has(2) ? e.x(2).name : e.node('Expand', [e.constant(1, x.dtype), e.ints(shape)])[0];
    e.node('LayerNormalization', [x.name, scale, ...(e.has(3) ? [e.x(3).name] : [])],
      { axis: -shape.length, epsilon: { f: e.args[4] as number } }, [e.out(0).name]);
  },
  lstm_cell: (e) => lstmCell(e), gru_cell: (e) => gruCell(e),
  sdpa_flash: (e) => sdpaFlash(e),
};

/**
 * The fused attention (native/cpu/attention.cpp) as MatMul, Softmax, MatMul with its masks, as
 * torch's exporter writes F.scaled_dot_product_attention below opset 23 (written so at every
 * opset: onnx.load's interpreter runs these ops, not Attention). A row whose keys are all masked
 * gives 0, the fused op's (and torch's) rule, where Softmax alone would give NaN.
 */
function sdpaFlash(e: Emit): void {
  if ((e.args[6] as number) > 0) e.fail('with attention dropout (export the module in eval mode)');
  if (e.used(1)) e.fail('its logsumexp output is used');
  const q = e.x(0), k = e.x(1), v = e.x(2), dt = q.dtype, y = e.out(0);
  const Hq = q.shape[1], Hk = k.shape[1];
  // grouped-query attention: kv head j serves query heads j*g .. j*g+g-1 (repeat_interleave)
  const heads = (t: Val): string => {
    if (Hq === Hk) return t.name;
    const g = Hq / Hk, [u] = e.node('Unsqueeze', [t.name, e.ints([2])]);
    const [x5] = e.node('Expand', [u, e.ints([1, 1, g, 1, 1])]);
    return e.node('Reshape', [x5, e.ints([0, Hq, -1, t.shape[3]])])[0];
  };
  const kk = heads(k), vv = heads(v);
  const [kt] = e.node('Transpose', [kk], { perm: [0, 1, 3, 2] });
  let [scores] = e.node('Mul', [e.node('MatMul', [q.name, kt])[0], e.constant(e.args[5] as number, dt)]);
  let dead: string | null = null;
  if (e.args[4] === true) {
    // keep key j <= query i (top-left aligned), from two index initializers
    if (q.dyn[2] || k.dyn[2]) e.fail('is causal over a dynamic sequence axis');
    const L = q.shape[2], S = k.shape[2], idx = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
    const [rows] = e.node('Unsqueeze', [e.ints(idx(L)), e.ints([1])]);
    const [keep] = e.node('LessOrEqual', [e.ints(idx(S)), rows]);
    [scores] = e.node('Where', [keep, scores, e.constant(-Infinity, dt)]);
  } else if (e.has(3)) {
    const m = e.x(3);
    if (m.dtype === 'bool') [scores] = e.node('Where', [m.name, scores, e.constant(-Infinity, dt)]);
    else [scores] = e.node('Add', [scores, e.cast(m.name, m.dtype, dt)]);
    const axes = e.ints([-1]);
    const [mx] = e.opset >= 18 ? e.node('ReduceMax', [scores, axes], { keepdims: 1 }) : e.node('ReduceMax', [scores], { axes: [-1], keepdims: 1 });
    [dead] = e.node('Equal', [mx, e.constant(-Infinity, dt)]);
    [scores] = e.node('Where', [dead, e.constant(0, dt), scores]);
  }
  let [w] = e.node('Softmax', [scores], { axis: -1 });
  if (dead) [w] = e.node('Where', [dead, e.constant(0, dt), w]);
  e.node('MatMul', [w, vv], undefined, [y.name]);
}

// The fused recurrent cells (ts/ops/rnn.ts) as the primitive nodes of their gate math; the
// workspace (activated gates, kept for backward) is written only when something reads it.
/** x [B, k * H] cut into its k gates along axis 1 (Slice, not Split: onnx.load's importer runs Slice). */
function gates(e: Emit, x: Val, k: number): string[] {
  const H = x.shape[1] / k;
  return Array.from({ length: k }, (_, j) => e.node('Slice', [x.name, e.ints([j * H]), e.ints([(j + 1) * H]), e.ints([1]), e.ints([1])])[0]);
}
function lstmCell(e: Emit): void {
  const xg = e.x(0), hg = e.x(1), c = e.x(2);
  const sum = e.node('Add', [xg.name, hg.name])[0];
  const [gi, gf, gg, go] = gates(e, { ...xg, name: sum }, 4);
  const [i] = e.node('Sigmoid', [gi]), [f] = e.node('Sigmoid', [gf]), [g] = e.node('Tanh', [gg]), [o] = e.node('Sigmoid', [go]);
  e.node('Add', [e.node('Mul', [f, c.name])[0], e.node('Mul', [i, g])[0]], undefined, [e.out(1).name]);
  e.node('Mul', [o, e.node('Tanh', [e.out(1).name])[0]], undefined, [e.out(0).name]);
  if (e.used(2)) e.node('Concat', [i, f, g, o], { axis: 1 }, [e.out(2).name]);
}
function gruCell(e: Emit): void {
  const h = e.x(2);
  const [xr, xz, xn] = gates(e, e.x(0), 3), [hr, hz, hn] = gates(e, e.x(1), 3);
  const [r] = e.node('Sigmoid', [e.node('Add', [xr, hr])[0]]), [z] = e.node('Sigmoid', [e.node('Add', [xz, hz])[0]]);
  const [n] = e.node('Tanh', [e.node('Add', [xn, e.node('Mul', [r, hn])[0]])[0]]);
  // h' = (1 - z) n + z h, as n + z (h - n): the kernel's form
  e.node('Add', [n, e.node('Mul', [z, e.node('Sub', [h.name, n])[0]])[0]], undefined, [e.out(0).name]);
  if (e.used(1)) e.node('Concat', [r, z, n, h.name, hn], { axis: 1 }, [e.out(1).name]);
}

function argReduce(e: Emit, opType: string): void {
  const x = e.x(0), y = e.out(), dim = e.args[1] as number | null, keep = e.args[2] === true;
  if (dim === null || dim === undefined) {
    // over all elements: flatten first (myelin returns the flat index)
    const flat = e.node('Reshape', [x.name, e.ints([-1])])[0];
    const r = e.node(opType, [flat], { axis: 0, keepdims: 0 })[0];
    e.node('Reshape', [r, e.ints(y.shape as number[])], undefined, [y.name]);
    return;
  }
  e.node(opType, [x.name], { axis: norm(dim, x.shape.length), keepdims: keep ? 1 : 0 }, [y.name]);
}
function valuesIndices(e: Emit, valueOp: string, indexOp: string): void {
  const x = e.x(0), axis = norm(e.args[1] as number, x.shape.length), keep = e.args[2] === true;
  if (e.used(0)) reduce(e, valueOp, x, [axis], keep, e.out(0).name);
  if (e.used(1)) e.node(indexOp, [x.name], { axis, keepdims: keep ? 1 : 0, select_last_index: 0 }, [e.out(1).name]);
}
