// Gradient rules, one per differentiable Tensor method, installed by wrapping the
// method: the wrapper runs the op with recording off (so composites record once) and,
// when an input requires grad, attaches a Node whose backward is the rule below.
// Broadcasting is reduced here (sumTo), so no rule mentions it.
import { Tensor } from '../tensor';
import { zeros, ones, arange, tensor } from '../creation';
import { isFloating } from '../dtype';
import { Node, isGradEnabled, setGradEnabled, noGrad, checkVersion } from './engine';

/** out: the method's raw result ({values, indices} for max/min/topk/sort; y is then .values). */
type Ctx = { readonly x: Tensor; readonly meta: Tensor; readonly args: unknown[]; readonly y: Tensor; readonly dy: Tensor; readonly out: unknown };
type Rule = (c: Ctx) => (Tensor | null | undefined)[];

/**
 * What a rule may read. Reading x, args or y checks that tensor's version against the one
 * recorded, so an in-place change throws when a rule needs the overwritten values (exp
 * reads only y: modifying its input afterwards is fine; sigmoid's output is not), and
 * `meta` gives x's shape without the check (reshape, add). test/gradcheck.test.ts changes
 * every rule's inputs in place before backward: each throws or gives the same gradient.
 */
class Saved implements Ctx {
  dy!: Tensor;
  constructor(private readonly op: string, private readonly x0: Tensor, private readonly args0: unknown[],
    private readonly y0: Tensor, readonly out: unknown, private readonly versions: number[], private readonly yVersion: number) {}
  get x(): Tensor { checkVersion(this.op, 'input 0', this.x0, this.versions[0]); return this.x0; }
  /** x for its shape, dtype and requiresGrad only: not checked, since in-place ops change none of them. */
  get meta(): Tensor { return this.x0; }
  get y(): Tensor { checkVersion(this.op, 'output 0', this.y0, this.yVersion); return this.y0; }
  get args(): unknown[] {
    let k = 1;
    for (const a of this.args0) if (a instanceof Tensor) { checkVersion(this.op, `input ${k}`, a, this.versions[k]); k++; }
    return this.args0;
  }
}

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

const reducedDims = (x: Tensor, dim: unknown): number[] => {
  if (dim === undefined || dim === null) return [...Array(x.ndim).keys()];
  const ds = Array.isArray(dim) ? (dim as number[]) : [dim as number];
  return ds.map((d) => (d < 0 ? d + x.ndim : d));
};
/** dy of a reduction, with the reduced dims put back as size 1 and expanded to x. */
function unreduce(dy: Tensor, x: Tensor, dim: unknown, keepdim: boolean): Tensor {
  let g = dy;
  if (!keepdim) for (const d of reducedDims(x, dim).sort((a, b) => a - b)) g = g.unsqueeze(d);
  return g.expand([...x.shape]);
}
const keep = (a: unknown[], i: number): boolean => !!(a[i] as { keepdim?: boolean } | undefined)?.keepdim;
const T = (v: unknown): Tensor | null => (v instanceof Tensor ? v : null);
/** v when it is a tensor that needs a gradient, else null. */
const G = (v: unknown): Tensor | null => (v instanceof Tensor && v.requiresGrad ? v : null);
const normDim = (d: number, n: number): number => (d < 0 ? d + n : d);
/** Zeros shaped like x in dy's dtype (the gradient's dtype). */
const zerosFor = (x: Tensor, dy: Tensor): Tensor => zeros([...x.shape], { dtype: dy.dtype });
const longs = (v: number[]): Tensor => tensor(v, { dtype: 'int64' });
/** Gradient of a view that picks `idx` (int64, 1-d) along dim d: dy written back into zeros. */
const unselect = (x: Tensor, dy: Tensor, d: number, idx: Tensor): Tensor => zerosFor(x, dy).indexAdd(d, idx, dy);
/** Gradient of amax/amin-like reductions: ties share dy evenly (torch's evenly_distribute). */
function evenly(x: Tensor, y: Tensor, dy: Tensor, dim: unknown, keepdim: boolean): Tensor {
  const mask = x.eq(unreduce(y, x, dim, keepdim));
  const count = mask.sum(reducedDims(x, dim), { keepdim: true });
  return unreduce(dy, x, dim, keepdim).mul(mask).div(count);
}
/** Gradient of an op whose values are x's elements at `indices` along d: scatter dy back. */
const scatterBack = (x: Tensor, dy: Tensor, d: number, indices: Tensor): Tensor => zerosFor(x, dy).scatter(d, indices, dy);
const SELU_SCALE = 1.0507009873554804934193349852946, SELU_ALPHA = 1.6732632423543772848170429916717;
const INV_SQRT_2PI = 0.3989422804014327, SQRT_2_OVER_PI = 0.7978845608028654;
type VarOpts = { keepdim?: boolean; correction?: number; unbiased?: boolean } | undefined;
const corr = (o: VarOpts): number => o?.correction ?? (o?.unbiased === false ? 0 : 1);
/** Reflect-pad indices along one dim (as padTensor builds them). */
function reflectIndex(n: number, lo: number, hi: number): Tensor {
  const idx: number[] = [];
  for (let j = lo; j > 0; j--) idx.push(j);
  for (let j = 0; j < n; j++) idx.push(j);
  for (let j = n - 2; j >= n - 1 - hi; j--) idx.push(j);
  return longs(idx);
}
/** Backward of max/min along a dim (or of the all-reduce form, which is amax/amin). */
const maxMinRule: Rule = (c) => {
  const { dy, args, out } = c;
  if (args[0] === undefined) return [evenly(c.x, c.y, dy, undefined, false)];
  const x = c.meta;  // along a dim only the indices are read, as torch saves them
  const d = normDim(args[0] as number, x.ndim);
  const k = keep(args, 1);
  const idx = (out as { indices: Tensor }).indices;
  return [scatterBack(x, k ? dy : dy.unsqueeze(d), d, k ? idx : idx.unsqueeze(d))];
};

const RULES: Record<string, Rule> = {
  neg: ({ dy }) => [dy.neg()],
  abs: ({ dy, x }) => [dy.mul(x.sign())],
  exp: ({ dy, y }) => [dy.mul(y)],
  log: ({ dy, x }) => [dy.div(x)],
  log1p: ({ dy, x }) => [dy.div(x.add(1))],
  expm1: ({ dy, y }) => [dy.mul(y.add(1))],
  sqrt: ({ dy, y }) => [dy.div(y.mul(2))],
  rsqrt: ({ dy, y }) => [dy.mul(y.pow(3)).mul(-0.5)],
  square: ({ dy, x }) => [dy.mul(x).mul(2)],
  reciprocal: ({ dy, y }) => [dy.mul(y.square()).neg()],
  sin: ({ dy, x }) => [dy.mul(x.cos())],
  cos: ({ dy, x }) => [dy.mul(x.sin()).neg()],
  tanh: ({ dy, y }) => [dy.mul(y.square().neg().add(1))],
  erf: ({ dy, x }) => [dy.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI)))],
  sigmoid: ({ dy, y }) => [dy.mul(y).mul(y.neg().add(1))],
  relu: ({ dy, y }) => [dy.where(y.gt(0), 0)],  // the output, as torch: an in-place change to x is fine; NaN dy where y <= 0 gives 0, as torch's threshold_backward
  leakyRelu: ({ dy, x, args }) => { const s = (args[0] as number | undefined) ?? 0.01; return [dy.mul(x.gt(0).float().mul(1 - s).add(s))]; },
  silu: ({ dy, x }) => { const s = x.sigmoid(); return [dy.mul(s.mul(x.mul(s.neg().add(1)).add(1)))]; },
  softplus: ({ dy, x, args }) => {
    const o = args[0] as { beta?: number; threshold?: number } | undefined;
    const bx = x.mul(o?.beta ?? 1);
    return [dy.mul(bx.sigmoid().where(bx.le(o?.threshold ?? 20), 1))];
  },
  clamp: ({ dy, x, args }) => {
    const lo = args[0] as number | null | undefined, hi = args[1] as number | null | undefined;
    let m = x.eq(x);
    if (lo !== null && lo !== undefined) m = m.logicalAnd(x.ge(lo));
    if (hi !== null && hi !== undefined) m = m.logicalAnd(x.le(hi));
    return [dy.mul(m)];
  },
  // binary ops skip the gradient of an operand that needs none (a one-hot target, a mask)
  add: ({ dy, meta: x, args }) => {
    const alpha = (args[1] as { alpha?: number } | undefined)?.alpha ?? 1;
    const o = G(args[0]);
    return [G(x) && sumTo(dy, x.shape), o && sumTo(alpha === 1 ? dy : dy.mul(alpha), o.shape)];
  },
  sub: ({ dy, meta: x, args }) => {
    const alpha = (args[1] as { alpha?: number } | undefined)?.alpha ?? 1;
    const o = G(args[0]);
    return [G(x) && sumTo(dy, x.shape), o && sumTo(dy.mul(-alpha), o.shape)];
  },
  mul: (c) => {
    const { dy, meta: x } = c, o = c.args[0] as Tensor | number, og = G(o);
    return [G(x) && sumTo(dy.mul(o), x.shape), og && sumTo(dy.mul(c.x), og.shape)];
  },
  div: (c) => {
    const { dy, meta: x } = c, o = c.args[0] as Tensor | number, og = G(o);
    return [G(x) && sumTo(dy.div(o), x.shape), og && sumTo(dy.mul(c.x).div(og.square()).neg(), og.shape)];
  },
  pow: (c) => {
    const { dy, x } = c, o = c.args[0] as Tensor | number;
    const gx = sumTo(dy.mul(x.pow(o instanceof Tensor ? o.sub(1) : (o as number) - 1)).mul(o), x.shape);
    return [gx, o instanceof Tensor ? sumTo(dy.mul(c.y).mul(x.log()), o.shape) : null];  // y only for a tensor exponent
  },
  sum: ({ dy, meta: x, args }) => [unreduce(dy, x, args[0], keep(args, 1))],
  mean: ({ dy, meta: x, args }) => {
    const n = reducedDims(x, args[0]).reduce((a, d) => a * x.shape[d], 1);
    return [unreduce(dy, x, args[0], keep(args, 1)).div(n)];
  },
  logsumexp: ({ dy, x, y, args }) => [unreduce(dy, x, args[0], keep(args, 1)).mul(x.sub(unreduce(y, x, args[0], keep(args, 1))).exp())],
  softmax: ({ dy, y, args }) => [y.mul(dy.sub(dy.mul(y).sum(args[0] as number, { keepdim: true })))],
  logSoftmax: ({ dy, y, args }) => [dy.sub(y.exp().mul(dy.sum(args[0] as number, { keepdim: true })))],
  matmul: ({ dy, x, args }) => {
    const o = args[0] as Tensor;
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
  reshape: ({ dy, meta: x }) => [dy.reshape([...x.shape])],
  view: ({ dy, meta: x }) => [dy.reshape([...x.shape])],
  flatten: ({ dy, meta: x }) => [dy.reshape([...x.shape])],
  squeeze: ({ dy, meta: x }) => [dy.reshape([...x.shape])],
  unsqueeze: ({ dy, meta: x }) => [dy.reshape([...x.shape])],
  contiguous: ({ dy }) => [dy],
  clone: ({ dy }) => [dy],
  transpose: ({ dy, args }) => [dy.transpose(args[0] as number, args[1] as number)],
  permute: ({ dy, args }) => {
    const p = (args.length === 1 && Array.isArray(args[0]) ? args[0] : args) as number[];
    const inv: number[] = [];
    p.forEach((d, i) => { inv[d < 0 ? d + p.length : d] = i; });
    return [dy.permute(inv)];
  },
  expand: ({ dy, meta: x }) => [sumTo(dy, x.shape)],
  asStrided: ({ dy, meta: x, args }) => {
    // dy summed back onto x's elements (several view elements may share one), through the
    // flat element indices the same view of a contiguous arange picks
    if (!x.isContiguous()) throw new Error('backward: asStrided of a non-contiguous tensor is not differentiable here; call contiguous() first');
    const [shape, strides, offset] = args as [number[], number[], number | undefined];
    const idx = arange(x.numel(), undefined, undefined, { dtype: 'int64' }).asStrided(shape, strides, (offset ?? 0) - x.storageOffset());
    return [zeros([x.numel()], { dtype: dy.dtype }).indexAdd(0, idx.flatten(), dy.flatten()).reshape([...x.shape])];
  },
  elu: ({ dy, x, y, args }) => { const a = (args[0] as number | undefined) ?? 1; return [dy.mul(y.add(a).where(x.le(0), 1))]; },
  selu: ({ dy, x, y }) => [dy.mul(y.add(SELU_SCALE * SELU_ALPHA).where(x.le(0), SELU_SCALE))],
  gelu: ({ dy, x, y, args }) => {
    if ((args[0] as { approximate?: string } | undefined)?.approximate === 'tanh') {
      const x2 = x.square();
      const t = x.add(x2.mul(x).mul(0.044715)).mul(SQRT_2_OVER_PI).tanh();
      const dt = t.square().neg().add(1).mul(x2.mul(3 * 0.044715).add(1)).mul(SQRT_2_OVER_PI);
      return [dy.mul(t.add(1).mul(0.5).add(x.mul(dt).mul(0.5)))];
    }
    const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);  // Phi(x)
    const pdf = x.square().mul(-0.5).exp().mul(INV_SQRT_2PI);
    return [dy.mul(cdf.add(x.mul(pdf)))];
  },
  sign: ({ dy, meta: x }) => [zerosFor(x, dy)],
  floor: ({ dy, meta: x }) => [zerosFor(x, dy)],
  ceil: ({ dy, meta: x }) => [zerosFor(x, dy)],
  round: ({ dy, meta: x }) => [zerosFor(x, dy)],
  maximum: ({ dy, x, args }) => {
    const o = args[0] as Tensor | number, half = x.eq(o).mul(0.5);
    return [sumTo(dy.mul(x.gt(o).add(half)), x.shape), o instanceof Tensor ? sumTo(dy.mul(x.lt(o).add(half)), o.shape) : null];
  },
  minimum: ({ dy, x, args }) => {
    const o = args[0] as Tensor | number, half = x.eq(o).mul(0.5);
    return [sumTo(dy.mul(x.lt(o).add(half)), x.shape), o instanceof Tensor ? sumTo(dy.mul(x.gt(o).add(half)), o.shape) : null];
  },
  where: ({ dy, x, args }) => {
    const cond = args[0] as Tensor, o = T(args[1]);
    return [sumTo(dy.where(cond, 0), x.shape), null, o && sumTo(dy.where(cond.logicalNot(), 0), o.shape)];
  },
  prod: ({ dy, x, args }) => {
    // exact with zeros: a slice with one zero sends the product of the others to that zero, more zeros give 0
    const k = keep(args, 1), dims = reducedDims(x, args[0]);
    const isZero = x.eq(0);
    const zc = unreduce(isZero.sum(dims, { keepdim: true }), x, dims, true);
    const safe = x.where(isZero.logicalNot(), 1);
    const others = unreduce(safe.prod(dims, { keepdim: true }), x, dims, true);
    const g = others.div(safe).where(zc.eq(0), others.where(zc.eq(1).logicalAnd(isZero), 0));
    return [unreduce(dy, x, args[0], k).mul(g)];
  },
  amax: ({ dy, x, y, args }) => [evenly(x, y, dy, args[0], keep(args, 1))],
  amin: ({ dy, x, y, args }) => [evenly(x, y, dy, args[0], keep(args, 1))],
  max: maxMinRule,
  min: maxMinRule,
  var: ({ dy, x, args }) => {
    const o = args[1] as VarOpts, dims = reducedDims(x, args[0]);
    const n = dims.reduce((a, d) => a * x.shape[d], 1);
    const xc = x.sub(x.mean(dims, { keepdim: true }));
    return [unreduce(dy, x, args[0], !!o?.keepdim).mul(xc).mul(2 / (n - corr(o)))];
  },
  std: ({ dy, x, y, args }) => {
    const o = args[1] as VarOpts, dims = reducedDims(x, args[0]), k = !!o?.keepdim;
    const n = dims.reduce((a, d) => a * x.shape[d], 1);
    const xc = x.sub(x.mean(dims, { keepdim: true }));
    return [unreduce(dy, x, args[0], k).mul(xc).div(unreduce(y, x, args[0], k).mul(n - corr(o)))];
  },
  norm: ({ dy, x, y, args }) => {
    const p0 = (args[0] as number | 'fro' | undefined) ?? 2, p = p0 === 'fro' ? 2 : p0;
    const dim = args[1], k = keep(args, 2);
    const g = unreduce(dy, x, dim, k), yy = unreduce(y, x, dim, k);
    if (p === 1) return [g.mul(x.sign())];
    if (p === Infinity || p === -Infinity) {
      const mask = x.abs().eq(yy);
      return [g.mul(x.sign()).mul(mask).div(mask.sum(reducedDims(x, dim), { keepdim: true }))];
    }
    if (p === 0) return [zerosFor(x, dy)];
    const nz = yy.ne(0);  // torch: zero norm gives zero gradient
    const r = p === 2 ? x.div(yy.where(nz, 1)) : x.mul(x.abs().pow(p - 2)).div(yy.where(nz, 1).pow(p - 1));
    return [g.mul(r).where(nz, 0)];
  },
  cumsum: ({ dy, args }) => { const d = args[0] as number; return [dy.flip([d]).cumsum(d).flip([d])]; },
  slice: ({ dy, meta: x, args }) => {
    const d = normDim(args[0] as number, x.ndim);
    const idx = arange(x.shape[d]).slice(0, ...(args.slice(1) as number[]));
    return [unselect(x, dy, d, idx)];
  },
  select: ({ dy, meta: x, args }) => {
    const d = normDim(args[0] as number, x.ndim);
    return [unselect(x, dy.unsqueeze(d), d, longs([normDim(args[1] as number, x.shape[d])]))];
  },
  narrow: ({ dy, meta: x, args }) => {
    const d = normDim(args[0] as number, x.ndim), s = normDim(args[1] as number, x.shape[d]);
    return [unselect(x, dy, d, arange(s, s + (args[2] as number)))];
  },
  gather: ({ dy, meta: x, args }) => [zerosFor(x, dy).scatterAdd(args[0] as number, args[1] as Tensor, dy), null],
  scatter: ({ dy, args }) => {
    const d = args[0] as number, index = args[1] as Tensor, src = T(args[2]);
    return [dy.scatter(d, index, 0), null, src && dy.gather(d, index)];
  },
  scatterAdd: ({ dy, args }) => [dy, null, dy.gather(args[0] as number, args[1] as Tensor)],
  indexSelect: ({ dy, meta: x, args }) => [unselect(x, dy, normDim(args[0] as number, x.ndim), args[1] as Tensor), null],
  indexAdd: ({ dy, args }) => {
    const alpha = (args[3] as { alpha?: number } | undefined)?.alpha ?? 1, src = args[2] as Tensor;
    let gs = dy.indexSelect(args[0] as number, args[1] as Tensor);
    if (alpha !== 1) gs = gs.mul(alpha);
    return [dy, null, gs.reshape([...src.shape])];
  },
  maskedFill: ({ dy, args }) => [dy.maskedFill(args[0] as Tensor, 0), null],
  topk: ({ dy, meta: x, args, out }) => {
    const d = normDim((args[1] as { dim?: number } | undefined)?.dim ?? -1, x.ndim);
    return [scatterBack(x, dy, d, (out as { indices: Tensor }).indices)];
  },
  sort: ({ dy, meta: x, args, out }) => {
    const d = normDim((args[0] as { dim?: number } | undefined)?.dim ?? -1, x.ndim);
    return [scatterBack(x, dy, d, (out as { indices: Tensor }).indices)];
  },
  flip: ({ dy, args }) => [dy.flip(...(args as number[][]))],
  to: ({ dy, meta: x }) => [dy.to(x.dtype)],
  pad: ({ dy, meta: x, args }) => {
    const pads = args[0] as number[], o = args[1] as { mode?: string } | undefined;
    if ((o?.mode ?? 'constant') === 'constant') return [dy.pad(pads.map((v) => -v))];
    // reflect: undo the per-dim indexSelects in reverse order, summing reflected positions
    const k = pads.length / 2, shapes: number[][] = [[...x.shape]];
    for (let i = 0; i < k; i++) {
      const s = [...shapes[i]], d = x.ndim - 1 - i;
      s[d] += pads[2 * i] + pads[2 * i + 1];
      shapes.push(s);
    }
    let g = dy;
    for (let i = k - 1; i >= 0; i--) {
      const d = x.ndim - 1 - i;
      g = zeros(shapes[i], { dtype: dy.dtype }).indexAdd(d, reflectIndex(x.shape[d], pads[2 * i], pads[2 * i + 1]), g);
    }
    return [g];
  },
};

// Checked on every op call, so it allocates nothing (the common case is no grad).
function needsGrad(x: Tensor, args: unknown[]): boolean {
  if (x.requiresGrad) return true;
  for (const a of args) if (a instanceof Tensor && a.requiresGrad) return true;
  return false;
}

let recording = 0;  // > 0 while a wrapped op runs: its inner ops do not record

/** Attaches a Node to y (its new gradFn); returns y. */
function attach(name: string, inputs: Tensor[], y: Tensor, backward: (dy: Tensor) => (Tensor | null | undefined)[]): Tensor {
  if (!isFloating(y.dtype)) return y;  // integer/bool results are not differentiable (as torch)
  y.gradFn = new Node(name, inputs.map((t) => (t.requiresGrad ? t : null)), (dy) => {
    const prev = isGradEnabled();
    try { return backward(dy).map((g) => g ?? null); } finally { setGradEnabled(prev); }
  });
  return y;
}

/** Attaches the Node of a rule from RULES: x and the tensor args are its inputs, read through Saved. */
function attachRule(name: string, rule: Rule, x: Tensor, args: unknown[], y: Tensor, out: unknown, versions?: number[]): void {
  const inputs = [x, ...tensorsIn(args)];
  const saved = new Saved(name, x, args, y, out, versions ?? inputs.map((t) => t._version), y._version);
  attach(name, inputs, y, (dy) => { saved.dy = dy; return rule(saved); });
}

/**
 * Records an op computed outside Tensor's methods (top-level cat, conv, ...): when grad mode
 * is on and an input requires grad, `output` gets a Node whose backward returns one gradient
 * per input (null where none). The closure may read any input, so all of them must still
 * be at their recorded versions; it must not read `output`. Returns `output`.
 */
export function record(name: string, inputs: Tensor[], output: Tensor, backward: (dy: Tensor) => (Tensor | null | undefined)[]): Tensor {
  if (recording > 0 || !isGradEnabled() || !inputs.some((t) => t.requiresGrad)) return output;
  const versions = inputs.map((t) => t._version);
  return attach(name, inputs, output, (dy) => {
    inputs.forEach((t, i) => checkVersion(name, `input ${i}`, t, versions[i]));
    return backward(dy);
  });
}

/** Backward of cat(tensors, dim): dy cut back into the inputs' extents along dim. */
export function catBackward(tensors: Tensor[], dim: number): (dy: Tensor) => Tensor[] {
  const nd = tensors.find((t) => t.ndim > 0)?.ndim ?? 1;
  const d = normDim(dim, nd);
  const lens = tensors.map((t) => (t.ndim === 1 && t.shape[0] === 0 && nd !== 1 ? 0 : t.shape[d]));
  const shapes = tensors.map((t) => [...t.shape]);
  return (dy) => {
    let start = 0;
    return lens.map((n, i) => { const g = dy.narrow(d, start, n).reshape(shapes[i]); start += n; return g; });
  };
}

type Method = (this: Tensor, ...args: unknown[]) => unknown;
/** Replaces Tensor.prototype[name] by the method `wrap` builds around the original. */
function wrapMethod(name: string, wrap: (orig: Method) => Method): void {
  const proto = Tensor.prototype as unknown as Record<string, Method>;
  const orig = proto[name];
  if (typeof orig !== 'function') throw new Error(`autograd: Tensor has no method ${name}`);
  proto[name] = wrap(orig);
}
const tensorsIn = (args: unknown[]): Tensor[] => args.filter((a): a is Tensor => a instanceof Tensor);

function install(name: string, rule: Rule): void {
  wrapMethod(name, (orig) => function (this: Tensor, ...args: unknown[]) {
    if (recording > 0 || !isGradEnabled() || !needsGrad(this, args)) return orig.apply(this, args);
    recording++;
    let out: unknown;
    try { out = orig.apply(this, args); } finally { recording--; }
    // ops returning {values, indices} (max/min along a dim, topk, sort) record on .values
    const y = out instanceof Tensor ? out : (out as { values: Tensor }).values;
    if (y === this) return out;  // x.to('cpu') and the like return the receiver itself
    attachRule(name, rule, this, args, y, out);
    return out;
  });
}

for (const [name, rule] of Object.entries(RULES)) install(name, rule);
export const DIFFERENTIABLE = Object.keys(RULES);

/**
 * In-place methods under autograd, each differentiated by its out-of-place rule, or, where
 * the result does not depend on the old value, by `fresh` (one gradient per tensor arg).
 */
const IN_PLACE: Record<string, { rule: Rule } | { fresh: (dy: Tensor, args: unknown[]) => (Tensor | null)[] }> = {
  add_: { rule: RULES.add }, sub_: { rule: RULES.sub }, mul_: { rule: RULES.mul }, div_: { rule: RULES.div },
  pow_: { rule: RULES.pow }, neg_: { rule: RULES.neg }, exp_: { rule: RULES.exp }, sqrt_: { rule: RULES.sqrt },
  relu_: { rule: RULES.relu }, sigmoid_: { rule: RULES.sigmoid }, tanh_: { rule: RULES.tanh }, clamp_: { rule: RULES.clamp },
  maskedFill_: { rule: RULES.maskedFill },
  zero_: { fresh: () => [] }, fill_: { fresh: () => [] }, uniform_: { fresh: () => [] }, normal_: { fresh: () => [] },
  copy_: { fresh: (dy, [src]) => { const s = src as Tensor; return [sumTo(dy, s.shape).to(s.dtype)]; } },
};

/**
 * Records an in-place op as PyTorch does: the tensor gets a new gradFn whose input is its old
 * value (a snapshot holding the old gradFn, for rules that read it), and nodes recorded
 * before keep their edges to the old gradFn. On a view, the base's graph is rewritten too
 * (rebaseView). Leaves that require grad, and views of them, refuse (as torch).
 */
function installInPlace(name: string, how: (typeof IN_PLACE)[string]): void {
  wrapMethod(name, (orig) => function (this: Tensor, ...args: unknown[]) {
    if (recording > 0 || !isGradEnabled() || !needsGrad(this, args)) return orig.apply(this, args);
    if (this.isLeaf && this.requiresGrad) this._checkInPlace(name);  // throws torch's leaf error
    const base = this._base && !this._base.isDisposed ? this._base : null;  // a disposed base has no one to tell
    if (base) checkViewInPlace(name, base, this);
    const old = 'rule' in how ? noGrad(() => this.clone()) : null;
    if (old) old.gradFn = this.gradFn;
    // versions before the op: an argument that aliases this tensor (y.mul_(y.detach())) is
    // changed by it, and a rule that reads that argument must throw
    const srcs = tensorsIn(args);
    const versions = old ? [old, ...srcs].map((t) => t._version) : [];
    noGrad(() => orig.apply(this, args));
    if ('rule' in how) attachRule(name, how.rule, old!, args, this, this, versions);
    else attach(name, srcs, this, (dy) => how.fresh(dy, args));
    if (base) rebaseView(base, this);
    return this;
  });
}

function checkViewInPlace(op: string, base: Tensor, v: Tensor): void {
  if (base.isLeaf && base.requiresGrad) throw new Error(`${op}: a view of a leaf tensor that requires grad is being used in an in-place operation`);
  if (!base.isContiguous()) throw new Error(`${op}: in-place operation on a view of a non-contiguous tensor is not supported under autograd; clone() the view or use the out-of-place form`);
  if (v.stride().some((st, i) => st === 0 && v.shape[i] > 1))
    throw new Error(`${op}: in-place operation on an expanded view (several elements share one memory location) is not supported under autograd`);
}

/**
 * After an in-place op on view v, the base's value is its old value with v's region replaced
 * (torch's CopySlices): the base gets a Node whose gradient goes to v's region for v's new
 * node and to the rest for the base's old graph. v's region of the (contiguous) base is
 * v's shape and strides at v's offset from the base.
 */
function rebaseView(base: Tensor, v: Tensor): void {
  const shape = [...v.shape], strides = v.stride(), offset = v.storageOffset() - base.storageOffset();
  const baseOld = base.detach();
  baseOld.gradFn = base.gradFn;
  attach('copySlices', [baseOld, v], base, (dy) => {
    if (isGradEnabled()) throw new Error('backward: createGraph through an in-place operation on a view is not supported');
    const region = (t: Tensor): Tensor => t.asStrided(shape, strides, t.storageOffset() + offset);
    const mask = ones([...base.shape], { dtype: dy.dtype });
    region(mask).zero_();
    const g = dy.contiguous();
    return [dy.mul(mask), region(g)];
  });
}
for (const [name, how] of Object.entries(IN_PLACE)) installInPlace(name, how);
export const IN_PLACE_RECORDED = Object.keys(IN_PLACE);
